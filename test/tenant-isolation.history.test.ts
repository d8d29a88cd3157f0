// Tenant isolation of the call history and live status (CONTRACT.md: "An account sees and touches only its own
// webhooks, events and deliveries. Another account's ID answers exactly as a missing one: NOT_FOUND."). Account B
// probes every history read, manual action and subscription with account A's ids.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../src/sdk/client.js';
import {
  CreateWebhookDocument,
  DeliveryUpdatedDocument,
  HistoryDeliveriesDocument,
  HistoryDeliveryDocument,
  HistoryEventDeliveriesDocument,
  HistoryEventDocument,
  HistoryEventsDocument,
  HistoryNodeDocument,
  HistoryWebhookDeliveriesDocument,
  PublishEventDocument,
  ReplayFailedDeliveriesDocument,
  RetryDeliveryDocument,
  SendTestEventDocument,
  SetWebhookActiveDocument,
  UpdateWebhookDocument,
  WebhookUpdatedDocument,
} from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError, missingId, rawId, withoutPath } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let okReceiver: Receiver;
let failingReceiver: Receiver;
let a: { accountId: string; apiKey: string; client: GraphqlClient };
let b: { accountId: string; apiKey: string; client: GraphqlClient };
let hookA: string; // A's webhook on the healthy receiver
let failingHookA: string; // A's webhook whose deliveries FAIL
let hookB: string;
let eventA: string;
let succeededA: string; // a SUCCEEDED delivery of A
let failedA: string; // a FAILED delivery of A

/** Everything the history mutations write: rows and their full text, plus the attempt jobs queued. */
async function historyFingerprint(pool: pg.Pool) {
  const { rows } = await pool.query<{ fingerprint: string }>(
    `select concat_ws(';',
        (select count(*) || ':' || md5(coalesce(string_agg(e::text, '|' order by e.id), '')) from events e),
        (select count(*) || ':' || md5(coalesce(string_agg(d::text, '|' order by d.id), '')) from deliveries d),
        (select count(*) || ':' || md5(coalesce(string_agg(x::text, '|' order by x.delivery_id, x.number), '')) from delivery_attempts x),
        (select count(*) || ':' || md5(coalesce(string_agg(b::text, '|' order by b.event_id), '')) from event_bodies b),
        (select count(*) || ':' || md5(coalesce(string_agg(b::text, '|' order by b.delivery_id), '')) from delivery_bodies b),
        (select count(*) || ':' || md5(coalesce(string_agg(b::text, '|' order by b.delivery_id, b.number), '')) from attempt_bodies b),
        (select count(*) from pgboss.job where name = 'delivery_attempt')) as fingerprint`,
  );
  return rows[0]!.fingerprint;
}

const sameAsMissing = (foreign: { data: unknown; errors?: unknown[] }, missing: { data: unknown; errors?: unknown[] }) => {
  expect(foreign.data).toEqual(missing.data);
  expect((foreign.errors as Parameters<typeof withoutPath>[0][] | undefined)?.map(withoutPath)).toEqual((missing.errors as Parameters<typeof withoutPath>[0][] | undefined)?.map(withoutPath));
};

beforeAll(async () => {
  app = await startTestApp({ RETRY_SCHEDULE: '50ms', WORKER_POLL_INTERVAL: '100ms', DISABLE_AFTER_FAILURES: '100' });
  okReceiver = await startReceiver();
  failingReceiver = await startReceiver();
  failingReceiver.fallback = { status: 500 };
  a = await app.newAccount({ name: 'Tenant A' });
  b = await app.newAccount({ name: 'Tenant B' });
  hookA = (await a.client.data(CreateWebhookDocument, { input: { name: 'a-ok', url: okReceiver.url, events: ['orders.*'] } })).createWebhook.webhook.id;
  failingHookA = (await a.client.data(CreateWebhookDocument, { input: { name: 'a-failing', url: failingReceiver.url, events: ['orders.*'] } })).createWebhook.webhook.id;
  hookB = (await b.client.data(CreateWebhookDocument, { input: { name: 'b', url: okReceiver.url, events: ['*'] } })).createWebhook.webhook.id;

  const published = await a.client.data(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'order-a' } } });
  eventA = published.publishEvent.event.id;
  expect(published.publishEvent.deliveryCount).toBe(2);
  await waitUntil(async () => {
    const { deliveries } = await a.client.data(HistoryDeliveriesDocument, { first: 10, filter: { status: ['SUCCEEDED', 'FAILED'] } });
    return deliveries.totalCount === 2;
  }, 20_000, 'A’s two deliveries to finish');
  const { deliveries } = await a.client.data(HistoryDeliveriesDocument, { first: 10 });
  succeededA = deliveries.edges.find((edge) => edge.node.status === 'SUCCEEDED')!.node.id;
  failedA = deliveries.edges.find((edge) => edge.node.status === 'FAILED')!.node.id;
});

afterAll(async () => {
  await app?.stop();
  await okReceiver?.close();
  await failingReceiver?.close();
});

