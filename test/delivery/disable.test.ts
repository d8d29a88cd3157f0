// Auto-disable: DISABLE_AFTER_FAILURES consecutive failed attempts (or one 410 Gone) disable a webhook and fail its
// queued deliveries; a success resets the count; re-enabling resets it too and lets events flow again.
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { DeleteWebhookDocument, SetWebhookActiveDocument, WebhookDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attemptJobs, attemptsOf, createWebhook, deliveryRow, gate, onlyDelivery, publish, waitForDelivery } from '../helpers/delivery.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { publicId } from '../../src/domain/public-id.js';

let app: TestApp;
beforeAll(async () => {
  // Four retries, so that three consecutive failures disable a webhook before any delivery runs out of attempts; the
  // longest delay (30 s) lets a 503's Retry-After park a delivery in RETRYING for the whole test.
  app = await startTestApp({ DISABLE_AFTER_FAILURES: '3', RETRY_SCHEDULE: '100ms,100ms,100ms,30s', DELIVERY_TIMEOUT: '5s', WORKER_POLL_INTERVAL: '100ms' });
});
afterAll(() => app?.stop());

async function ownReceiver(context: TestContext): Promise<Receiver> {
  const receiver = await startReceiver();
  context.onTestFinished(() => receiver.close());
  return receiver;
}

async function webhookState(client: Awaited<ReturnType<TestApp['newAccount']>>['client'], id: string) {
  const { webhook } = await client.data(WebhookDocument, { id });
  return webhook!;
}

