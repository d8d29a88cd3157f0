// Issue 16: the migration that converts a populated database to the time-partitioned history. A database migrated to
// just before it gets three months of history in the old shape (events with data and idempotency keys, deliveries
// with bodies, attempts with response bodies, the oldest archived by the old job) and a column, an index and a CHECK
// that "another migration" added meanwhile; then the conversion runs. Every row, body, attempt and idempotency key
// survives and reads the same through the API; the added column, index and constraint are carried over; the
// maintained counts equal the rows; and the Down migration puts the old shape back with the same data.
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client.js';
import { createAccount } from '../../src/db/account.js';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrateDatabase } from '../../src/db/migrate.js';
import { HistoryConvertedDeliveryDocument, HistoryDeliveriesDocument, HistoryWebhookStatsDocument, PublishEventDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { expectError, globalId, rawId } from '../helpers/graphql.js';
import { idAt } from '../helpers/history-seed.js';

/** The conversion's timestamp (prisma/migrations/1764690000000_time-partitioned-history.sql). */
const CONVERSION = 1764690000000;
const DAY_MS = 86_400_000;
const RETENTION_DAYS = 60;

type OldDelivery = Record<string, unknown> & { id: string; body: string | null; archived: boolean; created_at: Date; status: string; webhook_id: string; account_id: string };
type OldAttempt = Record<string, unknown> & { id: string; delivery_id: string; number: number; response_body: string | null };
type OldEvent = Record<string, unknown> & { id: string; data: unknown; archived: boolean; idempotency_key: string | null; account_id: string };
type OldState = { deliveries: OldDelivery[]; attempts: OldAttempt[]; events: OldEvent[] };

/** Migrates up to, not including, the conversion. */
async function migrateBeforeConversion(databaseUrl: string) {
  await runner({ databaseUrl, dir: MIGRATIONS_DIR, migrationsTable: MIGRATIONS_TABLE, direction: 'up', count: CONVERSION - 1, timestamp: true, singleTransaction: true, log: () => {} });
}

/**
 * Three months of history in the old shape, written as the old engine wrote it: an event and its deliveries share a
 * created_at, ids made right after it; rows older than RETENTION_DAYS archived as the old job left them.
 */
async function seedOldHistory(client: pg.Client, accounts: { a: string; b: string }) {
  const webhook = async (accountId: string, name: string) =>
    (await client.query<{ id: string }>(`insert into webhooks (id, account_id, name, url, events, secret) values (gen_random_uuid(), $1, $2, 'http://127.0.0.1:9/never', '{*}', 'unused') returning id`, [accountId, name])).rows[0]!.id;
  const hooksA = [await webhook(accounts.a, 'one'), await webhook(accounts.a, 'two')];
  const hookB = await webhook(accounts.b, 'b');
  const now = Date.now();
  const statuses = ['SUCCEEDED', 'FAILED', 'SUCCEEDED', 'RETRYING', 'SUCCEEDED', 'PENDING'];
  const plan: { accountId: string; hooks: string[]; createdAt: Date; index: number }[] = [
    ...Array.from({ length: 30 }, (_, index) => ({ accountId: accounts.a, hooks: hooksA, createdAt: new Date(now - (90 - index * 3) * DAY_MS + index * 7_919), index })),
    ...Array.from({ length: 2 }, (_, index) => ({ accountId: accounts.b, hooks: [hookB], createdAt: new Date(now - (40 - index) * DAY_MS), index: 100 + index })),
  ];
  for (const { accountId, hooks, createdAt, index } of plan) {
    const archived = createdAt.getTime() < now - RETENTION_DAYS * DAY_MS;
    const eventId = idAt(createdAt);
    const data = { id: `booking-${index}`, n: index, note: 'Grüße ✓', nested: { list: [1, 2, { deep: true }] } };
    await client.query(
      `insert into events (id, account_id, type, data, context, occurred_at, idempotency_key, archived, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [eventId, accountId, index % 4 === 0 ? 'orders.created' : 'bookings.created', archived ? null : data, index % 3 === 0 ? JSON.stringify([{ dimension: 'resource', id: 'room-1' }]) : null,
        new Date(createdAt.getTime() - 5_000), index % 2 === 0 ? `key-${index}` : null, archived, createdAt],
    );
    for (const [position, hookId] of hooks.entries()) {
      const deliveryId = idAt(createdAt);
      const status = archived ? (position === 0 ? 'SUCCEEDED' : 'FAILED') : statuses[(index + position) % statuses.length]!;
      const attempts = status === 'PENDING' ? 0 : status === 'FAILED' ? 2 : 1;
      const body = JSON.stringify({ event: 'bookings.created', event_id: `evt_${index}`, webhook_id: `wh_${position}`, triggered_at: createdAt.toISOString(), data });
      await client.query(
        `insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, next_attempt_at, last_response_status, delivered_at,
                                 manual_retries, failure_reason, archived, body, created_at, updated_at, automatic_attempts, trace_parent, body_transformed)
         values ($1, $2, $3, $4, (select type from events where id = $4), $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $6, $16, $17)`,
        [deliveryId, accountId, hookId, eventId, status, attempts, status === 'RETRYING' ? new Date(now + 60_000) : null, attempts > 0 ? (status === 'SUCCEEDED' ? 200 : 500) : null,
          status === 'SUCCEEDED' ? new Date(createdAt.getTime() + 40) : null, index % 5 === 0 ? 1 : 0, status === 'FAILED' ? 'HTTP 500' : null, archived, archived ? null : body,
          createdAt, new Date(createdAt.getTime() + 50), position === 1 ? '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' : null, index === 7],
      );
      for (let number = 1; number <= attempts; number++) {
        const last = number === attempts;
        const responseBody = archived ? null : status === 'SUCCEEDED' && last ? (index % 2 ? 'ok' : '') : 'upstream exploded';
        await client.query(
          `insert into delivery_attempts (id, delivery_id, number, trigger, started_at, duration_ms, response_status, response_body, error, request_headers)
           values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [deliveryId, number, number === 2 && index % 2 ? 'MANUAL' : 'AUTOMATIC', new Date(createdAt.getTime() + number * 10), 12 + number, status === 'SUCCEEDED' && last ? 200 : 500,
            responseBody, status === 'SUCCEEDED' && last ? null : 'HTTP 500', JSON.stringify({ 'content-type': 'application/json', 'x-custom': '[redacted]' })],
        );
      }
    }
  }
  // What a migration of another engineer may have added before the conversion runs: it must be carried over.
  await client.query(`alter table deliveries add column note text not null default 'none'`);
  await client.query(`update deliveries set note = 'noted ' || status where status = 'FAILED'`);
  await client.query(`create index deliveries_note_idx on deliveries (note, id desc) where note <> 'none'`);
  await client.query(`alter table deliveries add constraint deliveries_note_check check (note <> '')`);
  await client.query(`alter table events add column source text`);
  await client.query(`update events set source = 'outbox' where idempotency_key is not null`);
  return { hooksA, hookB };
}

