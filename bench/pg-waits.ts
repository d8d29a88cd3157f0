// What the database's busy backends are waiting on, sampled every few ms during a scenario: when neither the service
// nor PostgreSQL uses its core fully, the wait events say where the time goes (locks, WAL flushes, the client).
import pg from 'pg';

export type WaitSummary = { samples: number; busyPerSample: number; top: { wait: string; share: number; query: string }[] };

export async function startWaitSampler(databaseUrl: string, everyMs = 20): Promise<{ stop(): Promise<WaitSummary> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  const counts = new Map<string, { count: number; queries: Map<string, number> }>();
  let samples = 0;
  let busy = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client
        .query<{ wait: string; query: string }>(
          `select coalesce(wait_event_type || ':' || wait_event, 'CPU (no wait event)') as wait,
                  case when state = 'idle in transaction' then '(idle in transaction: waiting for the client)'
                       else left(regexp_replace(query, '\\s+', ' ', 'g'), 70) end as query
             from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
              and state in ('active', 'idle in transaction')`,
        )
        .catch(() => ({ rows: [] as { wait: string; query: string }[] }));
      samples++;
      busy += rows.length;
      for (const row of rows) {
        const key = row.query.startsWith('(idle in transaction') ? 'Client:idle in transaction' : row.wait;
        const entry = counts.get(key) ?? { count: 0, queries: new Map<string, number>() };
        entry.count++;
        entry.queries.set(row.query, (entry.queries.get(row.query) ?? 0) + 1);
        counts.set(key, entry);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end().catch(() => {});
      const top = [...counts.entries()]
        .sort((a, b) => b[1].count - a[1].count)
        .slice(0, 8)
        .map(([wait, entry]) => ({
          wait,
          share: busy ? entry.count / busy : 0,
          query: [...entry.queries.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
        }));
      return { samples, busyPerSample: samples ? busy / samples : 0, top };
    },
  };
}
