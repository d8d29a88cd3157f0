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
