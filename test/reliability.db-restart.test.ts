// Issue 7: PostgreSQL restarts under load. The service (src/main.ts as a child process) runs against a cluster of this
// test's own — the suite's shared cluster cannot be stopped safely — while events are published continuously; the
// cluster is stopped for a few seconds and started again on the same files and port. The service must notice
// (/readyz 503), come back by itself (/readyz 200, publishes answered again) without a restart, and deliver every
// publish that was answered, before or after the outage.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccount } from '../src/db/account.js';
import { connectDatabase } from '../src/db/client.js';
import { openEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { PublishEventDocument } from '../src/sdk/generated.js';
import { TEST_SECRET_KEY } from './helpers/app.js';
import { createWebhook, waitUntil } from './helpers/delivery.js';
import { rawId } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { freePort, serviceProcess, type ServiceProcess } from './helpers/service-process.js';

const OUTAGE_MS = 3_000;
const PUBLISHES_BEFORE = 40;
const PUBLISHES_AFTER = 40;

let dataDir: string;
let embedded: EmbeddedDatabase | null = null;
let service: ServiceProcess | undefined;
let receiver: Receiver | undefined;

const openCluster = () => openEmbeddedPostgres({ dataDir, persistent: true, settings: { max_connections: '100' } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hookstream-db-restart-'));
  await chmod(dataDir, 0o755); // as root, the cluster runs as the `postgres` system user, which must reach it
  embedded = await openCluster();
  await migrateDatabase(embedded.url);
  receiver = await startReceiver();
  // A little slow, so that attempts are in flight when the database goes away: their outcome cannot be recorded, and
  // they are sent again afterwards (with the same webhook-id).
  receiver.fallback = { status: 200, body: 'ok', delayMs: 150 };
});

afterAll(async () => {
  await service?.kill();
  await receiver?.close();
  await embedded?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it('reconnects by itself after PostgreSQL restarts, and delivers every publish it answered', { timeout: 180_000 }, async () => {
  const databaseUrl = embedded!.url;
  const setup = connectDatabase(databaseUrl, { maxConnections: 1 });
  const { apiKey } = await createAccount(setup.prisma, { name: 'Outage Spa' });
  await setup.close();

  service = serviceProcess({
    databaseUrl,
    port: await freePort(),
    env: {
      ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_TIMEOUT: '2s',
      JOB_EXPIRY_SLACK: '1s',
      WORKER_MAINTENANCE_INTERVAL: '1s',
      WORKER_POLL_INTERVAL: '200ms',
      RETRY_SCHEDULE: '200ms,500ms,1s',
      LOG_LEVEL: 'warn',
      HOOKSTREAM_SECRET_KEY: TEST_SECRET_KEY,
    },
  });
  await service.start();
  const client = service.client(apiKey);
  const webhook = await createWebhook(client, { name: 'outage', url: receiver!.url, events: ['*'] });

  // Two publishers, each publishing its next sequence number until it is answered (the same idempotency key on
  // every try, so a commit whose answer was lost is not published twice).
  const answered = new Map<number, { eventId: string; phase: 'before' | 'during' | 'after' }>();
  let phase: 'before' | 'during' | 'after' = 'before';
  let nextSequence = 0;
  let stopPublishing = false;
  const failuresByPhase = { before: 0, during: 0, after: 0 };
  const publisher = async () => {
    while (!stopPublishing) {
      const sequence = nextSequence++;
      while (!stopPublishing) {
        const result = await client
          .request(PublishEventDocument, { input: { type: 'orders.created', data: { id: `order-${sequence}`, sequence }, idempotencyKey: `outage-${sequence}` } })
          .catch(() => null);
        const event = result?.data?.publishEvent.event;
        if (event && !result.errors) {
          answered.set(sequence, { eventId: rawId(event.id, 'Event'), phase });
          break;
        }
        failuresByPhase[phase] += 1;
        await sleep(100);
      }
      await sleep(20);
    }
  };
  const publishing = Promise.all([publisher(), publisher()]);

  await waitUntil(`${PUBLISHES_BEFORE} publishes before the outage`, () => answered.size >= PUBLISHES_BEFORE, 60_000);
  const answeredBefore = answered.size;

  // ---- the outage: a fast shutdown (SIGINT) ends every connection of the service.
  phase = 'during';
  await embedded!.stop();
  embedded = null;
  const readinessDuringOutage: number[] = [];
  const outageEnds = Date.now() + OUTAGE_MS;
  while (Date.now() < outageEnds) {
    readinessDuringOutage.push(await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.status, () => 0));
    await sleep(300);
  }
  expect(readinessDuringOutage, `readyz while PostgreSQL is down: ${JSON.stringify(readinessDuringOutage)}\n${service.output()}`).toContain(503);

  embedded = await openCluster();
  expect(embedded.url, 'the cluster comes back on the same port').toBe(databaseUrl);
  const restartedAt = Date.now();
  await waitUntil('readyz to answer 200 again', () => service!.ready(), 60_000, 100);
  const readyAfterMs = Date.now() - restartedAt;
  phase = 'after';
  const answeredBeforeAfter = answered.size;
  await waitUntil(`${PUBLISHES_AFTER} publishes after the outage`, () => answered.size >= answeredBeforeAfter + PUBLISHES_AFTER, 60_000);
  const firstAfterMs = Date.now() - restartedAt;
  stopPublishing = true;
  await publishing;

  // The same process all along: it reconnected, nobody restarted it.
  expect(service.child()?.exitCode).toBeNull();
  expect(service.child()?.signalCode).toBeNull();
  expect(service.starts).toBe(1);

  // Every answered publish reaches the receiver, signed with the webhook's secret.
  const expectedEvents = new Set([...answered.values()].map((entry) => entry.eventId));
  await waitUntil(
    'every answered event at the receiver',
    () => {
      const got = new Set(receiver!.requests.map((request) => rawId((JSON.parse(request.body) as { event_id: string }).event_id, 'Event')));
      return [...expectedEvents].every((eventId) => got.has(eventId));
    },
    60_000,
    100,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nservice output:\n${service!.output()}`);
  });
  for (const request of receiver!.requests) expect(receiver!.verify(request, webhook.secret)).toBeTruthy();
  // And the database agrees: every delivery of those events SUCCEEDED, none left waiting.
  const check = new pg.Pool({ connectionString: embedded!.url, max: 1 });
  try {
    await waitUntil(
      'every delivery to succeed',
      async () => {
        const { rows } = await check.query<{ status: string; count: number }>(`select status::text as status, count(*)::int as count from deliveries group by status`);
        return rows.length === 1 && rows[0]!.status === 'SUCCEEDED' ? rows : false;
      },
      60_000,
      200,
    );
    const { rows } = await check.query<{ event_id: string }>('select event_id from deliveries');
    const delivered = new Set(rows.map((row) => row.event_id));
    expect([...expectedEvents].filter((eventId) => !delivered.has(eventId)), 'answered events without a delivery').toEqual([]);
  } finally {
    await check.end();
  }
  // Copies of one event (an attempt cut by the outage, sent again) carry one webhook-id.
  const idsByEvent = new Map<string, Set<string>>();
  for (const request of receiver!.requests) {
    const eventId = (JSON.parse(request.body) as { event_id: string }).event_id;
    idsByEvent.set(eventId, (idsByEvent.get(eventId) ?? new Set()).add(String(request.headers['webhook-id'])));
  }
  expect([...idsByEvent.values()].filter((ids) => ids.size !== 1)).toEqual([]);

  const phases = [...answered.values()].reduce<Record<string, number>>((counts, entry) => ({ ...counts, [entry.phase]: (counts[entry.phase] ?? 0) + 1 }), {});
  console.log(
    `db-restart figures: ${JSON.stringify({
      answeredBefore,
      answeredByPhase: phases,
      failedTriesByPhase: failuresByPhase,
      readinessDuringOutage,
      readyAfterRestartSeconds: readyAfterMs / 1000,
      fortyPublishesAfterRestartSeconds: firstAfterMs / 1000,
      requestsReceived: receiver!.requests.length,
      distinctEventsReceived: idsByEvent.size,
    })}`,
  );
});
