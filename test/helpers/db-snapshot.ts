// A fingerprint of the account and webhook tables, to prove that a refused mutation changed nothing.
import type pg from 'pg';

/** Tables the webhook management mutations write, each with the column that moves when a row is touched. */
const TABLES = Object.freeze([
  { table: 'accounts', touched: 'updated_at' },
  { table: 'webhooks', touched: 'updated_at' },
  { table: 'webhook_headers', touched: null },
  { table: 'webhook_restrictions', touched: 'created_at' },
] as const);

export type TableSnapshot = { rows: number; lastTouched: string | null; digest: string };

/** Row count, the latest updated_at/created_at and an md5 of every row's full text, per table. */
export async function snapshotTables(pool: pg.Pool): Promise<Record<string, TableSnapshot>> {
  const snapshot: Record<string, TableSnapshot> = {};
  for (const { table, touched } of TABLES) {
    const { rows } = await pool.query<{ rows: number; last_touched: string | null; digest: string }>(
      `select count(*)::int as rows,
              ${touched ? `max(t.${touched})::text` : 'null'} as last_touched,
              md5(coalesce(string_agg(t::text, '|' order by t.id), '')) as digest
         from ${table} t`,
    );
    const [row] = rows;
    snapshot[table] = { rows: row!.rows, lastTouched: row!.last_touched, digest: row!.digest };
  }
  return snapshot;
}

/**
 * Every table of the public schema (row count and an md5 of every row), and pg-boss's queued jobs but those its
 * schedules add on their own: what any refused operation must leave exactly as it was, tables added later included.
 * A partitioned table is read through its parent (its partitions, which the history upkeep creates ahead on its own,
 * are not listed apart), and the maintained delivery counts are left out: the upkeep folds them from their deltas on
 * its own, and they are a function of `deliveries`, which is compared.
 */
export async function snapshotDatabase(pool: pg.Pool): Promise<Record<string, unknown>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `select t.tablename as name from pg_tables t join pg_class c on c.oid = format('%I.%I', t.schemaname, t.tablename)::regclass
      where t.schemaname = 'public' and not c.relispartition and t.tablename not in ('delivery_counts', 'delivery_count_deltas') order by 1`,
  );
  const snapshot: Record<string, unknown> = {};
  for (const { name } of tables) {
    const { rows } = await pool.query(`select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from "${name}" t`);
    snapshot[name] = rows[0];
  }
  const { rows } = await pool.query<{ jobs: number }>(`select count(*)::int as jobs from pgboss.job where name not in (select name from pgboss.schedule)`);
  snapshot['pgboss.job'] = rows[0]!.jobs;
  return snapshot;
}
