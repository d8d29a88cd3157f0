// The history's upkeep in worker processes (docs/partitioning.md): partitions two months ahead, created at start-up
// and hourly; archiving after RETENTION_DAYS, at start-up and hourly (a queue schedule: one process at a time); and
// the maintained delivery counts folded in every few seconds. Each step logs and carries on when it fails: the next
// run tries again, with weeks of partitions to spare.
import type pg from 'pg';
import { createHistoryPartitions, foldDeliveryCounts } from '../db/history-maintenance.js';
import type { Logger } from '../logger.js';
import type { DeliveryQueue } from '../queue/queue.js';
import { archiveOldDeliveries, DAY_MS } from './retention.js';

/** Partitions exist this far ahead: an insert beyond them would fail (there is no DEFAULT partition). */
const PARTITIONS_AHEAD_MS = 62 * DAY_MS;
/** How often count deltas are folded in (readers add the deltas not folded yet, so counts are exact either way). */
const FOLD_INTERVAL_MS = 5_000;

export type HistoryUpkeepDeps = { pool: pg.Pool; queue: DeliveryQueue; retentionDays: number; log: Logger };

/** Starts the upkeep; returns the function that stops its timer. */
export async function startHistoryUpkeep(deps: HistoryUpkeepDeps): Promise<() => Promise<void>> {
  const { pool, log } = deps;
  const createAhead = async () => {
    const created = await createHistoryPartitions(pool, new Date(), new Date(Date.now() + PARTITIONS_AHEAD_MS));
    if (created > 0) log.info({ created }, 'history: partitions created ahead');
  };
  const archive = async () => {
    const archived = await archiveOldDeliveries(pool, deps.retentionDays);
    if (archived.partitions > 0 || archived.deliveries > 0) log.info(archived, 'retention: archived old deliveries and events');
  };
  const runLogged = (what: string, step: () => Promise<void>) => step().catch((error: unknown) => log.error({ err: error }, `history upkeep: ${what} failed`));

  await runLogged('creating partitions', createAhead);
  await runLogged('archiving', archive);
  await deps.queue.schedule({
    name: 'delivery_retention',
    cron: '17 * * * *',
    run: async () => {
      await runLogged('creating partitions', createAhead);
      await runLogged('archiving', archive);
    },
  });
  let folding: Promise<unknown> | null = null;
  const fold = setInterval(() => {
    folding ??= foldDeliveryCounts(pool)
      .catch((error: unknown) => log.error({ err: error }, 'history upkeep: folding counts failed'))
      .finally(() => (folding = null));
  }, FOLD_INTERVAL_MS);
  return async () => {
    clearInterval(fold);
    await folding;
  };
}
