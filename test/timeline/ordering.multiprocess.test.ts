// PER_KEY ordering across worker processes (issue 13): two `worker` processes of src/main.ts share one database; a
// receiver answers slowly and fails the first attempt of some keys. Per key, what the receiver accepts comes in
// publish order — each delivery only after the one before it succeeded — over several hundred events and 50 keys,
// while keys whose deliveries fail are no hindrance to the others (timings printed, not asserted).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { publish, waitUntil } from '../helpers/delivery.js';
import { gql } from '../helpers/raw-graphql.js';
import { freePort, serviceProcess, type ServiceProcess } from '../helpers/service-process.js';

const KEYS = 50;
const EVENTS_PER_KEY = 8;
/** Every fifth key's deliveries fail their first attempt. */
const isFlaky = (key: number) => key % 5 === 0;

type Arrival = { key: string; sequence: number; status: number; at: number };

let api: TestApp;
const workers: ServiceProcess[] = [];
let server: Server;
const arrivals: Arrival[] = [];
const attemptsSeen = new Map<string, number>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { sequence: number; data: { id: string; key: number } };
      const id = String(request.headers['webhook-id']);
      const tries = (attemptsSeen.get(id) ?? 0) + 1;
      attemptsSeen.set(id, tries);
      const status = isFlaky(body.data.key) && tries === 1 ? 500 : 200;
      // Slow answers (5–40 ms), so that attempts of different keys overlap across both workers.
      setTimeout(() => {
        arrivals.push({ key: body.data.id, sequence: body.sequence, status, at: Date.now() });
        response.writeHead(status).end();
      }, 5 + Math.floor(Math.random() * 35));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const databaseUrl = await createTestDatabase();
  api = await startTestApp({ HOOKSTREAM_ROLE: 'api' }, databaseUrl);
  for (let index = 0; index < 2; index++) {
    const worker = serviceProcess({
      databaseUrl,
      port: await freePort(),
      // Failures are many here (every fifth key's first attempts), and not this test's subject: no auto-disable.
      env: { HOOKSTREAM_ROLE: 'worker', ALLOW_PRIVATE_TARGETS: 'true', RETRY_SCHEDULE: '200ms,200ms,200ms', WORKER_POLL_INTERVAL: '100ms', DISABLE_AFTER_FAILURES: '1000' },
    });
    workers.push(worker);
  }
  await Promise.all(workers.map((worker) => worker.start()));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await api?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

it('delivers each key in publish order across two workers, retries holding their key and nothing else', { timeout: 120_000 }, async () => {
  const { client } = await api.newAccount();
  await client.data(gql(`mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }`), {
    input: { name: 'ordered', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ordered`, events: ['bookings.*'], ordering: 'PER_KEY' },
  });
  const started = Date.now();
  // Each key's events are published one after another; the keys in parallel, so the workers see them interleaved.
  const publishedAt = new Map<string, number>();
  await Promise.all(
    Array.from({ length: KEYS }, async (_, key) => {
      for (let version = 1; version <= EVENTS_PER_KEY; version++) {
        await publish(client, { type: version === 1 ? 'bookings.created' : 'bookings.updated', data: { id: `booking-${key}`, key, version } });
      }
      publishedAt.set(`booking-${key}`, Date.now());
    }),
  );
  const total = KEYS * EVENTS_PER_KEY;
  await waitUntil('every delivery to succeed', () => arrivals.filter((arrival) => arrival.status === 200).length >= total, 60_000).catch(async (error: unknown) => {
    const { rows } = await api.db.pool.query(`select status, held, count(*)::int from deliveries group by 1, 2 order by 1, 2`);
    const jobs = await api.db.pool.query(`select name, state, count(*)::int from pgboss.job group by 1, 2`);
    const stuck = await api.db.pool.query(`select ordering_key, sequence, status, held, attempt_count from deliveries where status in ('PENDING','RETRYING') order by ordering_key, sequence limit 30`);
    console.log(JSON.stringify(rows), JSON.stringify(jobs.rows), JSON.stringify(stuck.rows), workers.map((w) => w.output().slice(-3000)).join('\n----\n'));
    throw error;
  });

  for (let key = 0; key < KEYS; key++) {
    const seen = arrivals.filter((arrival) => arrival.key === `booking-${key}`);
    // What succeeded came in publish order, each once; nothing of a key arrived before the one before it succeeded.
    expect(seen.filter((arrival) => arrival.status === 200).map((arrival) => arrival.sequence)).toEqual(Array.from({ length: EVENTS_PER_KEY }, (_, index) => index + 1));
    let done = 0;
    for (const arrival of seen) {
      expect(arrival.sequence, `booking-${key}: ${seen.map((a) => `${a.sequence}/${a.status}`).join(' ')}`).toBeLessThanOrEqual(done + 1);
      if (arrival.status === 200) done = arrival.sequence;
    }
  }
  const finishedAfter = (keys: number[]) =>
    keys.map((key) => Math.max(...arrivals.filter((arrival) => arrival.key === `booking-${key}`).map((arrival) => arrival.at)) - started).sort((a, b) => a - b);
  const median = (values: number[]) => values[Math.floor(values.length / 2)]!;
  const flaky = finishedAfter(Array.from({ length: KEYS }, (_, key) => key).filter(isFlaky));
  const healthy = finishedAfter(Array.from({ length: KEYS }, (_, key) => key).filter((key) => !isFlaky(key)));
  console.log(
    `ordering across 2 workers: ${total} events, ${KEYS} keys; keys with failing first attempts done after ${median(flaky)} ms median (max ${flaky.at(-1)}), ` +
      `the others after ${median(healthy)} ms median (max ${healthy.at(-1)}); ${arrivals.length} requests in all`,
  );
});
