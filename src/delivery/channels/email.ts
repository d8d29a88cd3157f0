// The e-mail channel (CONTRACT.md "Channels"; Calenso: "the JSON file should be sent to a specific email address"):
// one message per attempt to the `mailto:` addresses, through SMTP_URL, or in development (no SMTP_URL) into
// `<HOOKSTREAM_DATA_DIR>/mail/*.eml`. It owns SMTP's rules: a 2xx reply succeeds, 4xx and connection errors are
// failed attempts retried per the schedule, a 5xx reply is permanent (RFC 5321 §4.2.1: "permanent negative").
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { parseMailtoUrl } from '../../domain/mailto.js';
import type { AttemptOutcome, DeliveryChannel, PreparedAttempt } from './channel.js';
import { startDeadline } from './deadline.js';
import { describeSmtpError } from './smtp-error.js';

export type EmailChannelOptions = {
  /** SMTP_URL (`smtp://` or `smtps://`, credentials in the URL); unset: the development file transport. */
  smtpUrl?: string | undefined;
  /** MAIL_FROM: the From header and the envelope sender. */
  mailFrom: string;
  /** HOOKSTREAM_DATA_DIR: the file transport writes to `<dataDir>/mail/`. */
  dataDir: string;
  /** DELIVERY_TIMEOUT: the SMTP client's connection, greeting and socket timeouts. */
  timeoutMs: number;
  /** Pooled SMTP connections (default 5): bursts of deliveries share them instead of opening one each. */
  maxConnections?: number | undefined;
  /** Extra CA certificates for an smtps:// or STARTTLS server with a private CA (tests; production: NODE_EXTRA_CA_CERTS). */
  ca?: string | readonly string[] | undefined;
};

export type EmailChannel = DeliveryChannel & {
  readonly kind: 'EMAIL';
  /** Where the development transport writes; null when sending through SMTP. */
  readonly mailDir: string | null;
};

type ComposedMail = SendMailOptions & { envelope: { from: string; to: string[] } };

export function createEmailChannel(options: EmailChannelOptions): EmailChannel {
  const fromAddress = envelopeSender(options.mailFrom);
  if (options.smtpUrl) {
    const transporter = nodemailer.createTransport({
      url: options.smtpUrl,
      pool: true,
      maxConnections: options.maxConnections ?? 5,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      // STARTTLS is used whenever offered; certificates are verified (Node's store, NODE_EXTRA_CA_CERTS, `ca`).
      tls: { minVersion: 'TLSv1.2', ...(options.ca ? { ca: [...(typeof options.ca === 'string' ? [options.ca] : options.ca)] } : {}) },
      // The message is ours alone; nothing in it may make nodemailer read a file or fetch a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    const transport = describeSmtpUrl(options.smtpUrl);
    return {
      kind: 'EMAIL',
      mailDir: null,
      send: (attempt) => sendOverSmtp(transporter, attempt, options.mailFrom, fromAddress, transport),
      close: async () => transporter.close(),
    };
  }

  const mailDir = join(options.dataDir, 'mail');
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, disableFileAccess: true, disableUrlAccess: true });
  return {
    kind: 'EMAIL',
    mailDir,
    send: (attempt) => writeToFile(composer, mailDir, attempt, options.mailFrom, fromAddress),
    close: async () => composer.close(),
  };
}

