// The admin's manual actions and what surrounds them: retryDelivery, replayFailedDeliveries, sendTestEvent, secret
// rotation as a receiver sees it, and retention (archived deliveries lose their bodies and cannot be sent again).
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { DAY_MS, archiveOldDeliveries } from '../../src/delivery/retention.js';
import {
  DeleteWebhookDocument,
  DeliveryDocument,
  ReplayFailedDeliveriesDocument,
  RetryDeliveryDocument,
  RotateWebhookSecretDocument,
  SendTestEventDocument,
  SetWebhookActiveDocument,
} from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  attemptJobs,
  attemptsOf,
  closedPort,
  createWebhook,
  deliveriesOfEvent,
  deliveryRow,
  gate,
  onlyDelivery,
  publish,
  requestsFor,
  waitForDelivery,
  waitUntil,
} from '../helpers/delivery.js';
import { expectError, globalId, rawId } from '../helpers/graphql.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const RETENTION_DAYS = 7;

let app: TestApp;
beforeAll(async () => {
  // DELIVERY_TIMEOUT leaves room for receivers that hold their answer on purpose (to keep a delivery PENDING/RETRYING)
  // and for a loaded machine: no attempt here should time out.
  app = await startTestApp({ RETRY_SCHEDULE: '100ms,200ms', DELIVERY_TIMEOUT: '5s', WORKER_POLL_INTERVAL: '100ms', RETENTION_DAYS: String(RETENTION_DAYS), DISABLE_AFTER_FAILURES: '100' });
});
afterAll(() => app?.stop());

type Client = Awaited<ReturnType<TestApp['newAccount']>>['client'];

/** A new account whose one webhook (subscribed to everything) posts to a receiver of this test's own. */
async function setUp(context: TestContext) {
  const receiver = await startReceiver();
  context.onTestFinished(() => receiver.close());
  const { client } = await app.newAccount();
  const webhook = await createWebhook(client, { name: 'manual', url: receiver.url, events: ['*'] });
  const publishOne = async (data: Record<string, unknown> = { id: 'b1' }) => {
    const event = await publish(client, { type: 'bookings.created', data });
    return onlyDelivery(app.db.pool, event.rawId);
  };
  return { receiver, client, webhook, publishOne };
}

const deliveryGlobalId = (id: string) => globalId('Delivery', id);

function expectSameRequests(receiver: Receiver, deliveryId: string, count: number, secret: string) {
  const requests = requestsFor(receiver.requests, deliveryId);
  expect(requests).toHaveLength(count);
  expect(new Set(requests.map((request) => request.body)).size).toBe(1);
  for (const request of requests) expect(receiver.verify(request, secret)).toBeTruthy();
}

