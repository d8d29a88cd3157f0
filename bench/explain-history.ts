// The call history at 10M deliveries, on the real schema and the real code (issue 16, docs/partitioning.md). A
// database migrated to just before the time-partitioned history is filled in the old shape — 10,000,000 deliveries of
// one account over 1,000 webhooks (1,000,000 events × 10, over 120 days; bodies archived past 60 days as the old
// retention job left them; 11M attempts) — and converted by the real migration (timed). Then the service (the api
// role, in this process) answers the console's queries over HTTP, the SQL it sends is captured from the pg driver,
// and each statement is run under EXPLAIN (ANALYZE, BUFFERS): history page 1, a deep page, status / time / event-type
// filters, a webhook's history and stats, totalCount, a delivery's page. Every page is checked against the plain
// `ORDER BY id DESC` query and every count against count(*). Last, archiving a month of bodies by partition.
//
//   npx tsx bench/explain-history.ts                         # 10M deliveries, embedded PostgreSQL in a temporary dir
//   npx tsx bench/explain-history.ts --deliveries=200000     # a quick look
//   DATABASE_URL=postgres://… npx tsx bench/explain-history.ts   # a scratch database created on that server
//
// Progress goes to stderr, the report (markdown) to stdout. Not part of the test suite.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { rotateAccountKey } from '../src/db/account.js';
import { openEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { archiveBodiesBefore, emptyHistoryTrash } from '../src/db/history-maintenance.js';
import { uuid7Floor } from '../src/db/ids.js';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrateDatabase } from '../src/db/migrate.js';
import { publicId, parsePublicId } from '../src/domain/public-id.js';
import { createLogger } from '../src/logger.js';

const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const DELIVERIES = Number(argument('deliveries') ?? 10_000_000);
const FAN_OUT = 10;
const EVENTS = Math.round(DELIVERIES / FAN_OUT);
const WEBHOOKS = 1_000;
const DAYS = 120;
const RETENTION_DAYS = 60;
const PAGE = 20;
const RUNS = 5;
/** The conversion's timestamp (prisma/migrations/1764690000000_time-partitioned-history.sql). */
const CONVERSION = 1764690000000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const log = (message: string) => console.error(`[explain-history] ${message}`);
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
type Timing = { label: string; ms: number };

async function timed<T>(label: string, work: () => Promise<T>, into?: Timing[]): Promise<T> {
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  log(`${label}: ${seconds(ms)}`);
  into?.push({ label, ms });
  return result;
}

// ---- the old shape, populated -------------------------------------------------------------------------------------

type Seeded = { accountId: string; webhookIds: string[]; end: Date };

async function seedOldSchema(client: pg.Client, timings: Timing[]): Promise<Seeded> {
  const end = new Date(Date.now() - 60_000);
  const base = new Date(end.getTime() - DAYS * DAY_MS);
  const cutoff = new Date(end.getTime() - RETENTION_DAYS * DAY_MS);
  const stepMs = (DAYS * DAY_MS) / EVENTS;
  // UUIDv7 of a timestamp (as src/db/ids.ts makes them): 48 bits of unix ms, version 7, random rest.
  await client.query(`
    create function pg_temp.uuid7(ts timestamptz) returns uuid language sql volatile as $$
      select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from ts) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
    $$`);
  // The old schema's secondary indexes are not built: the conversion reads whole tables and never uses them, and
  // building them on 10M rows would double the load time. Unique indexes stay.
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
  // As the engine writes them: a delivery shares its event's created_at, its id made a moment after.
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
  return { accountId, webhookIds, end };
}

// ---- capture the SQL the app sends --------------------------------------------------------------------------------

type Captured = { text: string; values: unknown[] };
let capturing: Captured[] | null = null;
const originalQuery = pg.Client.prototype.query;
// Every statement of the app's pool (Prisma's adapter included) goes through Client#query.
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (capturing) {
    const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown];
    const text = typeof first === 'string' ? first : first?.text;
    const values = typeof first === 'string' ? (Array.isArray(second) ? second : []) : (first?.values ?? []);
    if (typeof text === 'string' && !/^(begin|commit|rollback)$/i.test(text.trim())) capturing.push({ text, values });
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

async function captureSql<T>(work: () => Promise<T>): Promise<{ result: T; statements: Captured[] }> {
  capturing = [];
  try {
    const result = await work();
    return { result, statements: capturing };
  } finally {
    capturing = null;
  }
}

