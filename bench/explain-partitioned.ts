// The prototype of docs/partitioning.md, measured: a database in the *current* schema is filled with 10,000,000
// deliveries of one account over 1,000 webhooks (1,000,000 events × 10, over 120 days, bodies already archived past
// 60 days as the current retention job leaves them), converted by bench/partitioned-history.sql — the proposed
// migration, timed step by step — and then the console's queries run on the partitioned tables under
// EXPLAIN (ANALYZE, BUFFERS): history page 1, a deep page, status / time / event-type filters, a webhook's history and
// stats, totalCount (maintained counts + exact edges), then writes through the count triggers, partitions created
// ahead, and archiving a month of bodies (dropping partitions).
//
//   npx tsx bench/explain-partitioned.ts                    # 10M deliveries, embedded PostgreSQL in a temporary dir
//   npx tsx bench/explain-partitioned.ts --deliveries=200000  # smaller, for a quick look
//   DATABASE_URL=postgres://… npx tsx bench/explain-partitioned.ts   # a scratch database created on that server
//
// Progress goes to stderr, the report (markdown) to stdout. Not part of the test suite. A sibling of
// bench/explain-history.ts, which measures the live schema.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrateDatabase } from '../src/db/migrate.js';

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const DELIVERIES = Number(argument('deliveries') ?? 10_000_000);
const FAN_OUT = 10;
const EVENTS = Math.round(DELIVERIES / FAN_OUT);
const WEBHOOKS = 1_000;
const DAYS = 120;
const RETENTION_DAYS = 60;
const PAGE = 20;
const RUNS = 5;
const ALL_STATUSES = ['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED'] as const;
const NIL = '00000000-0000-0000-0000-000000000000';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const log = (message: string) => console.error(`[explain-partitioned] ${message}`);
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(label: string, work: () => Promise<T>, into?: Timing[]): Promise<T> {
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  log(`${label}: ${seconds(ms)}`);
  into?.push({ label, ms });
  return result;
}
type Timing = { label: string; ms: number };

