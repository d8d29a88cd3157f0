// Peer (b): the same on graphile-worker 0.17, one job per delivery: `addJob` per event from the platform's process,
// a worker process running a task that signs and POSTs. Its own database and schema; graphile-worker's defaults
// (LISTEN/NOTIFY wakes the workers on every new job, a poll every 2 s behind it) except:
//
// - concurrency 50 (PEER_CONCURRENCY), and a pool of concurrency + 2 connections, as its docs recommend;
// - GRAPHILE_BATCHING (see below): its documented batching (docs/performance#batching), the local queue (jobs
//   fetched and locked many at a time, `concurrency + 1` as the docs suggest to start) and batched completions
//   (`completeJobBatchDelay: 0`: completions that come together share a statement, without waiting for more). Tried
//   on this machine (4,000 jobs, twice each): 245–278/s with it, 243–251/s without; `addJob` (p50 110–130 ms with 32
//   in flight: a function call whose trigger NOTIFYs per job) bounds it either way.
import { Logger, makeWorkerUtils, run, runMigrations, type Runner, type WorkerUtils } from 'graphile-worker';
import { PEER_CONCURRENCY, type PeerJob, type SignedPoster } from './peer-delivery.js';

export const GRAPHILE_SCHEMA = 'bench_graphile_worker';
const TASK = 'deliver_webhook';
/** Its documented batching features on (true) or its plain defaults (false). */
export const GRAPHILE_BATCHING = true;
const POOL_SIZE = PEER_CONCURRENCY + 2;

/** Warnings and errors only, to stderr: the bench's stdout is the table and the JSON line. */
function createQuietLogger(onError: (error: Error) => void) {
  return new Logger(() => (level, message) => {
    const name = String(level);
    if (name === 'error' || name === 'warning') onError(new Error(`graphile-worker ${name}: ${message}`));
  });
}

/** The worker side (peer-process.ts): its schema migrated; `start()` runs the worker pool. */
export async function prepareGraphileWorker(databaseUrl: string, poster: SignedPoster, onError: (error: Error) => void) {
  const logger = createQuietLogger(onError);
  await runMigrations({ connectionString: databaseUrl, schema: GRAPHILE_SCHEMA, logger });
  let runner: Runner | null = null;
  return {
    async start() {
      runner = await run({
        connectionString: databaseUrl,
        schema: GRAPHILE_SCHEMA,
        concurrency: PEER_CONCURRENCY,
        maxPoolSize: POOL_SIZE,
        noHandleSignals: true,
        logger,
        taskList: { [TASK]: async (payload, helpers) => poster.deliver(String(helpers.job.id), payload as PeerJob) },
        ...(GRAPHILE_BATCHING ? { preset: { worker: { localQueue: { size: PEER_CONCURRENCY + 1 }, completeJobBatchDelay: 0 } } } : {}),
      });
    },
    async stop() {
      await runner?.stop();
    },
  };
}

/** The publishing side, in the bench process as in the platform's: one `addJob` (one statement) per event. */
export async function openGraphilePublisher(databaseUrl: string, connections: number) {
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: databaseUrl, schema: GRAPHILE_SCHEMA, maxPoolSize: connections, logger: createQuietLogger(() => {}) });
  return {
    async publish(job: PeerJob): Promise<void> {
      await utils.addJob(TASK, job);
    },
    close: async () => {
      await utils.release();
    },
  };
}