// ---- EXPLAIN ------------------------------------------------------------------------------------------------------

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] };
type Explained = { nodes: string; executionMs: number; planningMs: number; hasSeqScan: boolean; text: string };

/** The plan's node types, partitions collapsed (an Append over 5 partitions' scans of one index reads as one line). */
function summarise(node: PlanNode, into = new Map<string, number>()): Map<string, number> {
  const withoutPartition = (name: string) => name.replace(/_p\d{4}_\d{2}(_\d{2})?/, '');
  const target = node['Index Name'] ?? node['Relation Name'];
  const label = `${node['Node Type']}${target ? ` (${withoutPartition(target)})` : ''}`;
  into.set(label, (into.get(label) ?? 0) + 1);
  for (const child of node.Plans ?? []) summarise(child, into);
  return into;
}

async function explain(pool: pg.Pool, statement: Captured): Promise<Explained> {
  const runs: { executionMs: number; planningMs: number; plan: PlanNode }[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
      statement.values,
    );
    const [top] = rows[0]!['QUERY PLAN'];
    if (run > 0) runs.push({ executionMs: top['Execution Time'], planningMs: top['Planning Time'], plan: top.Plan }); // the first warms the cache
  }
  const { rows: textRows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement.text}`, statement.values);
  const nodes = [...summarise(runs.at(-1)!.plan)].map(([label, count]) => (count > 1 ? `${label} ×${count}` : label));
  return {
    nodes: nodes.join(' → '),
    executionMs: median(runs.map((run) => run.executionMs)),
    planningMs: median(runs.map((run) => run.planningMs)),
    // A sequential scan of a history table (not of a small table, nor of an empty partition among many).
    hasSeqScan: nodes.some((node) => /^Seq Scan \((events|deliveries|delivery_attempts|event_bodies|delivery_bodies|attempt_bodies)\)$/.test(node)),
    text: textRows.map((row) => row['QUERY PLAN']).join('\n'),
  };
}

// ---- GraphQL ------------------------------------------------------------------------------------------------------

async function graphql(app: App, apiKey: string, query: string, variables: Record<string, unknown> = {}) {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${app.http.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  const ms = performance.now() - started;
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return { data: body.data, ms };
}

// The console's own documents (src/sdk/operations/console.graphql), as it sends them.
const ROW = `id status eventType attemptCount nextAttemptAt lastResponseStatus failureReason createdAt updatedAt deliveredAt manualRetries archived webhook { id name } event { id type }`;
const DELIVERIES_QUERY = `query ConsoleDeliveries($first: Int, $after: String, $filter: DeliveryFilter) {
  deliveries(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { ${ROW} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
}`;
const WEBHOOK_DELIVERIES_QUERY = `query WebhookDeliveries($id: ID!, $first: Int, $after: String, $filter: DeliveryFilter) {
  webhook(id: $id) { id deliveries(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { ${ROW} } } pageInfo { hasNextPage endCursor } } }
}`;
const STATS_QUERY = `query ConsoleWebhook($id: ID!, $since: DateTime) { webhook(id: $id) { id name stats(since: $since) { total succeeded failed pending retrying successRate } } }`;
const COUNT_QUERY = `query Count($filter: DeliveryFilter) { deliveries(first: 0, filter: $filter) { totalCount } }`;
const DELIVERY_QUERY = `query ConsoleDelivery($id: ID!) {
  delivery(id: $id) { ${ROW} payload webhook { id name url active } event { id type occurredAt idempotencyKey }
    attempts { number trigger startedAt durationMs responseStatus responseBody error requestHeaders } }
}`;

type Filter = { webhookId?: string; status?: string[]; eventType?: string; since?: Date; until?: Date };

const cursorOf = (id: string) => Buffer.from(`GPC:S:${id}`).toString('base64');

/** The plain SQL of a filtered list, newest first, and its count(*): what the service's answers must equal. */
function plainSql(accountId: string, filter: Filter) {
  const values: unknown[] = [accountId];
  const where = ['account_id = $1'];
  const add = (condition: (n: number) => string, value: unknown) => {
    values.push(value);
    where.push(condition(values.length));
  };
  if (filter.status) add((n) => `status = any($${n}::"DeliveryStatus"[])`, filter.status);
  if (filter.webhookId) add((n) => `webhook_id = $${n}`, filter.webhookId);
  if (filter.eventType) add((n) => `event_type = $${n}`, filter.eventType);
  if (filter.since) add((n) => `created_at >= $${n}`, filter.since);
  if (filter.until) add((n) => `created_at < $${n}`, filter.until);
  return { where: where.join(' and '), values };
}

const filterArgument = (filter: Filter) => ({
  ...(filter.webhookId ? { webhookId: publicId('Webhook', filter.webhookId) } : {}),
  ...(filter.status ? { status: filter.status } : {}),
  ...(filter.eventType ? { eventType: filter.eventType } : {}),
  ...(filter.since ? { since: filter.since.toISOString() } : {}),
  ...(filter.until ? { until: filter.until.toISOString() } : {}),
});

// ---- main ---------------------------------------------------------------------------------------------------------

type Row = { label: string; graphqlMs: number; statements: { statement: Captured; explained: Explained }[]; check: string };

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'hookstream-explain-history-'));
  await chmod(scratch, 0o755); // the `postgres` system user (as root) must reach the cluster directory
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));
  const timings: Timing[] = [];
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
    const name = `hookstream_explain_${randomBytes(4).toString('hex')}`;
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
    await runner({ databaseUrl, dir: MIGRATIONS_DIR, migrationsTable: MIGRATIONS_TABLE, direction: 'up', count: CONVERSION - 1, timestamp: true, singleTransaction: true, log: () => {} });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanups.push(() => client.end());
    const { rows: versionRows } = await client.query<{ server_version: string }>('show server_version');
    const version = versionRows[0]!.server_version;
    log(`PostgreSQL ${version}, database ${name}; ${DELIVERIES} deliveries`);

    // ---- 1. the old shape, populated; the old archiving of one day, for comparison
    const seeded = await seedOldSchema(client, timings);
    const oneDayCutoff = new Date(seeded.end.getTime() - (RETENTION_DAYS - 1) * DAY_MS);
    await timed('before: archiving one more day by UPDATE (the old retention.ts)', async () => {
      await client.query('begin');
      const deliveries = await client.query<{ id: string }>(`update deliveries set archived = true, body = null, updated_at = now() where created_at < $1 and not archived returning id`, [oneDayCutoff]);
      await client.query(`update delivery_attempts set response_body = null where delivery_id = any($1::uuid[])`, [deliveries.rows.map((row) => row.id)]);
      await client.query(`update events set archived = true, data = null where created_at < $1 and not archived`, [oneDayCutoff]);
      await client.query('commit');
      log(`  (${deliveries.rowCount} deliveries)`);
    }, timings);

    // ---- 2. the conversion: the real migration
    await timed('the conversion (prisma/migrations/1764690000000_time-partitioned-history.sql, one transaction)', () => migrateDatabase(databaseUrl), timings);
    await timed('after the conversion: vacuum analyze (sets the visibility maps, as autovacuum would)', () =>
      client.query('vacuum analyze events, deliveries, delivery_attempts, event_bodies, delivery_bodies, attempt_bodies, delivery_counts, event_idempotency_keys'), timings);
    const { rows: sizeRows } = await client.query<{ name: string; rows: string; bytes: string }>(
      `select h.parent as name, sum(greatest(c.reltuples, 0))::bigint::text as rows, sum(pg_total_relation_size(c.oid))::text as bytes
         from hookstream_history_tables() h cross join lateral hookstream_history_partitions(h.parent::regclass) p join pg_class c on c.oid = p.partition
        group by 1
       union all
       select relname, greatest(reltuples, 0)::bigint::text, pg_total_relation_size(oid)::text from pg_class where relname in ('delivery_counts', 'event_idempotency_keys')
       order by 1`,
    );
    const { rows: partitionRows } = await client.query<{ parent: string; partitions: number }>(
      `select h.parent, count(p.partition)::int as partitions from hookstream_history_tables() h cross join lateral hookstream_history_partitions(h.parent::regclass) p group by 1 order by 1`,
    );

    // ---- 3. the service answers the console's queries
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      HOOKSTREAM_ROLE: 'api',
      LOG_LEVEL: 'silent',
      HOOKSTREAM_DATA_DIR: join(scratch, 'data'),
      HOOKSTREAM_SECRET_KEY: randomBytes(32).toString('base64'),
      RETENTION_DAYS: String(RETENTION_DAYS),
    });
    const app = await startApp(config, { logger: createLogger('silent') });
    cleanups.push(() => app.stop());
    const { accountId, webhookIds, end } = seeded;
    const { apiKey } = await rotateAccountKey(app.db.prisma, accountId);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cleanups.push(() => pool.end());
    const hotWebhook = webhookIds[7]!;
    const daysAgo = (days: number, hours = 0) => new Date(end.getTime() - days * DAY_MS - hours * HOUR_MS);
    const floorDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
    // Cursors 90 % deep, found the slow way once.
    const deepId = async (where: string, values: unknown[], depth: number) =>
      (await pool.query<{ id: string }>(`select id from deliveries where ${where} order by id desc offset ${Math.max(0, Math.floor(depth) - 1)} limit 1`, values)).rows[0]!.id;
    const deepCursor = await timed('finding the cursor of row 9,000,000', () => deepId('account_id = $1', [accountId], DELIVERIES * 0.9));
    const failedDeepCursor = await deepId(`account_id = $1 and status = 'FAILED'`, [accountId], DELIVERIES * 0.05 * 0.9);
    const webhookDeepCursor = await deepId('webhook_id = $1', [hotWebhook], (DELIVERIES / WEBHOOKS) * 0.9);

    const rows: Row[] = [];
    const measure = async (label: string, query: string, variables: Record<string, unknown>, check: (data: any) => Promise<string>) => {
      await graphql(app, apiKey, query, variables); // warm
      const { result, statements } = await captureSql(() => graphql(app, apiKey, query, variables));
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) times.push((await graphql(app, apiKey, query, variables)).ms);
      const checked = await check(result.data);
      const explained = [];
      for (const statement of statements) explained.push({ statement, explained: await explain(pool, statement) });
      rows.push({ label, graphqlMs: median(times), statements: explained, check: checked });
      log(`measured: ${label} (${median(times).toFixed(1)} ms over HTTP, ${statements.length} statements)`);
    };
    /** The page must be exactly the plain query's rows after the cursor, and totalCount its count(*). */
    const checkPage = (filter: Filter, after?: string) => async (data: any) => {
      const connection = data.deliveries ?? data.webhook.deliveries;
      const got = (connection.edges as { node: { id: string } }[]).map((edge) => parsePublicId(edge.node.id)!.uuid);
      const plain = plainSql(accountId, filter);
      const cursorTerm = after ? ` and id < $${plain.values.length + 1}` : '';
      const expected = (await pool.query<{ id: string }>(`select id from deliveries where ${plain.where}${cursorTerm} order by id desc limit ${PAGE}`, after ? [...plain.values, after] : plain.values)).rows.map((row) => row.id);
      if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`page differs from the plain query: ${JSON.stringify(filter)}`);
      const counted = Number((await pool.query<{ n: string }>(`select count(*) as n from deliveries where ${plain.where}`, plain.values)).rows[0]!.n);
      if (connection.totalCount !== counted) throw new Error(`totalCount ${connection.totalCount} ≠ count(*) ${counted}: ${JSON.stringify(filter)}`);
      return `= plain (${got.length} rows); totalCount ${counted.toLocaleString('en')} = count(*)`;
    };
    const page = (label: string, filter: Filter, after?: string) =>
      measure(label, DELIVERIES_QUERY, { first: PAGE, filter: filterArgument(filter), ...(after ? { after: cursorOf(after) } : {}) }, checkPage(filter, after));
    const webhookPage = (label: string, filter: Filter, after?: string) =>
      measure(label, WEBHOOK_DELIVERIES_QUERY, { id: publicId('Webhook', hotWebhook), first: PAGE, filter: filterArgument(filter), ...(after ? { after: cursorOf(after) } : {}) }, checkPage({ ...filter, webhookId: hotWebhook }, after));
    const count = (label: string, filter: Filter) =>
      measure(label, COUNT_QUERY, { filter: filterArgument(filter) }, async (data) => {
        const plain = plainSql(accountId, filter);
        const started = performance.now();
        const counted = Number((await pool.query<{ n: string }>(`select count(*) as n from deliveries where ${plain.where}`, plain.values)).rows[0]!.n);
        const directMs = performance.now() - started;
        if (data.deliveries.totalCount !== counted) throw new Error(`totalCount ${data.deliveries.totalCount} ≠ count(*) ${counted}: ${label}`);
        return `= count(*) ${counted.toLocaleString('en')} (count(*) took ${directMs.toFixed(0)} ms)`;
      });
    const stats = (label: string, since?: Date) =>
      measure(label, STATS_QUERY, { id: publicId('Webhook', hotWebhook), ...(since ? { since: since.toISOString() } : {}) }, async (data) => {
        const plain = plainSql(accountId, { webhookId: hotWebhook, ...(since ? { since } : {}) });
        const { rows: byStatus } = await pool.query<{ status: string; n: string }>(`select status::text, count(*) as n from deliveries where ${plain.where} group by 1`, plain.values);
        const expected = Object.fromEntries(byStatus.map((row) => [row.status.toLowerCase(), Number(row.n)]));
        for (const status of ['succeeded', 'failed', 'pending', 'retrying']) {
          if ((data.webhook.stats[status] ?? 0) !== (expected[status] ?? 0)) throw new Error(`stats.${status} ${data.webhook.stats[status]} ≠ ${expected[status] ?? 0}`);
        }
        return `= count(*) by status (total ${data.webhook.stats.total.toLocaleString('en')})`;
      });

    await page('page 1 of the account (with totalCount)', {});
    await page(`deep page (after row ${Math.floor(DELIVERIES * 0.9).toLocaleString('en')})`, {}, deepCursor);
    await page('status FAILED, page 1', { status: ['FAILED'] });
    await page('status FAILED, deep page (90 %)', { status: ['FAILED'] }, failedDeepCursor);
    await page('status [FAILED, RETRYING]', { status: ['FAILED', 'RETRYING'] });
    await page('status PENDING (the last hour only)', { status: ['PENDING'] });
    await page('one day, 45 days ago', { since: daysAgo(45), until: daysAgo(44) });
    await page('FAILED in one day, 45 days ago', { status: ['FAILED'], since: daysAgo(45), until: daysAgo(44) });
    await page('eventType bookings.created (30 %)', { eventType: 'bookings.created' });
    await page('eventType customers.deleted (0.1 %)', { eventType: 'customers.deleted' });
    await webhookPage("a webhook's page 1", {});
    await webhookPage("a webhook's deep page (90 %)", {}, webhookDeepCursor);
    await webhookPage("a webhook's FAILED", { status: ['FAILED'] });
    await stats('webhook.stats');
    await stats('webhook.stats(since: 24 h ago)', new Date(end.getTime() - DAY_MS));
    await stats('webhook.stats(since: 10 days ago 14:05)', new Date(floorDay(daysAgo(10)).getTime() + 14.08 * HOUR_MS));
    await count('totalCount, whole account', {});
    await count('totalCount, status FAILED', { status: ['FAILED'] });
    await count('totalCount, eventType bookings.created', { eventType: 'bookings.created' });
    await count('totalCount since 30 days ago 09:17', { since: new Date(floorDay(daysAgo(30)).getTime() + 9.28 * HOUR_MS) });
    await count('totalCount over one week, both ends inside an hour', { since: new Date(floorDay(daysAgo(40)).getTime() + 6.5 * HOUR_MS), until: new Date(floorDay(daysAgo(33)).getTime() + 12.67 * HOUR_MS) });
    await count('totalCount, eventType since 20 days ago 08:00 (a day bucket: an 8 h edge)', { eventType: 'bookings.created', since: new Date(floorDay(daysAgo(20)).getTime() + 8 * HOUR_MS) });
    await count('totalCount, a webhook and an event type', { webhookId: hotWebhook, eventType: 'orders.created' });
    const detailId = (await pool.query<{ id: string }>(`select id from deliveries where account_id = $1 and status = 'FAILED' and id > $2 limit 1`, [accountId, uuid7Floor(daysAgo(3))])).rows[0]!.id;
    await measure('one delivery with payload and attempts (the console’s delivery page)', DELIVERY_QUERY, { id: publicId('Delivery', detailId) }, async (data) => {
      if (!data.delivery.payload || data.delivery.attempts.length !== 3 || data.delivery.attempts[0].responseBody === null) throw new Error('delivery page incomplete');
      return 'payload and 3 attempts with bodies';
    });

    // ---- 4. archiving a month of bodies by partition
    const { rows: watermarkRows } = await client.query<{ at: Date }>(`select hookstream_uuid7_time(purged_before) as at from history_watermarks where name = 'bodies'`);
    const archiveBefore = new Date(floorDay(watermarkRows[0]!.at).getTime() + 31 * DAY_MS);
    const { rows: beforeBodies } = await client.query<{ bodies: string; bytes: string }>(
      `select (select count(*) from delivery_bodies where delivery_id < $1) as bodies,
              (select sum(pg_total_relation_size(p.partition)) from hookstream_history_tables() h cross join lateral hookstream_history_partitions(h.parent::regclass) p
                where h.holds_bodies and p.upper_bound <= $1) as bytes`,
      [uuid7Floor(archiveBefore)],
    );
    const archivedMonth = await timed('archiving a month of bodies (archiveBodiesBefore: the watermark moved, 3 × 31 day partitions detached)', () => archiveBodiesBefore(pool, archiveBefore), timings);
    const archiveMs = timings.at(-1)!.ms;
    const dropped = await timed('emptying history_trash (DROP of each detached partition, one per transaction)', () => emptyHistoryTrash(pool), timings);
    const trashMs = timings.at(-1)!.ms;
    const archivedDay = await timed('archiving the next day (the daily run)', () => archiveBodiesBefore(pool, new Date(archiveBefore.getTime() + DAY_MS)), timings);
    const dayMs = timings.at(-1)!.ms;
    await emptyHistoryTrash(pool);

    // ---- report
    const out: string[] = [];
    out.push(`# The call history at ${DELIVERIES.toLocaleString('en')} deliveries — real schema, real code, PostgreSQL ${version}`);
    out.push('');
    out.push(`${EVENTS.toLocaleString('en')} events × ${FAN_OUT} of ${WEBHOOKS.toLocaleString('en')} webhooks over ${DAYS} days, one account; 95 % SUCCEEDED, 5 % FAILED (3 attempts), the last hour partly PENDING/RETRYING; bodies archived past ${RETENTION_DAYS} days. Load average at the end: ${loadavg().map((value) => value.toFixed(1)).join(', ')} (2 cores, shared).`);
    out.push('\n## Timings (load, the old archiving, the conversion, archiving by partition)');
    out.push('| step | time |');
    out.push('|---|---|');
    for (const timing of timings) out.push(`| ${timing.label} | ${seconds(timing.ms)} |`);
    out.push('\n## Sizes after the conversion');
    out.push('| table | rows | MiB |');
    out.push('|---|---|---|');
    for (const row of sizeRows) out.push(`| ${row.name} | ${Number(row.rows).toLocaleString('en')} | ${(Number(row.bytes) / 1024 ** 2).toFixed(0)} |`);
    out.push(`\nPartitions: ${partitionRows.map((row) => `${row.parent} ${row.partitions}`).join(', ')}.`);
    out.push('\n## The console\'s queries (GraphQL over HTTP, median of 5 after a warm-up; each statement it sent under EXPLAIN ANALYZE, median of 5)');
    out.push('| query | HTTP ms | statements | SQL exec ms (sum) | plan ms (sum) | slowest statement ms | Seq Scan of history? | check |');
    out.push('|---|---|---|---|---|---|---|---|');
    for (const row of rows) {
      const exec = row.statements.reduce((sum, s) => sum + s.explained.executionMs, 0);
      const plan = row.statements.reduce((sum, s) => sum + s.explained.planningMs, 0);
      const slowest = Math.max(...row.statements.map((s) => s.explained.executionMs + s.explained.planningMs));
      out.push(`| ${row.label} | ${row.graphqlMs.toFixed(1)} | ${row.statements.length} | ${exec.toFixed(2)} | ${plan.toFixed(2)} | ${slowest.toFixed(2)} | ${row.statements.some((s) => s.explained.hasSeqScan) ? 'YES' : 'no'} | ${row.check} |`);
    }
    out.push('\n## Archiving by partition');
    out.push(`- a month of bodies: ${archivedMonth?.partitions} partitions detached (${Number(beforeBodies[0]!.bodies).toLocaleString('en')} delivery payloads and their event data and response bodies, ${(Number(beforeBodies[0]!.bytes) / 1024 ** 2).toFixed(0)} MiB), the watermark moved: **${archiveMs.toFixed(0)} ms** (with counting the ${archivedMonth?.deliveries.toLocaleString('en')} deliveries and ${archivedMonth?.events.toLocaleString('en')} events archived, afterwards)`);
    out.push(`- freeing the disk: ${dropped} tables dropped, one per transaction, in ${seconds(trashMs)}; nothing waits on them`);
    out.push(`- the daily run after it: ${archivedDay?.partitions} partitions, ${dayMs.toFixed(0)} ms`);
    out.push('\n## Statements and plans');
    for (const row of rows) {
      out.push(`\n### ${row.label}`);
      for (const { statement, explained } of row.statements) {
        out.push(`\n-- ${explained.executionMs.toFixed(2)} ms exec, ${explained.planningMs.toFixed(2)} ms plan: ${explained.nodes}\n${statement.text.trim()}\n-- values: ${JSON.stringify(statement.values).slice(0, 400)}\n${explained.text}`);
      }
    }
    console.log(out.join('\n'));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}

await main();
