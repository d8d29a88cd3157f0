// The e-mail channel against a real SMTP server on loopback (smtp-server), what arrived read with mailparser: the
// message the contract describes, its signature verifying over the attachment's bytes, and SMTP's reply classes.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel, type EmailChannel } from '../../src/delivery/channels/email.js';
import { newSecret, prepareAttempt } from '../helpers/attempt.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.js';

const MAIL_FROM = 'Hookstream <hookstream@example.net>';
const RECIPIENTS = 'mailto:front-desk@hotel.example,night.audit@hotel.example';

let smtp: TestSmtpServer;
let channel: EmailChannel;

beforeAll(async () => {
  smtp = await startSmtpServer();
  channel = createEmailChannel({ smtpUrl: smtp.url, mailFrom: MAIL_FROM, dataDir: '/nonexistent', timeoutMs: 5_000 });
});
afterAll(async () => {
  await channel?.close();
  await smtp?.close();
});

/** The header values a Standard Webhooks verifier wants, from the e-mail's X-Webhook-* headers. */
function signatureHeadersOf(mail: { parsed: { headers: Map<string, unknown> } }) {
  const header = (name: string) => String(mail.parsed.headers.get(name));
  return { 'webhook-id': header('x-webhook-id'), 'webhook-timestamp': header('x-webhook-timestamp'), 'webhook-signature': header('x-webhook-signature') };
}

describe('the e-mail channel over SMTP', () => {
  it('sends one message per attempt, as the contract describes, signed over the attachment’s bytes', async () => {
    // Two secrets, as during a rotation's grace period: the header carries two signatures, each must verify.
    const [current, previous] = [newSecret(), newSecret()];
    const attempt = prepareAttempt({ url: RECIPIENTS, eventType: 'bookings.created', secrets: [current, previous] });
    const before = smtp.mails.length;
    const outcome = await channel.send(attempt);

    expect(outcome).toMatchObject({ kind: 'success', status: 250 });
    expect(outcome.responseBody).toMatch(/^250 OK: queued as test-\d+$/);
    const mails = await smtp.waitFor(before + 1);
    expect(mails.length).toBe(before + 1);
    const mail = mails.at(-1)!;

    expect(mail.envelope).toEqual({ from: 'hookstream@example.net', to: ['front-desk@hotel.example', 'night.audit@hotel.example'] });
    expect(mail.parsed.subject).toBe('[Hookstream] bookings.created');
    expect(mail.parsed.from?.value).toEqual([{ name: 'Hookstream', address: 'hookstream@example.net' }]);
    expect((Array.isArray(mail.parsed.to) ? mail.parsed.to : [mail.parsed.to]).flatMap((to) => to!.value.map((entry) => entry.address))).toEqual([
      'front-desk@hotel.example',
      'night.audit@hotel.example',
    ]);
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');

    // The exact signed body: as the text part, and byte for byte as the JSON attachment named after the webhook-id.
    expect(mail.parsed.text).toBe(attempt.body);
    expect(mail.parsed.attachments).toHaveLength(1);
    const [attachment] = mail.parsed.attachments;
    expect(attachment!.filename).toBe(`${attempt.deliveryId}.json`);
    expect(attachment!.contentType).toBe('application/json');
    expect(attachment!.content.equals(Buffer.from(attempt.body, 'utf8'))).toBe(true);

    const headers = signatureHeadersOf(mail);
    expect(headers).toEqual(attempt.signatureHeaders);
    const bytes = attachment!.content.toString('utf8');
    expect(new Webhook(current).verify(bytes, headers)).toEqual(JSON.parse(attempt.body));
    expect(new Webhook(previous).verify(bytes, headers)).toEqual(JSON.parse(attempt.body));
    expect(() => new Webhook(newSecret()).verify(bytes, headers)).toThrow();

    // The record: envelope and headers, the SMTP server by address only.
    expect(outcome.request).toEqual({
      transport: smtp.url,
      'envelope-from': 'hookstream@example.net',
      'envelope-to': 'front-desk@hotel.example, night.audit@hotel.example',
      from: MAIL_FROM,
      to: 'front-desk@hotel.example, night.audit@hotel.example',
      subject: '[Hookstream] bookings.created',
      'x-webhook-id': attempt.deliveryId,
      'x-webhook-timestamp': attempt.signatureHeaders['webhook-timestamp'],
      'x-webhook-signature': attempt.signatureHeaders['webhook-signature'],
    });
    console.log(`SMTP attempt took ${outcome.durationMs} ms`);
  });

  it('fails a 4xx reply as a retryable attempt, and the retry succeeds', async () => {
    smtp.reply({ code: 451, message: 'Try again later' });
    const attempt = prepareAttempt({ url: 'mailto:ops@hotel.example' });
    const first = await channel.send(attempt);
    const second = await channel.send(attempt);

    expect(first).toMatchObject({ kind: 'failure', status: 451, responseBody: '451 Try again later', error: 'SMTP 451 Try again later', permanent: false, retryAfterMs: null, disableReason: null });
    expect(second).toMatchObject({ kind: 'success', status: 250 });
    expect(smtp.mails.slice(-2).map((mail) => mail.accepted)).toEqual([false, true]);
  });

  it('fails a 5xx reply permanently', async () => {
    smtp.reply({ code: 550, message: 'Mailbox unavailable' });
    const outcome = await channel.send(prepareAttempt({ url: 'mailto:gone@hotel.example' }));
    expect(outcome).toMatchObject({ kind: 'failure', status: 550, responseBody: '550 Mailbox unavailable', error: 'SMTP 550 Mailbox unavailable', permanent: true });
  });

  it('retries a 503 (bad sequence of commands): a fault of the session, not a refusal of the message', async () => {
    smtp.reply({ code: 503, message: 'Bad sequence of commands' });
    const outcome = await channel.send(prepareAttempt({ url: 'mailto:ops@hotel.example' }));
    expect(outcome).toMatchObject({ kind: 'failure', status: 503, permanent: false });
  });

  it('fails a URL that is not a valid mailto: permanently, without sending', async () => {
    const before = smtp.mails.length;
    const outcome = await channel.send(prepareAttempt({ url: 'mailto:not-an-address' }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, permanent: true, error: 'invalid e-mail webhook URL: "not-an-address" is not an e-mail address: it has no "@"' });
    expect(smtp.mails.length).toBe(before);
  });
});

