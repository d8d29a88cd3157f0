// Retention: deliveries and events older than RETENTION_DAYS keep their status and attempt metadata but lose their
// payloads, data and response bodies, and can no longer be retried or replayed. On the time-partitioned history this
// is partition work, not row updates (docs/partitioning.md): the purge watermark moves to the cutoff (everything
// below it answers as archived from then on) and whole days of bodies are detached, then dropped one table at a time.
// Run by the history upkeep (history-upkeep.ts), hourly, in worker processes.
import type pg from 'pg';
import { archiveBodiesBefore, emptyHistoryTrash } from '../db/history-maintenance.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

export type Archived = { deliveries: number; events: number; partitions: number; dropped: number };

export async function archiveOldDeliveries(pool: pg.Pool, retentionDays: number, now = new Date()): Promise<Archived> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const archived = (await archiveBodiesBefore(pool, cutoff)) ?? { partitions: 0, deliveries: 0, events: 0 };
  return { ...archived, dropped: await emptyHistoryTrash(pool) };
}
