// One ID, one string (CONTRACT.md): what a receiver logs — the `webhook-id` header, the body's `event_id` and
// `webhook_id` — are exactly the IDs the API returns and accepts. Each goes back into every query and mutation that
// takes an ID and finds the same thing; another account's answers NOT_FOUND and a malformed one BAD_USER_INPUT, as
// before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../src/sdk/client.js';
import {
  CreateWebhookDocument,
  DeliveriesDocument,
  DeliveryDocument,
  DeliveryUpdatedDocument,
  HistoryEventDocument,
  HistoryNodeDocument,
  PublishEventDocument,
  ReplayFailedDeliveriesDocument,
  RetryDeliveryDocument,
  SendTestEventDocument,
  WebhookDeliveriesDocument,
  WebhookDocument,
} from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { waitForDelivery } from './helpers/delivery.js';
import { expectError, legacyRelayId, rawId } from './helpers/graphql.js';
import { startReceiver, type ReceivedRequest, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let receiver: Receiver;
let client: GraphqlClient;
let apiKey: string;
let other: GraphqlClient;
let secret: string;
let created: { webhookId: string; eventId: string };
/** What the receiver logged of the first delivery. */
let logged: { webhookIdHeader: string; eventId: string; webhookId: string; request: ReceivedRequest };

beforeAll(async () => {
  app = await startTestApp({ WORKER_POLL_INTERVAL: '50ms' });
  receiver = await startReceiver();
  ({ client, apiKey } = await app.newAccount({ name: 'Round Trip Spa' }));
  ({ client: other } = await app.newAccount({ name: 'Someone Else' }));
  const webhook = (await client.data(CreateWebhookDocument, { input: { name: 'support', url: receiver.url, events: ['bookings.*'] } })).createWebhook;
  secret = webhook.secret!;
  const { publishEvent } = await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'bk_42' } } });
  created = { webhookId: webhook.webhook.id, eventId: publishEvent.event.id };
  const [request] = await receiver.waitFor(1);
  const body = JSON.parse(request!.body) as { event_id: string; webhook_id: string };
  logged = { webhookIdHeader: String(request!.headers['webhook-id']), eventId: body.event_id, webhookId: body.webhook_id, request: request! };
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('what a receiver logs', () => {
  it('is the API’s IDs, typed by their prefix, and signed as sent', () => {
    expect(logged.webhookIdHeader).toMatch(/^dlv_[0-7][0-9a-hjkmnp-tv-z]{25}$/);
    expect(logged.eventId).toBe(created.eventId);
    expect(logged.eventId).toMatch(/^evt_/);
    expect(logged.webhookId).toBe(created.webhookId);
    expect(logged.webhookId).toMatch(/^wh_/);
    // standardwebhooks verifies the signature over "<webhook-id>.<timestamp>.<body>" with the new ID.
    expect(receiver.verify(logged.request, secret)).toMatchObject({ event: 'bookings.created', event_id: logged.eventId });
  });
});