async function readOldState(client: pg.Client): Promise<OldState> {
  return {
    deliveries: (await client.query<OldDelivery>('select * from deliveries order by id')).rows,
    attempts: (await client.query<OldAttempt>('select * from delivery_attempts order by delivery_id, number')).rows,
    events: (await client.query<OldEvent>('select * from events order by id')).rows,
  };
}

const without = <T extends Record<string, unknown>>(row: T, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([key]) => !keys.includes(key)));

let databaseUrl: string;
let client: pg.Client;
let old: OldState;
let hooks: { hooksA: string[]; hookB: string };
let accounts: { a: string; b: string; apiKeyA: string; apiKeyB: string };
let conversionMs: number;

beforeAll(async () => {
  databaseUrl = await createTestDatabase({ migrate: false });
  await migrateBeforeConversion(databaseUrl);
  const db = connectDatabase(databaseUrl, { maxConnections: 2 });
  const a = await createAccount(db.prisma, { name: 'Converted A' });
  const b = await createAccount(db.prisma, { name: 'Converted B' });
  await db.close();
  accounts = { a: a.account.id, b: b.account.id, apiKeyA: a.apiKey, apiKeyB: b.apiKey };
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  hooks = await seedOldHistory(client, accounts);
  old = await readOldState(client);
  const started = performance.now();
  expect(await migrateDatabase(databaseUrl)).toEqual(['1764690000000_time-partitioned-history']);
  conversionMs = performance.now() - started;
  console.log(`conversion of ${old.events.length} events, ${old.deliveries.length} deliveries, ${old.attempts.length} attempts: ${conversionMs.toFixed(0)} ms`);
});

