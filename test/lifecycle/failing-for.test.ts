// DISABLE_AFTER_FAILING_FOR through the real service (CONTRACT.md; Sirvoy: a webhook failing for a week is removed
// "after a final notification"): a webhook whose attempts keep failing, never often enough in a row for
// DISABLE_AFTER_FAILURES, gets `hookstream.webhook.disabling` a lead time before the limit (a seventh of it, at most a
// day) and is disabled when the limit is reached, with `hookstream.webhook.disabled` — at an e-mail and an HTTP monitor.
// A success in between starts the clock afresh. Scaled down: 3.5 s stands in for the week.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createWebhook, msBetween, onlyDelivery, publish, waitForDelivery, waitUntil } from '../helpers/delivery.js';
import { startReceiver } from '../helpers/receiver.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';
import { monitoredAccount, typesOf } from './helpers.js';

const FAILING_FOR_MS = 3_500;

let app: TestApp;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({
    SMTP_URL: smtp.url,
    DISABLE_AFTER_FAILING_FOR: `${FAILING_FOR_MS}ms`,
    // Never reached: only the time rule disables here. Attempts every half second for longer than the limit.
    DISABLE_AFTER_FAILURES: '1000',
    RETRY_SCHEDULE: Array.from({ length: 20 }, () => '500ms').join(','),
    WORKER_MAINTENANCE_INTERVAL: '200ms',
    WORKER_POLL_INTERVAL: '100ms',
  });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

describe.concurrent('DISABLE_AFTER_FAILING_FOR', () => {
  it('sends the final notice, then disables the webhook and fails what it had queued', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    endpoint.fallback = { status: 503 };
    const webhook = await createWebhook(monitor.client, { name: 'down for the week', url: endpoint.url, events: ['orders.*'] });
    const event = await publish(monitor.client, { type: 'orders.created', data: { id: 'o-week' } });
    const delivery = await onlyDelivery(app.db.pool, event.rawId);

    const [failing] = await monitor.waitForBoth('hookstream.webhook.failing', webhook.id);
    const [disabling] = await monitor.waitForBoth('hookstream.webhook.disabling', webhook.id);
    const [disabled] = await monitor.waitForBoth('hookstream.webhook.disabled', webhook.id);
    const failingSince = String(failing!.data['failingSince']);
    expect(disabling!.data).toMatchObject({ webhookId: webhook.id, failingSince });
    expect(msBetween(failingSince, String(disabling!.data['disableAt']))).toBe(FAILING_FOR_MS);
    expect(disabled!.data).toMatchObject({ webhookId: webhook.id, reason: `failing for 3500ms without a success (since ${failingSince})` });
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual(['hookstream.webhook.failing', 'hookstream.webhook.disabling', 'hookstream.webhook.disabled']);

    const { webhook: after } = await monitor.client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ active: false, disabledReason: disabled!.data['reason'] });
    const failed = await waitForDelivery(app.db.pool, delivery.id, ['FAILED']);
    expect(failed.failure_reason).toBe('webhook disabled');
    // When each went out, for the record (not asserted: timers).
    const { rows } = await app.db.pool.query<{ type: string; created_at: Date }>(`select type, created_at from events where account_id = $1 and type like 'hookstream.%' order by created_at`, [monitor.accountId]);
    console.log('DISABLE_AFTER_FAILING_FOR timeline (ms after failingSince):', rows.map((row) => `${row.type} +${msBetween(failingSince, row.created_at)}`).join(', '));
  });

  it('a success in between ends the streak: the clock starts again at the next failure', async (context) => {
    const monitor = await monitoredAccount(app, smtp, context);
    const endpoint = await startReceiver();
    context.onTestFinished(() => endpoint.close());
    const webhook = await createWebhook(monitor.client, { name: 'fails now and then', url: endpoint.url, events: ['orders.*'] });
    // Fail, succeed, fail again: two streaks, neither of which lasts.
    endpoint.reply({ status: 500 }, { status: 200 }, { status: 500 }, { status: 200 });
    const first = await publish(monitor.client, { type: 'orders.created', data: { id: 'o-a' } });
    await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, first.rawId)).id, ['SUCCEEDED']);
    const second = await publish(monitor.client, { type: 'orders.updated', data: { id: 'o-a' } });
    await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, second.rawId)).id, ['SUCCEEDED']);
    await monitor.waitForBoth('hookstream.webhook.recovered', webhook.id, 2);
    expect(typesOf(monitor.httpEvents(webhook.id))).toEqual([
      'hookstream.webhook.failing',
      'hookstream.webhook.recovered',
      'hookstream.webhook.failing',
      'hookstream.webhook.recovered',
    ]);
    // Well past the limit since the first failure: no notice, still active, not failing.
    const since = (await app.db.pool.query<{ now: Date }>('select now()')).rows[0]!.now;
    await waitUntil('the limit to pass', async () => msBetween(since, (await app.db.pool.query<{ now: Date }>('select now()')).rows[0]!.now) > FAILING_FOR_MS, 10_000, 200);
    const { webhook: after } = await monitor.client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ active: true, failingSince: null, failureCount: 0 });
    expect(typesOf(monitor.httpEvents(webhook.id))).not.toContain('hookstream.webhook.disabling');
  });
});
