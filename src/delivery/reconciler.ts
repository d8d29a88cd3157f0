// The safety net behind "nothing accepted is ever lost": every delivery that waits (PENDING/RETRYING) must have an
// attempt job that can still run it. The queue hands the job of a crashed worker to another once it expires; this
// sweep covers whatever else could strand a delivery (a job that exhausted the queue's own retries during a long
// database outage, a job deleted by hand) by queueing a new attempt, rebuilt from the delivery row alone (the row
// holds the whole retry state). One process sweeps at a time (advisory lock).
import { publicId } from '../domain/public-id.js';
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { deleteOldRateWindows, findOverdueDeliveries } from '../db/delivery.js';
import { notify } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import type { DeliveryQueue } from '../queue/queue.js';

const SWEEP_LOCK = 0x686f6f6b; // "hook"

export async function reconcileStuckDeliveries(deps: { pool: pg.Pool; queue: DeliveryQueue; log: Logger }, graceMs: number): Promise<number> {
  return withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [SWEEP_LOCK]);
    if (!rows[0]?.locked) return 0;
    await deleteOldRateWindows(client);
    const overdue = await findOverdueDeliveries(client, graceMs, 500);
    const withJobs = await deps.queue.deliveriesWithJobs(client, overdue.map((delivery) => delivery.id));
    const stuck = overdue.filter((delivery) => !withJobs.has(delivery.id));
    if (stuck.length === 0) return 0;
    await deps.queue.enqueue(client, stuck.map((delivery) => ({ deliveryId: delivery.id, attemptNumber: delivery.attempt_count + 1, lane: 'later' as const })));
    await notify(client, [{ channel: deps.queue.wakeChannel, payload: '' }]);
    deps.log.warn({ count: stuck.length, deliveryIds: stuck.slice(0, 20).map((delivery) => publicId('Delivery', delivery.id)) }, 'reconciler: queued attempts for deliveries that had no job');
    return stuck.length;
  });
}
