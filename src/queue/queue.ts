// The delivery queue as a port (Convoy's queue.Queuer, svix's producer/consumer): what the engine needs of a job
// queue, and nothing of how one is built. One job is one attempt of one delivery; everything else about the
// delivery (its status, its place in the retry schedule, what triggered the attempt) lives on the delivery row, so a
// lost job can be rebuilt from the row alone. The only implementation is pg-boss (pg-boss-queue.ts), whose jobs live
// in the same PostgreSQL as the deliveries: a job is enqueued on the very transaction that writes its delivery.
import type { Queryable } from '../db/queryable.js';

export type AttemptJob = {
  deliveryId: string;
  /** The attempt this job makes (1 for the first, counting manual ones): a job whose attempt is recorded is done. */
  attemptNumber: number;
};

/**
 * `now`: a first attempt, due at once, taken in publish order. `later`: everything with a time or a person behind it
 * (retries, scheduled deliveries, manual retries); taken before `now` jobs once due, so that a due retry never waits
 * behind a backlog of first attempts.
 */
export type Lane = 'now' | 'later';

export type NewJob = AttemptJob & { lane: Lane; runAt?: Date };

export type FetchedJob = { id: string; lane: Lane; data: AttemptJob };

export type PeriodicTask = { name: string; cron: string; run: () => Promise<void> };

export interface DeliveryQueue {
  /** NOTIFY channel that wakes every worker process; the caller notifies it on the transaction that enqueues. */
  readonly wakeChannel: string;
  /** Inserts jobs on the caller's transaction: they exist if and only if it commits. */
  enqueue(tx: Queryable, jobs: readonly NewJob[]): Promise<void>;
  /**
   * The same within the caller's own statement, to publish in one round trip: the SQL of a data-modifying CTE named
   * `name` that inserts one job per row of the CTE `source`, whose columns are `delivery_id uuid, attempt_number int,
   * lane text ('now' | 'later'), run_at timestamptz (null: now)`. It returns one row per job. Its statement fails
   * as a whole if a job cannot be inserted.
   */
  jobInsertCte(name: string, source: string): string;
  /**
   * Worker processes, before their first fetch: holds this process's lease, renewed every few seconds. The jobs a
   * process fetches are held under its lease; when a lease lapses (the process died, its connection dropped, or it
   * stalled past the lease), another process gives its active jobs back to the queue at once. Recording an attempt
   * is idempotent, so a stalled process that comes back costs at most a duplicate request. `stop` releases it.
   */
  holdLease(options?: { onHandOver?: (jobs: number) => void }): Promise<void>;
  /** Up to `max` due jobs, `later` lane first; each is this worker's until completed, failed, expired or given back. */
  fetch(max: number): Promise<FetchedJob[]>;
  /** Done with these jobs (their attempts are recorded, or there was nothing to do); jobs given back meanwhile are not. */
  complete(jobs: readonly FetchedJob[]): Promise<void>;
  /**
   * The same within the caller's own statement, so that recording attempts and completing their jobs are one commit:
   * the SQL of a data-modifying CTE named `name` that completes the jobs whose ids are the `uuid[]` parameter `ids`
   * (e.g. `$23`). The text is the same on every call of a process (fit for a named prepared statement).
   */
  jobCompleteCte(name: string, ids: string): string;
  /** Gives a job back to be run again after a back-off (the worker could not record its attempt). */
  fail(job: FetchedJob, error: string): Promise<void>;
  /** Of these deliveries, the ones that still have a job that can run them (waiting, retrying or active). */
  deliveriesWithJobs(tx: Queryable, deliveryIds: readonly string[]): Promise<Set<string>>;
  /** Jobs waiting (due now or later). */
  depth(): Promise<number>;
  /** Runs `task` on its cron schedule, in one worker process at a time. */
  schedule(task: PeriodicTask): Promise<void>;
  stop(): Promise<void>;
}
