// SQL of the history's upkeep (docs/partitioning.md), run by the worker processes' maintenance: partitions created
// ahead of time, the count deltas folded into the maintained counts, and archiving by partition — the watermark moved
// and whole days of bodies detached, then dropped one table per transaction.
import type pg from 'pg';
import { withTransaction } from './client.js';
import type { Queryable } from './queryable.js';

/** One upkeep run at a time across processes (pg_try_advisory_xact_lock): the others skip theirs. */
const UPKEEP_LOCK = 0x686f6f6d; // "hoom"
const FOLD_LOCK = 0x686f6f6e; // "hoon"

/**
 * Creates the partitions of every history table that cover [from, to), those missing. Creating a partition locks its
 * parent for a moment: behind a long query it gives up after `lockTimeoutMs` (the next run, with weeks to spare, tries
 * again) rather than hold every publish up. Returns how many it created.
 */
export async function createHistoryPartitions(pool: pg.Pool, from: Date, to: Date, lockTimeoutMs = 2_000): Promise<number> {
  return withTransaction(pool, async (client) => {
    await client.query(`select set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    const { rows } = await client.query<{ created: number }>('select hookstream_create_history_partitions($1, $2) as created', [from, to]);
    return rows[0]!.created;
  });
}

/** Folds the appended count deltas into delivery_counts; returns how many count rows it changed (0: another ran). */
export async function foldDeliveryCounts(pool: pg.Pool): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows: lock } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [FOLD_LOCK]);
    if (!lock[0]?.locked) return 0;
    const { rows } = await client.query<{ folded: number }>('select hookstream_fold_delivery_counts() as folded');
    return rows[0]!.folded;
  });
}

export type ArchivedBodies = {
  /** Body partitions detached (event data, payloads, response bodies: three a day). */
  partitions: number;
  /** Deliveries and events that became archived (below the watermark now, not before). */
  deliveries: number;
  events: number;
};

/**
 * Archives everything made before `before`: moves the purge watermark there and detaches every body partition
 * wholly below it, in one short transaction of catalog work (a `lockTimeoutMs` wait at most for the parents'
 * lock). Null when another process is archiving right now. The counts are read afterwards, outside the lock.
 */
export async function archiveBodiesBefore(pool: pg.Pool, before: Date, lockTimeoutMs = 5_000): Promise<ArchivedBodies | null> {
  const moved = await withTransaction(pool, async (client) => {
    const { rows: lock } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [UPKEEP_LOCK]);
    if (!lock[0]?.locked) return null;
    await client.query(`select set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    const from = await readWatermark(client);
    const { rows } = await client.query<{ detached: number }>('select hookstream_archive_bodies($1) as detached', [before]);
    return { partitions: rows[0]!.detached, from, to: await readWatermark(client) };
  });
  if (!moved) return null;
  if (moved.from === moved.to) return { partitions: moved.partitions, deliveries: 0, events: 0 };
  const { rows } = await pool.query<{ deliveries: number; events: number }>(
    `select (select count(*)::int from deliveries where id >= $1 and id < $2) as deliveries,
            (select count(*)::int from events where id >= $1 and id < $2) as events`,
    [moved.from, moved.to],
  );
  return { partitions: moved.partitions, ...rows[0]! };
}

/** Drops the detached partitions, one per transaction (each commit frees one table's files); returns how many. */
export async function emptyHistoryTrash(pool: pg.Pool): Promise<number> {
  let dropped = 0;
  for (;;) {
    const { rows } = await pool.query<{ dropped: number }>('select hookstream_empty_history_trash(1) as dropped');
    if (rows[0]!.dropped === 0) return dropped;
    dropped += rows[0]!.dropped;
  }
}

async function readWatermark(client: Queryable): Promise<string> {
  const { rows } = await client.query<{ purged_before: string }>(`select purged_before from history_watermarks where name = 'bodies'`);
  return rows[0]!.purged_before;
}
