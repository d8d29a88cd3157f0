// Peer (a): what a team would build on pg-boss 10 alone, one job per delivery: `send` per event from the platform's
// process, `work` in a worker process that signs and POSTs. Its own database and schema; pg-boss as shipped (its own
// tables and indexes, no extra index), with the options a team tuning it for throughput would pick:
//
// - WORKERS × BATCH = 50 deliveries in flight (PEER_CONCURRENCY): 5 `work` loops fetching 10 jobs each and sending
//   them concurrently. One fetch statement per 10 jobs instead of per job; a batch is as slow as its slowest POST, a
//   cost that 10 (not 50) keeps small. Tried on this machine (4,000 jobs, twice each, shared and noisy): 50 × 1 gave
//   250–280/s with PostgreSQL busiest, 10 × 5 470–510/s, 5 × 10 590–1,050/s, 2 × 25 and 1 × 50 within the noise of
//   5 × 10 (860–1,140/s); beyond one fetch per 10 jobs the publishers' one commit per `send` bounds it.
// - pollingIntervalSeconds 0.5, pg-boss's minimum. pg-boss 10 has no LISTEN/NOTIFY: a worker sleeps out the rest of
//   the interval after every fetch, even a full one, unless notified; so a worker that got a full batch calls
//   `notifyWorker(itself)` and fetches again at once, and only an empty queue costs the interval.
// - `priority: false`: the jobs have no priorities, and the fetch then orders by creation only.
// - Per-job outcome: a failed POST fails that job only (pg-boss completes the rest of the batch).
import PgBoss from 'pg-boss';
import type { PeerJob, SignedPoster } from './peer-delivery.js';

export const PGBOSS_SCHEMA = 'bench_pgboss';
const QUEUE = 'webhook_delivery';
export const PGBOSS_WORKERS = 5;
export const PGBOSS_BATCH_SIZE = 10;
export const PGBOSS_POLLING_INTERVAL_SECONDS = 0.5;
/** Connections of the worker's pg-boss: enough for every loop to fetch while the others complete. */
const WORKER_POOL_SIZE = PGBOSS_WORKERS + 2;

/** The worker side (peer-process.ts): pg-boss started, migrated and its queue created; `start()` begins to work. */
export async function preparePgBossWorker(databaseUrl: string, poster: SignedPoster, onError: (error: Error) => void) {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: PGBOSS_SCHEMA, max: WORKER_POOL_SIZE, migrate: true, supervise: true, schedule: false });
  boss.on('error', onError);
  await boss.start();
  if (!(await boss.getQueue(QUEUE))) await boss.createQueue(QUEUE, { name: QUEUE, policy: 'standard', retryLimit: 3, retryDelay: 1 });
  return {
    async start() {
      for (let worker = 0; worker < PGBOSS_WORKERS; worker++) {
        let id = '';
        id = await boss.work<PeerJob>(
          QUEUE,
          { batchSize: PGBOSS_BATCH_SIZE, pollingIntervalSeconds: PGBOSS_POLLING_INTERVAL_SECONDS, priority: false },
          async (jobs) => {
            const outcomes = await Promise.allSettled(jobs.map((job) => poster.deliver(job.id, job.data)));
            const failed = jobs.filter((_, index) => outcomes[index]!.status === 'rejected').map((job) => job.id);
            if (failed.length) await boss.fail(QUEUE, failed);
            if (jobs.length === PGBOSS_BATCH_SIZE) boss.notifyWorker(id);
          },
        );
      }
    },
    stop: () => boss.stop({ graceful: false, close: true, wait: true }),
  };
}

/** The publishing side, in the bench process as in the platform's: one `send` (one INSERT, one commit) per event. */
export async function openPgBossPublisher(databaseUrl: string, connections: number) {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: PGBOSS_SCHEMA, max: connections, migrate: false, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  return {
    async publish(job: PeerJob): Promise<void> {
      const id = await boss.send(QUEUE, job);
      if (!id) throw new Error('pg-boss send returned no job id');
    },
    close: () => boss.stop({ graceful: false, close: true, wait: true }),
  };
}
