// Health checks through the real service (CONTRACT.md, "Channels"; Sirvoy: "Your server must respond to HTTP GET
// requests with 200 OK for health checks"): `healthCheck: true` GETs the url — no body, no signature, the webhook's
// custom headers — when the webhook is created or re-enabled and, while it is failing, every HEALTH_CHECK_INTERVAL;
// `Webhook.health` shows the last result. A healthy check never re-enables a disabled webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetWebhookActiveDocument, UpdateWebhookDocument, WebhookDocument } from '../../src/sdk/generated.js';
import type { GraphqlClient } from '../../src/sdk/client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createWebhook, publish, waitUntil } from '../helpers/delivery.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ HEALTH_CHECK_INTERVAL: '300ms', DISABLE_AFTER_FAILURES: '2', RETRY_SCHEDULE: '200ms,200ms,200ms', WORKER_POLL_INTERVAL: '100ms' });
});
afterAll(() => app?.stop());

const gets = (receiver: Receiver) => receiver.requests.filter((request) => request.method === 'GET');

async function healthOf(client: GraphqlClient, id: string) {
  const { webhook } = await client.data(WebhookDocument, { id });
  return webhook!;
}

/** When the next check is due (null: none planned), from the row. */
async function dueAt(webhookRawId: string): Promise<Date | null> {
  const { rows } = await app.db.pool.query<{ health_check_due_at: Date | null }>('select health_check_due_at from webhooks where id = $1', [webhookRawId]);
  return rows[0]!.health_check_due_at;
}

describe.concurrent('health checks', () => {
  it('GETs the url at create: no body, no signature, the custom headers; 200 is healthy', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, {
      name: 'checked',
      url: receiver.url,
      events: ['orders.*'],
      healthCheck: true,
      headers: [{ name: 'Authorization', value: 'Bearer receiver-token' }],
    });
    const [check] = await receiver.waitFor(1);
    expect(check).toMatchObject({ method: 'GET', path: '/hook', body: '' });
    expect(check!.headers['authorization']).toBe('Bearer receiver-token');
    expect(check!.headers['webhook-signature']).toBeUndefined();
    expect(check!.headers['webhook-id']).toBeUndefined();
    const checked = await waitUntil('the result', async () => (await healthOf(client, webhook.id)).health);
    expect(checked).toMatchObject({ ok: true, responseStatus: 200, error: null });
    expect((await healthOf(client, webhook.id)).healthCheck).toBe(true);
    // Healthy and not failing: nothing more is planned.
    expect(await dueAt(webhook.rawId)).toBeNull();
  });

  it('a 500 answer is unhealthy, with the status and the error', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    receiver.replyToMethod['GET'] = { status: 500 };
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'sick', url: receiver.url, events: ['orders.*'], healthCheck: true });
    const health = await waitUntil('the result', async () => (await healthOf(client, webhook.id)).health);
    expect(health).toMatchObject({ ok: false, responseStatus: 500, error: 'HTTP 500' });
  });

  it('checks every interval while failing; a disabled webhook stays disabled until enabled, which checks again', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    // Deliveries fail, the GET is healthy: e.g. the endpoint is up but refuses our payloads.
    receiver.replyToMethod['POST'] = { status: 500 };
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'failing', url: receiver.url, events: ['orders.*'], healthCheck: true });
    await waitUntil('the check at create', () => gets(receiver).length >= 1);
    await publish(client, { type: 'orders.created', data: { id: 'o-1' } });

    // Two failed attempts disable it; the checks go on while its streak lasts.
    await waitUntil('the webhook to be disabled', async () => !(await healthOf(client, webhook.id)).active);
    const checksBefore = gets(receiver).length;
    await waitUntil('three more checks', () => gets(receiver).length >= checksBefore + 3, 10_000);
    const disabled = await healthOf(client, webhook.id);
    expect(disabled).toMatchObject({ active: false, health: { ok: true, responseStatus: 200 } });
    expect(disabled.failingSince).not.toBeNull();
    console.log(`health checks: ${gets(receiver).length} GETs (the first at create), at ${gets(receiver).map((request) => request.receivedAt - gets(receiver)[0]!.receivedAt).join(', ')} ms after the first`);

    // Re-enabled: the streak is over, a check runs now, and after it none is planned.
    receiver.replyToMethod['POST'] = { status: 200 };
    // Taken before the call: the check it asks for may arrive before its answer does.
    const enabledAt = Date.now();
    await client.data(SetWebhookActiveDocument, { id: webhook.id, active: true });
    await waitUntil('a check after the enable', () => gets(receiver).some((request) => request.receivedAt >= enabledAt));
    await waitUntil('nothing planned', async () => (await dueAt(webhook.rawId)) === null);
    expect(await healthOf(client, webhook.id)).toMatchObject({ active: true, failingSince: null, health: { ok: true } });
  });

  it('turning checks on checks now; a webhook without them is never checked', async (context) => {
    const receiver = await startReceiver();
    context.onTestFinished(() => receiver.close());
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'unchecked', url: receiver.url, events: ['orders.*'] });
    await publish(client, { type: 'orders.created', data: { id: 'o-2' } });
    await receiver.waitFor(1);
    expect(receiver.requests.map((request) => request.method)).toEqual(['POST']);
    expect((await healthOf(client, webhook.id)).health).toBeNull();

    await client.data(UpdateWebhookDocument, { input: { id: webhook.id, healthCheck: true } });
    await waitUntil('a GET', () => gets(receiver).length === 1);
    expect(await waitUntil('the result', async () => (await healthOf(client, webhook.id)).health)).toMatchObject({ ok: true });
  });
});
