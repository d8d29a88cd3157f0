// How the call history pages at depth: 1,000,000 deliveries of one account (100,000 events × 10 webhooks), then the
// SQL that `deliveries(first: 20)` and `deliveries(first: 20, after: <cursor of the 900,000th row>)` really issue —
// captured from the pg driver while the real GraphQL query runs — under EXPLAIN (ANALYZE, BUFFERS), beside the
// keyset query it should amount to, and the GraphQL round trip timed (median of 5).
//
//   npx tsx bench/explain-history.ts            # embedded PostgreSQL in a temporary directory
//   DATABASE_URL=postgres://… npx tsx bench/explain-history.ts   # a scratch database created on that server
//
// Not part of the test suite.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createAccount } from '../src/db/account.js';
import { openEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';

const EVENTS = 100_000;
const WEBHOOKS = 10;
const DEEP_ROW = 900_000;
const PAGE = 20;
const RUNS = 5;

const log = (message: string) => console.error(`[explain-history] ${message}`);
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

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
    if (typeof text === 'string' && /deliveries/i.test(text)) capturing.push({ text, values });
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

type PlanNode = { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; 'Actual Rows'?: number; 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number; Plans?: PlanNode[] };
type Explained = { nodes: string[]; executionMs: number; planningMs: number; sharedHit: number; sharedRead: number; hasSort: boolean; hasSeqScan: boolean; text: string };

function flatten(node: PlanNode, into: string[] = []): string[] {
  into.push(`${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`);
  for (const child of node.Plans ?? []) flatten(child, into);
  return into;
}

async function explain(pool: pg.Pool, statement: Captured): Promise<Explained> {
  const runs: { executionMs: number; planningMs: number; plan: PlanNode }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`,
      statement.values as unknown[],
    );
    const [top] = rows[0]!['QUERY PLAN'];
    runs.push({ executionMs: top['Execution Time'], planningMs: top['Planning Time'], plan: top.Plan });
  }
  const { rows: textRows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, statement.values as unknown[]);
  const last = runs.at(-1)!;
  const nodes = flatten(last.plan);
  return {
    nodes,
    executionMs: median(runs.map((run) => run.executionMs)),
    planningMs: median(runs.map((run) => run.planningMs)),
    sharedHit: last.plan['Shared Hit Blocks'] ?? 0,
    sharedRead: last.plan['Shared Read Blocks'] ?? 0,
    hasSort: nodes.some((node) => /^(Sort|Incremental Sort)\b/.test(node)),
    hasSeqScan: nodes.some((node) => node.startsWith('Seq Scan')),
    text: textRows.map((row) => row['QUERY PLAN']).join('\n'),
  };
}

// ---- data ---------------------------------------------------------------------------------------------------------

async function seed(databaseUrl: string, accountId: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // UUIDv7 from a timestamp (as src/db/ids.ts makes them): 48 bits of unix ms, version 7, random rest.
    await client.query(`
      create function pg_temp.uuid7(ts timestamptz) returns uuid language sql volatile as $$
        select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from ts) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
      $$`);
    const base = new Date(Date.now() - EVENTS * 2_000 - 60_000);
    let started = Date.now();
    await client.query(
      `insert into events (id, account_id, type, data, occurred_at, created_at)
       select pg_temp.uuid7(ts), $1, 'bookings.created', jsonb_build_object('id', 'booking-' || i, 'resource', jsonb_build_object('id', 'room-' || (i % 50))), ts, ts
         from (select i, $2::timestamptz + i * interval '2 seconds' as ts from generate_series(1, ${EVENTS}) as i) as s`,
      [accountId, base],
    );
    log(`inserted ${EVENTS} events in ${Date.now() - started} ms`);
    started = Date.now();
    // A fan-out inserts an event's deliveries in one statement: they share its created_at, ten-way ties that only
    // the id orders — as in production.
    await client.query(
      `insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, last_response_status,
                               delivered_at, body, created_at, updated_at)
       select pg_temp.uuid7(e.created_at), e.account_id, w.id, e.id, e.type,
              (case when random() < 0.05 then 'FAILED' else 'SUCCEEDED' end)::"DeliveryStatus", 1, 200, e.created_at,
              json_build_object('event', e.type, 'event_id', e.id, 'webhook_id', w.id, 'triggered_at', e.created_at, 'data', e.data)::text,
              e.created_at, e.created_at
         from events e cross join (select id from webhooks where account_id = $1) as w
        where e.account_id = $1`,
      [accountId],
    );
    log(`inserted ${EVENTS * WEBHOOKS} deliveries in ${Date.now() - started} ms`);
    started = Date.now();
    await client.query('vacuum analyze events');
    await client.query('vacuum analyze deliveries');
    log(`vacuum analyze in ${Date.now() - started} ms`);
  } finally {
    await client.end();
  }
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

const PAGE_QUERY = `query Page($first: Int!, $after: String) {
  deliveries(first: $first, after: $after) { edges { cursor node { id status createdAt } } pageInfo { hasNextPage endCursor } }
}`;
const COUNT_QUERY = `query Count { deliveries(first: ${PAGE}) { totalCount } }`;

async function timeGraphql(app: App, apiKey: string, query: string, variables: Record<string, unknown>) {
  await graphql(app, apiKey, query, variables); // warm
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) times.push((await graphql(app, apiKey, query, variables)).ms);
  return { median: median(times), all: times };
}

// ---- main ---------------------------------------------------------------------------------------------------------

async function main() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const scratch = await mkdtemp(join(tmpdir(), 'hookstream-explain-'));
  await chmod(scratch, 0o755); // the `postgres` system user (as root) must reach the cluster directory
  cleanups.push(() => rm(scratch, { recursive: true, force: true }));
  try {
    let adminUrl = process.env['DATABASE_URL'];
    if (!adminUrl) {
      log('DATABASE_URL is unset: starting an embedded PostgreSQL');
      const embedded = await openEmbeddedPostgres({ dataDir: join(scratch, 'pg-data'), database: 'postgres', persistent: false, settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
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
    const { rows: versionRows } = await new pg.Pool({ connectionString: databaseUrl, max: 1 }).query<{ server_version: string }>('show server_version');
    log(`PostgreSQL ${versionRows[0]!.server_version}, database ${name}`);
    await migrateDatabase(databaseUrl);

    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      HOOKSTREAM_ROLE: 'api',
      LOG_LEVEL: 'silent',
      HOOKSTREAM_DATA_DIR: join(scratch, 'data'),
      HOOKSTREAM_SECRET_KEY: randomBytes(32).toString('base64'),
      ALLOW_PRIVATE_TARGETS: 'true',
    });
    const app = await startApp(config, { logger: createLogger('silent') });
    cleanups.push(() => app.stop());
    const { account, apiKey } = await createAccount(app.db.prisma, { name: 'Explain' });
    for (let index = 0; index < WEBHOOKS; index++) {
      await graphql(app, apiKey, `mutation { createWebhook(input: { name: "hook ${index}", url: "http://127.0.0.1:9/hook-${index}", events: ["bookings.*"] }) { webhook { id } } }`);
    }
    await seed(databaseUrl, account.id);
    const pool = app.db.pool;

    // The cursor of the 900,000th row, newest first (Pothos encodes `cursor: 'id'` as base64 "GPC:S:<id>").
    const { rows: deepRows } = await pool.query<{ id: string; created_at: Date }>(
      `select id, created_at from deliveries where account_id = $1 order by created_at desc, id desc offset ${DEEP_ROW - 1} limit 1`,
      [account.id],
    );
    const deep = deepRows[0]!;
    const deepCursor = Buffer.from(`GPC:S:${deep.id}`).toString('base64');

    // The SQL the real GraphQL queries send.
    const page1 = await captureSql(() => graphql(app, apiKey, PAGE_QUERY, { first: PAGE }));
    const deepPage = await captureSql(() => graphql(app, apiKey, PAGE_QUERY, { first: PAGE, after: deepCursor }));
    const count = await captureSql(() => graphql(app, apiKey, COUNT_QUERY));
    // Sanity: the deep page starts right after the cursor row.
    const { rows: expectedDeep } = await pool.query<{ id: string }>(
      `select id from deliveries where account_id = $1 and (created_at, id) < ($2, $3) order by created_at desc, id desc limit ${PAGE}`,
      [account.id, deep.created_at, deep.id],
    );
    const gotDeep = (deepPage.result.data.deliveries.edges as { node: { id: string } }[]).map((edge) => Buffer.from(edge.node.id, 'base64').toString().split(':')[1]);
    if (JSON.stringify(gotDeep) !== JSON.stringify(expectedDeep.map((row) => row.id))) throw new Error('the deep page is not the 20 rows after the cursor');

    const keyset = {
      page1: { text: `select * from deliveries where account_id = $1 order by created_at desc, id desc limit ${PAGE + 1}`, values: [account.id] },
      deep: {
        text: `select * from deliveries where account_id = $1 and (created_at, id) < ($2, $3) order by created_at desc, id desc limit ${PAGE + 1}`,
        values: [account.id, deep.created_at, deep.id],
      },
      // What Prisma can express (no row comparison): a redundant `created_at <= c` bounds the index range, and the OR
      // only filters the rows that tie with the cursor.
      deepBounded: {
        text: `select * from deliveries where account_id = $1 and created_at <= $2 and (created_at < $2 or id < $3) order by created_at desc, id desc limit ${PAGE + 1}`,
        values: [account.id, deep.created_at, deep.id],
      },
    };

    const rows: { label: string; explained: Explained; statement: Captured }[] = [];
    const add = async (label: string, statement: Captured) => rows.push({ label, explained: await explain(pool, statement), statement });
    for (const [label, captured] of [['page 1', page1], ['deep page', deepPage], ['totalCount', count]] as const) {
      for (const [index, statement] of captured.statements.entries()) await add(`${label} · prisma #${index + 1}`, statement);
    }
    await add('page 1 · hand keyset', keyset.page1);
    await add('deep page · hand keyset', keyset.deep);
    await add('deep page · bounded OR (Prisma-expressible)', keyset.deepBounded);

    const timings = {
      page1: await timeGraphql(app, apiKey, PAGE_QUERY, { first: PAGE }),
      deep: await timeGraphql(app, apiKey, PAGE_QUERY, { first: PAGE, after: deepCursor }),
      count: await timeGraphql(app, apiKey, COUNT_QUERY, {}),
    };

    // ---- report ----
    const out: string[] = [];
    out.push(`# deliveries connection at depth — ${EVENTS * WEBHOOKS} deliveries of one account, PostgreSQL ${versionRows[0]!.server_version}`);
    out.push('');
    out.push('## SQL captured from the real GraphQL queries');
    for (const { label, statement } of rows) {
      out.push(`\n-- ${label}\n${statement.text}\n-- values: ${JSON.stringify(statement.values)}`);
    }
    out.push('\n## EXPLAIN (ANALYZE, BUFFERS), median of 5 executions');
    out.push('| statement | plan nodes | Sort? | Seq Scan? | exec ms | plan ms | shared hit/read |');
    out.push('|---|---|---|---|---|---|---|');
    for (const { label, explained } of rows) {
      out.push(`| ${label} | ${explained.nodes.join(' → ')} | ${explained.hasSort ? 'YES' : 'no'} | ${explained.hasSeqScan ? 'YES' : 'no'} | ${explained.executionMs.toFixed(3)} | ${explained.planningMs.toFixed(3)} | ${explained.sharedHit}/${explained.sharedRead} |`);
    }
    out.push('\n## GraphQL round trip over HTTP (ms; median of 5 after one warm-up)');
    out.push('| query | median | runs |');
    out.push('|---|---|---|');
    out.push(`| deliveries(first: ${PAGE}) | ${timings.page1.median.toFixed(1)} | ${timings.page1.all.map((ms) => ms.toFixed(1)).join(', ')} |`);
    out.push(`| deliveries(first: ${PAGE}, after: row ${DEEP_ROW}) | ${timings.deep.median.toFixed(1)} | ${timings.deep.all.map((ms) => ms.toFixed(1)).join(', ')} |`);
    out.push(`| deliveries(first: ${PAGE}) { totalCount } | ${timings.count.median.toFixed(1)} | ${timings.count.all.map((ms) => ms.toFixed(1)).join(', ')} |`);
    out.push('\n## Plans');
    for (const { label, explained } of rows) out.push(`\n-- ${label}\n${explained.text}`);
    console.log(out.join('\n'));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
}

await main();
