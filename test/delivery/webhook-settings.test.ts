// A webhook's own retry schedule and timeout (CONTRACT.md, "Channels": "Per-webhook `retrySchedule` and `timeout` may
// equal the global bounds, never exceed them"): refused beyond RETRY_SCHEDULE and DELIVERY_TIMEOUT with
// BAD_USER_INPUT naming the field, shown on Webhook, and used by the worker for the retry decision and the attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, UpdateWebhookDocument, WebhookDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attemptsOf, createWebhook, msBetween, onlyDelivery, publish, waitForDelivery } from '../helpers/delivery.js';
import { expectError } from '../helpers/graphql.js';
import { startReceiver } from '../helpers/receiver.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ RETRY_SCHEDULE: '200ms,30s,1m', DELIVERY_TIMEOUT: '5s', DISABLE_AFTER_FAILURES: '10', WORKER_POLL_INTERVAL: '100ms' });
});
afterAll(() => app?.stop());

describe.concurrent('per-webhook retrySchedule and timeout', () => {
  it('accepts the bounds themselves and less, shows them, and goes back to the global ones on null', async () => {
    const { client } = await app.newAccount();
    const { createWebhook: created } = await client.data(CreateWebhookDocument, {
      input: { name: 'own settings', url: 'http://127.0.0.1:9/hook', events: ['*'], retrySchedule: ['1m', '60s', '200ms'], timeout: '5s' },
    });
    expect(created.webhook).toMatchObject({ retrySchedule: ['1m', '1m', '200ms'], timeout: '5s' });
    const { updateWebhook } = await client.data(UpdateWebhookDocument, { input: { id: created.webhook.id, retrySchedule: [], timeout: '1.5s' } });
    expect(updateWebhook.webhook).toMatchObject({ retrySchedule: [], timeout: '1500ms' });
    const { updateWebhook: reset } = await client.data(UpdateWebhookDocument, { input: { id: created.webhook.id, retrySchedule: null, timeout: null } });
    expect(reset.webhook).toMatchObject({ retrySchedule: null, timeout: null });
    const plain = await createWebhook(client, { name: 'global settings', url: 'http://127.0.0.1:9/hook', events: ['*'] });
    const { webhook } = await client.data(WebhookDocument, { id: plain.id });
    expect(webhook).toMatchObject({ retrySchedule: null, timeout: null });
  });

  it('refuses what goes beyond them, naming the field, and writes nothing', async () => {
    const { client } = await app.newAccount();
    const input = { name: 'too much', url: 'http://127.0.0.1:9/hook', events: ['*'] };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ retrySchedule: ['1s', '1s', '1s', '1s'] }, 'retrySchedule', /at most 3 delays \(RETRY_SCHEDULE has 3\), got 4/],
      [{ retrySchedule: ['2m'] }, 'retrySchedule', /delay 1 \(2m\) is longer than RETRY_SCHEDULE's longest, 1m/],
      [{ retrySchedule: ['100ms'] }, 'retrySchedule', /shorter than 200ms/],
      [{ retrySchedule: ['soon'] }, 'retrySchedule', /Invalid duration "soon"/],
      [{ timeout: '6s' }, 'timeout', /6s is longer than DELIVERY_TIMEOUT, 5s/],
      [{ timeout: '5' }, 'timeout', /Invalid duration "5"/],
    ];
    for (const [extra, field, reason] of cases) {
      const result = await client.request(CreateWebhookDocument, { input: { ...input, ...extra } });
      expect(expectError(result, 'BAD_USER_INPUT', field).message).toMatch(reason);
    }
    const webhook = await createWebhook(client, input);
    expectError(await client.request(UpdateWebhookDocument, { input: { id: webhook.id, timeout: '1m' } }), 'BAD_USER_INPUT', 'timeout');
    const { webhook: unchanged } = await client.data(WebhookDocument, { id: webhook.id });
    expect(unchanged).toMatchObject({ timeout: null, retrySchedule: null });
  });

  it('retries on its own schedule, not RETRY_SCHEDULE', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    receiver.fallback = { status: 500 };
    const { client } = await app.newAccount();
    // RETRY_SCHEDULE's second delay is 30 s; this webhook's is 200 ms, and it has only two.
    await createWebhook(client, { name: 'quick retries', url: receiver.url, events: ['orders.*'], retrySchedule: ['200ms', '200ms'] });
    const event = await publish(client, { type: 'orders.created', data: { id: 'o-1' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED'], () => true, 10_000);
    expect(delivery.attempt_count).toBe(3);
    const attempts = await attemptsOf(app.db.pool, delivery.id);
    console.log(`own schedule: attempts at ${attempts.map((attempt) => msBetween(attempts[0]!.started_at, attempt.started_at)).join(', ')} ms`);
  });

  it('times an attempt out after its own timeout', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    receiver.fallback = { hang: true };
    const { client } = await app.newAccount();
    await createWebhook(client, { name: 'impatient', url: receiver.url, events: ['orders.*'], timeout: '1s', retrySchedule: [] });
    const event = await publish(client, { type: 'orders.created', data: { id: 'o-2' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);
    const [attempt] = await attemptsOf(app.db.pool, delivery.id);
    expect(attempt!.error).toBe('timeout after 1000 ms');
  });
});
