// The delivery queue on pg-boss: the one module that imports pg-boss or names its tables. Jobs live in the same
// PostgreSQL as the deliveries, so a job is inserted on the very transaction that writes its delivery (pg-boss's `db`
// option): both commit, or neither.
//
// Two pg-boss queues, one per lane (queue.ts): `delivery_attempt` holds first attempts, taken in publish order;
// `delivery_retry` holds everything with a time (retries, scheduled and manual attempts) and is asked first, so a due
// retry is never queued behind the first attempts of a backlog. Each pg-boss queue is a table partition of its own;
// each gets an index here that serves its fetch (pg-boss's own sorts every due row of a partition per fetch).
//
// Worker leases (issue 16): each worker process holds a row in hookstream_queue.worker_leases, renewed every
// LEASE_RENEW_MS on a connection of its own, and marks every job it fetches as held by it (in the job's `output`,
// which pg-boss only writes when a job ends). Every renewal also reaps the leases that lapsed — expired, or whose
// renewing connection is gone from pg_stat_activity (a killed process's socket closes at once) — and gives their
// active jobs back to the queue, due now: a dead worker's attempts are taken over within seconds instead of waiting
// for pg-boss's job expiry (DELIVERY_TIMEOUT + JOB_EXPIRY_SLACK, then its maintenance sweep), which stays as the
// backstop. Fetching both lanes and completing a flush are one statement each, written here for that mark.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { ASYNC_COMMIT_OPTIONS } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import type { DeliveryQueue, FetchedJob, Lane, NewJob, PeriodicTask } from './queue.js';

const QUEUE_OF_LANE: Readonly<Record<Lane, string>> = Object.freeze({ now: 'delivery_attempt', later: 'delivery_retry' });
const LANE_OF_QUEUE = new Map<string, Lane>(Object.entries(QUEUE_OF_LANE).map(([lane, name]) => [name, lane as Lane]));
const WAKE_CHANNEL = 'hookstream_jobs';
/** pg-boss's queue creation (a partition per queue) deadlocks when several processes start at once: they take turns. */
const QUEUE_SETUP_LOCK = 0x686f6f6c; // "hool"
/** How often a worker renews its lease (and reaps the lapsed ones of others). */
const LEASE_RENEW_MS = 2_000;
/** A lease not renewed for this long has lapsed (its process may still run: a stall costs at most a duplicate). */
const LEASE_TTL_MS = 10_000;

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
    await withAdvisoryLock(options.pool, QUEUE_SETUP_LOCK, async () => {
      await createQueues(boss, options.expireInSeconds);
      for (const statement of LEASE_TABLE_SQL) await options.pool.query(statement);
    });
    await indexQueues(options.pool);
  } catch (error) {
    await boss.stop({ graceful: false, close: true, wait: true }).catch(() => {});
    throw error;
  }

  const runWith = (tx: Queryable): PgBoss.Db => ({ executeSql: (text, values) => tx.query(text, values) as Promise<{ rows: any[] }> });
  // pg-boss's own connections (commits that do not wait for the disk, see above) for fetching and completing.
  const bossDb = boss.getDb();
  const lease = createLease(options, bossDb);

  /**
   * Completes a flush's jobs of both lanes, those this worker still holds (a job given back meanwhile is another's):
   * a CTE whose constants are in its text (the queues' names, this process's lease id, a UUID of ours), so that it can
   * sit inside another module's named statement (queue.ts jobCompleteCte) as well as run alone (complete).
   */
  const completeCte = (name: string, ids: string) => {
    const queues = Object.values(QUEUE_OF_LANE).map((queue) => `'${queue}'`).join(', ');
    return `${name} as (
        update pgboss.job set completed_on = now(), state = 'completed', output = null
         where name in (${queues}) and id = any(${ids}::uuid[]) and state = 'active' and output->>'heldBy' = '${lease.workerId}'
        returning id)`;
  };

  return {
    wakeChannel: WAKE_CHANNEL,

    holdLease: (holdOptions) => lease.hold(holdOptions?.onHandOver),

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
      const { rows } = await bossDb.executeSql(FETCH_SQL, [QUEUE_OF_LANE.later, QUEUE_OF_LANE.now, max, JSON.stringify({ heldBy: lease.workerId })]);
      return (rows as { id: string; data: FetchedJob['data']; lane: Lane }[]).map((row) => ({
        id: row.id,
        lane: row.lane,
        data: { deliveryId: row.data.deliveryId, attemptNumber: row.data.attemptNumber },
      }));
    },

    jobCompleteCte: completeCte,

    async complete(jobs) {
      if (jobs.length === 0) return;
      await bossDb.executeSql(`with ${completeCte('completed', '$1')} select count(*) from completed`, [jobs.map((job) => job.id)]);
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
      await lease.release().catch(options.onError);
      await boss.stop({ graceful: false, close: true, wait: true });
    },
  };
}

/**
 * Both lanes in one statement: due `later` jobs first (by priority, then age), then `now` jobs in publish order up to
 * `max` in all, each locked with SKIP LOCKED and marked active and held by this worker — what pg-boss's fetch does
 * for a standard queue, plus the mark. A job that ran before counts a retry, as in pg-boss.
 */
