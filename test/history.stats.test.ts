// webhook.stats(since): delivery counts by status for one webhook, and successRate = succeeded / (succeeded + failed),
// null while nothing has finished. Seeded rows check the arithmetic and `since`; a real publish checks it end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../src/sdk/client.js';
import { CreateWebhookDocument, HistoryWebhookStatsDocument, PublishEventDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError, rawId } from './helpers/graphql.js';
import { idAt, insertDeliveries, insertEvents, type DeliveryStatus, type SeedEvent } from './helpers/history-seed.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let okReceiver: Receiver;
let failingReceiver: Receiver;
let client: GraphqlClient;
let accountId: string;

const now = Date.now();
const hoursAgo = (hours: number) => new Date(now - hours * 3_600_000);

async function newWebhook(name: string, url = 'http://127.0.0.1:9/never-called', events = ['bookings.created']) {
  return (await client.data(CreateWebhookDocument, { input: { name, url, events } })).createWebhook.webhook.id;
}

/** Seeds deliveries of one webhook: `counts[status]` of them `hoursOld` hours old. */
async function seed(webhookGlobalId: string, hoursOld: number, counts: Partial<Record<DeliveryStatus, number>>, account = accountId) {
  const createdAt = hoursAgo(hoursOld);
  const event: SeedEvent = { id: idAt(createdAt), type: 'bookings.created', createdAt };
  await insertEvents(app.db.pool, account, [event]);
  const deliveries = Object.entries(counts).flatMap(([status, count]) =>
    Array.from({ length: count }, () => ({ id: idAt(event.createdAt), webhookId: rawId(webhookGlobalId, 'Webhook'), eventId: event.id, eventType: event.type, status: status as DeliveryStatus, createdAt: event.createdAt })),
  );
  await insertDeliveries(app.db.pool, account, deliveries);
}

const stats = async (id: string, since?: Date) => (await client.data(HistoryWebhookStatsDocument, { id, since: since?.toISOString() })).webhook!.stats;

beforeAll(async () => {
  // Six failed attempts must not disable the failing webhook (which would fail its queued deliveries early).
  app = await startTestApp({ RETRY_SCHEDULE: '50ms', WORKER_POLL_INTERVAL: '100ms', DISABLE_AFTER_FAILURES: '10' });
  okReceiver = await startReceiver();
  failingReceiver = await startReceiver();
  failingReceiver.fallback = { status: 500, body: 'down' };
  const account = await app.newAccount();
  client = account.client;
  accountId = account.accountId;
});

afterAll(async () => {
  await app?.stop();
  await okReceiver?.close();
  await failingReceiver?.close();
});

describe('webhook.stats', () => {
  it('counts every status and computes successRate = succeeded / (succeeded + failed)', async () => {
    const hook = await newWebhook('mixed');
    const other = await newWebhook('other'); // its deliveries must not count
    await seed(hook, 48, { SUCCEEDED: 4, FAILED: 2, PENDING: 1 });
    await seed(hook, 1, { SUCCEEDED: 3, FAILED: 3, RETRYING: 2, PENDING: 2 });
    await seed(other, 1, { SUCCEEDED: 9, FAILED: 1 });

    expect(await stats(hook)).toEqual({ total: 17, succeeded: 7, failed: 5, pending: 3, retrying: 2, successRate: 7 / 12 });
    expect(await stats(other)).toEqual({ total: 10, succeeded: 9, failed: 1, pending: 0, retrying: 0, successRate: 0.9 });
  });

  it('since counts only deliveries created at or after it', async () => {
    const hook = await newWebhook('windowed');
    await seed(hook, 72, { SUCCEEDED: 5 });
    await seed(hook, 24, { FAILED: 4, SUCCEEDED: 1 });
    await seed(hook, 2, { SUCCEEDED: 2, RETRYING: 1 });

    expect(await stats(hook, hoursAgo(100))).toEqual({ total: 13, succeeded: 8, failed: 4, pending: 0, retrying: 1, successRate: 8 / 12 });
    expect(await stats(hook, hoursAgo(30))).toEqual({ total: 8, succeeded: 3, failed: 4, pending: 0, retrying: 1, successRate: 3 / 7 });
    expect(await stats(hook, hoursAgo(3))).toEqual({ total: 3, succeeded: 2, failed: 0, pending: 0, retrying: 1, successRate: 1 });
    // Inclusive: exactly the created_at of the newest batch still counts it.
    const { rows } = await app.db.pool.query<{ newest: Date }>('select max(created_at) as newest from deliveries where webhook_id = $1', [rawId(hook, 'Webhook')]);
    expect((await stats(hook, rows[0]!.newest)).total).toBe(3);
    expect(await stats(hook, new Date(now + 60_000))).toEqual({ total: 0, succeeded: 0, failed: 0, pending: 0, retrying: 0, successRate: null });
  });

  it('successRate is null while nothing has finished, and 0 when everything failed', async () => {
    const empty = await newWebhook('empty');
    expect(await stats(empty)).toEqual({ total: 0, succeeded: 0, failed: 0, pending: 0, retrying: 0, successRate: null });

    const unfinished = await newWebhook('unfinished');
    await seed(unfinished, 1, { PENDING: 3, RETRYING: 2 });
    expect(await stats(unfinished)).toEqual({ total: 5, succeeded: 0, failed: 0, pending: 3, retrying: 2, successRate: null });

    const failing = await newWebhook('all failed');
    await seed(failing, 1, { FAILED: 2, RETRYING: 1 });
    expect(await stats(failing)).toEqual({ total: 3, succeeded: 0, failed: 2, pending: 0, retrying: 1, successRate: 0 });
  });

  it('counts real deliveries as the worker finishes them', async () => {
    const good = await newWebhook('good', okReceiver.url, ['orders.*']);
    const bad = await newWebhook('bad', failingReceiver.url, ['orders.*']);
    for (const id of ['o1', 'o2', 'o3']) await client.data(PublishEventDocument, { input: { type: 'orders.created', data: { id } } });

    await waitUntil(async () => (await stats(good)).succeeded === 3 && (await stats(bad)).failed === 3, 20_000, 'all six deliveries to finish');
    expect(await stats(good)).toEqual({ total: 3, succeeded: 3, failed: 0, pending: 0, retrying: 0, successRate: 1 });
    expect(await stats(bad)).toEqual({ total: 3, succeeded: 0, failed: 3, pending: 0, retrying: 0, successRate: 0 });
    expect(okReceiver.requests).toHaveLength(3);
    expect(failingReceiver.requests).toHaveLength(6); // two attempts each (RETRY_SCHEDULE has one retry)
  });

  it('another account cannot read a webhook’s stats', async () => {
    const hook = await newWebhook('private');
    await seed(hook, 1, { SUCCEEDED: 1 });
    const other = await app.newAccount();
    const answer = await other.client.request(HistoryWebhookStatsDocument, { id: hook });
    expectError(answer, 'NOT_FOUND');
    expect(JSON.stringify(answer)).not.toContain('succeeded');
  });
});
