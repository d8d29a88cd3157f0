// Between scenarios: VACUUM (ANALYZE) and CHECKPOINT on every database of the run, as pgbench vacuums before each run.
// Otherwise the earlier scenarios' dead rows, autovacuum and the full-page writes after a checkpoint fall on whichever
// scenario runs next: in one full run PostgreSQL's CPU per delivery doubled from (1) to (1b), for the same code.
import pg from 'pg';

export type Settle = (log: (line: string) => void) => Promise<void>;

export function createSettle(databaseUrls: readonly string[]): Settle {
  let refused = false;
  return async (log) => {
    if (refused) return;
    const started = performance.now();
    for (const url of new Set(databaseUrls)) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('vacuum (analyze)');
        await client.query('checkpoint');
      } catch (error) {
        // A DATABASE_URL server where this role may not (CHECKPOINT needs pg_checkpoint or superuser): run as it is.
        refused = true;
        log(`bench: not settling the database between scenarios (${(error as Error).message})`);
        return;
      } finally {
        await client.end();
      }
    }
    log(`bench: database settled (vacuum, checkpoint) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
}
