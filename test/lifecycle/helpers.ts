// Helpers of the lifecycle tests: an account that watches its own webhooks the way Sirvoy's admins would — an e-mail
// webhook and an HTTP webhook both subscribed to `hookstream.*` — and readers of the operational events that reach them.
import type { TestContext } from 'vitest';
import { expect } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { GraphqlClient } from '../../src/sdk/client.js';
import type { TestApp } from '../helpers/app.js';
import { createWebhook, waitUntil } from '../helpers/delivery.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import type { TestSmtpServer } from '../helpers/smtp-server.js';

const catalog = loadCatalog('anny');

/** An operational event as a monitor received it. */
export type Received = { type: string; data: Record<string, unknown> & { webhookId: string } };

export type Monitored = {
  accountId: string;
  client: GraphqlClient;
  /** The HTTP monitor (`hookstream.*`, ordering PER_KEY: one webhook's events in order). */
  ops: Receiver;
  /** The e-mail monitor's address. */
  mailbox: string;
  /** What the HTTP monitor received, in arrival order, about `webhookId` (all when omitted). */
  httpEvents(webhookId?: string): Received[];
  /** What the e-mail monitor received (the attachments' bodies), in arrival order. */
  mailEvents(webhookId?: string): Received[];
  /** Waits until both monitors have received `type` about `webhookId` `count` times; returns the HTTP one's. */
  waitForBoth(type: string, webhookId: string, count?: number): Promise<Received[]>;
};

let mailboxes = 0;

export async function monitoredAccount(app: TestApp, smtp: TestSmtpServer, context: TestContext): Promise<Monitored> {
  const { accountId, client } = await app.newAccount();
  const ops = await startReceiver();
  context.onTestFinished(() => ops.close());
  const mailbox = `ops-${++mailboxes}@hotel.example`;
  await createWebhook(client, { name: 'ops by mail', url: `mailto:${mailbox}`, events: ['hookstream.*'] });
  // Ordered by key: operational events carry their webhook's ID as ordering key, so one webhook's events arrive in the
  // order they happened, also those of one transaction (failing and disabled by the same attempt).
  await createWebhook(client, { name: 'ops over http', url: ops.url, events: ['hookstream.*'], ordering: 'PER_KEY' });
  const about = (webhookId: string | undefined) => (event: Received) => webhookId === undefined || event.data.webhookId === webhookId;
  const httpEvents = (webhookId?: string) => ops.requests.map((request) => parseBody(request.body)).filter(about(webhookId));
  const mailEvents = (webhookId?: string) =>
    smtp.mails.filter((mail) => mail.envelope.to.includes(mailbox)).map((mail) => {
      const received = parseBody(mail.parsed.attachments[0]!.content.toString('utf8'));
      expect(mail.parsed.subject).toBe(`[Hookstream] ${received.type}`);
      return received;
    }).filter(about(webhookId));
  return {
    accountId,
    client,
    ops,
    mailbox,
    httpEvents,
    mailEvents,
    async waitForBoth(type, webhookId, count = 1) {
      const ofType = (events: Received[]) => events.filter((event) => event.type === type);
      await waitUntil(`${count} × ${type} at the e-mail monitor`, () => ofType(mailEvents(webhookId)).length >= count);
      return waitUntil(`${count} × ${type} at the HTTP monitor`, () => (ofType(httpEvents(webhookId)).length >= count ? ofType(httpEvents(webhookId)) : undefined));
    },
  };
}

/** A standard body's type and data; the data is checked against the catalog's schema of its type as it arrives. */
function parseBody(body: string): Received {
  const parsed = JSON.parse(body) as { event: string; data: Received['data'] };
  expect(catalog.validateData(parsed.event, parsed.data), `${parsed.event} data ${body}`).toBeNull();
  return { type: parsed.event, data: parsed.data };
}

/** The types of operational events, in order. */
export const typesOf = (events: readonly Received[]) => events.map((event) => event.type);
