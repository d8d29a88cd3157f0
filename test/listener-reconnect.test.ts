// The process's one LISTEN connection (src/db/notifications.ts, pg-listen) can drop — a failover, an idle timeout, an
// operator's pg_terminate_backend. It must come back by itself: subscribers and the worker keep getting changes and
// the process stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, DeliveryUpdatedDocument, HistoryDeliveryDocument, PublishEventDocument, WebhookUpdatedDocument, SetWebhookActiveDocument } from '../src/sdk/generated.js';
import type { GraphqlClient } from '../src/sdk/client.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { globalId, rawId } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let receiver: Receiver;
let client: GraphqlClient;
let apiKey: string;
let hook: string;

// pg-listen's connection shows LISTEN as its last statement, or its periodic health check.
const LISTENER_BACKENDS = `select pid, state, query from pg_stat_activity
  where datname = current_database() and pid <> pg_backend_pid() and (query ilike 'LISTEN%' or query = 'SELECT pg_backend_pid()')`;

async function listenerPids(): Promise<number[]> {
  const { rows } = await app.db.pool.query<{ pid: number }>(LISTENER_BACKENDS);
  return rows.map((row) => row.pid);
}

/** Terminates the LISTEN connection and waits until a new one has listened again; returns the old and new pids. */
async function killListener(): Promise<{ killed: number[]; replacement: number }> {
  const { rows } = await app.db.pool.query<{ pid: number; terminated: boolean }>(
    `select pid, pg_terminate_backend(pid) as terminated from pg_stat_activity
      where query ilike 'LISTEN%' and datname = current_database() and pid <> pg_backend_pid()`,
  );
  expect(rows.length).toBe(1); // one LISTEN connection per process
  expect(rows.every((row) => row.terminated)).toBe(true);
  const killed = rows.map((row) => row.pid);
  let replacement = 0;
  await waitUntil(
    async () => {
      const { rows: fresh } = await app.db.pool.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%' and state = 'idle' and not (pid = any($1::int[]))`,
        [killed],
      );
      replacement = fresh[0]?.pid ?? 0;
      return fresh.length === 1;
    },
    30_000,
    'a new LISTEN connection',
  );
  return { killed, replacement };
}

/** Publishes one event and waits until the delivery is SUCCEEDED in the database; returns its raw id. */
async function publishAndAwaitSuccess(orderId: string): Promise<string> {
  const published = await client.data(PublishEventDocument, { input: { type: 'orders.created', data: { id: orderId } } });
  expect(published.publishEvent.deliveryCount).toBe(1);
  const { rows } = await app.db.pool.query<{ id: string }>('select id from deliveries where event_id = $1', [rawId(published.publishEvent.event.id, 'Event')]);
  const deliveryId = rows[0]!.id;
  await waitUntil(async () => (await client.data(HistoryDeliveryDocument, { id: globalId('Delivery', deliveryId) })).delivery?.status === 'SUCCEEDED', 20_000, `delivery for ${orderId} to succeed`);
  return deliveryId;
}

beforeAll(async () => {
  app = await startTestApp({ WORKER_POLL_INTERVAL: '200ms' });
  receiver = await startReceiver();
  const account = await app.newAccount();
  client = account.client;
  apiKey = account.apiKey;
  hook = (await client.data(CreateWebhookDocument, { input: { name: 'reconnect', url: receiver.url, events: ['orders.*'] } })).createWebhook.webhook.id;
});

afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('LISTEN connection loss', () => {
  it('reconnects: after the LISTEN backend is terminated (twice), subscribers and the worker still get new events', async () => {
    const ws = createWsClient(app.url, apiKey);
    const deliveries = collect(ws, DeliveryUpdatedDocument, { webhookId: hook });
    const webhooks = collect(ws, WebhookUpdatedDocument, { id: hook });
    try {
      await waitUntil(async () => (await app.metrics.subscribers.get()).values[0]?.value === 2, 10_000, 'subscriptions to open');
      const succeededSeen = (deliveryId: string) => () =>
        deliveries.items.some((item) => rawId(item.deliveryUpdated.id, 'Delivery') === deliveryId && item.deliveryUpdated.status === 'SUCCEEDED');

      // Before: the path works.
      const first = await publishAndAwaitSuccess('before');
      await waitUntil(succeededSeen(first), 10_000, 'SUCCEEDED of the first delivery');
      expect(await listenerPids()).toHaveLength(1);

      for (const round of [1, 2]) {
        const { killed, replacement } = await killListener();
        expect(killed).not.toContain(replacement);

        const deliveryId = await publishAndAwaitSuccess(`after-${round}`);
        await waitUntil(succeededSeen(deliveryId), 20_000, `SUCCEEDED after reconnect ${round}`);
        const statuses = deliveries.items.filter((item) => rawId(item.deliveryUpdated.id, 'Delivery') === deliveryId).map((item) => item.deliveryUpdated.status);
        expect(statuses).toEqual(['PENDING', 'SUCCEEDED']);
        expect(receiver.requests.filter((request) => request.headers['webhook-id'] === globalId('Delivery', deliveryId))).toHaveLength(1);

        // The webhook channel came back too.
        const seenBefore = webhooks.items.length;
        await client.data(SetWebhookActiveDocument, { id: hook, active: round % 2 === 0 });
        await waitUntil(() => webhooks.items.length > seenBefore, 10_000, `webhookUpdated after reconnect ${round}`);
        if (round === 1) await client.data(SetWebhookActiveDocument, { id: hook, active: true });
        await waitUntil(() => webhooks.items.at(-1)?.webhookUpdated.active === true, 10_000, 'the webhook to be active again');
      }
      expect(deliveries.errors).toEqual([]);
      expect(webhooks.errors).toEqual([]);
      expect(deliveries.done).toBe(false); // the subscription itself never ended
      expect(await listenerPids()).toHaveLength(1); // no leaked or doubled listener
    } finally {
      deliveries.dispose();
      webhooks.dispose();
      await ws.dispose();
    }
  });

  it('the process is alive and healthy afterwards', async () => {
    expect(process.exitCode ?? 0).toBe(0);
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});