afterAll(async () => {
  await client?.end();
});

describe('the conversion', () => {
  it('keeps every delivery, with every column (the one added by another migration too) and its body', async () => {
    const { rows } = await client.query<Record<string, unknown> & { id: string }>('select * from deliveries order by id');
    expect(rows.map((row) => without(row))).toEqual(old.deliveries.map((row) => without(row, 'body', 'archived')));
    const bodies = new Map((await client.query<{ delivery_id: string; body: string }>('select * from delivery_bodies')).rows.map((row) => [row.delivery_id, row.body]));
    expect(bodies.size).toBe(old.deliveries.filter((row) => row.body !== null).length);
    for (const delivery of old.deliveries) expect(bodies.get(delivery.id) ?? null).toBe(delivery.body);
    expect(old.deliveries.some((row) => row.body === null) && old.deliveries.some((row) => row.body !== null)).toBe(true);
  });

  it('keeps every event with its data, and every idempotency key', async () => {
    const { rows } = await client.query<Record<string, unknown>>('select * from events order by id');
    expect(rows).toEqual(old.events.map((row) => without(row, 'data', 'archived')));
    const data = new Map((await client.query<{ event_id: string; data: unknown }>('select * from event_bodies')).rows.map((row) => [row.event_id, row.data]));
    for (const event of old.events) expect(data.get(event.id) ?? null).toEqual(event.data);
    const { rows: keys } = await client.query('select account_id, idempotency_key, event_id from event_idempotency_keys order by event_id');
    expect(keys).toEqual(old.events.filter((event) => event.idempotency_key !== null).map((event) => ({ account_id: event.account_id, idempotency_key: event.idempotency_key, event_id: event.id })));
  });

  it('keeps every attempt; non-empty response bodies in their own table', async () => {
    const { rows } = await client.query<Record<string, unknown>>('select * from delivery_attempts order by delivery_id, number');
    expect(rows).toEqual(old.attempts.map((row) => without(row, 'id', 'response_body')));
    const { rows: bodies } = await client.query('select delivery_id, number, response_body from attempt_bodies order by delivery_id, number');
    expect(bodies).toEqual(old.attempts.filter((row) => row.response_body).map((row) => ({ delivery_id: row.delivery_id, number: row.number, response_body: row.response_body })));
  });

  it('marks archived exactly what the old job had archived (the purge watermark)', async () => {
    const { rows } = await client.query<{ id: string; archived: boolean }>(
      `select id, id < (select purged_before from history_watermarks where name = 'bodies') as archived from deliveries order by id`,
    );
    expect(rows.map((row) => row.archived)).toEqual(old.deliveries.map((row) => row.archived));
    expect(rows.some((row) => row.archived)).toBe(true);
  });

  it('carries over the column, index and CHECK another migration added, on the partitioned tables', async () => {
    const { rows: columns } = await client.query(
      `select table_name, column_name, column_default, is_nullable from information_schema.columns
        where table_schema = 'public' and (table_name, column_name) in (('deliveries', 'note'), ('events', 'source')) order by 1`,
    );
    expect(columns).toEqual([
      { table_name: 'deliveries', column_name: 'note', column_default: "'none'::text", is_nullable: 'NO' },
      { table_name: 'events', column_name: 'source', column_default: null, is_nullable: 'YES' },
    ]);
    const { rows: indexes } = await client.query(`select pg_get_indexdef('deliveries_note_idx'::regclass) as definition, c.relkind from pg_class c where c.relname = 'deliveries_note_idx'`);
    expect(indexes).toEqual([{ definition: "CREATE INDEX deliveries_note_idx ON ONLY public.deliveries USING btree (note, id DESC) WHERE (note <> 'none'::text)", relkind: 'I' }]);
    await expect(client.query(`update deliveries set note = '' where id = $1`, [old.deliveries[0]!.id])).rejects.toThrow(/deliveries_note_check/);
    const { rows: partitioned } = await client.query(
      `select c.relname, p.partstrat, a.attname as key from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
         join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0] order by 1`,
    );
    expect(partitioned).toEqual([
      { relname: 'attempt_bodies', partstrat: 'r', key: 'delivery_id' },
      { relname: 'deliveries', partstrat: 'r', key: 'id' },
      { relname: 'delivery_attempts', partstrat: 'r', key: 'delivery_id' },
      { relname: 'delivery_bodies', partstrat: 'r', key: 'delivery_id' },
      { relname: 'event_bodies', partstrat: 'r', key: 'event_id' },
      { relname: 'events', partstrat: 'r', key: 'id' },
    ]);
  });

  it('counts the finished deliveries into the maintained counts', async () => {
    const { rows } = await client.query<{ account_id: string; status: string; n: string }>(
      `select account_id, status::text, sum(n)::text as n from delivery_counts where webhook_id = '00000000-0000-0000-0000-000000000000' and event_type = '' group by 1, 2 order by 1, 2`,
    );
    const expected = new Map<string, number>();
    for (const row of old.deliveries) if (row.status === 'SUCCEEDED' || row.status === 'FAILED') expected.set(`${row.account_id} ${row.status}`, (expected.get(`${row.account_id} ${row.status}`) ?? 0) + 1);
    expect(new Map(rows.map((row) => [`${row.account_id} ${row.status}`, Number(row.n)]))).toEqual(expected);
  });
});

