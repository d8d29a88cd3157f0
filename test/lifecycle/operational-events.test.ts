// Operational events through the real service (CONTRACT.md, "Operational events"): Hookstream publishes
// `hookstream.*` events into the account's own pipeline at each transition of a webhook — its failing streak begins,
// it recovers, it is disabled (DISABLE_AFTER_FAILURES, 410 Gone, an admin), a delivery runs out of attempts — and an
// e-mail webhook and an HTTP webhook subscribed to `hookstream.*` receive each one once. A failing webhook subscribed
// to `hookstream.*` itself hears of its streak once and never feeds on its own failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetWebhookActiveDocument, WebhookDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createWebhook, deliveriesOfWebhook, onlyDelivery, publish, waitForDelivery, waitUntil } from '../helpers/delivery.js';
import { startReceiver } from '../helpers/receiver.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';
import { monitoredAccount, typesOf } from './helpers.js';

let app: TestApp;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Five retries, so that three failures in a row disable a webhook before any delivery runs out of attempts.
  app = await startTestApp({ SMTP_URL: smtp.url, DISABLE_AFTER_FAILURES: '3', RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms', WORKER_POLL_INTERVAL: '100ms' });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

/** Operational events of the account, oldest first, as stored. */
async function storedOperationalEvents(accountId: string) {
  const { rows } = await app.db.pool.query<{ type: string; data: { webhookId: string } }>(
    `select e.type, b.data from events e join event_bodies b on b.event_id = e.id
      where e.account_id = $1 and e.type like 'hookstream.%' order by e.created_at, e.id`,
    [accountId],
  );
  return rows;
}

describe.concurrent('operational events', () => {
  it('failing, then recovered: once each, at the e-mail and the HTTP monitor', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    const webhook = await createWebhook(monitor.client, { name: 'flaky front desk', url: endpoint.url, events: ['orders.*'] });
    endpoint.reply({ status: 503 }, { status: 500 });
    const event = await publish(monitor.client, { type: 'orders.created', data: { id: 'o-1' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['SUCCEEDED']);
    expect(delivery.attempt_count).toBe(3);

    const [failing] = await monitor.waitForBoth('hookstream.webhook.failing', webhook.id);
    const [recovered] = await monitor.waitForBoth('hookstream.webhook.recovered', webhook.id);
    expect(failing!.data).toMatchObject({ webhookId: webhook.id, webhookName: 'flaky front desk', url: endpoint.url, eventType: 'orders.created', error: 'HTTP 503', responseStatus: 503 });
    expect(failing!.data['deliveryId']).toMatch(/^dlv_/);
    expect(recovered!.data).toMatchObject({ webhookId: webhook.id, deliveryId: failing!.data['deliveryId'], eventType: 'orders.created' });
    // Two failures and a success make one streak: one failing event, one recovered, nothing else.
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual(['hookstream.webhook.failing', 'hookstream.webhook.recovered']);
    expect(typesOf(monitor.mailEvents(webhook.id)).sort()).toEqual(['hookstream.webhook.failing', 'hookstream.webhook.recovered']);
    const { webhook: after } = await monitor.client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ failureCount: 0, failingSince: null, active: true });
  });

  it('disabled after DISABLE_AFTER_FAILURES, with the reason (and failing first), never exhausted', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    endpoint.fallback = { status: 500 };
    const webhook = await createWebhook(monitor.client, { name: 'dead endpoint', url: endpoint.url, events: ['orders.*'] });
    const event = await publish(monitor.client, { type: 'orders.created', data: { id: 'o-2' } });
    await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);

    const [disabled] = await monitor.waitForBoth('hookstream.webhook.disabled', webhook.id);
    expect(disabled!.data).toMatchObject({ webhookId: webhook.id, reason: 'disabled after 3 consecutive failed attempts', error: 'HTTP 500', responseStatus: 500 });
    await monitor.waitForBoth('hookstream.webhook.failing', webhook.id);
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual(['hookstream.webhook.failing', 'hookstream.webhook.disabled']);
    const { webhook: after } = await monitor.client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ active: false, disabledReason: 'disabled after 3 consecutive failed attempts' });
  });

  it('disabled at once by 410 Gone', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    endpoint.fallback = { status: 410 };
    const webhook = await createWebhook(monitor.client, { name: 'gone', url: endpoint.url, events: ['orders.*'] });
    await publish(monitor.client, { type: 'orders.created', data: { id: 'o-3' } });
    const [disabled] = await monitor.waitForBoth('hookstream.webhook.disabled', webhook.id);
    expect(disabled!.data).toMatchObject({ reason: 'endpoint answered 410 Gone', responseStatus: 410 });
    await monitor.waitForBoth('hookstream.webhook.failing', webhook.id);
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual(['hookstream.webhook.failing', 'hookstream.webhook.disabled']);
  });

  it('a delivery that made every scheduled attempt: exhausted, with its attempt count', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    endpoint.fallback = { status: 502 };
    // Its own schedule: one retry, so two failures exhaust it before three disable the webhook.
    const webhook = await createWebhook(monitor.client, { name: 'short schedule', url: endpoint.url, events: ['orders.*'], retrySchedule: ['200ms'] });
    const event = await publish(monitor.client, { type: 'orders.updated', data: { id: 'o-4' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);
    expect(delivery.attempt_count).toBe(2);

    const [exhausted] = await monitor.waitForBoth('hookstream.delivery.exhausted', webhook.id);
    expect(exhausted!.data).toMatchObject({ webhookId: webhook.id, eventType: 'orders.updated', attemptCount: 2, error: 'HTTP 502', responseStatus: 502 });
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual(['hookstream.webhook.failing', 'hookstream.delivery.exhausted']);
    const { webhook: after } = await monitor.client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ active: true, failureCount: 2, retrySchedule: ['200ms'] });
    expect(after!.failingSince).not.toBeNull();
  });

  it('an admin disable is announced once, with its reason; re-enabling starts a new streak', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    const webhook = await createWebhook(monitor.client, { name: 'paused by hand', url: endpoint.url, events: ['orders.*'] });
    await monitor.client.data(SetWebhookActiveDocument, { id: webhook.id, active: false });
    // Disabling what is disabled already is no transition.
    await monitor.client.data(SetWebhookActiveDocument, { id: webhook.id, active: false });
    const [disabled] = await monitor.waitForBoth('hookstream.webhook.disabled', webhook.id);
    expect(disabled!.data).toMatchObject({ webhookId: webhook.id, reason: 'disabled by an account admin' });
    const { setWebhookActive } = await monitor.client.data(SetWebhookActiveDocument, { id: webhook.id, active: true });
    expect(setWebhookActive.webhook).toMatchObject({ active: true, disabledReason: null, failingSince: null });
    // The monitors' own deliveries are done: nothing more was said.
    await waitUntil('the monitors to finish', async () => (await storedOperationalEvents(monitor.accountId)).length === 1);
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual(['hookstream.webhook.disabled']);
  });

  it('no loops: a failing webhook subscribed to hookstream.* hears of its own streak once and is disabled', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    endpoint.fallback = { status: 500 };
    const webhook = await createWebhook(monitor.client, { name: 'listens to itself', url: endpoint.url, events: ['orders.*', 'hookstream.*'] });
    await publish(monitor.client, { type: 'orders.created', data: { id: 'o-5' } });
    await monitor.waitForBoth('hookstream.webhook.disabled', webhook.id);

    // Everything settles: every delivery of the account is final, and no more events appear than the two transitions.
    const { accountId } = monitor;
    await waitUntil('every delivery to be final', async () => {
      const { rows } = await app.db.pool.query<{ open: number }>(`select count(*)::int as open from deliveries where account_id = $1 and status in ('PENDING', 'RETRYING')`, [accountId]);
      return rows[0]!.open === 0;
    });
    const stored = await storedOperationalEvents(accountId);
    expect(stored.map((event) => event.type)).toEqual(['hookstream.webhook.failing', 'hookstream.webhook.disabled']);
    // It did get its own failing event (it subscribes), failed it like the rest, and that changed nothing.
    const own = await deliveriesOfWebhook(app.db.pool, webhook.rawId);
    expect(own.map((delivery) => delivery.event_type).sort()).toEqual(['hookstream.webhook.failing', 'orders.created']);
    expect(endpoint.requests.some((request) => request.body.includes('"hookstream.webhook.failing"'))).toBe(true);
    const { webhook: after } = await monitor.client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ active: false, failureCount: 3 });
  });
});
