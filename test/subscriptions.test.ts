import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, DeliveryUpdatedDocument, PublishEventDocument, SetWebhookActiveDocument, WebhookUpdatedDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  app = await startTestApp({ RETRY_SCHEDULE: '50ms,50ms', WORKER_POLL_INTERVAL: '50ms' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('deliveryUpdated over graphql-ws', () => {
  it('sees PENDING → RETRYING → SUCCEEDED for a flaky receiver, and nothing of another account', async () => {
    const a = await app.newAccount();
    const b = await app.newAccount();
    const hookA = await a.client.data(CreateWebhookDocument, { input: { name: 'a', url: receiver.url, events: ['*'] } });
    await b.client.data(CreateWebhookDocument, { input: { name: 'b', url: receiver.url, events: ['*'] } });
    const wsA = createWsClient(app.url, a.apiKey);
    const wsB = createWsClient(app.url, b.apiKey);
    const seenA = collect(wsA, DeliveryUpdatedDocument, { webhookId: hookA.createWebhook.webhook.id });
    const seenB = collect(wsB, DeliveryUpdatedDocument, {});
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the subscriptions register
    receiver.reply({ status: 500 });
    await a.client.data(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'o1' } } });
    await waitUntil(() => seenA.items.some((item) => item.deliveryUpdated.status === 'SUCCEEDED'), 15_000, 'SUCCEEDED');
    expect(seenA.items.map((item) => item.deliveryUpdated.status)).toEqual(['PENDING', 'RETRYING', 'SUCCEEDED']);
    expect(seenB.items).toEqual([]);
    seenA.dispose();
    seenB.dispose();
    await wsA.dispose();
    await wsB.dispose();
  });

  it('webhookUpdated fires on disable and re-enable', async () => {
    const a = await app.newAccount();
    const hook = await a.client.data(CreateWebhookDocument, { input: { name: 'a', url: receiver.url, events: ['*'] } });
    const ws = createWsClient(app.url, a.apiKey);
    const seen = collect(ws, WebhookUpdatedDocument, { id: hook.createWebhook.webhook.id });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await a.client.data(SetWebhookActiveDocument, { id: hook.createWebhook.webhook.id, active: false });
    // Each item is the webhook as it is when loaded: let the first arrive before changing it again.
    await waitUntil(() => seen.items.length >= 1, 10_000, 'the disable update');
    await a.client.data(SetWebhookActiveDocument, { id: hook.createWebhook.webhook.id, active: true });
    await waitUntil(() => seen.items.length >= 2, 10_000, 'two webhook updates');
    expect(seen.items.map((item) => item.webhookUpdated.active)).toEqual([false, true]);
    seen.dispose();
    await ws.dispose();
  });
});
