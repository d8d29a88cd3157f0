// Issue 7, "nothing accepted is ever lost": 500 events published to the real service (src/main.ts as a child process)
// while it is SIGKILLed five times — during publishing, during deliveries, during retries — and restarted each time.
// Every publishEvent that ANSWERED must reach the receiver, signed; a copy sent twice (an attempt whose outcome died
// with the process) carries the same webhook-id; and no delivery is ever left waiting without a job that can run it.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccount } from '../src/db/account.js';
import { connectDatabase, type Database } from '../src/db/client.js';
import { PublishEventDocument } from '../src/sdk/generated.js';
import { TEST_SECRET_KEY } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { createWebhook, waitUntil } from './helpers/delivery.js';
import { rawId } from './helpers/graphql.js';
import { freePort, serviceProcess, type ServiceProcess } from './helpers/service-process.js';
import { parsePublicId } from '../src/domain/public-id.js';

const EVENTS = 500;
const PUBLISHERS = 6;
const KILLS = 5;
const RETRY_SCHEDULE = '200ms,500ms,1s';
const DRAIN_TIMEOUT_MS = 90_000;

type Received = {
  webhookIdHeader: string;
  eventId: string;
  webhookId: string;
  status: number;
  verified: boolean;
  receivedAt: number;
};

/**
 * A slow receiver (50–300 ms a request) that answers 500 to the first request of a fifth of the deliveries and to the
 * first two of another tenth (chosen by a hash of the webhook-id, so a redelivered copy counts too), then 200:
 * retries happen all the time, and every delivery can still succeed within RETRY_SCHEDULE's four attempts.
 */
const uuidOf = (id: string) => parsePublicId(id)?.uuid ?? id;

async function startFlakyReceiver(secrets: () => Map<string, string>) {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const webhookIdHeader = String(request.headers['webhook-id']);
      const parsed = JSON.parse(body) as { event_id: string; webhook_id: string };
      const times = (seen.get(webhookIdHeader) ?? 0) + 1;
      seen.set(webhookIdHeader, times);
      const bucket = createHash('sha256').update(webhookIdHeader).digest()[0]! % 10;
      const failuresWanted = bucket < 2 ? 1 : bucket === 2 ? 2 : 0;
      const status = times <= failuresWanted ? 500 : 200;
      let verified = false;
      const secret = secrets().get(parsed.webhook_id);
      if (secret) {
        try {
          new Webhook(secret).verify(body, {
            'webhook-id': webhookIdHeader,
            'webhook-timestamp': String(request.headers['webhook-timestamp']),
            'webhook-signature': String(request.headers['webhook-signature']),
          });
          verified = true;
        } catch {
          verified = false;
        }
      }
      // Kept as row ids (UUIDs), to compare with the database; the wire carries their public IDs.
      received.push({ webhookIdHeader: uuidOf(webhookIdHeader), eventId: uuidOf(parsed.event_id), webhookId: uuidOf(parsed.webhook_id), status, verified, receivedAt: Date.now() });
      setTimeout(() => response.writeHead(status).end(status === 200 ? 'ok' : 'try again'), 50 + Math.floor(Math.random() * 250));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

/** Waiting deliveries with no attempt job that could still run them: the state "nothing is lost" rules out. */
async function deliveriesWithoutJob(pool: pg.Pool): Promise<{ id: string; status: string }[]> {
  const { rows } = await pool.query<{ id: string; status: string }>(
    `select d.id, d.status::text as status
       from deliveries d
      where d.status in ('PENDING', 'RETRYING')
        and not exists (select 1 from pgboss.job j
                         where j.name in ('delivery_attempt', 'delivery_retry') and j.data->>'deliveryId' = d.id::text and j.state < 'completed')`,
  );
  return rows;
}

async function statusCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; count: number }>(`select status::text as status, count(*)::int as count from deliveries group by status`);
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