describe.concurrent('retryDelivery', () => {
  it('sends a SUCCEEDED delivery once more as a MANUAL attempt, with the same webhook-id and body', async (context) => {
    const { receiver, client, webhook, publishOne } = await setUp(context);
    const delivery = await publishOne();
    await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);

    const { retryDelivery } = await client.data(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) });
    expect(retryDelivery).toMatchObject({ id: deliveryGlobalId(delivery.id), manualRetries: 1 });
    expect(['PENDING', 'SUCCEEDED']).toContain(retryDelivery.status);

    const resent = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED'], (row) => row.attempt_count === 2);
    expect(resent.manual_retries).toBe(1);
    const attempts = await attemptsOf(app.db.pool, delivery.id);
    expect(attempts.map((attempt) => [attempt.number, attempt.trigger, attempt.response_status])).toEqual([
      [1, 'AUTOMATIC', 200],
      [2, 'MANUAL', 200],
    ]);
    expectSameRequests(receiver, delivery.id, 2, webhook.secret);
  });

  it('sends a FAILED delivery once more; a failing manual attempt does not restart the schedule', async (context) => {
    const { receiver, client, webhook, publishOne } = await setUp(context);
    receiver.fallback = { status: 500 };
    const delivery = await publishOne();
    await waitForDelivery(app.db.pool, delivery.id, ['FAILED'], (row) => row.attempt_count === 3);

    // A manual attempt that fails again: one attempt, FAILED at once.
    await client.data(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) });
    const failedAgain = await waitForDelivery(app.db.pool, delivery.id, ['FAILED'], (row) => row.attempt_count === 4);
    expect(failedAgain).toMatchObject({ manual_retries: 1, next_attempt_at: null, last_response_status: 500 });
    expect((await attemptJobs(app.db.pool, [delivery.id])).map((job) => job.data.attemptNumber)).toEqual([1, 2, 3, 4]);

    // A manual attempt that succeeds.
    receiver.fallback = { status: 204 };
    await client.data(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) });
    const succeeded = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    expect(succeeded).toMatchObject({ attempt_count: 5, manual_retries: 2, last_response_status: 204, failure_reason: null });
    const attempts = await attemptsOf(app.db.pool, delivery.id);
    expect(attempts.map((attempt) => `${attempt.number}:${attempt.trigger}:${attempt.response_status}`)).toEqual([
      '1:AUTOMATIC:500',
      '2:AUTOMATIC:500',
      '3:AUTOMATIC:500',
      '4:MANUAL:500',
      '5:MANUAL:204',
    ]);
    expectSameRequests(receiver, delivery.id, 5, webhook.secret);

    // The attempts as the API shows them.
    const { delivery: shown } = await client.data(DeliveryDocument, { id: deliveryGlobalId(delivery.id) });
    expect(shown!.attempts.map((attempt) => attempt.trigger)).toEqual(['AUTOMATIC', 'AUTOMATIC', 'AUTOMATIC', 'MANUAL', 'MANUAL']);
  });

  it('refuses a PENDING delivery (attempt in flight) with CONFLICT and changes nothing', async (context) => {
    const { receiver, client, publishOne } = await setUp(context);
    const answer = gate();
    context.onTestFinished(answer.open);
    receiver.reply({ status: 200, release: answer.promise });
    const delivery = await publishOne();
    await receiver.waitFor(1);
    expect((await deliveryRow(app.db.pool, delivery.id)).status).toBe('PENDING');

    expectError(await client.request(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) }), 'CONFLICT');
    answer.open();
    const finished = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    expect(finished).toMatchObject({ manual_retries: 0, attempt_count: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('refuses a RETRYING delivery with CONFLICT and changes nothing', async (context) => {
    const { receiver, client, publishOne } = await setUp(context);
    // The second attempt is held unanswered: the delivery stays RETRYING meanwhile.
    const answer = gate();
    context.onTestFinished(answer.open);
    receiver.reply({ status: 500 }, { status: 200, release: answer.promise });
    const delivery = await publishOne();
    await waitForDelivery(app.db.pool, delivery.id, ['RETRYING']);

    expectError(await client.request(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) }), 'CONFLICT');
    answer.open();
    const finished = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    expect(finished).toMatchObject({ manual_retries: 0, attempt_count: 2 });
    expect((await attemptsOf(app.db.pool, delivery.id)).every((attempt) => attempt.trigger === 'AUTOMATIC')).toBe(true);
  });

  it("refuses a delivery of a disabled or deleted webhook with CONFLICT and changes nothing", async (context) => {
    const { client, webhook, publishOne } = await setUp(context);
    const delivery = await publishOne();
    await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);

    await client.data(SetWebhookActiveDocument, { id: webhook.id, active: false });
    expectError(await client.request(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) }), 'CONFLICT');
    expect(await deliveryRow(app.db.pool, delivery.id)).toMatchObject({ status: 'SUCCEEDED', manual_retries: 0 });
    expect(await attemptJobs(app.db.pool, [delivery.id])).toHaveLength(1);

    await client.data(SetWebhookActiveDocument, { id: webhook.id, active: true });
    await client.data(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) });
    await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED'], (row) => row.attempt_count === 2);

    await client.data(DeleteWebhookDocument, { id: webhook.id });
    expectError(await client.request(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) }), 'CONFLICT');
    expect(await deliveryRow(app.db.pool, delivery.id)).toMatchObject({ status: 'SUCCEEDED', manual_retries: 1 });
  });

  it("answers NOT_FOUND for another account's delivery", async (context) => {
    const { publishOne } = await setUp(context);
    const delivery = await publishOne();
    await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    const stranger = await app.newAccount();
    expectError(await stranger.client.request(RetryDeliveryDocument, { id: deliveryGlobalId(delivery.id) }), 'NOT_FOUND');
    expect((await deliveryRow(app.db.pool, delivery.id)).manual_retries).toBe(0);
  });
});

