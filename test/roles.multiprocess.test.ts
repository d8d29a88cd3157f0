// HOOKSTREAM_ROLE across real processes (CONTRACT.md: "several processes … share one PostgreSQL; pg-boss spreads
// deliveries over every worker"): one `api` and two `worker` processes of `src/main.ts` on one database. 200 events
// published through the api are each delivered exactly once, both workers share the work, and a subscriber on the
// api sees every delivery succeed — changes made in the workers reach it through NOTIFY.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../src/db/account.js';
import { connectDatabase, type Database } from '../src/db/client.js';
import { createGraphqlClient, type GraphqlClient } from '../src/sdk/client.js';
import { CreateWebhookDocument, DeliveryUpdatedDocument, PublishEventDocument } from '../src/sdk/generated.js';
import { createTestDatabase } from './helpers/database.js';
import { rawId } from './helpers/graphql.js';
import { scrapeMetrics } from './helpers/metrics.js';
import { childEnv } from './helpers/process.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil, type Collected } from './helpers/ws-client.js';

const EVENT_COUNT = 200;
const PUBLISH_CONCURRENCY = 10;

type Role = 'api' | 'worker';
type Running = { name: string; role: Role; url: string; child: ChildProcess; output: string[]; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

/** `count` distinct free ports: all held open at once, then released for the processes to take. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** `node --import tsx src/main.ts` with the role's environment; its output is kept for failure messages. */
function startProcess(name: string, role: Role, port: number, env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: childEnv({ ...env, HOOKSTREAM_ROLE: role, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { name, role, url: `http://127.0.0.1:${port}`, child, output, exit };
}

async function waitReady(running: Running, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void running.exit.then(() => (exited = true));
  await waitUntil(
    async () => {
      if (exited) throw new Error(`${running.name} exited during start-up:\n${running.output.join('')}`);
      const response = await fetch(`${running.url}/readyz`).catch(() => null);
      return response?.status === 200;
    },
    timeoutMs,
    `${running.name} to be ready`,
  );
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

let databaseUrl: string;
let db: Database;
let dataDir: string;
let receiver: Receiver;
let api: Running;
let workers: Running[] = [];
let client: GraphqlClient;
let apiKey: string;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  db = connectDatabase(databaseUrl, { maxConnections: 5 });
  const created = await createAccount(db.prisma, { name: 'Multiprocess' });
  apiKey = created.apiKey;
  receiver = await startReceiver();
  dataDir = await mkdtemp(join(tmpdir(), 'hookstream-roles-'));
  const env = {
    DATABASE_URL: databaseUrl,
    ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'warn',
    WORKER_POLL_INTERVAL: '200ms',
    NODE_ENV: 'test',
    // Shared by every process (webhook secrets at rest); the data dir keeps any file a process writes out of the repo.
    HOOKSTREAM_SECRET_KEY: randomBytes(32).toString('base64'),
    HOOKSTREAM_DATA_DIR: dataDir,
  };
  const [apiPort, workerPort1, workerPort2] = await freePorts(3);
  api = startProcess('api', 'api', apiPort!, env);
  workers = [startProcess('worker-1', 'worker', workerPort1!, env), startProcess('worker-2', 'worker', workerPort2!, env)];
  await Promise.all([api, ...workers].map((running) => waitReady(running)));
  client = createGraphqlClient(`${api.url}/graphql`, apiKey);
}, 120_000);

afterAll(async () => {
  for (const running of [api, ...workers]) if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  await receiver?.close();
  await db?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('one api and two worker processes', () => {
  let subscription: Collected<{ deliveryUpdated: { id: string; status: string } }>;
  let deliveryIds: string[] = [];

  it(
    `delivers ${EVENT_COUNT} events exactly once each, spread over both workers, with every SUCCEEDED seen by a subscriber on the api`,
    async () => {
      const hook = await client.data(CreateWebhookDocument, { input: { name: 'multiprocess', url: receiver.url, events: ['bookings.*'] } });
      const ws = createWsClient(api.url, apiKey);
      subscription = collect(ws, DeliveryUpdatedDocument, { webhookId: hook.createWebhook.webhook.id });
      try {
        await waitUntil(async () => (await scrapeMetrics(api.url)).value('hookstream_subscribers') === 1, 15_000, 'the subscription to open on the api');

        const published = await inParallel(
          Array.from({ length: EVENT_COUNT }, (_, index) => index),
          PUBLISH_CONCURRENCY,
          (index) => client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: `booking-${index}` } } }),
        );
        expect(published.every((result) => result.publishEvent.deliveryCount === 1)).toBe(true);
        const eventIds = published.map((result) => rawId(result.publishEvent.event.id, 'Event'));
        expect(new Set(eventIds).size).toBe(EVENT_COUNT);

        const { rows } = await db.pool.query<{ id: string }>('select id from deliveries where event_id = any($1::uuid[])', [eventIds]);
        deliveryIds = rows.map((row) => row.id);
        expect(deliveryIds).toHaveLength(EVENT_COUNT);

        await waitUntil(
          async () => (await db.pool.query<{ n: number }>(`select count(*)::int as n from deliveries where status = 'SUCCEEDED'`)).rows[0]!.n === EVENT_COUNT,
          90_000,
          `all ${EVENT_COUNT} deliveries to succeed`,
        );
        const succeededSeen = () => new Set(subscription.items.filter((item) => item.deliveryUpdated.status === 'SUCCEEDED').map((item) => rawId(item.deliveryUpdated.id, 'Delivery')));
        await waitUntil(() => succeededSeen().size === EVENT_COUNT, 30_000, 'the subscriber to see every SUCCEEDED');

        // Every delivery SUCCEEDED, after exactly one attempt.
        const { rows: statuses } = await db.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from deliveries group by status');
        expect(statuses).toEqual([{ status: 'SUCCEEDED', n: EVENT_COUNT }]);
        const { rows: attempts } = await db.pool.query<{ delivery_id: string; n: number }>('select delivery_id, count(*)::int as n from delivery_attempts group by delivery_id');
        expect(attempts).toHaveLength(EVENT_COUNT);
        expect(attempts.filter((row) => row.n !== 1)).toEqual([]);
        expect(new Set(attempts.map((row) => row.delivery_id))).toEqual(new Set(deliveryIds));

        // The receiver got each delivery once: one request per webhook-id, and nothing else.
        expect(receiver.requests).toHaveLength(EVENT_COUNT);
        const webhookIds = receiver.requests.map((request) => rawId(String(request.headers['webhook-id']), 'Delivery'));
        expect(new Set(webhookIds).size).toBe(EVENT_COUNT);
        expect(new Set(webhookIds)).toEqual(new Set(deliveryIds));

        // The subscriber on the api saw every delivery go PENDING (from the api) then SUCCEEDED (from a worker).
        expect(succeededSeen()).toEqual(new Set(deliveryIds));
        const byDelivery = new Map<string, string[]>();
        for (const item of subscription.items) {
          const id = rawId(item.deliveryUpdated.id, 'Delivery');
          byDelivery.set(id, [...(byDelivery.get(id) ?? []), item.deliveryUpdated.status]);
        }
        expect([...byDelivery.values()].filter((seen) => seen.join() !== 'PENDING,SUCCEEDED')).toEqual([]);
        expect(subscription.errors).toEqual([]);

        // Both workers made attempts, together all of them; the api made none.
        const perWorker = await Promise.all(workers.map(async (worker) => (await scrapeMetrics(worker.url)).value('hookstream_attempts_total', { outcome: 'success' }) ?? 0));
        expect(perWorker.every((count) => count > 0), `attempts per worker: ${perWorker.join(', ')}`).toBe(true);
        expect(perWorker.reduce((sum, count) => sum + count, 0)).toBe(EVENT_COUNT);
        expect((await scrapeMetrics(api.url)).value('hookstream_attempts_total', { outcome: 'success' }) ?? 0).toBe(0);
      } finally {
        subscription.dispose();
        await ws.dispose();
      }
    },
    120_000,
  );

  it('workers answer /healthz, /readyz and /metrics but serve no /graphql; the api serves /graphql', async () => {
    for (const worker of workers) {
      const health = await fetch(`${worker.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
      expect((await scrapeMetrics(worker.url)).value('hookstream_subscribers')).toBe(0);
      const graphql = await fetch(`${worker.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      expect(graphql.status).toBe(404);
    }
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const viewer = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    });
    expect(await viewer.json()).toEqual({ data: { viewer: { name: 'Multiprocess' } } });
  });

  it('every process stops on SIGTERM with exit code 0', async () => {
    const all = [api, ...workers];
    for (const running of all) running.child.kill('SIGTERM');
    const exits = await Promise.all(
      all.map((running) =>
        Promise.race([
          running.exit,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${running.name} did not exit within 30 s of SIGTERM:\n${running.output.join('')}`)), 30_000)),
        ]),
      ),
    );
    const named = Object.fromEntries(all.map((running, index) => [running.name, exits[index]]));
    expect(named, all.map((running) => `${running.name}:\n${running.output.join('')}`).join('\n')).toEqual({
      api: { code: 0, signal: null },
      'worker-1': { code: 0, signal: null },
      'worker-2': { code: 0, signal: null },
    });
  }, 60_000);
});