let databaseUrl: string;
let db: Database;
let service: ServiceProcess;
let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>;
const secretsByWebhook = new Map<string, string>();

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  db = connectDatabase(databaseUrl, { maxConnections: 4 });
  receiver = await startFlakyReceiver(() => secretsByWebhook);
  service = serviceProcess({
    databaseUrl,
    port: await freePort(),
    env: {
      HOOKSTREAM_ROLE: 'all',
      ALLOW_PRIVATE_TARGETS: 'true',
      DELIVERY_TIMEOUT: '2s',
      JOB_EXPIRY_SLACK: '1s',
      WORKER_MAINTENANCE_INTERVAL: '1s',
      WORKER_POLL_INTERVAL: '200ms',
      RETRY_SCHEDULE,
      // The receiver's refusals are on purpose: they must not disable the webhooks.
      DISABLE_AFTER_FAILURES: '100000',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PUBLISH_PER_MINUTE: '0',
      HOOKSTREAM_SECRET_KEY: TEST_SECRET_KEY,
    },
  });
});

afterAll(async () => {
  await service?.kill();
  await receiver?.close();
  await db?.close();
});

it(`delivers every answered publish of ${EVENTS} events through ${KILLS} SIGKILLs`, { timeout: 300_000 }, async () => {
  const runStarted = Date.now();
  await service.start();
  const { apiKey } = await createAccount(db.prisma, { name: 'Crash Loop Spa' });
  const client = service.client(apiKey);
  // Every event goes to the first webhook, every other one (the bookings.created) to the second as well.
  const webhooks = await Promise.all([
    createWebhook(client, { name: 'all bookings', url: `${receiver.url}?w=all`, events: ['bookings.*'] }),
    createWebhook(client, { name: 'created only', url: `${receiver.url}?w=created`, events: ['bookings.created'] }),
  ]);
  for (const webhook of webhooks) secretsByWebhook.set(webhook.id, webhook.secret);

  // ---- publishers: each takes the next sequence number and publishes it until an answer comes back. The same
  // idempotency key on every try, so a publish that committed but whose answer was lost is answered by its retry.
  const answered = new Map<number, string>(); // sequence number → raw event id
  let nextSequence = 0;
  let publishFailures = 0;
  const publisher = async () => {
    while (nextSequence < EVENTS) {
      const sequence = nextSequence++;
      for (;;) {
        try {
          const result = await client.request(PublishEventDocument, {
            input: { type: sequence % 2 === 0 ? 'bookings.created' : 'bookings.updated', data: { id: `booking-${sequence}`, sequence, resource: { id: `room-${sequence % 7}` } }, idempotencyKey: `crash-loop-${sequence}` },
          });
          const event = result.data?.publishEvent.event;
          if (event && !result.errors) {
            answered.set(sequence, rawId(event.id, 'Event'));
            break;
          }
        } catch {
          // connection refused or reset: the service is down or was killed mid-request
        }
        publishFailures += 1;
        await sleep(50);
      }
    }
  };

  // ---- the invariant, sampled all along: a waiting delivery always has a job (checked in one consistent statement).
  const violations: { at: number; rows: { id: string; status: string }[] }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rows = await deliveriesWithoutJob(db.pool).catch(() => []);
      if (rows.length > 0) violations.push({ at: Date.now() - runStarted, rows });
      await sleep(300);
    }
  })();

  // ---- the killer: three kills while publishing (at random points of it), two while deliveries and retries run.
  const kills: { number: number; at: number; answered: number; waiting: number; retrying: number; restartMs: number }[] = [];
  const killAndRestart = async () => {
    const counts = await statusCounts(db.pool);
    const at = Date.now() - runStarted;
    const answeredAtKill = answered.size;
    await service.kill();
    const restartStarted = Date.now();
    await service.start();
    const kill = { number: kills.length + 1, at, answered: answeredAtKill, waiting: counts['PENDING'] ?? 0, retrying: counts['RETRYING'] ?? 0, restartMs: Date.now() - restartStarted };
    kills.push(kill);
    console.log(`crash-loop: kill ${JSON.stringify(kill)}`);
  };
  const publishing = Promise.all(Array.from({ length: PUBLISHERS }, publisher));
  const thresholds = [randomBetween(40, 110), randomBetween(170, 260), randomBetween(300, 420)];
  for (const threshold of thresholds) {
    await waitUntil(`${threshold} answered publishes`, () => answered.size >= threshold || nextSequence >= EVENTS, 120_000, 5);
    await sleep(randomBetween(0, 150));
    await killAndRestart();
  }
  await publishing;
  for (let kill = thresholds.length; kill < KILLS; kill++) {
    // While retries are being recorded: some deliveries RETRYING, attempts in flight.
    await waitUntil('deliveries waiting for a retry', async () => ((await statusCounts(db.pool))['RETRYING'] ?? 0) > 0, 10_000, 20).catch(() => undefined);
    await sleep(randomBetween(50, 600));
    await killAndRestart();
  }
  const lastRestartReady = Date.now();

  // ---- drain: every delivery finished, and a copy of every answered event at each webhook.
  const { rows: expected } = await db.pool.query<{ id: string; event_id: string; webhook_id: string }>(
    `select id, event_id, webhook_id from deliveries where event_id = any($1::uuid[])`,
    [[...answered.values()]],
  );
  await waitUntil(
    'every delivery to finish and every answered event to reach the receiver',
    async () => {
      const counts = await statusCounts(db.pool);
      if ((counts['PENDING'] ?? 0) + (counts['RETRYING'] ?? 0) > 0) return false;
      const got = new Set(receiver.received.map((request) => `${request.eventId}/${request.webhookId}`));
      return expected.every((delivery) => got.has(`${delivery.event_id}/${delivery.webhook_id}`));
    },
    DRAIN_TIMEOUT_MS,
    200,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\nstatuses: ${JSON.stringify(await statusCounts(db.pool))}\nservice output:\n${service.output()}`);
  });
  const drainMs = Date.now() - lastRestartReady;
  sampling = false;
  await sampler;

  // ---- what the platform was told: 500 distinct events, exactly those in the database (idempotency held).
  expect(answered.size).toBe(EVENTS);
  expect(new Set(answered.values()).size).toBe(EVENTS);
  const { rows: storedEvents } = await db.pool.query<{ id: string }>('select id from events');
  expect(storedEvents.map((row) => row.id).sort()).toEqual([...answered.values()].sort());
  // One delivery per event and webhook, every one of them succeeded (the receiver refuses at most twice).
  const expectedDeliveries = EVENTS + Math.ceil(EVENTS / 2);
  expect(expected).toHaveLength(expectedDeliveries);
  expect(await statusCounts(db.pool)).toEqual({ SUCCEEDED: expectedDeliveries });

  // Every request verifies with its webhook's secret, and every copy of a delivery carries the delivery's id.
  const deliveryIdOf = new Map(expected.map((delivery) => [`${delivery.event_id}/${delivery.webhook_id}`, delivery.id]));
  const unverified = receiver.received.filter((request) => !request.verified);
  expect(unverified, 'requests whose signature did not verify').toEqual([]);
  const wrongId = receiver.received.filter((request) => deliveryIdOf.get(`${request.eventId}/${request.webhookId}`) !== request.webhookIdHeader);
  expect(wrongId, 'requests whose webhook-id is not their delivery id').toEqual([]);
  for (const delivery of expected) {
    const copies = receiver.received.filter((request) => request.webhookIdHeader === delivery.id);
    expect(copies.some((request) => request.status === 200), `delivery ${delivery.id} answered 200 at least once`).toBe(true);
  }
  expect(violations, 'PENDING/RETRYING deliveries seen without a live attempt job').toEqual([]);
  expect(await deliveriesWithoutJob(db.pool)).toEqual([]);

  // ---- the figures.
  const perDelivery = new Map<string, Received[]>();
  for (const request of receiver.received) perDelivery.set(request.webhookIdHeader, [...(perDelivery.get(request.webhookIdHeader) ?? []), request]);
  const successCopies = [...perDelivery.values()].map((copies) => copies.filter((request) => request.status === 200).length);
  const { rows: attemptRows } = await db.pool.query<{ attempts: number }>('select count(*)::int as attempts from delivery_attempts');
  const figures = {
    eventsAnswered: answered.size,
    publishTriesFailed: publishFailures,
    deliveries: expected.length,
    requestsReceived: receiver.received.length,
    attemptsRecorded: attemptRows[0]!.attempts,
    requestsNotRecorded: receiver.received.length - attemptRows[0]!.attempts,
    duplicateSuccessCopies: successCopies.reduce((sum, count) => sum + Math.max(0, count - 1), 0),
    deliveriesReceivedTwiceWith200: successCopies.filter((count) => count > 1).length,
    kills: kills.length,
    killMoments: kills,
    totalSeconds: (Date.now() - runStarted) / 1000,
    drainAfterLastRestartSeconds: drainMs / 1000,
  };
  console.log(`crash-loop figures: ${JSON.stringify(figures, null, 2)}`);
  expect(kills).toHaveLength(KILLS);
});
