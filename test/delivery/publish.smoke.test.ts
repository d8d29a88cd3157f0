import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateWebhookDocument, DeliveryDocument, PublishEventDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

let app: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  app = await startTestApp({ RETRY_SCHEDULE: '100ms,200ms', DELIVERY_TIMEOUT: '2s' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

it('publishes, delivers signed, and retries a failure', async () => {
  const { client } = await app.newAccount();
  const created = await client.data(CreateWebhookDocument, { input: { name: 'desk', url: receiver.url, events: ['bookings.*'] } });
  receiver.reply({ status: 500 });
  const started = Date.now();
  const published = await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'b1', resource: { id: 'r1' } } } });
  expect(published.publishEvent.deliveryCount).toBe(1);
  const [first, second] = await receiver.waitFor(2);
  console.log('first arrival after', first!.receivedAt - started, 'ms');
  expect(receiver.verify(second!, created.createWebhook.secret!)).toBeTruthy();
  expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
  expect(first!.body).toBe(second!.body);
});
