// Automatic retries: what counts as a failure (status, redirect, timeout, refused connection), the schedule, every
// attempt recorded, the same signed bytes each time, and Retry-After on 429/503 (capped by the schedule).
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  attemptJobs,
  attemptsOf,
  closedPort,
  createWebhook,
  gate,
  msBetween,
  onlyDelivery,
  publish,
  requestsFor,
  waitForDelivery,
  waitUntil,
  type CreatedWebhook,
} from '../helpers/delivery.js';
import { startReceiver, type Receiver, type Reply } from '../helpers/receiver.js';

const RETRY_SCHEDULE_MS = [100, 200, 300];

/**
 * A receiver of this test's own, closed when it ends. The tests of a block run concurrently, so the hook must be the
 * test context's: the global onTestFinished would attach to whichever test happens to be current.
 */
async function ownReceiver(context: TestContext): Promise<Receiver> {
  const receiver = await startReceiver();
  context.onTestFinished(() => receiver.close());
  return receiver;
}

describe.concurrent('with a short schedule', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RETRY_SCHEDULE: '100ms,200ms,300ms', DELIVERY_TIMEOUT: '2s', WORKER_POLL_INTERVAL: '100ms', DISABLE_AFTER_FAILURES: '100' });
  });
  afterAll(() => app?.stop());

  /** A webhook of a new account at `url`, and the delivery of one event to it. */
  async function publishTo(url: string): Promise<{ webhook: CreatedWebhook; deliveryId: string }> {
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'retried', url, events: ['bookings.created'] });
    const event = await publish(client, { type: 'bookings.created', data: { id: 'b1', resource: { id: 'r1' } } });
    const delivery = await onlyDelivery(app.db.pool, event.rawId);
    return { webhook, deliveryId: delivery.id };
  }

  it('retries a 500 per RETRY_SCHEDULE, records every attempt, then FAILED; same bytes and webhook-id each time', async (context) => {
    const receiver = await ownReceiver(context);
    receiver.fallback = { status: 500, body: 'upstream exploded' };
    const { webhook, deliveryId } = await publishTo(receiver.url);
    const failed = await waitForDelivery(app.db.pool, deliveryId, ['FAILED']);
    const attemptCount = RETRY_SCHEDULE_MS.length + 1;
    expect(failed).toMatchObject({ attempt_count: attemptCount, last_response_status: 500, next_attempt_at: null, delivered_at: null });
    expect(failed.failure_reason).toMatch(/500/);

    const attempts = await attemptsOf(app.db.pool, deliveryId);
    expect(attempts.map((attempt) => attempt.number)).toEqual([1, 2, 3, 4]);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ trigger: 'AUTOMATIC', response_status: 500, response_body: 'upstream exploded' });
      expect(attempt.error).toMatch(/HTTP 500/);
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(0);
    }
    // Each retry waited at least its scheduled delay (a lower bound: a loaded machine only makes it later).
    for (let index = 1; index < attempts.length; index++) {
      expect(msBetween(attempts[index - 1]!.started_at, attempts[index]!.started_at)).toBeGreaterThanOrEqual(RETRY_SCHEDULE_MS[index - 1]! - 5);
    }

    const requests = receiver.requests;
    expect(requests).toHaveLength(attemptCount);
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);
    expect(requestsFor(requests, deliveryId)).toHaveLength(attemptCount);
    for (const request of requests) expect(receiver.verify(request, webhook.secret)).toBeTruthy();
    // One job per attempt, none left to run.
    // (Finished jobs are completed in batches a moment after their attempt is recorded.)
    const jobs = await waitUntil('every attempt job to complete', async () => {
      const found = await attemptJobs(app.db.pool, [deliveryId]);
      return found.every((job) => job.state === 'completed') ? found : undefined;
    });
    expect(jobs.map((job) => job.data.attemptNumber)).toEqual([1, 2, 3, 4]);
  });

  it('succeeds on a later attempt', async (context) => {
    const receiver = await ownReceiver(context);
    receiver.reply({ status: 500 }, { status: 404 });
    const { deliveryId } = await publishTo(receiver.url);
    const succeeded = await waitForDelivery(app.db.pool, deliveryId, ['SUCCEEDED']);
    expect(succeeded).toMatchObject({ attempt_count: 3, last_response_status: 200, next_attempt_at: null, failure_reason: null });
    expect(succeeded.delivered_at).not.toBeNull();
    const attempts = await attemptsOf(app.db.pool, deliveryId);
    expect(attempts.map((attempt) => [attempt.number, attempt.response_status, attempt.error])).toEqual([
      [1, 500, 'HTTP 500'],
      [2, 404, 'HTTP 404'],
      [3, 200, null],
    ]);
  });

  it('keeps the first 64 KiB of a response body', async (context) => {
    const receiver = await ownReceiver(context);
    receiver.reply({ status: 500, body: 'x'.repeat(200 * 1024) });
    const { deliveryId } = await publishTo(receiver.url);
    await waitForDelivery(app.db.pool, deliveryId, ['SUCCEEDED']);
    const [failed, succeeded] = await attemptsOf(app.db.pool, deliveryId);
    expect(failed!.response_body).toBe('x'.repeat(64 * 1024));
    expect(succeeded!.response_body).toBe('ok');
  });

  it('times out a hanging receiver', async (context) => {
    const receiver = await ownReceiver(context);
    receiver.reply({ hang: true });
    const { deliveryId } = await publishTo(receiver.url);
    await waitForDelivery(app.db.pool, deliveryId, ['SUCCEEDED']);
    const [timedOut, succeeded] = await attemptsOf(app.db.pool, deliveryId);
    expect(timedOut!.error).toMatch(/timeout/);
    expect(timedOut!.response_status).toBeNull();
    expect(timedOut!.duration_ms).toBeGreaterThanOrEqual(1_900);
    expect(succeeded!.response_status).toBe(200);
    expect(receiver.requests).toHaveLength(2);
  });

  it('treats a redirect as a failure and never follows it', async (context) => {
    const receiver = await ownReceiver(context);
    const elsewhere = await ownReceiver(context);
    {
      receiver.fallback = { status: 302, headers: { location: elsewhere.url } };
      const { deliveryId } = await publishTo(receiver.url);
      const failed = await waitForDelivery(app.db.pool, deliveryId, ['FAILED']);
      expect(failed.last_response_status).toBe(302);
      const attempts = await attemptsOf(app.db.pool, deliveryId);
      expect(attempts).toHaveLength(4);
      for (const attempt of attempts) {
        expect(attempt.response_status).toBe(302);
        expect(attempt.error).toMatch(/redirect/);
      }
      expect(receiver.requests).toHaveLength(4);
      expect(elsewhere.requests).toHaveLength(0);
    }
  });

  it('records a refused connection', async (context) => {
    const { deliveryId } = await publishTo(`http://127.0.0.1:${await closedPort()}/hook`);
    const failed = await waitForDelivery(app.db.pool, deliveryId, ['FAILED']);
    expect(failed.last_response_status).toBeNull();
    const attempts = await attemptsOf(app.db.pool, deliveryId);
    expect(attempts).toHaveLength(4);
    for (const attempt of attempts) {
      expect(attempt.error).toBe('connection refused');
      expect(attempt.response_status).toBeNull();
    }
  });
});