describe('the converted history through the API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ HOOKSTREAM_ROLE: 'api', RETENTION_DAYS: String(RETENTION_DAYS) }, databaseUrl);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('every delivery reads as it was: status, payload, archived, its event and data, its attempts and their response bodies', async () => {
    const apiClient = app.client(accounts.apiKeyA);
    const eventOf = new Map(old.events.map((event) => [event.id, event]));
    for (const delivery of old.deliveries.filter((row) => row.account_id === accounts.a)) {
      const event = eventOf.get(delivery['event_id'] as string)!;
      const { delivery: read } = await apiClient.data(HistoryConvertedDeliveryDocument, { id: globalId('Delivery', delivery.id) });
      expect(read).toEqual({
        id: globalId('Delivery', delivery.id),
        status: delivery.status,
        eventType: delivery['event_type'],
        attemptCount: delivery['attempt_count'],
        lastResponseStatus: delivery['last_response_status'],
        manualRetries: delivery['manual_retries'],
        failureReason: delivery['failure_reason'],
        createdAt: delivery.created_at.toISOString(),
        updatedAt: (delivery['updated_at'] as Date).toISOString(),
        deliveredAt: (delivery['delivered_at'] as Date | null)?.toISOString() ?? null,
        archived: delivery.archived,
        payload: delivery.body === null ? null : JSON.parse(delivery.body),
        webhook: { id: globalId('Webhook', delivery.webhook_id) },
        event: {
          id: globalId('Event', event.id),
          type: event['type'],
          data: event.data,
          occurredAt: (event['occurred_at'] as Date).toISOString(),
          createdAt: (event['created_at'] as Date).toISOString(),
          idempotencyKey: event.idempotency_key,
        },
        attempts: old.attempts
          .filter((attempt) => attempt.delivery_id === delivery.id)
          .map((attempt) => ({
            number: attempt.number,
            trigger: attempt['trigger'],
            startedAt: (attempt['started_at'] as Date).toISOString(),
            durationMs: attempt['duration_ms'],
            responseStatus: attempt['response_status'],
            responseBody: attempt.response_body,
            error: attempt['error'],
            requestHeaders: attempt['request_headers'],
          })),
      });
    }
  });

  it('lists, filters and counts as the old rows say, and pages newest first', async () => {
    const apiClient = app.client(accounts.apiKeyA);
    const ofA = old.deliveries.filter((row) => row.account_id === accounts.a);
    const newestFirst = [...ofA].sort((x, y) => y.created_at.getTime() - x.created_at.getTime() || (x.id < y.id ? 1 : -1));
    const { deliveries } = await apiClient.data(HistoryDeliveriesDocument, { first: 100 });
    expect(deliveries.totalCount).toBe(ofA.length);
    expect(deliveries.edges.map((edge) => rawId(edge.node.id, 'Delivery'))).toEqual(newestFirst.map((row) => row.id));
    const since = new Date(Date.now() - 75 * DAY_MS);
    const filtered = await apiClient.data(HistoryDeliveriesDocument, { first: 100, filter: { status: ['FAILED', 'SUCCEEDED'], since: since.toISOString(), webhookId: globalId('Webhook', hooks.hooksA[1]!) } });
    const expected = newestFirst.filter((row) => ['FAILED', 'SUCCEEDED'].includes(row.status) && row.created_at >= since && row.webhook_id === hooks.hooksA[1]);
    expect(expected.length).toBeGreaterThan(3);
    expect(filtered.deliveries.edges.map((edge) => rawId(edge.node.id, 'Delivery'))).toEqual(expected.map((row) => row.id));
    expect(filtered.deliveries.totalCount).toBe(expected.length);
    for (const hookId of hooks.hooksA) {
      const { webhook } = await apiClient.data(HistoryWebhookStatsDocument, { id: globalId('Webhook', hookId) });
      const count = (status: string) => ofA.filter((row) => row.webhook_id === hookId && row.status === status).length;
      expect(webhook!.stats).toMatchObject({ total: ofA.filter((row) => row.webhook_id === hookId).length, succeeded: count('SUCCEEDED'), failed: count('FAILED'), pending: count('PENDING'), retrying: count('RETRYING') });
    }
  });

  it('an idempotency key of the old history still answers with its event, archived or not, and sends nothing', async () => {
    const apiClient = app.client(accounts.apiKeyA);
    const keyed = old.events.filter((event) => event.account_id === accounts.a && event.idempotency_key !== null);
    for (const event of [keyed[0]!, keyed.at(-1)!]) {
      const { publishEvent } = await apiClient.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'again' }, idempotencyKey: event.idempotency_key } });
      expect(publishEvent).toMatchObject({ duplicate: true, deliveryCount: 2, event: { id: globalId('Event', event.id), data: event.data, idempotencyKey: event.idempotency_key } });
    }
    expect(keyed[0]!.archived).toBe(true);
    expect(keyed.at(-1)!.archived).toBe(false);
    const { rows } = await client.query<{ count: number }>('select count(*)::int as count from deliveries');
    expect(rows[0]!.count).toBe(old.deliveries.length);
  });

  it('another account’s converted delivery answers NOT_FOUND', async () => {
    const foreign = old.deliveries.find((row) => row.account_id === accounts.b)!;
    expectError(await app.client(accounts.apiKeyA).request(HistoryConvertedDeliveryDocument, { id: globalId('Delivery', foreign.id) }), 'NOT_FOUND');
  });
});