describe.concurrent('replayFailedDeliveries', () => {
  it('re-queues the FAILED deliveries created since the given time, returns their count, and delivers them', async (context) => {
    const { receiver, client, webhook, publishOne } = await setUp(context);
    receiver.fallback = { status: 500 };
    const before = await publishOne({ id: 'before' });
    await waitForDelivery(app.db.pool, before.id, ['FAILED']);
    // Just after the first delivery's creation: deliveries created at or after it are replayed.
    const since = new Date(before.created_at.getTime() + 1);

    const failed = [await publishOne({ id: 'f1' }), await publishOne({ id: 'f2' })];
    for (const delivery of failed) await waitForDelivery(app.db.pool, delivery.id, ['FAILED']);
    receiver.fallback = { status: 200 };
    const succeeded = await publishOne({ id: 'ok' });
    await waitForDelivery(app.db.pool, succeeded.id, ['SUCCEEDED']);
    // Another webhook's failure in the same account is not this webhook's to replay.
    const other = await createWebhook(client, { name: 'other', url: `http://127.0.0.1:${await closedPort()}/hook`, events: ['invoices.created'] });
    const otherEvent = await publish(client, { type: 'invoices.created', data: { id: 'i1' } });
    const otherDelivery = (await deliveriesOfEvent(app.db.pool, otherEvent.rawId)).find((row) => row.webhook_id === other.rawId)!.id;
    await waitForDelivery(app.db.pool, otherDelivery, ['FAILED']);
    for (const delivery of await deliveriesOfEvent(app.db.pool, otherEvent.rawId)) await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED', 'FAILED']);

    const { replayFailedDeliveries } = await client.data(ReplayFailedDeliveriesDocument, { webhookId: webhook.id, since: since.toISOString() });
    expect(replayFailedDeliveries.count).toBe(2);
    for (const delivery of failed) {
      const replayed = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
      expect(replayed).toMatchObject({ attempt_count: 4, manual_retries: 1 });
      const last = (await attemptsOf(app.db.pool, delivery.id)).at(-1)!;
      expect(last).toMatchObject({ number: 4, trigger: 'MANUAL', response_status: 200 });
      expectSameRequests(receiver, delivery.id, 4, webhook.secret);
    }
    expect(await deliveryRow(app.db.pool, before.id)).toMatchObject({ status: 'FAILED', manual_retries: 0 });
    expect(await deliveryRow(app.db.pool, succeeded.id)).toMatchObject({ attempt_count: 1, manual_retries: 0 });
    expect(await deliveryRow(app.db.pool, otherDelivery)).toMatchObject({ status: 'FAILED', manual_retries: 0 });

    // Nothing is FAILED any more since then: a second replay finds nothing.
    expect((await client.data(ReplayFailedDeliveriesDocument, { webhookId: webhook.id, since: since.toISOString() })).replayFailedDeliveries.count).toBe(0);
  });
});

