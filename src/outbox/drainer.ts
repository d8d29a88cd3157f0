// Moves committed rows of the platform's hookstream_outbox into Hookstream through the engine's publish port.
//
// Exactly once per row: a batch is claimed (FOR UPDATE) in a transaction on the platform's database, published, and
// marked in that same transaction, only after publish answered. A crash anywhere before the commit leaves the rows
// pending, and publishing them again is harmless: each carries its idempotency key (the platform's own, else
// `outbox:<id>`), so Hookstream answers with the event it already has and sends nothing new.
//
// Order: rows with an order key (ordering_key, else data->>'id') are hashed into slots; a drainer publishes a slot
// only while it holds the slot's advisory lock, in id order, one batch after the other, so two drainers never publish
// rows of one key at the same time. Rows without a key go to whichever drainer is free (FOR UPDATE SKIP LOCKED).
// A refused row (validation) gets its error and is skipped; a failed publish (Hookstream unreachable) rolls the batch
// back and the slot waits, so nothing behind it overtakes.
import pg from 'pg';
import { withTransaction } from '../db/client.js';
import { startListener, type Listener } from '../db/notifications.js';
import type { Logger } from '../logger.js';
import type { OutboxPublish, OutboxRow } from './publish-port.js';
import {
  OUTBOX_CHANNEL,
  claimSlotRows,
  claimUnorderedRows,
  countBacklog,
  countFailedTry,
  findPendingSlots,
  markRows,
  prunePublished,
  tryLockSlot,
  type OutboxBacklog,
} from './sql.js';

export type { OutboxBacklog };

export type OutboxDrainerOptions = {
  /** The platform's PostgreSQL (OUTBOX_DATABASE_URL). */
  databaseUrl: string;
  publish: OutboxPublish;
  log: Logger;
  /** Safety-net poll (OUTBOX_POLL_INTERVAL); NOTIFY on commit wakes the drainer at once. Default 1 s. */
  pollIntervalMs?: number;
  /** Rows per publish call. Default 100. */
  batchSize?: number;
  /** Slots drained at the same time by this process (each on its own connection). Default 4. */
  concurrency?: number;
  /** Published rows older than this are deleted (null: never). Default 7 days. */
  retainPublishedMs?: number | null;
  /**
   * How long a batch may keep its transaction open while publish runs before PostgreSQL ends the session
   * (idle_in_transaction_session_timeout): a drainer that hangs cannot hold its slot for ever. Default 2 min.
   */
  holdTimeoutMs?: number;
};

export type OutboxDrainer = {
  /** Drain now (the worker may call it; NOTIFY and the poll already do). */
  wake(): void;
  /** Rows waiting in the platform's outbox, for /metrics. */
  backlog(): Promise<OutboxBacklog>;
  /** Finishes the batches under way, then closes the connections. */
  stop(): Promise<void>;
};

const DAY_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;
const PRUNE_CHUNK = 1_000;
const MAX_BACKOFF_MS = 30_000;
const BASE_BACKOFF_MS = 250;
/** PostgreSQL's SQLSTATE for a missing table: the outbox was never installed there. */
const UNDEFINED_TABLE = '42P01';