describe('the Down migration', () => {
  it('puts the old tables back with the same rows, bodies and archived flags, and the conversion runs again', async () => {
    const url = await createTestDatabase({ migrate: false });
    await migrateBeforeConversion(url);
    const db = connectDatabase(url, { maxConnections: 2 });
    const a = await createAccount(db.prisma, { name: 'Down A' });
    const b = await createAccount(db.prisma, { name: 'Down B' });
    await db.close();
    const downClient = new pg.Client({ connectionString: url });
    await downClient.connect();
    try {
      await seedOldHistory(downClient, { a: a.account.id, b: b.account.id });
      const before = await readOldState(downClient);
      await migrateDatabase(url);
      await runner({ databaseUrl: url, dir: MIGRATIONS_DIR, migrationsTable: MIGRATIONS_TABLE, direction: 'down', count: 1, singleTransaction: true, log: () => {} });
      const after = await readOldState(downClient);
      expect(after.deliveries).toEqual(before.deliveries);
      expect(after.events).toEqual(before.events);
      // Attempts get new ids (the partitioned table keeps none: nothing reads them).
      expect(after.attempts.map((row) => without(row, 'id'))).toEqual(before.attempts.map((row) => without(row, 'id')));
      const { rows: indexes } = await downClient.query<{ name: string }>(
        `select indexname as name from pg_indexes where tablename in ('events', 'deliveries', 'delivery_attempts') order by 1`,
      );
      expect(indexes.map((row) => row.name)).toEqual([
        'deliveries_account_id_created_at_id_idx', 'deliveries_account_id_status_created_at_id_idx', 'deliveries_event_id_created_at_id_idx', 'deliveries_note_idx',
        'deliveries_pkey', 'deliveries_webhook_id_created_at_id_idx', 'deliveries_webhook_id_ordering_key_sequence_idx',
        'delivery_attempts_delivery_id_number_key', 'delivery_attempts_pkey',
        'events_account_id_created_at_id_idx', 'events_account_id_idempotency_key_key', 'events_account_id_type_created_at_id_idx', 'events_pkey',
      ]);
      expect(await migrateDatabase(url)).toEqual(['1764690000000_time-partitioned-history']);
    } finally {
      await downClient.end();
    }
  });
});