/** The message of one attempt, per the contract: subject, text part and attachment, Standard Webhooks headers. */
export function composeMail(attempt: PreparedAttempt, addresses: readonly string[], mailFrom: string, fromAddress: string): ComposedMail {
  const signature = lowerCaseKeys(attempt.signatureHeaders);
  const webhookId = signature['webhook-id'] ?? attempt.deliveryId;
  return {
    from: mailFrom,
    to: [...addresses],
    envelope: { from: fromAddress, to: [...addresses] },
    subject: `[Hookstream] ${attempt.eventType}`,
    // The exact signed bytes, twice: readable in the text part, verifiable in the attachment (a text part may be
    // re-encoded or re-wrapped by mail systems; an attachment's bytes are not).
    text: attempt.body,
    attachments: [{ filename: `${webhookId}.json`, content: Buffer.from(attempt.body, 'utf8'), contentType: 'application/json' }],
    headers: {
      'X-Webhook-Id': webhookId,
      'X-Webhook-Timestamp': signature['webhook-timestamp'] ?? '',
      'X-Webhook-Signature': signature['webhook-signature'] ?? '',
      // RFC 3834 §5: a machine-sent message, so vacation responders and the like do not answer it.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    },
  };
}

/** What the attempt record keeps: the envelope and the headers that identify and sign the message. */
function describeRequest(mail: ComposedMail, transport: string): Record<string, string> {
  const headers = mail.headers as Record<string, string>;
  return {
    transport,
    'envelope-from': mail.envelope.from,
    'envelope-to': mail.envelope.to.join(', '),
    from: String(mail.from),
    to: mail.envelope.to.join(', '),
    subject: String(mail.subject),
    'x-webhook-id': headers['X-Webhook-Id'] ?? '',
    'x-webhook-timestamp': headers['X-Webhook-Timestamp'] ?? '',
    'x-webhook-signature': headers['X-Webhook-Signature'] ?? '',
  };
}

type Prepared = { ok: true; mail: ComposedMail } | { ok: false; outcome: AttemptOutcome };

function prepare(attempt: PreparedAttempt, mailFrom: string, fromAddress: string): Prepared {
  const parsed = parseMailtoUrl(attempt.url);
  if (parsed.ok) return { ok: true, mail: composeMail(attempt, parsed.addresses, mailFrom, fromAddress) };
  // Saved URLs are validated; this is one that was not (written by hand, or the rules changed). No attempt can fix it.
  return {
    ok: false,
    outcome: { kind: 'failure', status: null, responseBody: null, durationMs: 0, request: { url: attempt.url }, error: `invalid e-mail webhook URL: ${parsed.reason}`, retryAfterMs: null, permanent: true, disableReason: null },
  };
}

async function sendOverSmtp(transporter: Transporter, attempt: PreparedAttempt, mailFrom: string, fromAddress: string, transport: string): Promise<AttemptOutcome> {
  const prepared = prepare(attempt, mailFrom, fromAddress);
  if (!prepared.ok) return prepared.outcome;
  const request = describeRequest(prepared.mail, transport);
  const started = performance.now();
  const deadline = startDeadline(attempt.timeoutMs);
  const { signal } = deadline;
  try {
    const info = (await transporter.sendMail({ ...prepared.mail, signal })) as { response?: string; rejected?: unknown[] };
    const reply = info.response ?? '';
    const rejected = (info.rejected ?? []).map(String);
    return {
      kind: 'success',
      status: replyCode(reply),
      // Some recipients refused, others accepted: the message went out, and the record says who did not get it.
      responseBody: rejected.length > 0 ? `${reply} (refused: ${rejected.join(', ')})` : reply,
      durationMs: Math.round(performance.now() - started),
      request,
    };
  } catch (error) {
    const failure = describeSmtpError(signal.aborted ? signal.reason : error, attempt.timeoutMs);
    return { kind: 'failure', ...failure, durationMs: Math.round(performance.now() - started), request, retryAfterMs: null, disableReason: null };
  } finally {
    deadline.clear();
  }
}

async function writeToFile(composer: Transporter, mailDir: string, attempt: PreparedAttempt, mailFrom: string, fromAddress: string): Promise<AttemptOutcome> {
  const prepared = prepare(attempt, mailFrom, fromAddress);
  if (!prepared.ok) return prepared.outcome;
  const request = describeRequest(prepared.mail, 'file');
  const started = performance.now();
  try {
    const info = (await composer.sendMail(prepared.mail)) as { message: Buffer };
    await mkdir(mailDir, { recursive: true });
    // Sorted by time in a directory listing; the delivery ID finds the file of a given delivery.
    const file = join(mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${attempt.deliveryId.replace(/[^A-Za-z0-9_-]/g, '_')}.eml`);
    await writeFile(file, info.message);
    return { kind: 'success', status: null, responseBody: `written to ${file}`, durationMs: Math.round(performance.now() - started), request };
  } catch (error) {
    const message = (error as Error).message;
    return { kind: 'failure', status: null, responseBody: null, durationMs: Math.round(performance.now() - started), request, error: `mail file not written: ${message}`, retryAfterMs: null, permanent: false, disableReason: null };
  }
}

/** The address part of MAIL_FROM (`Hookstream <hookstream@localhost>` → `hookstream@localhost`). */
function envelopeSender(mailFrom: string): string {
  const [first] = addressparser(mailFrom, { flatten: true });
  return first && 'address' in first && first.address ? first.address : mailFrom;
}

/** `smtp://host:port` of SMTP_URL, without the credentials it may carry. */
function describeSmtpUrl(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'smtp';
  }
}

function replyCode(reply: string): number | null {
  const match = /^(\d{3})/.exec(reply);
  return match ? Number(match[1]) : null;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
