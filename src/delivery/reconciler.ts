// The safety net behind "nothing accepted is ever lost": every delivery that waits (PENDING/RETRYING) must have an
// attempt job that can still run it. pg-boss hands the job of a crashed worker to another once it expires; this sweep
// covers whatever else could strand a delivery (a job that exhausted pg-boss's own retries during a long database
// outage, a job deleted by hand) by queueing a new attempt. One process sweeps at a time (advisory lock).
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { deleteOldRateWindows, findStuckDeliveries } from '../db/delivery.js';
import type { Logger } from '../logger.js';
import { ATTEMPT_QUEUE, enqueueAttempts } from './jobs.js';

const SWEEP_LOCK = 0x686f6f6b; // "hook"

/** The partition of pgboss.job that holds the attempt queue, with an index for looking jobs up by delivery. */
export async function prepareJobLookup(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ partition_name: string }>(`select partition_name from pgboss.queue where name = $1`, [ATTEMPT_QUEUE]);
  const partition = rows[0]?.partition_name;
  if (!partition || !/^[a-z0-9_]+$/i.test(partition)) throw new Error('the attempt queue has no job partition');
  await pool
    .query(`create index if not exists ${partition}_delivery_idx on pgboss.${partition} ((data->>'deliveryId')) where state < 'completed'`)
    .catch((error: { code?: string }) => {
      if (error.code !== '23505' && error.code !== '42P07') throw error; // created by another process meanwhile
    });
  return partition;
}

export async function reconcileStuckDeliveries(deps: { pool: pg.Pool; boss: PgBoss; log: Logger }, partition: string, graceMs: number): Promise<number> {
  return withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [SWEEP_LOCK]);
    if (!rows[0]?.locked) return 0;
    await deleteOldRateWindows(client);
    const stuck = await findStuckDeliveries(client, partition, graceMs, 500);
    if (stuck.length === 0) return 0;
    await enqueueAttempts(
      deps.boss,
      client,
      stuck.map((delivery) => ({ deliveryId: delivery.id, attemptNumber: delivery.attempt_count + 1, automaticAttempts: delivery.attempt_count, trigger: 'AUTOMATIC' as const })),
    );
    deps.log.warn({ count: stuck.length, deliveryIds: stuck.slice(0, 20).map((delivery) => delivery.id) }, 'reconciler: queued attempts for deliveries that had no job');
    return stuck.length;
  });
}
