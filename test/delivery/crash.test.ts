// At-least-once across a crash: a real worker process (`node --import tsx src/main.ts`, HOOKSTREAM_ROLE=worker) is
// killed with SIGKILL while its deliveries are in flight (the receiver holds its answers); a new worker picks up the expired jobs and every accepted
// event reaches the receiver, duplicates allowed, always with the same webhook-id and the same signed body.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { createWebhook, deliveriesOfEvent, DELIVERY_ROW_SQL, gate, publish, waitUntil, type DeliveryRow } from '../helpers/delivery.js';
import { childEnv } from '../helpers/process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { publicId } from '../../src/domain/public-id.js';

const EVENTS = 12;
const DEADLINE_MS = 60_000;

type Worker = { child: ChildProcess; output: () => string };

function spawnWorker(databaseUrl: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: childEnv({
      DATABASE_URL: databaseUrl,
      HOOKSTREAM_ROLE: 'worker',
      PORT: '0',
      HOST: '127.0.0.1',
      ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_TIMEOUT: '2s',
      RETRY_SCHEDULE: '500ms,1s,2s,5s',
      JOB_EXPIRY_SLACK: '1s',
      WORKER_MAINTENANCE_INTERVAL: '1s',
      WORKER_POLL_INTERVAL: '200ms',
      LOG_LEVEL: 'warn',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

async function stopWorker(worker: Worker | undefined, signal: NodeJS.Signals) {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = once(worker.child, 'exit');
  worker.child.kill(signal);
  await exited;
}

const workers: Worker[] = [];
let api: TestApp | undefined;
let receiver: Receiver | undefined;
afterAll(async () => {
  for (const worker of workers) await stopWorker(worker, 'SIGTERM');
  await api?.stop();
  await receiver?.close();
});

it('delivers every accepted event after a worker is killed mid-delivery', { timeout: 120_000 }, async () => {
  const databaseUrl = await createTestDatabase();
  const first = spawnWorker(databaseUrl);
  workers.push(first);
  [api, receiver] = await Promise.all([startTestApp({ HOOKSTREAM_ROLE: 'api' }, databaseUrl), startReceiver()]);
  expect(api.runsWorkers, 'the in-process app must not deliver').toBe(false);
  // The worker has started once it has created the attempt queue (its job inserts join on it).
  await waitUntil(
    'the first worker to create its queues',
    async () => {
      if (first.child.exitCode !== null) throw new Error(`worker exited: ${first.output()}`);
      const { rows } = await api!.db.pool.query(`select 1 from pgboss.queue where name = 'delivery_attempt'`).catch(() => ({ rows: [] }));
      return rows.length > 0;
    },
    DEADLINE_MS,
  );

  // The first worker's attempts are held unanswered until it is dead: the kill lands mid-delivery, however slow the
  // machine. (Held past DELIVERY_TIMEOUT, an attempt times out and is retried, never succeeds: the same for this test.)
  const firstWorkerDead = gate();
  receiver.fallback = { status: 200, release: firstWorkerDead.promise };
  const { client } = await api.newAccount();
  const webhook = await createWebhook(client, { name: 'crash', url: receiver.url, events: ['*'] });
  const events = await Promise.all(Array.from({ length: EVENTS }, (_, index) => publish(client, { type: 'bookings.created', data: { id: `b${index}` } })));
  expect(events.every((event) => event.deliveryCount === 1)).toBe(true);
  const deliveries = (await Promise.all(events.map((event) => deliveriesOfEvent(api!.db.pool, event.rawId)))).flat();
  expect(deliveries).toHaveLength(EVENTS);

  await receiver.waitFor(1, DEADLINE_MS);
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  const inFlightAtKill = new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])));
  receiver.fallback = { status: 200 };
  firstWorkerDead.open();
  const { rows: finishedAtKill } = await api.db.pool.query<{ count: number }>(`select count(*)::int as count from deliveries where status = 'SUCCEEDED'`);
  expect(finishedAtKill[0]!.count).toBe(0);

  const second = spawnWorker(databaseUrl);
  workers.push(second);
  const settled = await waitUntil(
    'every delivery to succeed after the restart',
    async () => {
      if (second.child.exitCode !== null) throw new Error(`worker exited: ${second.output()}`);
      const { rows } = await api!.db.pool.query<DeliveryRow>(`${DELIVERY_ROW_SQL} where d.id = any($1::uuid[])`, [deliveries.map((d) => d.id)]);
      return rows.every((row) => row.status === 'SUCCEEDED') ? rows : undefined;
    },
    DEADLINE_MS,
    200,
  );

  for (const delivery of settled) {
    const requests = receiver.requests.filter((request) => request.headers['webhook-id'] === publicId('Delivery', delivery.id));
    expect(requests.length, `requests for delivery ${delivery.id}`).toBeGreaterThanOrEqual(1);
    // Duplicates are the same message: same body bytes, each signed afresh and valid.
    expect(new Set(requests.map((request) => request.body))).toEqual(new Set([delivery.body]));
    for (const request of requests) expect(receiver.verify(request, webhook.secret)).toBeTruthy();
  }
  // Every request that was in flight at the kill was sent again.
  for (const deliveryId of inFlightAtKill) {
    expect(receiver.requests.filter((request) => request.headers['webhook-id'] === deliveryId).length).toBeGreaterThanOrEqual(2);
  }
  // The attempts the killed worker had under way were never recorded: each delivery's record is 1..n without a gap
  // (an attempt held past DELIVERY_TIMEOUT before the kill is a recorded timeout), the last one its success.
  const { rows: attempts } = await api.db.pool.query<{ delivery_id: string; numbers: number[]; last_status: number }>(
    `select delivery_id, array_agg(number order by number) as numbers, (array_agg(response_status order by number desc))[1] as last_status
       from delivery_attempts where delivery_id = any($1::uuid[]) group by delivery_id`,
    [deliveries.map((d) => d.id)],
  );
  expect(attempts).toHaveLength(EVENTS);
  for (const attempt of attempts) {
    expect(attempt.numbers).toEqual(attempt.numbers.map((_, index) => index + 1));
    expect(attempt.last_status).toBe(200);
  }
  expect(first.output()).not.toMatch(/"level":(50|60)/);
});