/** The smallest UUIDv7 of a millisecond (hookstream_uuid7_floor in SQL). */
function uuid7Floor(at: Date): string {
  const hex = Math.floor(at.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
const floorDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
/** delivery_counts.period and delivery_count_deltas.hour: hours since 1970-01-01 UTC. */
const hourOf = (at: Date) => Math.floor(at.getTime() / HOUR_MS);

// ---- the current schema, populated -------------------------------------------------------------------------------

type Seeded = { accountId: string; smallAccountId: string; webhookIds: string[]; end: Date };

async function seedCurrentSchema(client: pg.Client, timings: Timing[]): Promise<Seeded> {
  const end = new Date(Date.now() - 60_000);
  const base = new Date(end.getTime() - DAYS * DAY_MS);
  const cutoff = new Date(end.getTime() - RETENTION_DAYS * DAY_MS);
  const stepMs = (DAYS * DAY_MS) / EVENTS;
  // UUIDv7 of a timestamp (as src/db/ids.ts makes them): 48 bits of unix ms, version 7, random rest.
  await client.query(`
    create function pg_temp.uuid7(ts timestamptz) returns uuid language sql volatile as $$
      select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from ts) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
    $$`);
  // The secondary indexes of the current schema are not built: the conversion reads whole tables and never uses them,
  // and building them on 10M rows would double the load time. Unique indexes stay (the old archive job uses one).
  for (const index of ['deliveries_account_id_created_at_id_idx', 'deliveries_webhook_id_created_at_id_idx', 'deliveries_account_id_status_created_at_id_idx', 'deliveries_event_id_created_at_id_idx', 'events_account_id_created_at_id_idx', 'events_account_id_type_created_at_id_idx']) {
    await client.query(`drop index ${index}`);
  }
  await client.query(`set session_replication_role = replica`); // no foreign-key triggers while seeding
  const accountId = (await client.query<{ id: string }>(`insert into accounts (id, name, api_key_hash) values (pg_temp.uuid7($1), 'Booking platform', 'hash-big') returning id`, [base])).rows[0]!.id;
  const smallAccountId = (await client.query<{ id: string }>(`insert into accounts (id, name, api_key_hash) values (pg_temp.uuid7($1), 'Small spa', 'hash-small') returning id`, [base])).rows[0]!.id;
  await client.query(`create temp table wh as select n, pg_temp.uuid7($1::timestamptz + n * interval '1 ms') as id from generate_series(0, ${WEBHOOKS - 1}) n`, [base]);
  await client.query(`insert into webhooks (id, account_id, name, url, events, secret, created_at, updated_at)
                      select id, $1, 'hook ' || n, 'https://hooks.example.com/' || n, '{*}', 'whsec_x', $2, $2 from wh`, [accountId, base]);
  await client.query(`insert into webhooks (id, account_id, name, url, events, secret, created_at, updated_at)
                      select pg_temp.uuid7($2), $1, 'small ' || n, 'https://spa.example.com/' || n, '{*}', 'whsec_x', $2, $2 from generate_series(1, 10) n`, [smallAccountId, base]);
  const webhookIds = (await client.query<{ id: string }>(`select id::text from wh order by n`)).rows.map((row) => row.id);

  // Event types by weight: the common ones, and a rare one (customers.deleted, 0.1 %).
  await timed('seed: events', async () => {
    await client.query(
      `create temp table ev as
       select i, pg_temp.uuid7(ts) as id, ts, ts < $3::timestamptz as archived,
              case when r < 0.30 then 'bookings.created' when r < 0.55 then 'bookings.updated' when r < 0.60 then 'bookings.deleted'
                   when r < 0.75 then 'orders.created' when r < 0.85 then 'orders.updated' when r < 0.93 then 'invoices.created'
                   when r < 0.99 then 'invoices.finalised' when r < 0.999 then 'customers.created' else 'customers.deleted' end as type
         from (select i, $1::timestamptz + (i * $2::double precision) * interval '1 millisecond' as ts, random() as r
                 from generate_series(0, ${EVENTS - 1}) as i) as s`,
      [base, stepMs, cutoff],
    );
    await client.query(
      `insert into events (id, account_id, type, data, occurred_at, idempotency_key, archived, created_at)
       select id, $1, type,
              case when archived then null else jsonb_build_object('id', 'booking-' || i, 'resource', jsonb_build_object('id', 'room-' || (i % 50)), 'start', ts) end,
              ts, case when i % 4 = 0 then 'key-' || i end, archived, ts
         from ev`,
      [accountId],
    );
  }, timings);
  await timed('seed: deliveries', () =>
    client.query(
      `insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, last_response_status,
                               delivered_at, archived, body, created_at, updated_at)
       select pg_temp.uuid7(ev.ts), $1, wh.id, ev.id, ev.type, s.status,
              case s.status when 'PENDING' then 0 when 'FAILED' then 3 else 1 end,
              case s.status when 'SUCCEEDED' then 200 when 'PENDING' then null else 500 end,
              case when s.status = 'SUCCEEDED' then ev.ts end,
              ev.archived,
              case when ev.archived then null
                   else json_build_object('event', ev.type, 'event_id', ev.id, 'webhook_id', wh.id, 'triggered_at', ev.ts,
                                          'data', json_build_object('id', 'booking-' || ev.i, 'resource', json_build_object('id', 'room-' || (ev.i % 50)), 'start', ev.ts))::text end,
              ev.ts, ev.ts
         from ev
        cross join generate_series(0, ${FAN_OUT - 1}) as k
         join wh on wh.n = (ev.i % 100) + 100 * k
        cross join lateral (select (case when ev.ts > $2::timestamptz - interval '1 hour' then
                                          case when random() < 0.2 then 'PENDING' when random() < 0.3 then 'RETRYING' else 'SUCCEEDED' end
                                         when random() < 0.05 then 'FAILED' else 'SUCCEEDED' end)::"DeliveryStatus" as status) as s`,
      [accountId, end],
    ),
  timings);
  await timed('seed: attempts', () =>
    client.query(
      `insert into delivery_attempts (id, delivery_id, number, trigger, started_at, duration_ms, response_status, response_body, error, request_headers)
       select gen_random_uuid(), d.id, a.number, 'AUTOMATIC', d.created_at + a.number * interval '5 seconds', 40 + (a.number * 7) % 60,
              case when d.status = 'SUCCEEDED' and a.number = d.attempt_count then 200 else 500 end,
              case when d.archived then null when d.status = 'SUCCEEDED' and a.number = d.attempt_count then 'ok' else '<html><body>Internal Server Error</body></html>' end,
              case when d.status = 'SUCCEEDED' and a.number = d.attempt_count then null else 'HTTP 500' end,
              '{"content-type": "application/json", "user-agent": "Hookstream/1"}'::jsonb
         from deliveries d cross join lateral generate_series(1, d.attempt_count) as a(number)`,
    ),
  timings);
  await timed('seed: the small account (10 webhooks, 1,000 deliveries)', () =>
    client.query(
      `with e as (insert into events (id, account_id, type, data, occurred_at, created_at)
                  select pg_temp.uuid7(t), $1, 'bookings.created', '{"id":"b"}', t, t
                    from (select $2::timestamptz - i * interval '1 hour' as t from generate_series(1, 1000) i) s returning id, created_at)
       insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, body, created_at, updated_at)
       select pg_temp.uuid7(e.created_at), $1, (select id from webhooks where account_id = $1 order by id limit 1), e.id, 'bookings.created',
              'SUCCEEDED', 1, '{}', e.created_at, e.created_at from e`,
      [smallAccountId, end],
    ),
  );
  await client.query(`set session_replication_role = origin`);
  await timed('seed: vacuum analyze', () => client.query('vacuum analyze events, deliveries, delivery_attempts'), timings);
  return { accountId, smallAccountId, webhookIds, end };
}

// ---- the conversion ----------------------------------------------------------------------------------------------

async function readSteps(): Promise<{ name: string; sql: string }[]> {
  const text = await readFile(new URL('./partitioned-history.sql', import.meta.url), 'utf8');
  return text
    .split(/^-- @step /m)
    .slice(1)
    .map((chunk) => {
      const newline = chunk.indexOf('\n');
      return { name: chunk.slice(0, newline).trim(), sql: chunk.slice(newline + 1) };
    });
}

async function convert(client: pg.Client, timings: Timing[]): Promise<void> {
  const steps = await readSteps();
  // One transaction, as the migration runs: a failure leaves the current schema as it was.
  await client.query('begin');
  for (const step of steps) await timed(`convert: ${step.name}`, () => client.query(step.sql), timings);
  await timed('convert: commit', () => client.query('commit'), timings);
}

// ---- EXPLAIN ------------------------------------------------------------------------------------------------------

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; 'Subplans Removed'?: number; Plans?: PlanNode[] };
type Explained = { nodes: string; executionMs: number; planningMs: number; sharedHit: number; sharedRead: number; hasSort: boolean; hasSeqScan: boolean; text: string };

/** The plan's node types, indexes collapsed (an Append of 5 partitions' scans on one index reads as one line). */
function summarise(node: PlanNode, into = new Map<string, number>()): Map<string, number> {
  const withoutPartition = (name: string) => name.replace(/_p\d{4}_\d{2}(_\d{2})?/, '');
  const target = node['Index Name'] ?? node['Relation Name'];
  const label = `${node['Node Type']}${target ? ` (${withoutPartition(target)})` : ''}`;
  into.set(label, (into.get(label) ?? 0) + 1);
  for (const child of node.Plans ?? []) summarise(child, into);
  return into;
}

async function explain(pool: pg.Pool, text: string, values: unknown[]): Promise<Explained> {
  const runs: { executionMs: number; planningMs: number; plan: PlanNode & { 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number } }[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
    const [top] = rows[0]!['QUERY PLAN'];
    if (run > 0) runs.push({ executionMs: top['Execution Time'], planningMs: top['Planning Time'], plan: top.Plan }); // the first warms the cache
  }
  const { rows: textRows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values);
  const last = runs.at(-1)!;
  const nodes = [...summarise(last.plan)].map(([label, count]) => (count > 1 ? `${label} ×${count}` : label));
  return {
    nodes: nodes.join(' → '),
    executionMs: median(runs.map((run) => run.executionMs)),
    planningMs: median(runs.map((run) => run.planningMs)),
    sharedHit: last.plan['Shared Hit Blocks'] ?? 0,
    sharedRead: last.plan['Shared Read Blocks'] ?? 0,
    hasSort: nodes.some((node) => /^(Sort|Incremental Sort)\b/.test(node)),
    // A sequential scan of a history table (a few-row table such as webhooks, or an empty partition, does not count).
    hasSeqScan: nodes.some((node) => /^Seq Scan \((events|deliveries|delivery_attempts|event_bodies|delivery_bodies|attempt_bodies)\)/.test(node) && !node.includes('×')),
    text: textRows.map((row) => row['QUERY PLAN']).join('\n'),
  };
}

// ---- the proposed queries (what src/db/ would issue) ---------------------------------------------------------------

type HistoryFilter = {
  accountId: string;
  webhookId?: string;
  statuses?: readonly string[];
  eventType?: string;
  since?: Date;
  until?: Date;
  /** `after`: the id of the last row of the page before. */
  before?: string;
};

/**
 * A page of history, newest first: one `status = s ORDER BY id DESC LIMIT n` index scan per status asked (all when
 * none is), each an ordered Append over the partitions that stops when the page is full, merged by the outer ORDER BY.
 */
function historyPageSql(filter: HistoryFilter, limit = PAGE + 1): { text: string; values: unknown[] } {
  const values: unknown[] = [filter.accountId, filter.statuses ?? ALL_STATUSES];
  const where = ['d.account_id = $1', 'd.status = s.status'];
  const add = (condition: (n: number) => string, value: unknown) => {
    values.push(value);
    where.push(condition(values.length));
  };
  if (filter.webhookId) add((n) => `d.webhook_id = $${n}`, filter.webhookId);
  if (filter.eventType) add((n) => `d.event_type = $${n}`, filter.eventType);
  if (filter.since) add((n) => `d.id >= $${n}`, uuid7Floor(filter.since));
  if (filter.until) add((n) => `d.id < $${n}`, uuid7Floor(filter.until));
  if (filter.before) add((n) => `d.id < $${n}`, filter.before);
  return {
    // The console's row also shows the webhook's name: joined once the page is cut.
    text: `SELECT page.id, page.status, page.event_type, page.event_id, page.attempt_count, page.last_response_status, page.created_at,
       page.updated_at, page.delivered_at, w.id AS webhook_id, w.name AS webhook_name
  FROM (SELECT d.* FROM unnest($2::"DeliveryStatus"[]) AS s(status)
         CROSS JOIN LATERAL (SELECT * FROM deliveries d WHERE ${where.join(' AND ')} ORDER BY d.id DESC LIMIT ${limit}) AS d
         ORDER BY d.id DESC LIMIT ${limit}) AS page
  JOIN webhooks w ON w.id = page.webhook_id
 ORDER BY page.id DESC`,
    values,
  };
}

/** The same page, the plain way (the reference the merged form must equal). */
function plainHistorySql(filter: HistoryFilter, limit = PAGE + 1): { text: string; values: unknown[] } {
  const values: unknown[] = [filter.accountId];
  const where = ['account_id = $1'];
  const add = (condition: (n: number) => string, value: unknown) => {
    values.push(value);
    where.push(condition(values.length));
  };
  if (filter.statuses) add((n) => `status = ANY($${n}::"DeliveryStatus"[])`, filter.statuses);
  if (filter.webhookId) add((n) => `webhook_id = $${n}`, filter.webhookId);
  if (filter.eventType) add((n) => `event_type = $${n}`, filter.eventType);
  if (filter.since) add((n) => `id >= $${n}`, uuid7Floor(filter.since));
  if (filter.until) add((n) => `id < $${n}`, uuid7Floor(filter.until));
  if (filter.before) add((n) => `id < $${n}`, filter.before);
  return { text: `SELECT id FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${limit}`, values };
}

/**
 * Delivery counts by status (totalCount sums them; webhook.stats shows them), exact, in one statement: whole buckets
 * from delivery_counts (the grouping the filter names: hour-long buckets account-wide, day-long ones per webhook and/or
 * event type) plus the deltas not yet folded in, and for a `since`/`until` inside a bucket, that bucket's part counted
 * from the index — from whichever side is shorter, so at most half a bucket of matching rows at each end (added, or
 * subtracted from the whole bucket).
 */
function deliveryCountsSql(filter: Omit<HistoryFilter, 'before'>, now = new Date()): { text: string; values: unknown[] } {
  const bucketMs = filter.webhookId || filter.eventType ? DAY_MS : HOUR_MS;
  const bucketStart = (at: Date) => new Date(Math.floor(at.getTime() / bucketMs) * bucketMs);
  const values: unknown[] = [filter.accountId];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const statusCondition = () => (filter.statuses ? ` AND status = ANY(${param(filter.statuses)}::"DeliveryStatus"[])` : '');
  const until = filter.until && filter.until < now ? filter.until : undefined; // nothing exists after now
  const parts: string[] = [];
  const edge = (from: Date, to: Date, sign: 1 | -1) => {
    const conditions = ['account_id = $1', `id >= ${param(uuid7Floor(from))}`, `id < ${param(uuid7Floor(to))}`];
    if (filter.webhookId) conditions.push(`webhook_id = ${param(filter.webhookId)}`);
    if (filter.eventType) conditions.push(`event_type = ${param(filter.eventType)}`);
    parts.push(`SELECT status, ${sign} * count(*) AS n FROM deliveries WHERE ${conditions.join(' AND ')}${statusCondition()} GROUP BY status`);
  };
  let first: Date | undefined; // whole buckets [first, last) come from delivery_counts
  let last: Date | undefined;
  if (filter.since && until && bucketStart(filter.since).getTime() === bucketStart(until).getTime()) {
    edge(filter.since, until, 1); // within one bucket: count it
  } else {
    if (filter.since) {
      const start = bucketStart(filter.since);
      const into = filter.since.getTime() - start.getTime();
      if (into === 0) first = start;
      else if (into > bucketMs / 2) {
        first = new Date(start.getTime() + bucketMs);
        edge(filter.since, first, 1);
      } else {
        first = start;
        edge(start, filter.since, -1);
      }
    }
    if (until) {
      const start = bucketStart(until);
      const into = until.getTime() - start.getTime();
      if (into === 0) last = start;
      else if (into <= bucketMs / 2) {
        last = start;
        edge(start, until, 1);
      } else {
        last = new Date(start.getTime() + bucketMs);
        edge(until, last, -1);
      }
    }
    const range = (column: string) => `${first ? ` AND ${column} >= ${param(hourOf(first))}` : ''}${last ? ` AND ${column} < ${param(hourOf(last))}` : ''}`;
    parts.push(
      `SELECT status, n FROM delivery_counts WHERE account_id = $1 AND webhook_id = ${param(filter.webhookId ?? NIL)} AND event_type = ${param(filter.eventType ?? '')}${statusCondition()}${range('period')}`,
    );
    parts.push(
      `SELECT status, delta FROM delivery_count_deltas WHERE account_id = $1${filter.webhookId ? ` AND webhook_id = ${param(filter.webhookId)}` : ''}${filter.eventType ? ` AND event_type = ${param(filter.eventType)}` : ''}${statusCondition()}${range('hour')}`,
    );
  }
  return { text: `SELECT status, sum(n)::bigint AS n FROM (\n  ${parts.join('\n  UNION ALL\n  ')}\n) AS counted GROUP BY status`, values };
}

/** The reference: count the rows. */
function directCountSql(filter: Omit<HistoryFilter, 'before'>): { text: string; values: unknown[] } {
  const { text, values } = plainHistorySql(filter);
  return { text: text.replace(/^SELECT id FROM/, 'SELECT status, count(*)::bigint AS n FROM').replace(/ ORDER BY id DESC LIMIT \d+$/, ' GROUP BY status'), values };
}

const sumCounts = (rows: { n: string }[]) => rows.reduce((total, row) => total + Number(row.n), 0);

// ---- main ---------------------------------------------------------------------------------------------------------

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'hookstream-partitioned-'));
  await chmod(scratch, 0o755); // the `postgres` system user (as root) must reach the cluster directory
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));
  const timings: Timing[] = [];
  const out: string[] = [];
  try {
    let adminUrl = process.env['DATABASE_URL'];
    if (!adminUrl) {
      log('DATABASE_URL is unset: starting an embedded PostgreSQL');
      const embedded = await openEmbeddedPostgres({
        dataDir: join(scratch, 'pg-data'),
        database: 'postgres',
        persistent: false,
        // Durability off for the load (a bench, not a service); memory for index builds and the buffer cache.
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '2GB', maintenance_work_mem: '1GB', work_mem: '64MB', max_wal_size: '32GB', checkpoint_timeout: '1h' },
      });
      cleanups.push(() => embedded.stop());
      adminUrl = embedded.url;
    }
    const name = `hookstream_partitioned_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
    cleanups.push(async () => {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    });
    await migrateDatabase(databaseUrl);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanups.push(() => client.end());
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cleanups.push(() => pool.end());
    const { rows: versionRows } = await client.query<{ server_version: string }>('show server_version');
    const version = versionRows[0]!.server_version;
    log(`PostgreSQL ${version}, database ${name}; ${DELIVERIES} deliveries`);

    // ---- 1. the current schema, populated; the current archiving for one day, for comparison
    const seeded = await seedCurrentSchema(client, timings);
    const oldSizes = await tableSizes(client, ['events', 'deliveries', 'delivery_attempts']);
    const oneDayCutoff = new Date(seeded.end.getTime() - (RETENTION_DAYS - 1) * DAY_MS);
    const oldArchive = await timed('current schema: archiving one more day by UPDATE (src/delivery/retention.ts)', async () => {
      await client.query('begin');
      const deliveries = await client.query<{ id: string }>(`update deliveries set archived = true, body = null, updated_at = now() where created_at < $1 and not archived returning id`, [oneDayCutoff]);
      await client.query(`update delivery_attempts set response_body = null where delivery_id = any($1::uuid[])`, [deliveries.rows.map((row) => row.id)]);
      const events = await client.query(`update events set archived = true, data = null where created_at < $1 and not archived`, [oneDayCutoff]);
      await client.query('commit');
      return { deliveries: deliveries.rowCount ?? 0, events: events.rowCount ?? 0 };
    }, timings);

    // ---- 2. the conversion
    await convert(client, timings);
    await timed('after conversion: vacuum (sets the visibility maps, as autovacuum would)', () => client.query('vacuum analyze events, deliveries, delivery_attempts, event_bodies, delivery_bodies, attempt_bodies, delivery_counts'), timings);
    const newSizes = await tableSizes(client, ['events', 'deliveries', 'delivery_attempts', 'event_bodies', 'delivery_bodies', 'attempt_bodies', 'event_idempotency_keys', 'delivery_counts']);
    const { rows: partitionRows } = await client.query<{ parent: string; partitions: number }>(
      `select parent.relname as parent, count(*)::int as partitions from pg_inherits i join pg_class parent on parent.oid = i.inhparent
        where parent.relname in (select parent from history_partitioning) group by 1 order by 1`,
    );
    const { rows: copied } = await client.query<{ deliveries: string; attempts: string; bodies: string }>(
      `select (select count(*) from deliveries) as deliveries, (select count(*) from delivery_attempts) as attempts, (select count(*) from delivery_bodies) as bodies`,
    );
    log(`converted: ${JSON.stringify(copied[0])}`);

    // ---- 3. the console's queries
    const { accountId, webhookIds, end } = seeded;
    const hotWebhook = webhookIds[7]!;
    const { rows: deepRows } = await client.query<{ id: string }>(`select id from deliveries where account_id = $1 order by id desc offset ${Math.floor(DELIVERIES * 0.9) - 1} limit 1`, [accountId]);
    const deepCursor = deepRows[0]!.id;
    const { rows: webhookDeepRows } = await client.query<{ id: string }>(`select id from deliveries where webhook_id = $1 order by id desc offset ${Math.floor((DELIVERIES / WEBHOOKS) * 0.9) - 1} limit 1`, [hotWebhook]);
    const webhookDeepCursor = webhookDeepRows[0]!.id;
    const { rows: failedDeepRows } = await client.query<{ id: string }>(`select id from deliveries where account_id = $1 and status = 'FAILED' order by id desc offset ${Math.floor(DELIVERIES * 0.05 * 0.9) - 1} limit 1`, [accountId]);
    const failedDeepCursor = failedDeepRows[0]!.id;
    const daysAgo = (days: number, hours = 0) => new Date(end.getTime() - days * DAY_MS - hours * 3_600_000);

    const pages: { label: string; filter: HistoryFilter }[] = [
      { label: 'page 1 of the account', filter: { accountId } },
      { label: `deep page (after row ${Math.floor(DELIVERIES * 0.9).toLocaleString('en')})`, filter: { accountId, before: deepCursor } },
      { label: 'status FAILED, page 1', filter: { accountId, statuses: ['FAILED'] } },
      { label: 'status FAILED, deep page (90 %)', filter: { accountId, statuses: ['FAILED'], before: failedDeepCursor } },
      { label: 'status [FAILED, RETRYING], page 1', filter: { accountId, statuses: ['FAILED', 'RETRYING'] } },
      { label: 'status PENDING (rare: the last hour only)', filter: { accountId, statuses: ['PENDING'] } },
      { label: 'time: one day, 45 days ago', filter: { accountId, since: daysAgo(45), until: daysAgo(44) } },
      { label: 'time + status: FAILED in one day', filter: { accountId, statuses: ['FAILED'], since: daysAgo(45), until: daysAgo(44) } },
      { label: 'eventType bookings.created (30 %)', filter: { accountId, eventType: 'bookings.created' } },
      { label: 'eventType customers.deleted (0.1 %)', filter: { accountId, eventType: 'customers.deleted' } },
      { label: "a webhook's page 1", filter: { accountId, webhookId: hotWebhook } },
      { label: "a webhook's deep page (90 %)", filter: { accountId, webhookId: hotWebhook, before: webhookDeepCursor } },
      { label: "a webhook's FAILED", filter: { accountId, webhookId: hotWebhook, statuses: ['FAILED'] } },
    ];
    const queryRows: { label: string; explained: Explained; text: string; check: string }[] = [];
    for (const { label, filter } of pages) {
      const sql = historyPageSql(filter);
      const got = (await pool.query<{ id: string }>(sql.text, sql.values)).rows.map((row) => row.id);
      const reference = plainHistorySql(filter);
      const expected = (await pool.query<{ id: string }>(reference.text, reference.values)).rows.map((row) => row.id);
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${label}: the merged page differs from the plain query`);
      queryRows.push({ label, explained: await explain(pool, sql.text, sql.values), text: `${sql.text}\n-- values: ${JSON.stringify(sql.values)}`, check: `= plain ORDER BY id DESC (${got.length} rows)` });
      log(`explained: ${label}`);
    }

    // A delivery's page: the row, its payload (null once archived), its attempts with their bodies.
    const detailId = (await pool.query<{ id: string }>(`select id from deliveries where account_id = $1 and status = 'FAILED' and id > $2 limit 1`, [accountId, uuid7Floor(daysAgo(3))])).rows[0]!.id;
    const detail = {
      // Every table keyed by the delivery's id: each scan is pruned to its one partition when the statement is planned.
      text: `SELECT d.*, b.body, (SELECT json_agg(json_build_object('number', a.number, 'status', a.response_status, 'body', ab.response_body) ORDER BY a.number)
                        FROM delivery_attempts a LEFT JOIN attempt_bodies ab ON ab.delivery_id = $1 AND ab.number = a.number
                       WHERE a.delivery_id = $1) AS attempts
  FROM deliveries d LEFT JOIN delivery_bodies b ON b.delivery_id = $1
 WHERE d.id = $1 AND d.account_id = $2`,
      values: [detailId, accountId],
    };
    queryRows.push({ label: 'one delivery with payload and attempts', explained: await explain(pool, detail.text, detail.values), text: detail.text, check: '' });

    // ---- counts
    const counts: { label: string; filter: Omit<HistoryFilter, 'before'> }[] = [
      { label: 'totalCount, whole account', filter: { accountId } },
      { label: 'totalCount, status FAILED', filter: { accountId, statuses: ['FAILED'] } },
      { label: 'totalCount, status [FAILED, RETRYING]', filter: { accountId, statuses: ['FAILED', 'RETRYING'] } },
      { label: 'totalCount, eventType bookings.created', filter: { accountId, eventType: 'bookings.created' } },
      { label: 'totalCount, since 30 days ago 09:17 (an edge of 17 min)', filter: { accountId, since: new Date(floorDay(daysAgo(30)).getTime() + (9 * 60 + 17) * 60_000) } },
      { label: 'totalCount, since 30 days ago 15:40 (an edge of 20 min, from the other side)', filter: { accountId, since: new Date(floorDay(daysAgo(30)).getTime() + (15 * 60 + 40) * 60_000) } },
      { label: 'totalCount, one week, both ends inside hours', filter: { accountId, since: new Date(floorDay(daysAgo(50)).getTime() + 5.45 * 3_600_000), until: new Date(floorDay(daysAgo(43)).getTime() + 20.1 * 3_600_000) } },
      { label: 'totalCount, FAILED within 6 hours of one day', filter: { accountId, statuses: ['FAILED'], since: new Date(floorDay(daysAgo(40)).getTime() + 6 * 3_600_000), until: new Date(floorDay(daysAgo(40)).getTime() + 12 * 3_600_000) } },
      { label: "webhook.stats (a webhook's counts by status)", filter: { accountId, webhookId: hotWebhook } },
      { label: 'webhook.stats(since: 24 h ago)', filter: { accountId, webhookId: hotWebhook, since: new Date(end.getTime() - DAY_MS) } },
      { label: 'webhook.stats(since: 10 days ago 14:05)', filter: { accountId, webhookId: hotWebhook, since: new Date(floorDay(daysAgo(10)).getTime() + 14.08 * 3_600_000) } },
      { label: 'totalCount, eventType bookings.created since 20 days ago 08:00 (a day-long bucket: an edge of 8 h)', filter: { accountId, eventType: 'bookings.created', since: new Date(floorDay(daysAgo(20)).getTime() + 8 * 3_600_000) } },
      { label: 'totalCount, a webhook and eventType', filter: { accountId, webhookId: hotWebhook, eventType: 'orders.created' } },
    ];
    const countRows: { label: string; explained: Explained; text: string; check: string; directMs: number }[] = [];
    for (const { label, filter } of counts) {
      const sql = deliveryCountsSql(filter);
      const got = sumCounts((await pool.query<{ n: string }>(sql.text, sql.values)).rows);
      const reference = directCountSql(filter);
      const startedDirect = performance.now();
      const expected = sumCounts((await pool.query<{ n: string }>(reference.text, reference.values)).rows);
      const directMs = performance.now() - startedDirect;
      if (got !== expected) throw new Error(`${label}: maintained count ${got} ≠ counted ${expected}`);
      countRows.push({ label, explained: await explain(pool, sql.text, sql.values), text: `${sql.text}\n-- values: ${JSON.stringify(sql.values)}`, check: `= count(*) = ${expected.toLocaleString('en')}`, directMs });
      log(`explained: ${label}`);
    }

    // ---- 4. writes through the count triggers; partitions ahead; archiving a month
    const writes = await measureWrites(client, accountId, hotWebhook);
    const ahead = await timed('partitions ahead: hookstream_create_history_partitions(now(), now() + 3 months)', async () => {
      const { rows } = await client.query<{ created: number }>(`select hookstream_create_history_partitions(now(), now() + interval '3 months') as created`);
      return rows[0]!.created;
    }, timings);
    const { rows: watermarkRows } = await client.query<{ purged_before: string; at: Date }>(`select purged_before, hookstream_uuid7_time(purged_before) as at from history_watermarks where name = 'bodies'`);
    const archiveBefore = new Date(floorDay(watermarkRows[0]!.at).getTime() + 31 * DAY_MS);
    const { rows: beforeBodies } = await client.query<{ bodies: string; bytes: string }>(
      `select count(*) as bodies, (select sum(pg_total_relation_size(partition)) from history_partitioning h cross join lateral hookstream_history_partitions(h.parent) p where h.holds_bodies and p.upper_bound <= $1) as bytes
         from delivery_bodies where delivery_id < $1`,
      [uuid7Floor(archiveBefore)],
    );
    const archiveOnce = (label: string, before: Date) =>
      timed(label, async () => {
        await client.query('begin');
        await client.query(`set local lock_timeout = '5s'`);
        const { rows } = await client.query<{ detached: number }>(`select hookstream_archive_bodies($1) as detached`, [before]);
        await client.query('commit');
        return rows[0]!.detached;
      }, timings);
    const archived = await archiveOnce('archiving a month of bodies: hookstream_archive_bodies (DETACH of 3 × 31 daily partitions)', archiveBefore);
    const archiveMs = timings.at(-1)!.ms;
    const { rows: afterRows } = await client.query<{ left_below: string }>(`select count(*) as left_below from delivery_bodies where delivery_id < $1`, [uuid7Floor(archiveBefore)]);
    const nextDay = new Date(archiveBefore.getTime() + DAY_MS);
    const archivedDay = await archiveOnce('archiving the next day (the daily run): 3 partitions', nextDay);
    const dayMs = timings.at(-1)!.ms;
    const trash = await timed('emptying history_trash: DROP of the detached partitions, one per transaction', async () => {
      let dropped = 0;
      for (;;) {
        const { rows } = await client.query<{ dropped: number }>(`select hookstream_empty_history_trash(1) as dropped`);
        if (rows[0]!.dropped === 0) return dropped;
        dropped += rows[0]!.dropped;
      }
    }, timings);
    const trashMs = timings.at(-1)!.ms;
    // For comparison, the variant not chosen: dropping attached partitions holds the parents' lock through the unlinks.
    const attachedBefore = new Date(nextDay.getTime() + 7 * DAY_MS);
    const attachedDropped = await timed('for comparison: DROP of 7 days of attached body partitions in one transaction (the parents stay locked until commit)', async () => {
      await client.query('begin');
      const { rows } = await client.query<{ partition: string }>(
        `select p.partition::text from history_partitioning h cross join lateral hookstream_history_partitions(h.parent) p where h.holds_bodies and p.upper_bound <= $1`,
        [uuid7Floor(attachedBefore)],
      );
      for (const row of rows) await client.query(`drop table ${row.partition}`);
      await client.query(`update history_watermarks set purged_before = greatest(purged_before, $1) where name = 'bodies'`, [uuid7Floor(attachedBefore)]);
      await client.query('commit');
      return rows.length;
    }, timings);
    const attachedMs = timings.at(-1)!.ms;
    // A delivery's payload after that: null (its body partition is gone); `archived` from the watermark.
    const archivedDetail = (await pool.query<{ id: string; body: string | null; archived: boolean }>(
      `select d.id, b.body, d.id < greatest(hookstream_uuid7_floor(now() - $2 * interval '1 day'), (select purged_before from history_watermarks where name = 'bodies')) as archived
         from deliveries d left join delivery_bodies b on b.delivery_id = d.id where d.account_id = $1 and d.id < $3 order by d.id desc limit 1`,
      [accountId, RETENTION_DAYS, uuid7Floor(archiveBefore)],
    )).rows[0]!;

    // ---- report
    out.push(`# Time-partitioned history, prototyped — ${DELIVERIES.toLocaleString('en')} deliveries of one account over ${WEBHOOKS.toLocaleString('en')} webhooks, PostgreSQL ${version}`);
    out.push('');
    out.push(`${EVENTS.toLocaleString('en')} events × ${FAN_OUT} webhooks over ${DAYS} days; 95 % SUCCEEDED, 5 % FAILED (3 attempts), the last hour partly PENDING/RETRYING; bodies archived past ${RETENTION_DAYS} days as the current job leaves them. Load average at the end: ${loadavg().map((value) => value.toFixed(1)).join(', ')} (2 cores, shared).`);
    out.push('\n## Timings (load, current archiving, conversion)');
    out.push('| step | time |');
    out.push('|---|---|');
    for (const timing of timings) out.push(`| ${timing.label} | ${seconds(timing.ms)} |`);
    out.push(`\nCurrent archiving of one day: ${oldArchive.deliveries.toLocaleString('en')} deliveries and ${oldArchive.events.toLocaleString('en')} events updated row by row.`);
    out.push('\n## Sizes');
    out.push('| table | before (current schema) | after (partitioned) |');
    out.push('|---|---|---|');
    for (const table of new Set([...Object.keys(oldSizes), ...Object.keys(newSizes)])) out.push(`| ${table} | ${oldSizes[table] ?? ''} | ${newSizes[table] ?? ''} |`);
    out.push(`\nPartitions: ${partitionRows.map((row) => `${row.parent} ${row.partitions}`).join(', ')}.`);
    out.push('\n## History pages (EXPLAIN ANALYZE, median of 5 after a warm-up; 21 rows)');
    out.push('| query | exec ms | plan ms | plan | Sort? | Seq Scan? | shared hit/read | check |');
    out.push('|---|---|---|---|---|---|---|---|');
    for (const row of queryRows) out.push(`| ${row.label} | ${row.explained.executionMs.toFixed(2)} | ${row.explained.planningMs.toFixed(2)} | ${row.explained.nodes} | ${row.explained.hasSort ? 'top-21 only' : 'no'} | ${row.explained.hasSeqScan ? 'YES' : 'no'} | ${row.explained.sharedHit}/${row.explained.sharedRead} | ${row.check} |`);
    out.push('\n## Counts (maintained counts + exact edges; the direct count(*) beside it, one run)');
    out.push('| query | exec ms | plan ms | plan | direct count(*) ms | check |');
    out.push('|---|---|---|---|---|---|');
    for (const row of countRows) out.push(`| ${row.label} | ${row.explained.executionMs.toFixed(2)} | ${row.explained.planningMs.toFixed(2)} | ${row.explained.nodes} | ${row.directMs.toFixed(0)} | ${row.check} |`);
    out.push('\n## Writes through the count triggers (single statements, autocommit; mean of each)');
    out.push('| statement | with triggers ms | triggers disabled ms |');
    out.push('|---|---|---|');
    for (const row of writes.rows) out.push(`| ${row.label} | ${row.withTriggers.toFixed(3)} | ${row.without.toFixed(3)} |`);
    out.push(`\nDeltas appended: ${writes.deltas}; folding them: ${writes.foldMs.toFixed(1)} ms (${writes.folded} count rows).`);
    out.push('\n## Partitions and archiving');
    out.push(`- created ahead (3 months): ${ahead} partitions in ${seconds(timings.find((timing) => timing.label.startsWith('partitions ahead'))!.ms)}`);
    out.push(`- archiving a month of bodies: ${archived} partitions detached (${Number(beforeBodies[0]!.bodies).toLocaleString('en')} delivery payloads, plus their event data and response bodies; ${(Number(beforeBodies[0]!.bytes) / 1024 ** 2).toFixed(0)} MiB) in **${archiveMs.toFixed(0)} ms**; delivery payloads left below the new watermark: ${afterRows[0]!.left_below}`);
    out.push(`- the daily run after it (${archivedDay} partitions): ${dayMs.toFixed(0)} ms`);
    out.push(`- emptying history_trash (freeing the disk): ${trash} tables dropped, one per transaction, in ${seconds(trashMs)}; nothing waits on them`);
    out.push(`- for comparison, dropping ${attachedDropped} attached partitions (7 days) in one transaction: ${attachedMs.toFixed(0)} ms, all of it with the three parents locked (publishes wait)`);
    out.push(`- a delivery just below the watermark afterwards: payload ${archivedDetail.body === null ? 'null' : 'PRESENT'}, archived ${archivedDetail.archived}`);
    out.push('\n## SQL');
    for (const row of [...queryRows, ...countRows]) out.push(`\n-- ${row.label}\n${row.text}`);
    out.push('\n## Plans');
    for (const row of [...queryRows, ...countRows]) out.push(`\n-- ${row.label}\n${row.explained.text}`);
    console.log(out.join('\n'));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}

