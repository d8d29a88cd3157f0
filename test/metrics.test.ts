// /metrics (Prometheus text format), /healthz and /readyz. Counters and histograms count this process's attempts;
// queue depth and deliveries by status are read from the database at scrape time; hookstream_subscribers follows
// the open GraphQL subscriptions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/db/ids.js';
import type { GraphqlClient } from '../src/sdk/client.js';
import { CreateWebhookDocument, DeliveryUpdatedDocument, HistoryDeliveriesDocument, PublishEventDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { scrapeMetrics as scrape } from './helpers/metrics.js';
import { rawId } from './helpers/graphql.js';
import { insertDeliveries, insertEvents } from './helpers/history-seed.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let receiver: Receiver;
let client: GraphqlClient;
let apiKey: string;
let accountId: string;
let hook: string;

beforeAll(async () => {
  // One retry an hour away: a failed first attempt leaves the delivery RETRYING with its job waiting in the queue.
  app = await startTestApp({ RETRY_SCHEDULE: '1h', WORKER_POLL_INTERVAL: '100ms' });
  receiver = await startReceiver();
  const account = await app.newAccount();
  client = account.client;
  apiKey = account.apiKey;
  accountId = account.accountId;
  hook = (await client.data(CreateWebhookDocument, { input: { name: 'metrics', url: receiver.url, events: ['orders.*'] } })).createWebhook.webhook.id;
});

afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('/metrics', () => {
  it('is Prometheus text with every hookstream metric declared, all zero on a fresh database', async () => {
    const metrics = await scrape(app.url);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toContain('# TYPE hookstream_attempts_total counter');
    expect(metrics.text).toContain('# TYPE hookstream_attempt_duration_seconds histogram');
    expect(metrics.text).toContain('# TYPE hookstream_queue_depth gauge');
    expect(metrics.text).toContain('# TYPE hookstream_deliveries gauge');
    expect(metrics.text).toContain('# TYPE hookstream_subscribers gauge');
    expect(metrics.value('hookstream_queue_depth')).toBe(0);
    expect(metrics.value('hookstream_subscribers')).toBe(0);
    expect(metrics.value('hookstream_attempt_duration_seconds_count')).toBe(0);
    for (const status of ['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED']) expect(metrics.value('hookstream_deliveries', { status })).toBe(0);
  });

  it("names the process metrics with one prefix: hookstream_process_… and hookstream_nodejs_…, never a doubled one", async () => {
    const metrics = await scrape(app.url);
    expect(metrics.text).toContain('# TYPE hookstream_process_cpu_user_seconds_total counter');
    expect(metrics.text).toContain('# TYPE hookstream_process_resident_memory_bytes gauge');
    expect(metrics.text).toMatch(/^# TYPE hookstream_nodejs_eventloop_lag_seconds gauge$/m);
    expect(metrics.text).not.toContain('process_process_');
    expect(metrics.text).not.toMatch(/^# TYPE (?!hookstream_)/m);
  });

  it('counts attempts by outcome, their durations, deliveries by status and the queue', async () => {
    receiver.reply({ status: 503, body: 'busy' }); // the first request fails; every later one succeeds
    for (const id of ['o1', 'o2', 'o3']) await client.data(PublishEventDocument, { input: { type: 'orders.created', data: { id } } });
    await waitUntil(async () => {
      const { deliveries } = await client.data(HistoryDeliveriesDocument, { first: 10, filter: { status: ['SUCCEEDED', 'RETRYING'] } });
      return deliveries.totalCount === 3;
    }, 20_000, 'three first attempts');
    // A PENDING delivery that no job will pick up (seeded straight into the table).
    const event = { id: newId(), type: 'orders.created', createdAt: new Date() };
    await insertEvents(app.db.pool, accountId, [event]);
    await insertDeliveries(app.db.pool, accountId, [{ id: newId(), webhookId: rawId(hook, 'Webhook'), eventId: event.id, eventType: event.type, status: 'PENDING', createdAt: new Date() }]);

    const metrics = await scrape(app.url);
    expect(metrics.value('hookstream_attempts_total', { outcome: 'success' })).toBe(2);
    expect(metrics.value('hookstream_attempts_total', { outcome: 'failure' })).toBe(1);
    expect(metrics.value('hookstream_attempt_duration_seconds_count')).toBe(3);
    expect(metrics.value('hookstream_attempt_duration_seconds_sum')).toBeGreaterThan(0);
    expect(metrics.value('hookstream_attempt_duration_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(metrics.value('hookstream_deliveries', { status: 'SUCCEEDED' })).toBe(2);
    expect(metrics.value('hookstream_deliveries', { status: 'RETRYING' })).toBe(1);
    expect(metrics.value('hookstream_deliveries', { status: 'PENDING' })).toBe(1);
    expect(metrics.value('hookstream_deliveries', { status: 'FAILED' })).toBe(0);
    // The RETRYING delivery's next attempt waits in the queue, an hour away.
    expect(metrics.value('hookstream_queue_depth')).toBe(1);
    expect(receiver.requests).toHaveLength(3);
  });

  it('hookstream_subscribers is 1 while a subscription is open and 0 after it ends', async () => {
    expect((await scrape(app.url)).value('hookstream_subscribers')).toBe(0);
    const ws = createWsClient(app.url, apiKey);
    const seen = collect(ws, DeliveryUpdatedDocument, {});
    try {
      await waitUntil(async () => (await scrape(app.url)).value('hookstream_subscribers') === 1, 10_000, 'the gauge to show the subscription');
      // Still exactly one while it receives items.
      await client.data(PublishEventDocument, { input: { type: 'orders.updated', data: { id: 'o4' } } });
      await waitUntil(() => seen.items.some((item) => item.deliveryUpdated.status === 'SUCCEEDED'), 15_000, 'an item on the subscription');
      expect((await scrape(app.url)).value('hookstream_subscribers')).toBe(1);
    } finally {
      seen.dispose(); // graphql-ws `complete`: the server ends the subscription without waiting for another change
    }
    await waitUntil(async () => (await scrape(app.url)).value('hookstream_subscribers') === 0, 10_000, 'the gauge to drop after complete');

    // A closed socket ends its subscriptions too.
    const second = collect(ws, DeliveryUpdatedDocument, {});
    await waitUntil(async () => (await scrape(app.url)).value('hookstream_subscribers') === 1, 10_000, 'the second subscription');
    await ws.dispose();
    await waitUntil(async () => (await scrape(app.url)).value('hookstream_subscribers') === 0, 10_000, 'the gauge to drop after the socket closes');
    expect(second.errors).toEqual([]);
  });
});

describe('probes', () => {
  it('/healthz answers 200 ok', async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 ready while the database is reachable', async () => {
    const response = await fetch(`${app.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('probes need no API key, while /graphql does', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${app.url}${path}`)).status).toBe(200);
    const graphql = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }' }) });
    expect(graphql.status).toBe(401);
  });
});
