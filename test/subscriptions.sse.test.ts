// deliveryUpdated over Server-Sent Events (CONTRACT.md: GraphQL "HTTP, SSE and graphql-ws on the same path"): a POST to
// /graphql with `accept: text/event-stream` and the API key streams `event: next` / `data: {…}` items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, DeliveryUpdatedDocument, PublishEventDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { rawId } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { openSse as openSseStream, type SseStream } from './helpers/sse.js';
import { waitUntil } from './helpers/ws-client.js';
import { publicId } from '../src/domain/public-id.js';

/** Opens deliveryUpdated as an SSE stream. */
const openSse = (url: string, apiKey: string | null, variables: Record<string, unknown>) => openSseStream(url, apiKey, DeliveryUpdatedDocument, variables);

type DeliveryItem = { data?: { deliveryUpdated: { id: string; status: string; webhook: { id: string } } }; errors?: { extensions?: { code?: string } }[] };
const items = (stream: SseStream) => stream.messages.filter((message) => message.event === 'next').map((message) => message.data as DeliveryItem);
const openSubscriptions = async (app: TestApp) => (await app.metrics.subscribers.get()).values[0]?.value ?? 0;

let app: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  app = await startTestApp({ WORKER_POLL_INTERVAL: '100ms' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('deliveryUpdated over SSE', () => {
  it('streams PENDING then SUCCEEDED for a published event', async () => {
    const account = await app.newAccount();
    const other = await app.newAccount();
    const hook = (await account.client.data(CreateWebhookDocument, { input: { name: 'sse', url: receiver.url, events: ['bookings.*'] } })).createWebhook.webhook.id;
    await other.client.data(CreateWebhookDocument, { input: { name: 'other', url: receiver.url, events: ['*'] } });

    const all = await openSse(app.url, account.apiKey, {});
    const filtered = await openSse(app.url, account.apiKey, { webhookId: hook });
    try {
      expect(all.status).toBe(200);
      expect(all.contentType).toMatch(/^text\/event-stream/);
      await waitUntil(async () => (await openSubscriptions(app)) === 2, 10_000, 'both SSE subscriptions to open');

      await other.client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'other-booking' } } });
      const published = await account.client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'booking-1' } } });
      expect(published.publishEvent.deliveryCount).toBe(1);
      const { rows } = await app.db.pool.query<{ id: string }>('select id from deliveries where event_id = $1', [rawId(published.publishEvent.event.id, 'Event')]);
      const deliveryId = rows[0]!.id;

      for (const stream of [all, filtered]) {
        await waitUntil(() => items(stream).some((item) => item.data?.deliveryUpdated.status === 'SUCCEEDED'), 15_000, 'SUCCEEDED over SSE');
        const seen = items(stream);
        expect(seen.every((item) => item.errors === undefined)).toBe(true);
        expect(seen.map((item) => item.data!.deliveryUpdated.status)).toEqual(['PENDING', 'SUCCEEDED']);
        expect(seen.every((item) => rawId(item.data!.deliveryUpdated.id, 'Delivery') === deliveryId && item.data!.deliveryUpdated.webhook.id === hook)).toBe(true);
      }
      expect(receiver.requests.some((request) => request.headers['webhook-id'] === publicId('Delivery', deliveryId))).toBe(true);
    } finally {
      all.close();
      filtered.close();
    }
    // Closing the stream ends the subscription on the server.
    await waitUntil(async () => (await openSubscriptions(app)) === 0, 10_000, 'the SSE subscriptions to close');
  });

  it('without a key, or with a wrong one, answers 401 UNAUTHENTICATED and streams nothing', async () => {
    for (const apiKey of [null, 'hs_live_not-a-real-key']) {
      const stream = await openSse(app.url, apiKey, {});
      try {
        expect(stream.status).toBe(401);
        await waitUntil(() => stream.ended, 5_000, 'the refused response to end');
        expect(items(stream).every((item) => item.data === undefined || item.data === null)).toBe(true);
        expect(JSON.stringify(stream.messages)).toContain('UNAUTHENTICATED');
      } finally {
        stream.close();
      }
    }
    expect(await openSubscriptions(app)).toBe(0);
  });

  it('another account’s webhookId is NOT_FOUND', async () => {
    const owner = await app.newAccount();
    const intruder = await app.newAccount();
    const hook = (await owner.client.data(CreateWebhookDocument, { input: { name: 'private', url: receiver.url, events: ['*'] } })).createWebhook.webhook.id;
    const stream = await openSse(app.url, intruder.apiKey, { webhookId: hook });
    try {
      await waitUntil(() => stream.messages.length > 0, 10_000, 'an answer');
      const [first] = items(stream);
      expect(first?.data ?? null).toBeNull();
      expect(first?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      stream.close();
    }
  });
});