async function tableSizes(client: pg.Client, tables: string[]): Promise<Record<string, string>> {
  const sizes: Record<string, string> = {};
  for (const table of tables) {
    // A partitioned table is its partitions (pg_partition_tree); a plain table is its own only leaf.
    const { rows } = await client.query<{ rows: string; bytes: string }>(
      `select sum(greatest(c.reltuples, 0))::bigint as rows, sum(pg_total_relation_size(c.oid)) as bytes
         from pg_class c where c.oid = $1::regclass and c.relkind <> 'p' or c.oid in (select relid from pg_partition_tree($1::regclass) where isleaf)`,
      [table],
    );
    sizes[table] = `${Number(rows[0]!.rows).toLocaleString('en')} rows, ${(Number(rows[0]!.bytes) / 1024 ** 2).toFixed(0)} MiB`;
  }
  return sizes;
}

/** Single-statement inserts and status updates, with the count triggers and without, to price the triggers. */
async function measureWrites(client: pg.Client, accountId: string, webhookId: string) {
  const N = 500;
  const { rows: eventRows } = await client.query<{ id: string }>(`select id from events where account_id = $1 order by id desc limit 1`, [accountId]);
  const eventId = eventRows[0]!.id;
  const run = async (statement: (index: number) => Promise<unknown>) => {
    const started = performance.now();
    for (let index = 0; index < N; index++) await statement(index);
    return (performance.now() - started) / N;
  };
  const insertOne = () =>
    client.query(
      `insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, created_at, updated_at)
       values (pg_temp.uuid7(clock_timestamp()), $1, $2, $3, 'bookings.created', 'PENDING', now(), now())`,
      [accountId, webhookId, eventId],
    );
  const rows: { label: string; withTriggers: number; without: number }[] = [];
  const { rows: before } = await client.query<{ n: string }>(`select count(*) as n from delivery_count_deltas`);
  const insertWith = await run(insertOne);
  const updateWith = await run((index) => client.query(`update deliveries set status = 'SUCCEEDED', attempt_count = 1, updated_at = now() where id = (select id from deliveries where account_id = $1 and status = 'PENDING' and webhook_id = $2 order by id desc limit 1 offset $3)`, [accountId, webhookId, index % 5]));
  const batchWith = await run(() => client.query(`update deliveries set updated_at = now(), status = case status when 'SUCCEEDED' then 'FAILED'::"DeliveryStatus" else 'SUCCEEDED' end where id in (select id from deliveries where webhook_id = $1 order by id desc limit 100)`, [webhookId]));
  const { rows: after } = await client.query<{ n: string }>(`select count(*) as n from delivery_count_deltas`);
  const foldStarted = performance.now();
  const { rows: foldRows } = await client.query<{ folded: number }>(`select hookstream_fold_delivery_counts() as folded`);
  const foldMs = performance.now() - foldStarted;
  for (const trigger of ['deliveries_count_inserts', 'deliveries_count_updates']) await client.query(`alter table deliveries disable trigger ${trigger}`);
  const insertWithout = await run(insertOne);
  const updateWithout = await run((index) => client.query(`update deliveries set status = 'SUCCEEDED', attempt_count = 1, updated_at = now() where id = (select id from deliveries where account_id = $1 and status = 'PENDING' and webhook_id = $2 order by id desc limit 1 offset $3)`, [accountId, webhookId, index % 5]));
  const batchWithout = await run(() => client.query(`update deliveries set updated_at = now(), status = case status when 'SUCCEEDED' then 'FAILED'::"DeliveryStatus" else 'SUCCEEDED' end where id in (select id from deliveries where webhook_id = $1 order by id desc limit 100)`, [webhookId]));
  for (const trigger of ['deliveries_count_inserts', 'deliveries_count_updates']) await client.query(`alter table deliveries enable trigger ${trigger}`);
  rows.push({ label: `INSERT one delivery (× ${N})`, withTriggers: insertWith, without: insertWithout });
  rows.push({ label: `UPDATE one delivery's status (× ${N}; includes finding it)`, withTriggers: updateWith, without: updateWithout });
  rows.push({ label: `UPDATE 100 deliveries' status in one statement (× ${N})`, withTriggers: batchWith, without: batchWithout });
  return { rows, deltas: Number(after[0]!.n) - Number(before[0]!.n), foldMs, folded: foldRows[0]!.folded };
}

await main();