describe('reads', () => {
  it('B’s lists hold none of A’s events or deliveries', async () => {
    const deliveries = await b.client.data(HistoryDeliveriesDocument, { first: 100 });
    expect(deliveries.deliveries).toMatchObject({ totalCount: 0, edges: [] });
    const events = await b.client.data(HistoryEventsDocument, { first: 100 });
    expect(events.events).toMatchObject({ totalCount: 0, edges: [] });
    const backwards = await b.client.data(HistoryDeliveriesDocument, { last: 100 });
    expect(backwards.deliveries).toMatchObject({ totalCount: 0, edges: [] });
    // Filtering by A's ids finds nothing either.
    for (const filter of [{ webhookId: hookA }, { eventId: eventA }, { webhookId: failingHookA, status: ['FAILED' as const] }]) {
      expect((await b.client.data(HistoryDeliveriesDocument, { first: 100, filter })).deliveries).toMatchObject({ totalCount: 0, edges: [] });
    }
    // …while A's own lists do hold them (the probe above looks where the rows are).
    expect((await a.client.data(HistoryDeliveriesDocument, { first: 100 })).deliveries.totalCount).toBe(2);
    expect((await a.client.data(HistoryEventsDocument, { first: 100 })).events.totalCount).toBe(1);
  });

  it('delivery(id), event(id), webhook(id).deliveries and event(id).deliveries of A’s are NOT_FOUND for B, like missing ones', async () => {
    for (const id of [succeededA, failedA]) {
      const foreign = await b.client.request(HistoryDeliveryDocument, { id });
      expectError(foreign, 'NOT_FOUND');
      sameAsMissing(foreign, await b.client.request(HistoryDeliveryDocument, { id: missingId('Delivery') }));
    }
    const foreignEvent = await b.client.request(HistoryEventDocument, { id: eventA });
    expectError(foreignEvent, 'NOT_FOUND');
    sameAsMissing(foreignEvent, await b.client.request(HistoryEventDocument, { id: missingId('Event') }));

    const foreignHookHistory = await b.client.request(HistoryWebhookDeliveriesDocument, { id: hookA, first: 10 });
    expectError(foreignHookHistory, 'NOT_FOUND');
    sameAsMissing(foreignHookHistory, await b.client.request(HistoryWebhookDeliveriesDocument, { id: missingId('Webhook'), first: 10 }));

    const foreignEventHistory = await b.client.request(HistoryEventDeliveriesDocument, { id: eventA, first: 10 });
    expectError(foreignEventHistory, 'NOT_FOUND');
    sameAsMissing(foreignEventHistory, await b.client.request(HistoryEventDeliveriesDocument, { id: missingId('Event'), first: 10 }));
  });

  it('node(id) of A’s event, delivery and webhook answers B as for missing ones', async () => {
    for (const [id, typename] of [[eventA, 'Event'], [succeededA, 'Delivery'], [hookA, 'Webhook']] as const) {
      const foreign = await b.client.request(HistoryNodeDocument, { id });
      expect(foreign.data).toEqual({ node: null });
      sameAsMissing(foreign, await b.client.request(HistoryNodeDocument, { id: missingId(typename) }));
      expect(JSON.stringify(foreign)).not.toMatch(/order-a|a-ok|SUCCEEDED/);
    }
  });
});

describe('manual actions', () => {
  it('B cannot retryDelivery A’s deliveries: NOT_FOUND, and nothing changes', async () => {
    const before = await historyFingerprint(app.db.pool);
    const requests = okReceiver.requests.length + failingReceiver.requests.length;
    for (const id of [succeededA, failedA]) {
      const foreign = await b.client.request(RetryDeliveryDocument, { id });
      expectError(foreign, 'NOT_FOUND');
      sameAsMissing(foreign, await b.client.request(RetryDeliveryDocument, { id: missingId('Delivery') }));
    }
    expect(await historyFingerprint(app.db.pool)).toBe(before);
    expect(okReceiver.requests.length + failingReceiver.requests.length).toBe(requests);
  });

  it('B cannot replayFailedDeliveries of A’s webhook: NOT_FOUND, and nothing is queued', async () => {
    const before = await historyFingerprint(app.db.pool);
    const since = new Date(Date.now() - 86_400_000).toISOString();
    const foreign = await b.client.request(ReplayFailedDeliveriesDocument, { webhookId: failingHookA, since });
    expectError(foreign, 'NOT_FOUND');
    sameAsMissing(foreign, await b.client.request(ReplayFailedDeliveriesDocument, { webhookId: missingId('Webhook'), since }));
    // B replaying its own webhook finds nothing of A's to replay.
    expect((await b.client.data(ReplayFailedDeliveriesDocument, { webhookId: hookB, since })).replayFailedDeliveries.count).toBe(0);
    expect(await historyFingerprint(app.db.pool)).toBe(before);
    const { delivery } = await a.client.data(HistoryDeliveryDocument, { id: failedA });
    expect(delivery).toMatchObject({ status: 'FAILED' });
  });

  it('B cannot sendTestEvent to A’s webhook: NOT_FOUND, and no event or delivery is made', async () => {
    const before = await historyFingerprint(app.db.pool);
    const foreign = await b.client.request(SendTestEventDocument, { webhookId: hookA });
    expectError(foreign, 'NOT_FOUND');
    sameAsMissing(foreign, await b.client.request(SendTestEventDocument, { webhookId: missingId('Webhook') }));
    expect(await historyFingerprint(app.db.pool)).toBe(before);
  });
});