describe.concurrent('Retry-After', () => {
  // A longest delay of 5 s, so that a 1–3 s Retry-After is told apart from both the schedule (100 ms) and the cap.
  const LONGEST_DELAY_MS = 5_000;
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RETRY_SCHEDULE: '100ms,5s', DELIVERY_TIMEOUT: '5s', WORKER_POLL_INTERVAL: '100ms', DISABLE_AFTER_FAILURES: '100' });
  });
  afterAll(() => app?.stop());

  /** A new account with one webhook to a receiver of this test's own; the first attempt answers `first`. */
  async function publishAnswered(context: TestContext, first: { status: number; headers: Record<string, string> }, ...then: Reply[]) {
    const receiver = await ownReceiver(context);
    receiver.reply(first, ...then);
    const { client } = await app.newAccount();
    await createWebhook(client, { name: 'busy', url: receiver.url, events: ['*'] });
    const event = await publish(client, { type: 'orders.created', data: { id: 'o1' } });
    return (await onlyDelivery(app.db.pool, event.rawId)).id;
  }

  /**
   * Publishes, lets the first attempt answer `first`, and returns the delay the engine chose: the delivery's recorded
   * nextAttemptAt minus the time it recorded the attempt (the row's updated_at, on the same transaction). The second
   * attempt's answer is held until then, so the RETRYING state stays put however slow the machine is.
   */
  async function chosenDelay(context: TestContext, first: { status: number; headers: Record<string, string> }) {
    const secondAnswer = gate();
    context.onTestFinished(secondAnswer.open);
    const deliveryId = await publishAnswered(context, first, { status: 200, release: secondAnswer.promise });
    const retrying = await waitForDelivery(app.db.pool, deliveryId, ['RETRYING', 'SUCCEEDED']);
    expect(retrying.status, 'read while the retry was pending').toBe('RETRYING');
    expect(retrying.attempt_count).toBe(1);
    expect(retrying.last_response_status).toBe(first.status);
    const [attempt] = await attemptsOf(app.db.pool, deliveryId);
    const job = (await attemptJobs(app.db.pool, [deliveryId])).find((found) => found.data.attemptNumber === 2);
    // The queued job starts when the delivery says it will.
    expect(job!.start_after.getTime()).toBe(retrying.next_attempt_at!.getTime());
    const delayMs = msBetween(retrying.updated_at, retrying.next_attempt_at!);
    secondAnswer.open();
    await waitForDelivery(app.db.pool, deliveryId, ['SUCCEEDED']);
    return { delayMs, attempt: attempt!, deliveryId };
  }

  it('honours Retry-After in seconds on a 429', async (context) => {
    const { delayMs, attempt } = await chosenDelay(context, { status: 429, headers: { 'retry-after': '1' } });
    expect(attempt.error).toBe('HTTP 429');
    expect(delayMs).toBeGreaterThanOrEqual(1_000 - 50);
    expect(delayMs).toBeLessThan(1_000 + 1_000);
  });

  it('honours Retry-After as an HTTP-date on a 503', async (context) => {
    // Whole seconds only; computed as the receiver answers, so the date is 3–4 s ahead of the attempt.
    const retryAfter = () => new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_000).toUTCString();
    const { delayMs } = await chosenDelay(context, { status: 503, headers: { get 'retry-after'() { return retryAfter(); } } });
    expect(delayMs).toBeGreaterThanOrEqual(2_500);
    expect(delayMs).toBeLessThanOrEqual(4_000 + 50);
  });

  it('ignores Retry-After on other statuses', async (context) => {
    const { delayMs } = await chosenDelay(context, { status: 500, headers: { 'retry-after': '4' } });
    expect(delayMs).toBeGreaterThanOrEqual(100 - 50);
    expect(delayMs).toBeLessThan(1_000);
  });

  // Its retry stays queued for 5 s, past the end of the file: the receiver will be gone by then.
  it("caps Retry-After at the schedule's longest delay", async (context) => {
    const deliveryId = await publishAnswered(context, { status: 429, headers: { 'retry-after': '3600' } });
    const retrying = await waitForDelivery(app.db.pool, deliveryId, ['RETRYING']);
    const delayMs = msBetween(retrying.updated_at, retrying.next_attempt_at!);
    expect(delayMs).toBeGreaterThanOrEqual(LONGEST_DELAY_MS - 50);
    expect(delayMs).toBeLessThan(LONGEST_DELAY_MS + 1_000);
  });
});