export async function startOutboxDrainer(options: OutboxDrainerOptions): Promise<OutboxDrainer> {
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 4;
  const retainPublishedMs = options.retainPublishedMs === undefined ? 7 * DAY_MS : options.retainPublishedMs;
  const holdTimeoutMs = options.holdTimeoutMs ?? 120_000;
  const log = options.log.child({ component: 'outbox' });

  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: concurrency + 1,
    application_name: 'hookstream-outbox',
    // lock_timeout: a row the platform itself holds locked makes the batch fail and retry, not wait unbounded.
    options: `-c idle_in_transaction_session_timeout=${holdTimeoutMs} -c lock_timeout=10000`,
  });
  pool.on('error', () => {}); // a dropped idle connection is replaced on next use

  let stopping = false;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let backoffUntil = 0;
  let lastPruneAt = 0;
  let listener: Listener | null = null;
  let cancelSleep: (() => void) | null = null;

  function schedule(delayMs: number) {
    clearTimeout(timer);
    if (!stopping) timer = setTimeout(wake, delayMs);
  }

  function wake() {
    if (stopping) return;
    if (running) {
      again = true; // rows committed during this pass: look again right after it
      return;
    }
    const backoffLeftMs = backoffUntil - Date.now();
    if (backoffLeftMs > 0) {
      // A NOTIFY during the back-off waits for its end (and a timer may fire a moment early by the wall clock).
      schedule(backoffLeftMs + 1);
      return;
    }
    clearTimeout(timer);
    running = drainUntilQuiet()
      .catch((error: unknown) => {
        log.error({ err: error }, 'outbox drainer failed');
        return pollIntervalMs;
      })
      .then((nextInMs) => {
        running = null;
        schedule(nextInMs);
        // A wake that came after the last pass looked (during the prune, say) must not wait for the poll.
        if (again) wake();
      });
  }

  /** Drains until a pass finds nothing new; returns when to look next. */
  async function drainUntilQuiet(): Promise<number> {
    do {
      again = false;
      try {
        await drainPass();
        failures = 0;
      } catch (error) {
        failures += 1;
        const delayMs = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(failures - 1, 10));
        backoffUntil = Date.now() + delayMs;
        if ((error as { code?: string }).code === UNDEFINED_TABLE) log.error({ retryInMs: delayMs }, 'hookstream_outbox does not exist in OUTBOX_DATABASE_URL: run `npm run outbox -- install`');
        else log.warn({ err: error, failures, retryInMs: delayMs }, 'outbox batch not published; trying again later');
        return delayMs;
      }
    } while (again && !stopping);
    await pruneIfDue().catch((error: unknown) => log.warn({ err: error }, 'outbox prune failed'));
    return pollIntervalMs;
  }

  /** One look at what is pending: each slot (and the unordered rows) drained by up to `concurrency` lanes. */
  async function drainPass(): Promise<void> {
    const units: (number | null)[] = [];
    for (const { slot, rows } of await findPendingSlots(pool)) {
      if (slot !== null) units.push(slot);
      // Unordered rows: as many lanes as there are batches of them (SKIP LOCKED keeps the lanes apart).
      else for (let lane = 0; lane < Math.min(concurrency, Math.ceil(rows / batchSize)); lane += 1) units.push(null);
    }
    shuffle(units); // two drainers that woke together start on different slots
    const errors: unknown[] = []; // the first failure stops every lane from taking another slot
    const lanes = Array.from({ length: Math.min(concurrency, units.length) }, async () => {
      while (units.length > 0 && !stopping && errors.length === 0) {
        const slot = units.pop()!;
        try {
          while ((await drainBatch(slot)) === batchSize && !stopping && errors.length === 0);
        } catch (error) {
          errors.push(error);
        }
      }
    });
    await Promise.all(lanes);
    if (errors.length > 0) throw errors[0];
  }

  /** Claims, publishes and marks one batch of a slot (null: unordered rows); returns how many rows it handled. */
  async function drainBatch(slot: number | null): Promise<number> {
    let claimed: OutboxRow[] = [];
    try {
      return await withTransaction(pool, async (client) => {
        if (slot !== null && !(await tryLockSlot(client, slot))) return 0; // another drainer has it
        claimed = slot === null ? await claimUnorderedRows(client, batchSize) : await claimSlotRows(client, slot, batchSize);
        if (claimed.length === 0) return 0;
        const results = await options.publish(claimed);
        if (results.length !== claimed.length) throw new Error(`publish answered ${results.length} results for ${claimed.length} rows`);
        await markRows(client, claimed, results);
        results.forEach((result, index) => {
          if (!result.ok) log.warn({ outboxId: claimed[index]!.id, type: claimed[index]!.type, error: result.error }, 'outbox row refused; kept with its error');
        });
        return claimed.length;
      });
    } catch (error) {
      if (claimed.length > 0) await countFailedTry(pool, claimed.map((row) => row.id)).catch(() => {});
      throw error;
    }
  }

  async function pruneIfDue(): Promise<void> {
    if (retainPublishedMs === null || Date.now() - lastPruneAt < PRUNE_INTERVAL_MS) return;
    lastPruneAt = Date.now();
    const before = new Date(Date.now() - retainPublishedMs);
    let removed = 0;
    let chunk: number;
    do {
      chunk = await prunePublished(pool, before, PRUNE_CHUNK);
      removed += chunk;
    } while (chunk === PRUNE_CHUNK && !stopping);
    if (removed > 0) log.info({ removed, before }, 'pruned published outbox rows');
  }

  /** LISTEN, retried until the platform's database answers; the poll drains meanwhile. */
  async function listen(): Promise<void> {
    for (let attempt = 0; !stopping; attempt += 1) {
      try {
        // Reach the database first: pg-listen's own reconnects start only once it has connected.
        await pool.query('select 1');
        const started = await startListener(options.databaseUrl, [OUTBOX_CHANNEL], (error) => log.warn({ err: error }, 'outbox listener error'));
        if (stopping) {
          await started.close().catch(() => {});
          return;
        }
        started.on(OUTBOX_CHANNEL, wake);
        listener = started;
        wake(); // rows committed before LISTEN took effect
        return;
      } catch (error) {
        if (attempt === 0) log.warn({ err: error }, 'outbox database unreachable; retrying');
        await new Promise<void>((resolve) => {
          const sleep = setTimeout(resolve, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
          cancelSleep = () => {
            clearTimeout(sleep);
            resolve();
          };
        });
        cancelSleep = null;
      }
    }
  }

  const listening = listen();
  schedule(0);

  return {
    wake,
    backlog: () => countBacklog(pool),
    async stop() {
      stopping = true;
      clearTimeout(timer);
      cancelSleep?.();
      await listening;
      await listener?.close().catch(() => {});
      await running;
      await pool.end().catch(() => {});
    },
  };
}

function shuffle<T>(items: T[]): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
}
