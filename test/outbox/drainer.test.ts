// The outbox drainer between a second real database (the platform's) and the real service: rows committed with a
// booking arrive at the receiver, rolled-back ones never exist, a refused row keeps its error without holding back
// the rows behind it, the platform's own idempotency key is honoured, and an unreachable service is waited out.
import pg from 'pg';
import client from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startOutboxDrainer, type OutboxDrainer } from '../../src/outbox/drainer.js';
import { installOutbox } from '../../src/outbox/install.js';
import { registerOutboxMetrics } from '../../src/outbox/metrics.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { closedPort, createWebhook, waitUntil, type CreatedWebhook } from '../helpers/delivery.js';
import { createPlatformDatabase, graphqlPublishPort, platformTransaction, saveBooking } from '../helpers/outbox.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

type OutboxRecord = { id: string; published_at: Date | null; error: string | null; attempts: number; created_at: Date };

let app: TestApp;
let receiver: Receiver;
let platform: pg.Pool;
let accountId: string;
let webhook: CreatedWebhook;
let endpoint: string;
const drainers: OutboxDrainer[] = [];

beforeAll(async () => {
  [app, receiver] = await Promise.all([startTestApp(), startReceiver()]);
  platform = new pg.Pool({ connectionString: await createPlatformDatabase(createTestDatabase) });
  const account = await app.newAccount();
  accountId = account.accountId;
  webhook = await createWebhook(account.client, { name: 'front desk', url: receiver.url, events: ['bookings.*'] });
  endpoint = `${app.url}/graphql`;
  const apiKeys = { [accountId]: account.apiKey };
  // A poll far longer than any wait below: rows arrive because the commit's NOTIFY woke the drainer.
  drainers.push(await startOutboxDrainer({ databaseUrl: platformUrl(), publish: graphqlPublishPort({ endpoint: () => endpoint, apiKeys }), log: createLogger('silent'), pollIntervalMs: 600_000, batchSize: 10 }));
});

afterAll(async () => {
  for (const drainer of drainers) await drainer.stop();
  await platform?.end();
  await app?.stop();
  await receiver?.close();
});

function platformUrl(): string {
  return (platform.options as { connectionString: string }).connectionString;
}

async function outboxRows(ids: readonly string[]): Promise<OutboxRecord[]> {
  const { rows } = await platform.query<OutboxRecord>('select id, published_at, error, attempts, created_at from hookstream_outbox where id = any($1::bigint[]) order by id', [ids]);
  return rows;
}

const settled = (ids: readonly string[]) =>
  waitUntil(`outbox rows ${ids.join(', ')} to be published or refused`, async () => {
    const rows = await outboxRows(ids);
    return rows.length === ids.length && rows.every((row) => row.published_at !== null || row.error !== null) ? rows : undefined;
  });

async function hookstreamEvents(idempotencyKeys: readonly string[]) {
  const { rows } = await app.db.pool.query<{ id: string; idempotency_key: string; data: { id: string }; occurred_at: Date; deliveries: number }>(
    `select e.id, e.idempotency_key, b.data, e.occurred_at, (select count(*)::int from deliveries d where d.event_id = e.id) as deliveries
       from events e left join event_bodies b on b.event_id = e.id
      where e.account_id = $1 and e.idempotency_key = any($2::text[]) order by e.idempotency_key`,
    [accountId, idempotencyKeys],
  );
  return rows;
}