describe.concurrent('auto-disable', () => {
  it('disables after DISABLE_AFTER_FAILURES consecutive failures, fails its queued deliveries, and comes back when re-enabled', async (context) => {
    const receiver = await ownReceiver(context);
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'flaky', url: receiver.url, events: ['*'] });

    // Failure 1: a 503 whose Retry-After parks this delivery in RETRYING for 30 s: it is queued when the webhook goes.
    receiver.reply({ status: 503, headers: { 'retry-after': '30' } });
    receiver.fallback = { status: 500 };
    const parkedEvent = await publish(client, { type: 'orders.created', data: { id: 'o1' } });
    const parked = await onlyDelivery(app.db.pool, parkedEvent.rawId);
    await waitForDelivery(app.db.pool, parked.id, ['RETRYING'], (row) => row.attempt_count === 1);
    expect((await webhookState(client, webhook.id)).failureCount).toBe(1);

    // Failures 2 and 3: a second delivery's first two attempts.
    const failingEvent = await publish(client, { type: 'orders.updated', data: { id: 'o1' } });
    const failing = await onlyDelivery(app.db.pool, failingEvent.rawId);
    const failed = await waitForDelivery(app.db.pool, failing.id, ['FAILED']);
    expect(failed.attempt_count).toBe(2);
    expect(failed.failure_reason).toMatch(/disabled/);

    const disabled = await webhookState(client, webhook.id);
    expect(disabled).toMatchObject({ active: false, failureCount: 3 });
    expect(disabled.disabledReason).toMatch(/3 consecutive failed attempts/);
    const parkedAfter = await waitForDelivery(app.db.pool, parked.id, ['FAILED']);
    expect(parkedAfter.failure_reason).toMatch(/webhook disabled/);
    expect(parkedAfter.next_attempt_at).toBeNull();
    expect(receiver.requests).toHaveLength(3);

    // Disabled: a new event does not go to it.
    expect((await publish(client, { type: 'orders.deleted', data: { id: 'o1' } })).deliveryCount).toBe(0);

    // Re-enabled: the count starts afresh and events flow again.
    receiver.fallback = { status: 200 };
    const { setWebhookActive } = await client.data(SetWebhookActiveDocument, { id: webhook.id, active: true });
    expect(setWebhookActive.webhook).toMatchObject({ active: true, failureCount: 0, disabledReason: null });
    const flowing = await publish(client, { type: 'orders.created', data: { id: 'o2' } });
    expect(flowing.deliveryCount).toBe(1);
    const delivered = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, flowing.rawId)).id, ['SUCCEEDED']);
    const request = receiver.requests.find((candidate) => candidate.headers['webhook-id'] === publicId('Delivery', delivered.id))!;
    expect(receiver.verify(request, webhook.secret)).toBeTruthy();
    // The parked delivery's own job, due in 30 s, finds it FAILED and sends nothing: it was not revived.
    expect((await attemptsOf(app.db.pool, parked.id)).map((attempt) => attempt.number)).toEqual([1]);
  });

  it('resets the count on a success: failures that are not consecutive never disable', async (context) => {
    const receiver = await ownReceiver(context);
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'mostly fine', url: receiver.url, events: ['*'] });

    receiver.reply({ status: 500 }, { status: 500 });
    const first = await publish(client, { type: 'customers.created', data: { id: 'c1' } });
    const firstDelivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, first.rawId)).id, ['SUCCEEDED']);
    expect(firstDelivery.attempt_count).toBe(3);
    expect(await webhookState(client, webhook.id)).toMatchObject({ active: true, failureCount: 0 });

    receiver.reply({ status: 500 }, { status: 500 });
    const second = await publish(client, { type: 'customers.updated', data: { id: 'c1' } });
    const secondDelivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, second.rawId)).id, ['SUCCEEDED']);
    expect(secondDelivery.attempt_count).toBe(3);
    // Four failed attempts in all, never three in a row.
    expect(await webhookState(client, webhook.id)).toMatchObject({ active: true, failureCount: 0, disabledReason: null });
  });

  it('does not revive a delivery whose attempt was in flight when the webhook was disabled', async (context) => {
    const receiver = await ownReceiver(context);
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'slow and failing', url: receiver.url, events: ['*'] });
    const slowAnswer = gate();
    context.onTestFinished(slowAnswer.open);
    receiver.reply({ status: 500, release: slowAnswer.promise });
    receiver.fallback = { status: 500 };

    const slowEvent = await publish(client, { type: 'orders.created', data: { id: 'slow' } });
    const slow = await onlyDelivery(app.db.pool, slowEvent.rawId);
    await receiver.waitFor(1);
    // While the slow attempt is in flight, another delivery's three failures disable the webhook.
    const fastEvent = await publish(client, { type: 'orders.updated', data: { id: 'fast' } });
    const fast = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, fastEvent.rawId)).id, ['FAILED']);
    expect(fast.attempt_count).toBe(3);
    expect((await webhookState(client, webhook.id)).active).toBe(false);
    slowAnswer.open();

    // The slow attempt's failure lands on a disabled webhook: the delivery stays FAILED, no retry is queued.
    await waitForDelivery(app.db.pool, slow.id, ['FAILED'], (row) => row.attempt_count === 1);
    const jobs = await attemptJobs(app.db.pool, [slow.id]);
    expect(jobs.map((job) => job.data.attemptNumber)).toEqual([1]);
    const settled = await deliveryRow(app.db.pool, slow.id);
    expect(settled).toMatchObject({ status: 'FAILED', next_attempt_at: null });
    expect(settled.failure_reason).toMatch(/disabled/);
  });

  it('sends nothing more for a webhook deleted while its attempt was in flight', async (context) => {
    const receiver = await ownReceiver(context);
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'doomed', url: receiver.url, events: ['*'] });
    const answer = gate();
    context.onTestFinished(answer.open);
    receiver.fallback = { status: 500, release: answer.promise };
    const event = await publish(client, { type: 'customers.deleted', data: { id: 'c1' } });
    const delivery = await onlyDelivery(app.db.pool, event.rawId);
    await receiver.waitFor(1);
    await client.data(DeleteWebhookDocument, { id: webhook.id });
    answer.open();

    // Deleting fails the waiting delivery at once; the attempt in flight is still recorded when it ends, and queues
    // nothing more.
    const failed = await waitForDelivery(app.db.pool, delivery.id, ['FAILED'], (row) => row.attempt_count === 1);
    expect(failed).toMatchObject({ attempt_count: 1, next_attempt_at: null });
    expect(await attemptJobs(app.db.pool, [delivery.id])).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('disables at once on 410 Gone', async (context) => {
    const receiver = await ownReceiver(context);
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'gone', url: receiver.url, events: ['*'] });
    receiver.fallback = { status: 410, body: 'this endpoint was removed' };

    const event = await publish(client, { type: 'invoices.created', data: { id: 'i1' } });
    const failed = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);
    expect(failed).toMatchObject({ attempt_count: 1, last_response_status: 410 });
    const gone = await webhookState(client, webhook.id);
    expect(gone).toMatchObject({ active: false, failureCount: 1 });
    expect(gone.disabledReason).toMatch(/410/);
    const [attempt] = await attemptsOf(app.db.pool, failed.id);
    expect(attempt).toMatchObject({ response_status: 410, response_body: 'this endpoint was removed' });
    expect(receiver.requests).toHaveLength(1);
  });
});
