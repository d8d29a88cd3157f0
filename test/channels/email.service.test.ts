// E-mail webhooks end to end through the real service (CONTRACT.md, "Channels"): a `mailto:` webhook is created through
// GraphQL, an event is published, and a real SMTP server on loopback (smtp-server, read with mailparser) gets the
// e-mail: subject, text part, attachment, and a signature that `standardwebhooks` verifies over the attachment's
// bytes. SMTP's answers decide the attempts: a 4xx is retried, a 5xx fails at once, a server that is down is retried
// until it comes up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { publicId } from '../../src/domain/public-id.js';
import { CreateWebhookDocument, UpdateWebhookDocument, WebhookDocument, WebhooksDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attemptsOf, closedPort, createWebhook, onlyDelivery, publish, waitForDelivery } from '../helpers/delivery.js';
import { expectError } from '../helpers/graphql.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';

let app: TestApp;
let smtp: TestSmtpServer | null = null;
let smtpPort: number;

beforeAll(async () => {
  // The SMTP server is not up yet: the first test delivers while it is down, then starts it on this port.
  smtpPort = await closedPort();
  app = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_FROM: 'Hookstream Test <hooks@hookstream.test>', RETRY_SCHEDULE: '1s,1s,1s,1s', WORKER_POLL_INTERVAL: '100ms' });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

describe('creating e-mail webhooks', () => {
  it('takes mailto: with 1–5 addresses, stores the canonical URL, and says EMAIL', async () => {
    const { client } = await app.newAccount();
    const { createWebhook: created } = await client.data(CreateWebhookDocument, {
      input: { name: 'Front desk by mail', url: 'mailto:Front.Desk@Hotel.EXAMPLE, night%40hotel.example', events: ['bookings.*'] },
    });
    expect(created.webhook).toMatchObject({ url: 'mailto:Front.Desk@hotel.example,night@hotel.example', channel: 'EMAIL', healthCheck: false, health: null });
  });

  it('refuses bad addresses with BAD_USER_INPUT on url, naming the problem, and writes nothing', async () => {
    const { client } = await app.newAccount();
    const cases: [string, RegExp][] = [
      ['mailto:', /at least one e-mail address/],
      ['mailto:a@x.example,b@x.example,c@x.example,d@x.example,e@x.example,f@x.example', /at most 5 addresses, got 6/],
      ['mailto:not-an-address', /has no "@"/],
      ['mailto:a@localhost', /not a full domain name/],
      ['mailto:a@x.example?subject=hi', /no "\?subject="/],
      ['mailto:a@x.example,A@X.example', /listed twice/],
    ];
    for (const [url, reason] of cases) {
      const result = await client.request(CreateWebhookDocument, { input: { name: 'bad', url, events: ['*'] } });
      expect(expectError(result, 'BAD_USER_INPUT', 'url').message).toMatch(reason);
    }
    const { webhooks } = await client.data(WebhooksDocument, { first: 10 });
    expect(webhooks.totalCount).toBe(0);
  });

  it('refuses a health check on an e-mail webhook: there is no URL to GET', async () => {
    const { client } = await app.newAccount();
    const refused = await client.request(CreateWebhookDocument, { input: { name: 'mail', url: 'mailto:a@hotel.example', events: ['*'], healthCheck: true } });
    expectError(refused, 'BAD_USER_INPUT', 'healthCheck');
    const webhook = await createWebhook(client, { name: 'web', url: 'http://127.0.0.1:9/hook', events: ['*'], healthCheck: true });
    // Turning an HTTP webhook with health checks into an e-mail one needs the checks off in the same update.
    expectError(await client.request(UpdateWebhookDocument, { input: { id: webhook.id, url: 'mailto:a@hotel.example' } }), 'BAD_USER_INPUT', 'healthCheck');
    const { updateWebhook } = await client.data(UpdateWebhookDocument, { input: { id: webhook.id, url: 'mailto:a@hotel.example', healthCheck: false } });
    expect(updateWebhook.webhook).toMatchObject({ channel: 'EMAIL', healthCheck: false });
  });
});

