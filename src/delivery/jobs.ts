// The delivery queue on pg-boss: one job per attempt. Jobs live in the same PostgreSQL as the deliveries, so a job is
// inserted on the very transaction that writes its delivery (pg-boss's `db` option): both commit, or neither.
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Config } from '../config.js';
import { DELIVERY_CHANNEL, type DeliveryChange } from '../db/notifications.js';

export const ATTEMPT_QUEUE = 'delivery_attempt';
export const RETENTION_QUEUE = 'delivery_retention';
/** NOTIFY channel that wakes every worker process when attempt jobs commit (publish, retry, replay). */
export const JOBS_CHANNEL = 'hookstream_jobs';

export type AttemptTrigger = 'AUTOMATIC' | 'MANUAL';

export type AttemptJob = {
  deliveryId: string;
  /** The delivery's attempt number this job makes: 1 for the first, across manual retries too. */
  attemptNumber: number;
  /** Automatic attempts made before this one: indexes RETRY_SCHEDULE. */
  automaticAttempts: number;
  trigger: AttemptTrigger;
};

export type Queryable = Pick<pg.PoolClient, 'query'>;

export function createBoss(config: Config, databaseUrl: string, options: { supervise: boolean; schedule: boolean }): PgBoss {
  return new PgBoss({
    connectionString: databaseUrl,
    schema: 'pgboss',
    max: 4,
    supervise: options.supervise,
    schedule: options.schedule,
    migrate: true,
    maintenanceIntervalSeconds: Math.max(1, Math.round(config.workerMaintenanceIntervalMs / 1000)),
  });
}

/** Creates the queues (idempotent). Expiry covers the longest attempt plus slack; past it the job is handed over. */
const QUEUE_SETUP_LOCK = 0x686f6f6c; // "hool"

/**
 * Creates the queues, one process at a time: pg-boss's queue creation (a partition per queue) deadlocks when several
 * processes start on one database at the same moment, so they take turns on an advisory lock.
 */
export async function ensureQueues(boss: PgBoss, config: Config, pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [QUEUE_SETUP_LOCK]);
    await createOrUpdateQueues(boss, config);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [QUEUE_SETUP_LOCK]).catch(() => {});
    client.release();
  }
}

async function createOrUpdateQueues(boss: PgBoss, config: Config): Promise<void> {
  const expireInSeconds = Math.max(1, Math.ceil((config.deliveryTimeoutMs + config.jobExpirySlackMs) / 1000));
  const attemptQueue = {
    name: ATTEMPT_QUEUE,
    policy: 'standard' as const,
    // pg-boss's own retries only cover a worker that crashed or threw (database down): delivery retries are ours.
    retryLimit: 1000,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds,
  };
  if (await boss.getQueue(ATTEMPT_QUEUE)) await boss.updateQueue(ATTEMPT_QUEUE, attemptQueue);
  else await boss.createQueue(ATTEMPT_QUEUE, attemptQueue).catch(ignoreDuplicateQueue);
  if (!(await boss.getQueue(RETENTION_QUEUE))) await boss.createQueue(RETENTION_QUEUE, { name: RETENTION_QUEUE, policy: 'standard' }).catch(ignoreDuplicateQueue);
}

function ignoreDuplicateQueue(error: { code?: string; message?: string }) {
  // Another process created it at the same moment.
  if (error.code !== '23505' && !/already exists/.test(error.message ?? '')) throw error;
}

/** Inserts attempt jobs on the caller's transaction and wakes the workers when it commits. */
export async function enqueueAttempts(
  boss: PgBoss,
  client: Queryable,
  jobs: readonly (AttemptJob & { startAfter?: Date })[],
  /** Status changes to announce with the same statement (subscriptions): one round trip for both notifications. */
  changes: readonly DeliveryChange[] = [],
): Promise<void> {
  if (jobs.length === 0) return;
  // pg-boss's insert joins its queue table and silently drops jobs of a queue that does not exist (yet): count the
  // rows, so that a missing queue fails the whole transaction instead of leaving deliveries that nothing will send.
  let inserted = 0;
  const db: PgBoss.Db = {
    executeSql: async (text: string, values: unknown[]) => {
      const result = await client.query(text, values);
      inserted += result.rowCount ?? 0;
      return result as { rows: any[] };
    },
  };
  await boss.insert(
    jobs.map(({ startAfter, ...data }) => ({ name: ATTEMPT_QUEUE, data, ...(startAfter ? { startAfter } : {}) })),
    { db },
  );
  if (inserted !== jobs.length) {
    throw new Error(`pg-boss inserted ${inserted} of ${jobs.length} "${ATTEMPT_QUEUE}" jobs: the queue does not exist (ensureQueues has not run on this database)`);
  }
  // NOTIFY is transactional: delivered only if and when the jobs commit.
  await client.query({
    name: 'notify-enqueued',
    text: `select pg_notify($1, '') union all select pg_notify($2, c) from unnest($3::text[]) as c`,
    values: [JOBS_CHANNEL, DELIVERY_CHANNEL, changes.map((change) => JSON.stringify(change))],
  });
}