describe('goes back into every query that takes an ID', () => {
  it('delivery(id: <webhook-id header>) is the delivery the receiver got, with its webhook and event', async () => {
    await waitForDelivery(app.db.pool, rawId(logged.webhookIdHeader, 'Delivery'), ['SUCCEEDED']);
    const { delivery } = await client.data(DeliveryDocument, { id: logged.webhookIdHeader });
    expect(delivery).toMatchObject({ id: logged.webhookIdHeader, status: 'SUCCEEDED', webhook: { id: logged.webhookId }, event: { id: logged.eventId } });
    expect(delivery!.attempts[0]!.requestHeaders).toMatchObject({ 'webhook-id': logged.webhookIdHeader });
    expect(delivery!.payload).toEqual(JSON.parse(logged.request.body));
  });

  it('node(id) resolves each of the three', async () => {
    expect((await client.data(HistoryNodeDocument, { id: logged.webhookIdHeader })).node).toMatchObject({ __typename: 'Delivery', id: logged.webhookIdHeader, webhook: { id: logged.webhookId } });
    expect((await client.data(HistoryNodeDocument, { id: logged.eventId })).node).toMatchObject({ __typename: 'Event', id: logged.eventId, type: 'bookings.created' });
    expect((await client.data(HistoryNodeDocument, { id: logged.webhookId })).node).toMatchObject({ __typename: 'Webhook', id: logged.webhookId, name: 'support' });
  });

  it('webhook(id), event(id), deliveries(filter) and webhook.deliveries find the same rows', async () => {
    expect((await client.data(WebhookDocument, { id: logged.webhookId })).webhook).toMatchObject({ id: logged.webhookId, name: 'support' });
    expect((await client.data(HistoryEventDocument, { id: logged.eventId })).event).toMatchObject({ id: logged.eventId });
    const byEvent = await client.data(DeliveriesDocument, { first: 10, filter: { eventId: logged.eventId } });
    expect(byEvent.deliveries.edges.map((edge) => edge.node.id)).toEqual([logged.webhookIdHeader]);
    const byWebhook = await client.data(DeliveriesDocument, { first: 10, filter: { webhookId: logged.webhookId } });
    expect(byWebhook.deliveries.edges.map((edge) => edge.node.id)).toContain(logged.webhookIdHeader);
    const { webhook } = await client.data(WebhookDeliveriesDocument, { id: logged.webhookId, first: 10 });
    expect(webhook!.deliveries.edges.map((edge) => edge.node.id)).toContain(logged.webhookIdHeader);
  });

  it('retryDelivery(id: <webhook-id header>) sends it again under the same header', async () => {
    const { retryDelivery } = await client.data(RetryDeliveryDocument, { id: logged.webhookIdHeader });
    expect(retryDelivery.id).toBe(logged.webhookIdHeader);
    const [, again] = await receiver.waitFor(2);
    expect(again!.headers['webhook-id']).toBe(logged.webhookIdHeader);
    expect(again!.body).toBe(logged.request.body);
  });

  it('sendTestEvent, replayFailedDeliveries and deliveryUpdated take the body’s webhook_id', async () => {
    await waitForDelivery(app.db.pool, rawId(logged.webhookIdHeader, 'Delivery'), ['SUCCEEDED'], (row) => row.attempt_count === 2);
    const { replayFailedDeliveries } = await client.data(ReplayFailedDeliveriesDocument, { webhookId: logged.webhookId, since: new Date(0).toISOString() });
    expect(replayFailedDeliveries.count).toBe(0);

    const subscriber = createWsClient(app.url, apiKey);
    try {
      const updates = collect(subscriber, DeliveryUpdatedDocument, { webhookId: logged.webhookId });
      await waitUntil(async () => ((await app.metrics.subscribers.get()).values[0]?.value ?? 0) >= 1, 10_000, 'the subscription');
      const { sendTestEvent } = await client.data(SendTestEventDocument, { webhookId: logged.webhookId });
      const [, , testRequest] = await receiver.waitFor(3);
      expect(testRequest!.headers['webhook-id']).toBe(sendTestEvent.id);
      expect(JSON.parse(testRequest!.body)).toMatchObject({ event: 'webhook.test', event_id: sendTestEvent.event.id, webhook_id: logged.webhookId });
      await waitUntil(() => updates.items.some((item) => item.deliveryUpdated.id === sendTestEvent.id && item.deliveryUpdated.status === 'SUCCEEDED'), 15_000, 'the test delivery’s update');
      expect(updates.items.every((item) => item.deliveryUpdated.webhook.id === logged.webhookId)).toBe(true);
    } finally {
      await subscriber.dispose();
    }
  });
});

describe('foreign and malformed IDs answer as before', () => {
  it('another account: NOT_FOUND for each of them', async () => {
    expectError(await other.request(DeliveryDocument, { id: logged.webhookIdHeader }), 'NOT_FOUND');
    expectError(await other.request(HistoryNodeDocument, { id: logged.eventId }), 'NOT_FOUND');
    expectError(await other.request(WebhookDocument, { id: logged.webhookId }), 'NOT_FOUND');
    expectError(await other.request(RetryDeliveryDocument, { id: logged.webhookIdHeader }), 'NOT_FOUND');
    expect((await other.data(DeliveriesDocument, { first: 10, filter: { eventId: logged.eventId } })).deliveries.totalCount).toBe(0);
  });

  it('malformed, the wrong type, or the old base64 form: BAD_USER_INPUT naming the argument', async () => {
    const uuid = rawId(logged.webhookIdHeader, 'Delivery');
    for (const id of [logged.webhookIdHeader.toUpperCase(), `${logged.webhookIdHeader}x`, logged.webhookIdHeader.replace(/^dlv_/, 'dlv-'), uuid, legacyRelayId('Delivery', uuid)]) {
      expectError(await client.request(DeliveryDocument, { id }), 'BAD_USER_INPUT', 'id');
      expectError(await client.request(HistoryNodeDocument, { id }), 'BAD_USER_INPUT', 'id');
    }
    expectError(await client.request(DeliveryDocument, { id: logged.eventId }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(DeliveriesDocument, { first: 1, filter: { webhookId: logged.eventId } }), 'BAD_USER_INPUT', 'webhookId');
    expectError(await client.request(DeliveriesDocument, { first: 1, filter: { eventId: logged.webhookIdHeader } }), 'BAD_USER_INPUT', 'eventId');
  });
});