const FETCH_SQL = `
  with later_next as (
    select id from pgboss.job
     where name = $1 and state < 'active' and start_after < now()
     order by priority desc, created_on, id
     limit $3 for update skip locked
  ), later as (
    update pgboss.job j
       set state = 'active', started_on = now(), output = $4::jsonb,
           retry_count = case when j.started_on is not null then j.retry_count + 1 else j.retry_count end
      from later_next n
     where j.name = $1 and j.id = n.id
    returning j.id, j.data, 'later' as lane
  ), now_next as (
    select id from pgboss.job
     where name = $2 and state < 'active' and start_after < now()
     order by created_on, id
     limit greatest(0, $3 - (select count(*) from later_next)) for update skip locked
  ), now_jobs as (
    update pgboss.job j
       set state = 'active', started_on = now(), output = $4::jsonb,
           retry_count = case when j.started_on is not null then j.retry_count + 1 else j.retry_count end
      from now_next n
     where j.name = $2 and j.id = n.id
    returning j.id, j.data, 'now' as lane
  )
  select * from later union all select * from now_jobs`;


type Lease = {
  readonly workerId: string;
  hold(onHandOver?: (jobs: number) => void): Promise<void>;
  release(): Promise<void>;
};

/**
 * This process's lease: a row renewed every LEASE_RENEW_MS on a connection of its own (whose backend pid the row keeps,
 * so that the others see at once when it is gone), each renewal also reaping the lapsed leases of other processes
 * and giving their active jobs back, due now, with a NOTIFY that wakes every worker.
 */
function createLease(options: PgBossQueueOptions, bossDb: PgBoss.Db): Lease {
  const workerId = randomUUID();
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let renewing: Promise<void> | null = null;
  let held = false;
  let onHandOver: ((jobs: number) => void) | undefined;

  async function connection(): Promise<pg.Client> {
    if (client) return client;
    const fresh = new pg.Client({ connectionString: options.databaseUrl, application_name: 'hookstream worker lease', options: ASYNC_COMMIT_OPTIONS });
    // A dropped connection is replaced on the next renewal (meanwhile the others may hand this worker's jobs over).
    fresh.on('error', () => {
      if (client === fresh) client = null;
    });
    await fresh.connect();
    client = fresh;
    return fresh;
  }

  async function renew(): Promise<void> {
    try {
      const { rows } = await (await connection()).query<{ handed: number }>(RENEW_SQL, [
        workerId,
        hostname(),
        process.pid,
        LEASE_TTL_MS,
        Object.values(QUEUE_OF_LANE),
        WAKE_CHANNEL,
      ]);
      if ((rows[0]?.handed ?? 0) > 0) onHandOver?.(rows[0]!.handed);
    } catch (error) {
      const broken = client;
      client = null;
      await broken?.end().catch(() => {});
      options.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  return {
    workerId,
    async hold(handOver) {
      if (held) return;
      held = true;
      onHandOver = handOver;
      await renew();
      timer = setInterval(() => {
        renewing ??= renew().finally(() => (renewing = null));
      }, LEASE_RENEW_MS);
      timer.unref();
    },
    async release() {
      if (!held) return;
      held = false;
      if (timer) clearInterval(timer);
      await renewing;
      // Whatever is still held goes back at once (after a graceful drain, nothing); then the lease goes.
      await bossDb.executeSql(RELEASE_SQL, [workerId, Object.values(QUEUE_OF_LANE)]);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

/** The leases' table, beside pg-boss's schema and as much this adapter's as pg-boss's own tables are. */
const LEASE_TABLE_SQL = [
  'create schema if not exists hookstream_queue',
  `create table if not exists hookstream_queue.worker_leases (
     worker_id uuid primary key,
     host text not null,
     pid integer not null,
     backend_pid integer not null,
     started_at timestamptz not null default now(),
     expires_at timestamptz not null
   )`,
];

/**
 * Renews this worker's lease (re-creating it if another process had reaped it), reaps every lease that has expired or
 * whose connection has left pg_stat_activity, and gives the active jobs those workers held back to the queue, due now.
 */
const RENEW_SQL = `
  with renewed as (
    insert into hookstream_queue.worker_leases (worker_id, host, pid, backend_pid, expires_at)
    values ($1, $2, $3, pg_backend_pid(), now() + $4 * interval '1 millisecond')
    on conflict (worker_id) do update set expires_at = excluded.expires_at, backend_pid = excluded.backend_pid
    returning worker_id
  ), lapsed as (
    delete from hookstream_queue.worker_leases l
     where l.worker_id <> $1
       and (l.expires_at < now() or not exists (select 1 from pg_stat_activity a where a.pid = l.backend_pid))
    returning l.worker_id::text as worker_id
  ), handed as (
    update pgboss.job j set state = 'retry', start_after = now(), output = null
     where exists (select 1 from lapsed)
       and j.name = any($5::text[]) and j.state = 'active' and j.output->>'heldBy' in (select worker_id from lapsed)
    returning j.id
  )
  select (select count(*)::int from handed) as handed,
         (select count(*) from renewed) as renewed,
         (select count(*) from (select pg_notify($6, '') from handed limit 1) as woken) as woken`;

/** A stopping worker's jobs still active go back at once, and its lease goes. */
const RELEASE_SQL = `
  with released as (delete from hookstream_queue.worker_leases where worker_id = $1)
  update pgboss.job set state = 'retry', start_after = now(), output = null
   where name = any($2::text[]) and state = 'active' and output->>'heldBy' = $1::text`;

function toPgBossJob(job: NewJob): PgBoss.JobInsert<FetchedJob['data']> {
  return {
    name: QUEUE_OF_LANE[job.lane],
    data: { deliveryId: job.deliveryId, attemptNumber: job.attemptNumber },
    ...(job.runAt ? { startAfter: job.runAt } : {}),
  };
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