describe('subscriptions', () => {
  it('B cannot subscribe to deliveryUpdated or webhookUpdated of A’s webhook: NOT_FOUND', async () => {
    const ws = createWsClient(app.url, b.apiKey);
    try {
      for (const [document, variables] of [
        [DeliveryUpdatedDocument, { webhookId: hookA }],
        [WebhookUpdatedDocument, { id: hookA }],
        [DeliveryUpdatedDocument, { webhookId: missingId('Webhook') }],
      ] as const) {
        const seen = collect(ws, document as typeof DeliveryUpdatedDocument, variables as { webhookId: string });
        await waitUntil(() => seen.errors.length > 0 || seen.done, 10_000, 'the subscription to be refused');
        expect(seen.items).toEqual([]);
        expect(JSON.stringify(seen.errors)).toContain('"code":"NOT_FOUND"');
        seen.dispose();
      }
    } finally {
      await ws.dispose();
    }
  });

  it('B’s unfiltered subscriptions receive none of A’s deliveries or webhook changes, only B’s own', async () => {
    const wsA = createWsClient(app.url, a.apiKey);
    const wsB = createWsClient(app.url, b.apiKey);
    const deliveriesSeenByA = collect(wsA, DeliveryUpdatedDocument, {});
    const deliveriesSeenByB = collect(wsB, DeliveryUpdatedDocument, {});
    const webhooksSeenByA = collect(wsA, WebhookUpdatedDocument, {});
    const webhooksSeenByB = collect(wsB, WebhookUpdatedDocument, {});
    try {
      await waitUntil(() => app.metrics.subscribers.get().then((metric) => metric.values[0]?.value === 4), 10_000, 'four subscriptions to open');
      // A: new deliveries (publish, a manual retry) and webhook changes (update, disable, re-enable).
      await a.client.data(PublishEventDocument, { input: { type: 'orders.updated', data: { id: 'order-a' } } });
      await a.client.data(RetryDeliveryDocument, { id: succeededA });
      await a.client.data(UpdateWebhookDocument, { input: { id: hookA, name: 'a-ok renamed' } });
      await a.client.data(SetWebhookActiveDocument, { id: failingHookA, active: false });
      await a.client.data(SetWebhookActiveDocument, { id: failingHookA, active: true });
      // B's own changes come last: once B has seen them, any of A's would have arrived before.
      await b.client.data(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'order-b' } } });
      await b.client.data(UpdateWebhookDocument, { input: { id: hookB, name: 'b renamed' } });

      await waitUntil(() => deliveriesSeenByB.items.some((item) => item.deliveryUpdated.status === 'SUCCEEDED'), 20_000, 'B to see its own delivery succeed');
      await waitUntil(() => webhooksSeenByB.items.length >= 1, 10_000, 'B to see its own webhook change');
      await waitUntil(
        () => deliveriesSeenByA.items.filter((item) => item.deliveryUpdated.status === 'SUCCEEDED').length >= 2 && webhooksSeenByA.items.length >= 3,
        20_000,
        'A to see its own changes',
      );

      expect(deliveriesSeenByB.items.length).toBeGreaterThanOrEqual(2); // PENDING, SUCCEEDED
      expect(deliveriesSeenByB.items.every((item) => item.deliveryUpdated.webhook.id === hookB)).toBe(true);
      expect(webhooksSeenByB.items.map((item) => item.webhookUpdated.id)).toEqual([hookB]);
      expect(deliveriesSeenByB.errors).toEqual([]);
      expect(webhooksSeenByB.errors).toEqual([]);
      // A sees its own, and nothing of B's.
      expect(deliveriesSeenByA.items.every((item) => [hookA, failingHookA].includes(item.deliveryUpdated.webhook.id))).toBe(true);
      expect(deliveriesSeenByA.items.map((item) => item.deliveryUpdated.id)).toContain(succeededA);
      expect(webhooksSeenByA.items.every((item) => [hookA, failingHookA].includes(item.webhookUpdated.id))).toBe(true);
      // The rows behind B's items are B's (account_id in the database, not just the webhook id on the wire).
      const { rows } = await app.db.pool.query<{ account_id: string }>('select distinct account_id from deliveries where id = any($1::uuid[])', [
        deliveriesSeenByB.items.map((item) => rawId(item.deliveryUpdated.id, 'Delivery')),
      ]);
      expect(rows).toEqual([{ account_id: b.accountId }]);
    } finally {
      for (const collected of [deliveriesSeenByA, deliveriesSeenByB, webhooksSeenByA, webhooksSeenByB]) collected.dispose();
      await wsA.dispose();
      await wsB.dispose();
    }
  });
});
