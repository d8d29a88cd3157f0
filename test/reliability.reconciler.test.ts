// Issue 7: the reconciler, the safety net behind "nothing accepted is ever lost". A waiting delivery whose attempt job
// has vanished (here: deleted by hand, as an operator cleaning pgboss.job might) is queued again once it is overdue by
// the grace period, and delivered. The grace is DELIVERY_TIMEOUT + JOB_EXPIRY_SLACK + 2 × WORKER_MAINTENANCE_INTERVAL
// + 5 s: about 9 s with the settings below.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { ATTEMPT_QUEUES, attemptJobs, attemptsOf, createWebhook, onlyDelivery, publish, requestsFor, waitForDelivery, waitUntil } from './helpers/delivery.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publicId } from '../src/domain/public-id.js';

const ENGINE = { DELIVERY_TIMEOUT: '1s', JOB_EXPIRY_SLACK: '1s', WORKER_MAINTENANCE_INTERVAL: '1s', WORKER_POLL_INTERVAL: '100ms' };
/** Well past the grace, with room for a loaded machine. */
const RECONCILED_WITHIN_MS = 45_000;

let databaseUrl: string;
/** Serves GraphQL and enqueues, but runs no worker: a job it queues waits until a worker process exists. */
let api: TestApp;
let worker: TestApp | undefined;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  // A worker process creates the queues on start; stop it so that the first delivery stays PENDING, job and all.
  const bootstrap = await startTestApp({ ...ENGINE, HOOKSTREAM_ROLE: 'worker' }, databaseUrl);
  await bootstrap.stop();
  api = await startTestApp({ ...ENGINE, HOOKSTREAM_ROLE: 'api' }, databaseUrl);
});
afterAll(async () => {
  await worker?.stop();
  await api?.stop();
});

async function ownReceiver(): Promise<Receiver> {
  const receiver = await startReceiver();
  onTestFinished(() => receiver.close());
  return receiver;
}

/** Deletes the delivery's live attempt jobs (first attempts and retries), as the brief's operator would; returns how many there were. */
async function deleteLiveJobs(deliveryId: string): Promise<number> {
  const { rowCount } = await api.db.pool.query(`delete from pgboss.job where name = any($2::text[]) and data->>'deliveryId' = $1 and state < 'completed'`, [deliveryId, ATTEMPT_QUEUES]);
  return rowCount ?? 0;
}

it('queues again a PENDING delivery whose job was deleted, and delivers it once', { timeout: 90_000 }, async () => {
  const receiver = await ownReceiver();
  const { client } = await api.newAccount();
  const webhook = await createWebhook(client, { name: 'orphaned', url: receiver.url, events: ['bookings.created'] });
  const event = await publish(client, { type: 'bookings.created', data: { id: 'booking-1', resource: { id: 'room-1' } } });
  const delivery = await onlyDelivery(api.db.pool, event.rawId);
  expect(delivery.status).toBe('PENDING');

  expect(await deleteLiveJobs(delivery.id)).toBe(1);
  expect(await attemptJobs(api.db.pool, [delivery.id])).toEqual([]);

  worker = await startTestApp({ ...ENGINE, HOOKSTREAM_ROLE: 'worker' }, databaseUrl);
  const succeeded = await waitForDelivery(api.db.pool, delivery.id, ['SUCCEEDED'], () => true, RECONCILED_WITHIN_MS);
  expect(succeeded.attempt_count).toBe(1);

  // Exactly one request, signed, carrying the delivery's id; one attempt recorded; one new job (attempt 1), completed.
  const requests = requestsFor(receiver.requests, delivery.id);
  expect(requests).toHaveLength(1);
  expect(receiver.verify(requests[0]!, webhook.secret)).toBeTruthy();
  expect((await attemptsOf(api.db.pool, delivery.id)).map((attempt) => attempt.number)).toEqual([1]);
  // Finished jobs are completed in batches a moment after their attempt is recorded.
  const jobs = await waitUntil('the reconciled job to complete', async () => {
    const found = await attemptJobs(api.db.pool, [delivery.id]);
    return found.every((job) => job.state === 'completed') ? found : undefined;
  });
  expect(jobs.map((job) => [job.data.attemptNumber, job.state])).toEqual([[1, 'completed']]);
});

it('queues again a RETRYING delivery whose retry job was deleted, and delivers it on its next attempt', { timeout: 90_000 }, async () => {
  worker ??= await startTestApp({ ...ENGINE, HOOKSTREAM_ROLE: 'worker' }, databaseUrl);
  const receiver = await ownReceiver();
  receiver.reply({ status: 500, body: 'not yet' });
  const { client } = await api.newAccount();
  const webhook = await createWebhook(client, { name: 'orphaned retry', url: receiver.url, events: ['orders.created'] });
  const event = await publish(client, { type: 'orders.created', data: { id: 'order-1' } });
  const delivery = await onlyDelivery(api.db.pool, event.rawId);

  // The worker's RETRY_SCHEDULE is the default (5 s first): the retry job waits in the queue, and is deleted there.
  const retrying = await waitForDelivery(api.db.pool, delivery.id, ['RETRYING']);
  expect(retrying.attempt_count).toBe(1);
  expect(await deleteLiveJobs(delivery.id)).toBe(1);

  const succeeded = await waitForDelivery(api.db.pool, delivery.id, ['SUCCEEDED'], () => true, RECONCILED_WITHIN_MS);
  expect(succeeded.attempt_count).toBe(2);
  const requests = requestsFor(receiver.requests, delivery.id);
  expect(requests.map((request) => request.headers['webhook-id'])).toEqual([publicId('Delivery', delivery.id), publicId('Delivery', delivery.id)]);
  for (const request of requests) expect(receiver.verify(request, webhook.secret)).toBeTruthy();
  expect((await attemptsOf(api.db.pool, delivery.id)).map((attempt) => [attempt.number, attempt.response_status])).toEqual([
    [1, 500],
    [2, 200],
  ]);
});
