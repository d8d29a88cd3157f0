// The delivery queue on pg-boss: the one module that imports pg-boss or names its tables. Jobs live in the same
// PostgreSQL as the deliveries, so a job is inserted on the very transaction that writes its delivery (pg-boss's `db`
// option): both commit, or neither.
//
// Two pg-boss queues, one per lane (queue.ts): `delivery_attempt` holds first attempts, taken in publish order;
// `delivery_retry` holds everything with a time (retries, scheduled and manual attempts) and is asked first, so a due
// retry is never queued behind the first attempts of a backlog. Each pg-boss queue is a table partition of its own;
// each gets an index here that serves its fetch (pg-boss's own sorts every due row of a partition per fetch).
import PgBoss from 'pg-boss';
import type pg from 'pg';
import { ASYNC_COMMIT_OPTIONS } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import type { DeliveryQueue, FetchedJob, Lane, NewJob, PeriodicTask } from './queue.js';

const QUEUE_OF_LANE: Readonly<Record<Lane, string>> = Object.freeze({ now: 'delivery_attempt', later: 'delivery_retry' });
const LANE_OF_QUEUE = new Map<string, Lane>(Object.entries(QUEUE_OF_LANE).map(([lane, name]) => [name, lane as Lane]));
const WAKE_CHANNEL = 'hookstream_jobs';
/** pg-boss's queue creation (a partition per queue) deadlocks when several processes start at once: they take turns. */
const QUEUE_SETUP_LOCK = 0x686f6f6c; // "hool"

export type PgBossQueueOptions = {
  databaseUrl: string;
  /** The process's pool, for the statements pg-boss's API does not cover. */
  pool: pg.Pool;
  /** How long an attempt may run before its job goes to another worker: DELIVERY_TIMEOUT + JOB_EXPIRY_SLACK. */
  expireInSeconds: number;
  /** How often pg-boss looks for expired jobs (a crashed worker's) and runs its upkeep. */
  maintenanceIntervalSeconds: number;
  /** Worker processes supervise (expire, archive) and run schedules; api processes only insert. */
  supervise: boolean;
  onError: (error: Error) => void;
};

export async function createPgBossQueue(options: PgBossQueueOptions): Promise<DeliveryQueue> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: 'pgboss',
    max: 4,
    supervise: options.supervise,
    schedule: options.supervise,
    migrate: true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
    // pg-boss's own connections fetch, complete and expire jobs: a commit lost in a crash only runs a job again.
    // Jobs themselves are inserted on the caller's transaction (enqueue), durable as it is.
    options: ASYNC_COMMIT_OPTIONS,
  } as PgBoss.ConstructorOptions);
  boss.on('error', options.onError);
  await boss.start();
  try {
    await withAdvisoryLock(options.pool, QUEUE_SETUP_LOCK, () => createQueues(boss, options.expireInSeconds));
    await indexQueues(options.pool);
  } catch (error) {
    await boss.stop({ graceful: false, close: true, wait: true }).catch(() => {});
    throw error;
  }

  const runWith = (tx: Queryable): PgBoss.Db => ({ executeSql: (text, values) => tx.query(text, values) as Promise<{ rows: any[] }> });

  return {
    wakeChannel: WAKE_CHANNEL,

    async enqueue(tx, jobs) {
      if (jobs.length === 0) return;
      // pg-boss's insert joins its queue table and silently drops jobs of a queue that does not exist: count the rows,
      // so that a missing queue fails the whole transaction instead of leaving deliveries that nothing will send.
      let inserted = 0;
      await boss.insert(jobs.map(toPgBossJob), {
        db: {
          executeSql: async (text, values) => {
            const result = await tx.query(text, values);
            inserted += result.rowCount ?? 0;
            return result as { rows: any[] };
          },
        },
      });
      if (inserted !== jobs.length) throw new Error(`pg-boss inserted ${inserted} of ${jobs.length} attempt jobs: a queue is missing`);
    },

    jobInsertCte(name, source) {
      // pg-boss's own insert (manager.insert) with its defaults spelled out: the queues' options as createQueues sets
      // them, and pg-boss's 14 days of keep_until. The job table is partitioned by queue name, and its queue foreign
      // key is checked at commit: a job of a missing queue fails the statement, never vanishes.
      return `${name} as (
        insert into pgboss.job (name, data, start_after, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
        select case ${source}.lane when 'now' then '${QUEUE_OF_LANE.now}' else '${QUEUE_OF_LANE.later}' end,
               jsonb_build_object('deliveryId', ${source}.delivery_id, 'attemptNumber', ${source}.attempt_number),
               coalesce(${source}.run_at, now()), ${options.expireInSeconds} * interval '1 second',
               coalesce(${source}.run_at, now()) + interval '14 days', ${QUEUE_OPTIONS.retryLimit}, ${QUEUE_OPTIONS.retryDelay}, ${QUEUE_OPTIONS.retryBackoff}, '${QUEUE_OPTIONS.policy}'
          from ${source}
        returning id)`;
    },

    async fetch(max) {
      if (max <= 0) return [];
      const later = await boss.fetch<FetchedJob['data']>(QUEUE_OF_LANE.later, { batchSize: max });
      const now = later.length < max ? await boss.fetch<FetchedJob['data']>(QUEUE_OF_LANE.now, { batchSize: max - later.length, priority: false }) : [];
      return [...later.map((job) => toFetched(job, 'later')), ...now.map((job) => toFetched(job, 'now'))];
    },

    async complete(jobs) {
      for (const [lane, ids] of idsByLane(jobs)) await boss.complete(QUEUE_OF_LANE[lane], ids);
    },

    async fail(job, error) {
      await boss.fail(QUEUE_OF_LANE[job.lane], job.id, { message: error });
    },

    async deliveriesWithJobs(tx, deliveryIds) {
      if (deliveryIds.length === 0) return new Set();
      const { rows } = await runWith(tx).executeSql(
        `select distinct data->>'deliveryId' as delivery_id from pgboss.job
          where name = any($1::text[]) and state < 'completed' and data->>'deliveryId' = any($2::text[])`,
        [Object.values(QUEUE_OF_LANE), deliveryIds],
      );
      return new Set(rows.map((row: { delivery_id: string }) => row.delivery_id));
    },

    async depth() {
      const { rows } = await options.pool.query<{ count: number }>(`select count(*)::int as count from pgboss.job where name = any($1::text[]) and state < 'active'`, [
        Object.values(QUEUE_OF_LANE),
      ]);
      return rows[0]?.count ?? 0;
    },

    async schedule(task: PeriodicTask) {
      await withAdvisoryLock(options.pool, QUEUE_SETUP_LOCK, async () => {
        if (!(await boss.getQueue(task.name))) await boss.createQueue(task.name, { name: task.name, policy: 'standard' }).catch(ignoreDuplicateQueue);
      });
      await boss.work(task.name, async () => task.run());
      await boss.schedule(task.name, task.cron);
    },

    async stop() {
      await boss.stop({ graceful: false, close: true, wait: true });
    },
  };
}

