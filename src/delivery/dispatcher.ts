// Keeps up to `concurrency` attempt jobs in flight. It fetches as soon as it is woken (a NOTIFY from a committing
// publish, or a slot freeing up) and polls only as a safety net, so a new delivery starts in milliseconds.
import type PgBoss from 'pg-boss';
import type { Logger } from '../logger.js';
import { ATTEMPT_QUEUE, type AttemptJob } from './jobs.js';

export type JobDispatcher = {
  wake(): void;
  /** Stops fetching and waits for the attempts in flight to finish. */
  stop(): Promise<void>;
  inFlight(): number;
};

export function startDispatcher(options: {
  boss: PgBoss;
  concurrency: number;
  pollIntervalMs: number;
  log: Logger;
  handle: (job: AttemptJob) => Promise<void>;
}): JobDispatcher {
  const { boss, concurrency, log } = options;
  const running = new Set<Promise<void>>();
  let stopping = false;
  let woken = false;
  let wakeSleeper: (() => void) | null = null;

  const wake = () => {
    woken = true;
    wakeSleeper?.();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleeper = null;
        resolve();
      }
      wakeSleeper = done;
    });

  // Finished jobs are completed in batches, one statement for many: the attempt is already recorded, so a crash
  // before the batch goes out only means the job runs again and finds its attempt recorded.
  let finished: string[] = [];
  let flushing: Promise<void> | null = null;
  const flush = (): Promise<void> => {
    if (finished.length === 0) return flushing ?? Promise.resolve();
    const ids = finished;
    finished = [];
    const previous = flushing ?? Promise.resolve();
    const current: Promise<void> = previous
      .then(() => boss.complete(ATTEMPT_QUEUE, ids))
      .catch((error: unknown) => log.error({ err: error, jobs: ids.length }, 'completing attempt jobs failed; they will expire and re-run'))
      .finally(() => {
        if (flushing === current) flushing = null;
      });
    flushing = current;
    return current;
  };

  async function run(job: PgBoss.Job<AttemptJob>): Promise<void> {
    try {
      await options.handle(job.data);
      finished.push(job.id);
      if (finished.length >= 50) void flush();
      else setImmediate(() => void flush());
    } catch (error) {
      // The job goes back to pg-boss, which retries it after a back-off (e.g. the database was unreachable).
      log.error({ err: error, deliveryId: job.data.deliveryId, jobId: job.id }, 'attempt job failed; pg-boss will retry it');
      await boss.fail(ATTEMPT_QUEUE, job.id, { message: error instanceof Error ? error.message : String(error) }).catch(() => {});
    }
  }

  const loop = (async () => {
    while (!stopping) {
      woken = false;
      const free = concurrency - running.size;
      if (free > 0) {
        const jobs = await boss.fetch<AttemptJob>(ATTEMPT_QUEUE, { batchSize: free }).catch((error: unknown) => {
          log.error({ err: error }, 'fetching attempt jobs failed');
          return [] as PgBoss.Job<AttemptJob>[];
        });
        for (const job of jobs) {
          const task = run(job).finally(() => {
            running.delete(task);
            wake();
          });
          running.add(task);
        }
        if (jobs.length === free) continue; // there may be more waiting
      }
      if (!woken && !stopping) await sleep(options.pollIntervalMs);
    }
  })();

  return {
    wake,
    inFlight: () => running.size,
    async stop() {
      stopping = true;
      wake();
      await loop;
      await Promise.allSettled([...running]);
      await flush();
    },
  };
}
