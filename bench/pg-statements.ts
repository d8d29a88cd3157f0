// Statements the service sent PostgreSQL during a scenario (pg_stat_statements), per delivery: on a 2-core machine
// each one is a round trip (a socket write, a backend woken, a context switch), so their count prices the design.
// Needs `shared_preload_libraries=pg_stat_statements`: the embedded cluster gets it in full runs, with --statements or
// --profile. PostgreSQL's own foreign-key checks (`SELECT 1 FROM ONLY … FOR KEY SHARE OF x`, run inside an INSERT)
// show up in pg_stat_statements as statements of their own; they are no round trip, so they are counted apart.
import pg from 'pg';

export type StatementSummary = {
  /** Statements the clients sent (foreign-key checks left out). */
  calls: number;
  commits: number;
  /** Foreign-key checks PostgreSQL ran inside those statements. */
  foreignKeyChecks: number;
  /** WAL the whole cluster wrote meanwhile (pg_current_wal_lsn): during (1) only the measured service writes. */
  walBytes: number;
  /** Rows written meanwhile, per table (a partitioned table's partitions summed under its name), most first. */
  rows: { table: string; inserted: number; updated: number; hotUpdated: number; deleted: number }[];
  top: { calls: number; meanMs: number; query: string }[];
};

export async function startStatementCounter(databaseUrl: string): Promise<{ stop(): Promise<StatementSummary> } | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select pg_stat_statements_reset()');
  } catch {
    await client.end().catch(() => {});
    return null; // not preloaded on this server
  }
  const commitsNow = async () =>
    Number((await client.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = current_database()')).rows[0]?.n ?? 0);
  const commitsBefore = await commitsNow();
  const walNow = async () => Number((await client.query<{ lsn: string }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as lsn`)).rows[0]!.lsn);
  // Per-table row counters (pg_stat_user_tables), partitions summed under their root: what each delivery writes.
  const rowsNow = async () =>
    new Map(
      (
        await client.query<{ table: string; ins: string; upd: string; hot: string; del: string }>(
          `select coalesce(pg_partition_root(relid), relid)::regclass::text as table, sum(n_tup_ins) as ins, sum(n_tup_upd) as upd,
                  sum(n_tup_hot_upd) as hot, sum(n_tup_del) as del
             from pg_stat_user_tables group by 1`,
        )
      ).rows.map((row) => [row.table, { inserted: Number(row.ins), updated: Number(row.upd), hotUpdated: Number(row.hot), deleted: Number(row.del) }]),
    );
  const walBefore = await walNow();
  const rowsBefore = await rowsNow();
  return {
    async stop() {
      const walBytes = (await walNow()) - walBefore;
      // Backends report their table counters at most once a second: wait for the last reports to land.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const rowsAfter = await rowsNow();
      const rowCounts = [...rowsAfter]
        .map(([table, after]) => {
          const before = rowsBefore.get(table) ?? { inserted: 0, updated: 0, hotUpdated: 0, deleted: 0 };
          return { table, inserted: after.inserted - before.inserted, updated: after.updated - before.updated, hotUpdated: after.hotUpdated - before.hotUpdated, deleted: after.deleted - before.deleted };
        })
        .filter((row) => row.inserted + row.updated + row.deleted > 0)
        .sort((a, b) => b.inserted + b.updated + b.deleted - (a.inserted + a.updated + a.deleted));
      // Our own sampling (pg-waits.ts, this file) is left out: it is the bench's, not the service's.
      const { rows } = await client.query<{ calls: string; mean_ms: number; query: string; fk_check: boolean }>(
        `select calls, mean_exec_time as mean_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as query,
                query ~ '^SELECT \\S+ FROM ONLY .* FOR KEY SHARE OF x' as fk_check
           from pg_stat_statements
          where dbid = (select oid from pg_database where datname = current_database())
            and query not ilike '%pg_stat_activity%' and query not ilike '%pg_stat_statements%' and query not ilike '%pg_stat_database%'
            and query not ilike '%pg_stat_user_tables%' and query not ilike '%pg_current_wal_lsn%'
          order by calls desc`,
      );
      const commits = (await commitsNow()) - commitsBefore;
      await client.end().catch(() => {});
      const all = rows.map((row) => ({ calls: Number(row.calls), meanMs: row.mean_ms, query: row.query, foreignKeyCheck: row.fk_check }));
      const top = all.filter((row) => !row.foreignKeyCheck).map(({ foreignKeyCheck: _, ...row }) => row);
      const foreignKeyChecks = all.filter((row) => row.foreignKeyCheck).reduce((sum, row) => sum + row.calls, 0);
      return { calls: top.reduce((sum, row) => sum + row.calls, 0), commits, foreignKeyChecks, walBytes, rows: rowCounts, top: top.slice(0, 20) };
    },
  };
}
