// Keeps up to `concurrency` attempts in flight. It fetches as soon as it is woken (a NOTIFY from a committing
// publish, or a slot freeing up) and polls only as a safety net, so a new delivery starts in milliseconds; each
// fetch takes as many jobs as there are free slots, and they are loaded and run as one batch.
import { publicId } from '../domain/public-id.js';
import type { Logger } from '../logger.js';
import type { DeliveryQueue, FetchedJob } from '../queue/queue.js';

export type JobDispatcher = {
  wake(): void;
  /** Stops fetching and waits for the attempts in flight to finish and be recorded. */
  stop(): Promise<void>;
  inFlight(): number;
};

export function startDispatcher(options: {
  queue: DeliveryQueue;
  concurrency: number;
  pollIntervalMs: number;
  log: Logger;
  /** Runs a batch; one promise per job, settled when that job's result is recorded. */
  runBatch: (jobs: readonly FetchedJob[]) => Promise<Promise<void>[]>;
}): JobDispatcher {
  const { queue, concurrency, log } = options;
  let running = 0;
  const batches = new Set<Promise<unknown>>();
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

  /** A job whose result could not be written goes back to the queue, which runs it again after a back-off. */
  const giveBack = (job: FetchedJob, error: unknown) => {
    log.error({ err: error, deliveryId: publicId('Delivery', job.data.deliveryId), jobId: job.id }, 'attempt job failed; it will run again');
    return queue.fail(job, error instanceof Error ? error.message : String(error)).catch(() => {});
  };

  function start(jobs: FetchedJob[]) {
    running += jobs.length;
    const batch = (async () => {
      let perJob: Promise<void>[];
      try {
        perJob = await options.runBatch(jobs);
      } catch (error) {
        // The batch could not even be loaded (the database is unreachable): every job goes back.
        await Promise.all(jobs.map((job) => giveBack(job, error)));
        running -= jobs.length;
        wake();
        return;
      }
      await Promise.all(
        perJob.map((done, index) =>
          done
            .catch((error: unknown) => giveBack(jobs[index]!, error))
            .finally(() => {
              running--;
              wake();
            }),
        ),
      );
    })();
    batches.add(batch);
    void batch.finally(() => batches.delete(batch));
  }

  const loop = (async () => {
    while (!stopping) {
      woken = false;
      const free = concurrency - running;
      if (free > 0) {
        const jobs = await queue.fetch(free).catch((error: unknown) => {
          log.error({ err: error }, 'fetching attempt jobs failed');
          return [] as FetchedJob[];
        });
        if (jobs.length > 0) start(jobs);
        if (jobs.length === free) continue; // there may be more waiting
      }
      if (!woken && !stopping) await sleep(options.pollIntervalMs);
    }
  })();

  return {
    wake,
    inFlight: () => running,
    async stop() {
      stopping = true;
      wake();
      await loop;
      await Promise.allSettled([...batches]);
    },
  };
}