describe.concurrent('sendTestEvent and rotation', () => {
  it('delivers a webhook.test event through the normal pipeline, whatever the webhook subscribes to', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'invoices only', url: receiver.url, events: ['invoices.finalised'], httpMethod: 'PUT' });

    const { sendTestEvent } = await client.data(SendTestEventDocument, { webhookId: webhook.id });
    expect(sendTestEvent).toMatchObject({ eventType: 'webhook.test', webhook: { id: webhook.id }, event: { type: 'webhook.test' } });
    const deliveryId = rawId(sendTestEvent.id, 'Delivery');
    await waitForDelivery(app.db.pool, deliveryId, ['SUCCEEDED']);
    const [request] = await receiver.waitFor(1);
    expect(request!.method).toBe('PUT');
    expect(request!.headers['webhook-id']).toBe(sendTestEvent.id);
    expect(receiver.verify(request!, webhook.secret)).toBeTruthy();
    const body = JSON.parse(request!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ event: 'webhook.test', event_id: sendTestEvent.event.id, webhook_id: webhook.id });
    expect(body['data']).toBeTypeOf('object');
    expect((await attemptsOf(app.db.pool, deliveryId)).map((attempt) => attempt.trigger)).toEqual(['AUTOMATIC']);
  });

  it('signs with both the old and the new secret after a rotation', async (context) => {
    const { receiver, client, webhook, publishOne } = await setUp(context);
    const beforeRotation = await publishOne({ id: 'before' });
    await waitForDelivery(app.db.pool, beforeRotation.id, ['SUCCEEDED']);
    const [first] = requestsFor(receiver.requests, beforeRotation.id);
    expect(String(first!.headers['webhook-signature']).split(' ')).toHaveLength(1);

    const { rotateWebhookSecret } = await client.data(RotateWebhookSecretDocument, { id: webhook.id });
    const newSecret = rotateWebhookSecret.secret!;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(webhook.secret);

    const afterRotation = await publishOne({ id: 'after' });
    await waitForDelivery(app.db.pool, afterRotation.id, ['SUCCEEDED']);
    const [next] = requestsFor(receiver.requests, afterRotation.id);
    const signatures = String(next!.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((signature) => signature.startsWith('v1,'))).toBe(true);
    expect(receiver.verify(next!, webhook.secret)).toBeTruthy();
    expect(receiver.verify(next!, newSecret)).toBeTruthy();
    // The old request, signed before the rotation, verifies with the old secret only.
    expect(() => receiver.verify(first!, newSecret)).toThrow();
  });
});

describe('retention', () => {
  it('archives deliveries older than RETENTION_DAYS: payload and response bodies purged, retry and replay refused', async (context) => {
    const { receiver, client, webhook, publishOne } = await setUp(context);
    receiver.fallback = { status: 200, body: 'thanks' };
    const succeeded = await publishOne({ id: 'kept-then-archived' });
    await waitForDelivery(app.db.pool, succeeded.id, ['SUCCEEDED']);
    receiver.fallback = { status: 500, body: 'nope' };
    const failed = await publishOne({ id: 'failed-then-archived' });
    await waitForDelivery(app.db.pool, failed.id, ['FAILED']);
    expect((await attemptsOf(app.db.pool, succeeded.id))[0]!.response_body).toBe('thanks');

    // Not old enough yet: a day short of the retention period, nothing is archived.
    await archiveOldDeliveries(app.db.pool, RETENTION_DAYS, new Date(Date.now() + (RETENTION_DAYS - 1) * DAY_MS));
    expect((await deliveryRow(app.db.pool, succeeded.id)).archived).toBe(false);

    // Its own account's deliveries may not be the only ones in the database: wait for every other test's to settle.
    await waitUntil('no delivery in progress', async () => {
      const { rows } = await app.db.pool.query<{ count: number }>(`select count(*)::int as count from deliveries where status in ('PENDING', 'RETRYING')`);
      return rows[0]!.count === 0;
    });
    const archived = await archiveOldDeliveries(app.db.pool, RETENTION_DAYS, new Date(Date.now() + (RETENTION_DAYS + 1) * DAY_MS));
    expect(archived.deliveries).toBeGreaterThanOrEqual(2);

    for (const id of [succeeded.id, failed.id]) {
      const { delivery } = await client.data(DeliveryDocument, { id: deliveryGlobalId(id) });
      expect(delivery).toMatchObject({ archived: true, payload: null });
      expect(delivery!.attempts.length).toBeGreaterThan(0);
      expect(delivery!.attempts.every((attempt) => attempt.responseBody === null)).toBe(true);
      // Status and attempt metadata stay.
      expect(delivery!.attempts.every((attempt) => attempt.responseStatus !== null)).toBe(true);
      expectError(await client.request(RetryDeliveryDocument, { id: deliveryGlobalId(id) }), 'ARCHIVED');
    }
    expect((await deliveryRow(app.db.pool, failed.id)).status).toBe('FAILED');
    const replay = await client.data(ReplayFailedDeliveriesDocument, { webhookId: webhook.id, since: new Date(0).toISOString() });
    expect(replay.replayFailedDeliveries.count).toBe(0);
    expect(await attemptJobs(app.db.pool, [failed.id])).toHaveLength(3);
  });
});