describe('the e-mail channel with its SMTP server down or silent', () => {
  it('fails as a retryable timeout when the server never greets', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const stuck = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: MAIL_FROM, dataDir: '/nonexistent', timeoutMs: 5_000 });
    try {
      const outcome = await stuck.send(prepareAttempt({ url: 'mailto:ops@hotel.example', timeoutMs: 300 }));
      expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'timeout after 300 ms', permanent: false });
      console.log(`silent SMTP server: gave up after ${outcome.durationMs} ms`);
    } finally {
      await stuck.close();
      silent.close();
    }
  });

  it('fails as a retryable connection error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const down = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: MAIL_FROM, dataDir: '/nonexistent', timeoutMs: 2_000 });
    try {
      const outcome = await down.send(prepareAttempt({ url: 'mailto:ops@hotel.example' }));
      expect(outcome).toMatchObject({ kind: 'failure', status: null, responseBody: null, error: 'connection refused', permanent: false });
    } finally {
      await down.close();
    }
  });
});

describe('the development file transport (no SMTP_URL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookstream-mail-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('writes one parseable .eml per attempt under <HOOKSTREAM_DATA_DIR>/mail/', async () => {
    const files = createEmailChannel({ mailFrom: MAIL_FROM, dataDir, timeoutMs: 5_000 });
    const secret = newSecret();
    const attempt = prepareAttempt({ url: RECIPIENTS, eventType: 'invoices.finalised', secrets: [secret] });
    try {
      const outcome = await files.send(attempt);
      expect(files.mailDir).toBe(join(dataDir, 'mail'));
      const names = await readdir(join(dataDir, 'mail'));
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T.*-${attempt.deliveryId}\\.eml$`));
      expect(outcome).toMatchObject({ kind: 'success', status: null, responseBody: `written to ${join(dataDir, 'mail', names[0]!)}` });
      expect(outcome.request).toMatchObject({ transport: 'file', 'envelope-to': 'front-desk@hotel.example, night.audit@hotel.example' });

      const parsed = await simpleParser(await readFile(join(dataDir, 'mail', names[0]!)));
      expect(parsed.subject).toBe('[Hookstream] invoices.finalised');
      const [attachment] = parsed.attachments;
      expect(attachment!.filename).toBe(`${attempt.deliveryId}.json`);
      const headers = signatureHeadersOf({ parsed });
      expect(new Webhook(secret).verify(attachment!.content.toString('utf8'), headers)).toEqual(JSON.parse(attempt.body));
    } finally {
      await files.close();
    }
  });
});