it('delivers rows committed with the booking, and never a rolled-back one', async () => {
  await platformTransaction(platform, (client) => saveBooking(client, { accountId, id: 'b-rolled-back', status: 'confirmed', type: 'bookings.created' }), { rollback: true });
  const committed = await platformTransaction(platform, async (client) => [
    await saveBooking(client, { accountId, id: 'b-1', status: 'confirmed', type: 'bookings.created' }),
    await saveBooking(client, { accountId, id: 'b-1', status: 'moved', type: 'bookings.updated' }),
  ]);
  const rows = await settled(committed);
  expect(rows.map((row) => [row.error, row.attempts])).toEqual([[null, 1], [null, 1]]);

  const arrived = await receiver.waitFor(2);
  const bodies = arrived.map((request) => JSON.parse(request.body) as { event: string; data: { id: string; status: string } });
  expect(bodies.map((body) => [body.event, body.data.status])).toEqual(expect.arrayContaining([['bookings.created', 'confirmed'], ['bookings.updated', 'moved']]));
  for (const request of arrived) expect(receiver.verify(request, webhook.secret)).toBeTruthy();

  // Each row is one event, keyed by the row, stamped with the platform transaction's time.
  const events = await hookstreamEvents(committed.map((id) => `outbox:${id}`));
  expect(events.map((event) => [event.idempotency_key, event.deliveries])).toEqual(committed.map((id) => [`outbox:${id}`, 1]));
  expect(events.map((event) => event.occurred_at.getTime())).toEqual(rows.map((row) => row.created_at.getTime()));
  // The rolled-back booking never reached the outbox, so nothing of it exists anywhere.
  const { rows: everything } = await platform.query<{ data: { id: string } }>('select data from hookstream_outbox');
  expect(everything.some((row) => row.data.id === 'b-rolled-back')).toBe(false);
  const { rows: hookstream } = await app.db.pool.query(`select 1 from event_bodies where data->>'id' = 'b-rolled-back'`);
  expect(hookstream).toEqual([]);
  expect(receiver.requests.some((request) => request.body.includes('b-rolled-back'))).toBe(false);
});

it('marks a refused row with its error and publishes the rows of its key behind it', async () => {
  const ids = await platformTransaction(platform, async (client) => [
    await saveBooking(client, { accountId, id: 'b-2', status: 'confirmed', type: 'bookings.created' }),
    await saveBooking(client, { accountId, id: 'b-2', status: 'exploded', type: 'bookings.exploded' }),
    await saveBooking(client, { accountId, id: 'b-2', status: 'moved', type: 'bookings.updated', data: 'not an object' }),
    await saveBooking(client, { accountId: 'no-such-account', id: 'b-2', status: 'moved', type: 'bookings.updated', orderingKey: 'b-2' }),
    await saveBooking(client, { accountId, id: 'b-2', status: 'cancelled', type: 'bookings.deleted' }),
  ]);
  const rows = await settled(ids);
  expect(rows.map((row) => row.published_at !== null)).toEqual([true, false, false, false, true]);
  expect(rows[1]!.error).toMatch(/^BAD_USER_INPUT: "bookings.exploded" is not an event type/);
  expect(rows[2]!.error).toMatch(/^BAD_USER_INPUT: "data" must be a JSON object/);
  expect(rows[3]!.error).toBe('unknown account no-such-account');
  expect(rows.map((row) => row.attempts)).toEqual([1, 1, 1, 1, 1]);
  const events = await hookstreamEvents(ids.map((id) => `outbox:${id}`));
  expect(events.map((event) => event.idempotency_key)).toEqual([`outbox:${ids[0]}`, `outbox:${ids[4]}`]);
  expect(await drainers[0]!.backlog()).toMatchObject({ pending: 0, failed: 3, oldestPendingAt: null });
  const registry = new client.Registry();
  registerOutboxMetrics(registry, () => drainers[0]!.backlog());
  const scrape = await registry.metrics();
  expect(scrape).toMatch(/^hookstream_outbox_up 1$/m);
  expect(scrape).toMatch(/^hookstream_outbox_backlog 0$/m);
  expect(scrape).toMatch(/^hookstream_outbox_refused 3$/m);
  expect(scrape).toMatch(/^hookstream_outbox_oldest_pending_seconds 0$/m);

  // The platform fixes a refused row and clears its error: it is published like any other.
  await platform.query(`update hookstream_outbox set type = 'bookings.updated', error = null where id = $1`, [ids[1]]);
  drainers[0]!.wake(); // an UPDATE sends no NOTIFY
  const [fixed] = await settled([ids[1]!]);
  expect(fixed).toMatchObject({ error: null, attempts: 2 });
  expect(fixed!.published_at).not.toBeNull();
  expect(await drainers[0]!.backlog()).toMatchObject({ pending: 0, failed: 2 });
});

