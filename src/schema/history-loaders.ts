// What the time-partitioned history keeps apart from its rows, read once per request and in one query per kind:
// deliveries' bodies, events' data, attempts' response bodies (each in a table of its own, dropped a day at a time
// after RETENTION_DAYS), and the purge watermark that says which rows are archived (docs/partitioning.md). The
// resolvers of a page ask one row at a time; the loaders gather every key asked in the same turn of the event loop.
import type { Context } from '../context.js';
import { loadAttemptBodies, loadDeliveryBodies, loadEventBodies, readArchivedBefore } from '../db/history.js';

type Load<V> = (keys: string[]) => Promise<Map<string, V>>;

/** A key → value loader that batches the keys asked before the next turn of the event loop, and caches answers. */
function createBatchLoader<V>(load: Load<V>): (key: string) => Promise<V | undefined> {
  const answers = new Map<string, Promise<V | undefined>>();
  let waiting: { key: string; resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[] = [];
  const flush = () => {
    const batch = waiting;
    waiting = [];
    load([...new Set(batch.map((entry) => entry.key))]).then(
      (values) => batch.forEach((entry) => entry.resolve(values.get(entry.key))),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  };
  return (key) => {
    let answer = answers.get(key);
    if (!answer) {
      answer = new Promise<V | undefined>((resolve, reject) => {
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ key, resolve, reject });
      });
      answers.set(key, answer);
    }
    return answer;
  };
}

export type HistoryLoaders = {
  /** The delivery's body, or null when it is not held (archived). */
  deliveryBody(deliveryId: string): Promise<string | null>;
  eventData(eventId: string): Promise<unknown>;
  attemptBody(deliveryId: string, number: number): Promise<string | null>;
  /** Whether a row of this id (a delivery or an event) is archived: below the purge watermark. */
  isArchived(id: string): Promise<boolean>;
};

const loadersByRequest = new WeakMap<Context, HistoryLoaders>();

export function historyLoaders(ctx: Context): HistoryLoaders {
  let loaders = loadersByRequest.get(ctx);
  if (loaders) return loaders;
  const pool = ctx.db.pool;
  const deliveryBody = createBatchLoader((ids) => loadDeliveryBodies(pool, ids));
  const eventData = createBatchLoader((ids) => loadEventBodies(pool, ids));
  // One query for every attempt of the deliveries asked about.
  const attemptBodiesOf = createBatchLoader(async (deliveryIds) => {
    const bodies = await loadAttemptBodies(pool, deliveryIds);
    const byDelivery = new Map<string, Map<number, string>>(deliveryIds.map((id) => [id, new Map()]));
    for (const [key, body] of bodies) {
      const [deliveryId, number] = key.split(':') as [string, string];
      byDelivery.get(deliveryId)?.set(Number(number), body);
    }
    return byDelivery;
  });
  let archivedBefore: Promise<string> | null = null;
  loaders = {
    deliveryBody: async (id) => (await deliveryBody(id)) ?? null,
    eventData: async (id) => (await eventData(id)) ?? null,
    attemptBody: async (deliveryId, number) => (await attemptBodiesOf(deliveryId))?.get(number) ?? null,
    // UUIDs in their canonical lower-case form compare as strings in the order of their bytes.
    isArchived: async (id) => id < (await (archivedBefore ??= readArchivedBefore(pool))),
  };
  loadersByRequest.set(ctx, loaders);
  return loaders;
}