function toPgBossJob(job: NewJob): PgBoss.JobInsert<FetchedJob['data']> {
  return {
    name: QUEUE_OF_LANE[job.lane],
    data: { deliveryId: job.deliveryId, attemptNumber: job.attemptNumber },
    ...(job.runAt ? { startAfter: job.runAt } : {}),
  };
}

function toFetched(job: PgBoss.Job<FetchedJob['data']>, lane: Lane): FetchedJob {
  return { id: job.id, lane, data: { deliveryId: job.data.deliveryId, attemptNumber: job.data.attemptNumber } };
}

function idsByLane(jobs: readonly FetchedJob[]): Map<Lane, string[]> {
  const byLane = new Map<Lane, string[]>();
  for (const job of jobs) byLane.set(job.lane, [...(byLane.get(job.lane) ?? []), job.id]);
  return byLane;
}

/** Both lanes' pg-boss options. pg-boss's own retries only cover a worker that crashed or threw (database down): delivery retries are ours. */
const QUEUE_OPTIONS = Object.freeze({ policy: 'standard' as const, retryLimit: 1000, retryDelay: 2, retryBackoff: true });

async function createQueues(boss: PgBoss, expireInSeconds: number): Promise<void> {
  for (const name of Object.values(QUEUE_OF_LANE)) {
    const queue = { name, ...QUEUE_OPTIONS, expireInSeconds };
    if (await boss.getQueue(name)) await boss.updateQueue(name, queue);
    else await boss.createQueue(name, queue).catch(ignoreDuplicateQueue);
  }
}

/**
 * Indexes on each lane's partition: the fetch order of `now` (publish order, so a fetch reads the first rows of an
 * index instead of sorting the backlog), and a delivery id lookup for the reconciler.
 */
async function indexQueues(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ name: string; partition_name: string }>(`select name, partition_name from pgboss.queue where name = any($1::text[])`, [
    Object.values(QUEUE_OF_LANE),
  ]);
  for (const { name, partition_name: partition } of rows) {
    if (!/^[a-z0-9_]+$/i.test(partition)) throw new Error(`unexpected pg-boss partition name ${partition}`);
    const statements = [`create index if not exists ${partition}_delivery_idx on pgboss.${partition} ((data->>'deliveryId')) where state < 'completed'`];
    if (LANE_OF_QUEUE.get(name) === 'now') statements.push(`create index if not exists ${partition}_fifo_idx on pgboss.${partition} (created_on, id) where state < 'active'`);
    for (const statement of statements) {
      await pool.query(statement).catch((error: { code?: string }) => {
        if (error.code !== '23505' && error.code !== '42P07') throw error; // created by another process meanwhile
      });
    }
  }
}

async function withAdvisoryLock<T>(pool: pg.Pool, key: number, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [key]);
    return await work();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [key]).catch(() => {});
    client.release();
  }
}

function ignoreDuplicateQueue(error: { code?: string; message?: string }) {
  // Another process created it at the same moment.
  if (error.code !== '23505' && !/already exists/.test(error.message ?? '')) throw error;
}
