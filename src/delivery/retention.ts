// Retention: deliveries older than RETENTION_DAYS keep their status and attempt metadata but lose their payloads and
// response bodies, and can no longer be retried or replayed. Run by a pg-boss schedule (hourly) in worker processes.
import type pg from 'pg';
import { withTransaction } from '../db/client.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

export function archiveOldDeliveries(pool: pg.Pool, retentionDays: number, now = new Date()): Promise<{ deliveries: number; events: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  return withTransaction(pool, async (client) => {
    const deliveries = await client.query<{ id: string }>(
      `update deliveries set archived = true, body = null, updated_at = now()
        where created_at < $1 and not archived
        returning id`,
      [cutoff],
    );
    if (deliveries.rowCount) {
      await client.query(`update delivery_attempts set response_body = null where delivery_id = any($1::uuid[])`, [deliveries.rows.map((row) => row.id)]);
    }
    const events = await client.query(`update events set archived = true, data = null where created_at < $1 and not archived`, [cutoff]);
    return { deliveries: deliveries.rowCount ?? 0, events: events.rowCount ?? 0 };
  });
}
