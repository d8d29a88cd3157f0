// A real SMTP server on loopback (`smtp-server`): records every message that arrives, parsed with `mailparser`, and
// answers the end of DATA as each test scripts it — accept, a 4xx (try later), a 5xx (refused for good).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** How the server answers one message's DATA: accept (250), or refuse with this code and text. */
export type SmtpReply = { accept: true; message?: string } | { code: number; message: string };

export type ReceivedMail = {
  envelope: { from: string; to: string[] };
  /** The message as it came over the wire. */
  raw: Buffer;
  parsed: ParsedMail;
  /** The reply the server gave it: `250 …` or the scripted refusal. */
  reply: string;
  accepted: boolean;
};

export type TestSmtpServer = {
  /** `smtp://127.0.0.1:<port>`: a value for SMTP_URL. */
  url: string;
  port: number;
  mails: ReceivedMail[];
  /** Replies are taken in order, one per message; when they run out, messages are accepted. */
  reply(...replies: SmtpReply[]): void;
  /** Resolves when `count` messages have arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
};

/** `port`: listen there (a server that comes up where Hookstream was already told to send); default any free port. */
export async function startSmtpServer(options: { port?: number } = {}): Promise<TestSmtpServer> {
  const replies: SmtpReply[] = [];
  const mails: ReceivedMail[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let sequence = 0;

  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered (nodemailer would upgrade and distrust the built-in certificate).
    hideSTARTTLS: true,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const reply = replies.shift() ?? { accept: true };
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        };
        void simpleParser(raw).then((parsed) => {
          const accepted = 'accept' in reply;
          const text = accepted ? (reply.message ?? `OK: queued as test-${++sequence}`) : reply.message;
          mails.push({ envelope, raw, parsed, reply: `${accepted ? 250 : reply.code} ${text}`, accepted });
          for (const waiter of [...waiters]) if (mails.length >= waiter.count) waiter.resolve();
          if (accepted) return callback(null, text);
          callback(Object.assign(new Error(text), { responseCode: reply.code }));
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    reply: (...more) => void replies.push(...more),
    waitFor(count, timeoutMs = 10_000) {
      if (mails.length >= count) return Promise.resolve(mails);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`SMTP server got ${mails.length} of ${count} messages in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(mails)) });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