it("publishes a row with the platform's own idempotency key once, however many rows carry it", async () => {
  const ids = await platformTransaction(platform, async (client) => [
    await saveBooking(client, { accountId, id: 'b-3', status: 'confirmed', type: 'bookings.created', idempotencyKey: 'booking-b-3-created' }),
    await saveBooking(client, { accountId, id: 'b-3', status: 'confirmed', type: 'bookings.created', idempotencyKey: 'booking-b-3-created' }),
  ]);
  const rows = await settled(ids);
  expect(rows.every((row) => row.published_at !== null && row.error === null)).toBe(true);
  const events = await hookstreamEvents(['booking-b-3-created', ...ids.map((id) => `outbox:${id}`)]);
  expect(events.map((event) => [event.idempotency_key, event.deliveries])).toEqual([['booking-b-3-created', 1]]);
});

it('waits while the service is unreachable and publishes every row once it answers', async () => {
  endpoint = `http://127.0.0.1:${await closedPort()}/graphql`;
  const ids = await platformTransaction(platform, async (client) => [
    await saveBooking(client, { accountId, id: 'b-4', status: 'confirmed', type: 'bookings.created' }),
    await saveBooking(client, { accountId, id: 'b-4', status: 'moved', type: 'bookings.updated' }),
  ]);
  await waitUntil('a failed try to be counted', async () => ((await outboxRows(ids))[0]!.attempts >= 2 ? true : undefined));
  expect((await outboxRows(ids)).every((row) => row.published_at === null && row.error === null)).toBe(true);
  expect((await drainers[0]!.backlog()).pending).toBe(2);
  endpoint = `${app.url}/graphql`;
  const rows = await settled(ids);
  expect(rows.every((row) => row.published_at !== null && row.error === null)).toBe(true);
  const events = await hookstreamEvents(ids.map((id) => `outbox:${id}`));
  expect(events.map((event) => event.deliveries)).toEqual([1, 1]);
  console.log(`attempts per row after the outage: ${rows.map((row) => row.attempts).join(', ')}`);
});

it('deletes published rows past their retention, and keeps refused and pending ones', async () => {
  const [published, refused] = await platformTransaction(platform, async (client) => [
    await saveBooking(client, { accountId, id: 'b-5', status: 'confirmed', type: 'bookings.created' }),
    await saveBooking(client, { accountId, id: 'b-5', status: 'confirmed', type: 'bookings.unknown' }),
  ]);
  await settled([published!, refused!]);
  const { rows: before } = await platform.query<{ count: number }>('select count(*)::int as count from hookstream_outbox where published_at is null');
  // A drainer that keeps nothing published: its first quiet pass prunes.
  drainers.push(await startOutboxDrainer({ databaseUrl: platformUrl(), publish: async () => [], log: createLogger('silent'), retainPublishedMs: 0 }));
  await waitUntil('published rows to be pruned', async () => {
    const { rows } = await platform.query<{ count: number }>('select count(*)::int as count from hookstream_outbox where published_at is not null');
    return rows[0]!.count === 0;
  });
  const { rows: after } = await platform.query<{ id: string }>('select id from hookstream_outbox where published_at is null');
  expect(after).toHaveLength(before[0]!.count);
  expect(after.map((row) => row.id)).toContain(refused);
});

it('reports the outbox down until it is installed, then drains it', async () => {
  const url = await createTestDatabase({ migrate: false });
  const drainer = await startOutboxDrainer({ databaseUrl: url, publish: graphqlPublishPort({ endpoint: () => endpoint, apiKeys: {} }), log: createLogger('silent'), pollIntervalMs: 200 });
  drainers.push(drainer);
  const registry = new client.Registry();
  registerOutboxMetrics(registry, () => drainer.backlog());
  expect(await registry.metrics()).toMatch(/^hookstream_outbox_up 0$/m);
  expect(await registry.metrics()).toMatch(/^hookstream_outbox_backlog Nan$/m);

  await installOutbox(url);
  const late = new pg.Pool({ connectionString: url });
  try {
    const { rows } = await late.query<{ id: string }>(`select hookstream_publish($1, 'bookings.created', '{"id": "b-6"}') as id`, [accountId]);
    // The drainer's port knows no key for this account: the row is refused, which shows the drainer reached it.
    await waitUntil('the late row to be handled', async () => {
      const { rows: handled } = await late.query<{ error: string | null }>('select error from hookstream_outbox where id = $1', [rows[0]!.id]);
      return handled[0]?.error ?? undefined;
    });
    expect(await registry.metrics()).toMatch(/^hookstream_outbox_up 1$/m);
  } finally {
    await late.end();
  }
});