describe('delivering e-mail (sequential: one SMTP server whose answers are scripted in turn)', () => {
  it('retries while the SMTP server is down, and delivers once it is up', async () => {
    const { client } = await app.newAccount();
    await createWebhook(client, { name: 'mail while down', url: 'mailto:down@hotel.example', events: ['orders.*'] });
    const event = await publish(client, { type: 'orders.created', data: { id: 'o-down' } });
    const delivery = await onlyDelivery(app.db.pool, event.rawId);
    const retrying = await waitForDelivery(app.db.pool, delivery.id, ['RETRYING'], (row) => row.attempt_count >= 1);
    expect(retrying.status).toBe('RETRYING');
    const [first] = await attemptsOf(app.db.pool, delivery.id);
    expect(first).toMatchObject({ response_status: null, error: 'connection refused' });

    smtp = await startSmtpServer({ port: smtpPort });
    const delivered = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    expect(delivered.attempt_count).toBeGreaterThanOrEqual(2);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.envelope.to).toEqual(['down@hotel.example']);
  });

  it('sends one e-mail per delivery: subject, the signed body as text and as a JSON attachment, Standard Webhooks headers', async () => {
    const before = smtp!.mails.length;
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'mail', url: 'mailto:front@hotel.example,night@hotel.example', events: ['bookings.*'] });
    const event = await publish(client, { type: 'bookings.created', data: { id: 'b-4711', resource: { id: 'room-12' } } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['SUCCEEDED']);
    const mail = (await smtp!.waitFor(before + 1))[before]!;
    const deliveryId = publicId('Delivery', delivery.id);

    expect(mail.envelope).toEqual({ from: 'hooks@hookstream.test', to: ['front@hotel.example', 'night@hotel.example'] });
    expect(mail.parsed.subject).toBe('[Hookstream] bookings.created');
    expect(mail.parsed.from?.text).toBe('"Hookstream Test" <hooks@hookstream.test>');
    const header = (name: string) => String(mail.parsed.headers.get(name));
    expect(header('x-webhook-id')).toBe(deliveryId);

    expect(mail.parsed.attachments).toHaveLength(1);
    const [attachment] = mail.parsed.attachments;
    expect(attachment!.filename).toBe(`${deliveryId}.json`);
    expect(attachment!.contentType).toBe('application/json');
    const body = attachment!.content.toString('utf8');
    expect(body).toBe(delivery.body);
    expect(mail.parsed.text?.trim()).toBe(body);
    // The receiver's check: the attachment's exact bytes, the headers' values, the webhook's secret.
    const verified = new Webhook(webhook.secret).verify(body, {
      'webhook-id': header('x-webhook-id'),
      'webhook-timestamp': header('x-webhook-timestamp'),
      'webhook-signature': header('x-webhook-signature'),
    }) as { event: string; webhook_id: string; data: { id: string } };
    expect(verified).toMatchObject({ event: 'bookings.created', webhook_id: webhook.id, data: { id: 'b-4711' } });

    // The call history in SMTP's terms: the reply, the envelope and the headers that were sent.
    const [attempt] = await attemptsOf(app.db.pool, delivery.id);
    expect(attempt).toMatchObject({ response_status: 250, error: null });
    expect(attempt!.response_body).toMatch(/^250 /);
    expect(attempt!.request_headers).toMatchObject({ 'envelope-to': 'front@hotel.example, night@hotel.example', subject: '[Hookstream] bookings.created', 'x-webhook-id': deliveryId });
  });

  it('retries a 4xx reply and succeeds on the next attempt, keeping each reply', async () => {
    const before = smtp!.mails.length;
    const { client } = await app.newAccount();
    await createWebhook(client, { name: 'greylisted', url: 'mailto:grey@hotel.example', events: ['orders.*'] });
    smtp!.reply({ code: 451, message: '4.7.1 Greylisted, try again later' });
    const event = await publish(client, { type: 'orders.updated', data: { id: 'o-grey' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['SUCCEEDED']);
    expect(delivery.attempt_count).toBe(2);
    await smtp!.waitFor(before + 2);
    const attempts = await attemptsOf(app.db.pool, delivery.id);
    expect(attempts[0]).toMatchObject({ response_status: 451, error: expect.stringMatching(/^SMTP 451 .*Greylisted/) });
    expect(attempts[1]).toMatchObject({ response_status: 250, error: null });
  });

  it('fails at once on a 5xx reply: permanent, no retry', async () => {
    const before = smtp!.mails.length;
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'no such mailbox', url: 'mailto:nobody@hotel.example', events: ['orders.*'] });
    smtp!.reply({ code: 550, message: '5.1.1 Mailbox unavailable' });
    const event = await publish(client, { type: 'orders.deleted', data: { id: 'o-gone' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);
    expect(delivery.attempt_count).toBe(1);
    expect(delivery.failure_reason).toMatch(/^SMTP 550 .*Mailbox unavailable/);
    expect(delivery.next_attempt_at).toBeNull();
    await smtp!.waitFor(before + 1);
    const [attempt] = await attemptsOf(app.db.pool, delivery.id);
    expect(attempt).toMatchObject({ response_status: 550 });
    // One failed attempt, not a disabled webhook.
    const { webhook: after } = await client.data(WebhookDocument, { id: webhook.id });
    expect(after).toMatchObject({ active: true, failureCount: 1 });
  });
});
