// Records what the worker decided, many attempts at a time: one statement writes every attempt of a flush (and its
// delivery and webhook changes, and their notifications); a flush with failures also disables webhooks, fails what
// they had queued and queues the retries, and one with ordered deliveries hands each finished delivery's turn to the
// next in its line — in one transaction. A flush of successes completes its jobs in its one statement; any other
// completes them in one statement after its commit: the attempts are recorded already, so a crash in between only
// means a job runs again and finds its attempt done.
//
// The same transaction announces what the flush did to its webhooks (operational events, webhook-transitions.ts):
// it reads and locks the webhooks' state before recording, decides the transitions from before and after, writes
// their streaks and publishes the events through the publisher's writeWithin. A flush of successes only takes the
// one-statement path unless one of its webhooks was failing when its delivery was loaded (its success may end a
// streak); one that was not, but began failing meanwhile in another flush, is caught after that statement.
import { publicId } from '../domain/public-id.js';
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { disableWebhooks, endDeliveries, failQueuedDeliveries, recordAttempts, type AttemptRecord, type WebhookCount } from '../db/delivery.js';
import { holdDeliveries, lockKeys, releaseNext, type OrderingKey } from '../db/ordering.js';
import { lockWebhookStates, writeStreaks } from '../db/webhook-lifecycle.js';
import { deliveryNotifications, notify, webhookNotifications, type DeliveryChange, type Notification } from '../db/notifications.js';
import type { Queryable } from '../db/queryable.js';
import { decideWebhookDisable } from '../domain/retry-policy.js';
import type { Logger } from '../logger.js';
import type { DeliveryQueue, FetchedJob, NewJob } from '../queue/queue.js';
import type { Publisher } from './publisher.js';
import { decideFlushTransitions, type FlushDisable } from './webhook-transitions.js';

/** One job's result, as the worker hands it over. `line`: the ordered line the delivery stands in, if any. */
export type Recording =
  /**
   * An attempt was made: record it (a RETRYING delivery gets its next attempt's job). `eventType`: the delivery's;
   * `operational`: it carries a `hookstream.*` event (raises no operational events); `exhausted`: it failed with every
   * scheduled attempt made; `webhookFailing`: its webhook was in a failing streak when the delivery was loaded.
   */
  | {
      kind: 'attempt';
      job: FetchedJob;
      accountId: string;
      record: AttemptRecord;
      goneReason: string | null;
      line: OrderingKey | null;
      eventType: string;
      operational: boolean;
      exhausted: boolean;
      webhookFailing: boolean;
    }
  /** The delivery ends unsent: FAILED (its webhook went away, archived), EXPIRED or SUPERSEDED. */
  | { kind: 'end'; job: FetchedJob; deliveryId: string; status: 'FAILED' | 'EXPIRED' | 'SUPERSEDED'; reason: string; line: OrderingKey | null }
  /** The delivery waits, without a job, for the one before it in its line (a job at its expiry, if it has one). */
  | { kind: 'hold'; job: FetchedJob; deliveryId: string; expiresAt: Date | null; line: OrderingKey }
  /** The attempt waits (a rate limit): a new job at `job.runAt` replaces this one. */
  | { kind: 'requeue'; job: FetchedJob; next: NewJob }
  /** Nothing to write (the attempt was recorded before, the delivery finished by other means). */
  | { kind: 'skip'; job: FetchedJob };

export type Recorder = {
  /** Resolves once the recording is written (and its job completed); rejects when the write failed. */
  add(recording: Recording): Promise<void>;
  /** Writes whatever is waiting, and waits for flushes under way. */
  drain(): Promise<void>;
};

const FLUSH_SIZE = 100;

export type RecorderDeps = {
  pool: pg.Pool;
  queue: DeliveryQueue;
  disableAfterFailures: number;
  log: Logger;
  wakeLocal: () => void;
  /** Publishes operational events on the flush's transaction. */
  publishWithin: Publisher['writeWithin'];
};

export function createRecorder(deps: RecorderDeps): Recorder {
  let waiting: { recording: Recording; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing: Promise<void> | null = null;
  let scheduled = false;

  const schedule = () => {
    if (flushing || scheduled || waiting.length === 0) return;
    scheduled = true;
    // A tick's worth of outcomes goes out together; under load a flush is under way and the next one fills up meanwhile.
    setImmediate(() => {
      scheduled = false;
      if (!flushing) flushing = runFlushes();
    });
  };

  async function runFlushes(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, FLUSH_SIZE);
      waiting = waiting.slice(batch.length);
      try {
        await write(batch.map((entry) => entry.recording));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    flushing = null;
  }

  async function write(recordings: Recording[]): Promise<void> {
    const attempts = recordings.filter((r): r is Extract<Recording, { kind: 'attempt' }> => r.kind === 'attempt');
    const changes = attempts.map((a) => ({ id: a.record.deliveryId, accountId: a.accountId, webhookId: a.record.webhookId, status: a.record.status }));
    const simple = recordings.every((r) => r.kind === 'skip' || (r.kind === 'attempt' && r.record.succeeded && r.line === null && !r.webhookFailing));
    if (simple && attempts.length > 0) {
      // The common case, successes only: one statement, its own commit (a reset failure count cannot disable anything),
      // which completes the flush's jobs too: recorded and done commit together.
      const completing = { jobIds: recordings.map((r) => r.job.id), cte: deps.queue.jobCompleteCte };
      const recorded = await recordAttempts(deps.pool, attempts.map((a) => a.record), deliveryNotifications(changes), completing);
      // A count reset from above zero: that webhook began failing after its delivery was loaded, and this ended it.
      if (recorded.webhooks.length > 0) {
        const reset = new Set(recorded.webhooks.map((webhook) => webhook.id));
        const jobsQueued = await withTransaction(deps.pool, (client) => announceLateRecoveries(client, attempts.filter((a) => reset.has(a.record.webhookId))));
        if (jobsQueued) deps.wakeLocal();
      }
      return;
    }
    if (!simple) {
      const jobsQueued = await withTransaction(deps.pool, (client) => writeWithFailures(client, recordings, attempts, changes));
      if (jobsQueued) deps.wakeLocal();
    }
    await deps.queue.complete(recordings.map((r) => r.job));
  }

  async function writeWithFailures(
    client: pg.PoolClient,
    recordings: Recording[],
    attempts: Extract<Recording, { kind: 'attempt' }>[],
    changes: DeliveryChange[],
  ): Promise<boolean> {
    // Read and locked before anything is recorded: the webhooks as they were before this flush. Only those whose
    // attempts can change them (an operational delivery's outcome counts for nothing, but its 410 disables).
    const states = await lockWebhookStates(client, attempts.filter((a) => a.record.countsForWebhook || a.goneReason).map((a) => a.record.webhookId));
    const recorded = await recordAttempts(client, attempts.map((a) => a.record), deliveryNotifications(changes));
    const disabled = await disableWhereDue(client, recorded.webhooks, attempts);
    const disabledIds = new Set(disabled.map((webhook) => webhook.id));
    const transitions = decideFlushTransitions(states, attempts, disabled);
    await writeStreaks(client, transitions.streaks);
    // After the disables: a webhook this flush disabled receives none of them.
    const published = await deps.publishWithin(client, transitions.events);
    const failedQueued = await failQueuedDeliveries(client, [...disabledIds], 'webhook disabled');
    const ended = await endDeliveries(
      client,
      recordings.flatMap((r) => (r.kind === 'end' ? [{ deliveryId: r.deliveryId, status: r.status, reason: r.reason }] : [])),
    );
    // Retries of the deliveries that are RETRYING now, due when the record says (or at their expiry, to end them
    // then); a webhook this flush disabled has failed its deliveries, so theirs are not queued.
    const numberOf = new Map(attempts.map((a) => [a.record.deliveryId, a.record]));
    const retries: NewJob[] = recorded.retrying.flatMap((delivery) => {
      const record = numberOf.get(delivery.id);
      if (!record || disabledIds.has(record.webhookId)) return [];
      const runAt = delivery.expires_at && delivery.expires_at < delivery.next_attempt_at ? delivery.expires_at : delivery.next_attempt_at;
      return [{ deliveryId: delivery.id, attemptNumber: record.number + 1, lane: 'later' as const, runAt }];
    });
    const requeued = recordings.flatMap((r) => (r.kind === 'requeue' ? [r.next] : []));
    const turns = await handOnTurns(client, recordings, recorded.retrying.map((delivery) => delivery.id), disabledIds);
    const jobs = [...retries, ...requeued, ...turns];
    await deps.queue.enqueue(client, jobs);
    const notifications: Notification[] = [
      ...(jobs.length > 0 ? [{ channel: deps.queue.wakeChannel, payload: '' }] : []),
      ...deliveryNotifications([
        ...failedQueued.map((row) => ({ id: row.id, accountId: row.account_id, webhookId: row.webhook_id, status: 'FAILED' as const })),
        ...ended.map((row) => ({ id: row.id, accountId: row.account_id, webhookId: row.webhook_id, status: row.status })),
      ]),
      ...webhookNotifications(
        [
          ...disabled.map((webhook) => ({ id: webhook.id, accountId: webhook.account_id })),
          ...transitions.streaks.filter((streak) => !disabledIds.has(streak.webhookId)).map((streak) => ({ id: streak.webhookId, accountId: states.get(streak.webhookId)!.account_id })),
        ],
      ),
    ];
    await notify(client, notifications);
    for (const webhook of disabled) deps.log.warn({ webhookId: publicId('Webhook', webhook.id), reason: webhook.reason, failedQueued: failedQueued.length }, 'webhook disabled after failed attempts');
    return jobs.length > 0 || published.deliveryCount > 0;
  }

  /** The recoveries a one-statement flush made: streaks ended and announced, if no other flush did meanwhile. */
  async function announceLateRecoveries(client: pg.PoolClient, attempts: Extract<Recording, { kind: 'attempt' }>[]): Promise<boolean> {
    const states = await lockWebhookStates(client, attempts.map((a) => a.record.webhookId));
    // Only where the count is still zero: a failure recorded since then means the streak went on.
    const still = new Map([...states].filter(([, state]) => state.failing_since !== null && state.failure_count === 0));
    const transitions = decideFlushTransitions(still, attempts.filter((a) => still.has(a.record.webhookId)), []);
    await writeStreaks(client, transitions.streaks);
    const published = await deps.publishWithin(client, transitions.events);
    await notify(client, webhookNotifications(transitions.streaks.map((streak) => ({ id: streak.webhookId, accountId: still.get(streak.webhookId)!.account_id }))));
    return published.deliveryCount > 0;
  }

  /**
   * Ordered lines (CONTRACT.md, "The booking's timeline"): deliveries that must wait for the one before them are held
   * (unless it finished meanwhile: then they go now), and each line whose delivery finished in this flush hands its
   * turn to the next held one. Returns the jobs this makes. Keys are locked first, together, in one order.
   */
  async function handOnTurns(client: Queryable, recordings: Recording[], stillRetrying: readonly string[], disabledIds: ReadonlySet<string>): Promise<NewJob[]> {
    const retrying = new Set(stillRetrying);
    const holds = recordings.filter((r): r is Extract<Recording, { kind: 'hold' }> => r.kind === 'hold' && !disabledIds.has(r.line.webhookId));
    const finishedLines = recordings.flatMap((r) =>
      (r.kind === 'attempt' && !retrying.has(r.record.deliveryId)) || r.kind === 'end' ? (r.line && !disabledIds.has(r.line.webhookId) ? [r.line] : []) : [],
    );
    if (holds.length === 0 && finishedLines.length === 0) return [];
    await lockKeys(client, [...holds.map((h) => h.line), ...finishedLines]);
    const held = await holdDeliveries(client, holds.map((h) => h.deliveryId));
    const jobs: NewJob[] = holds.flatMap((h): NewJob[] => {
      const again = { deliveryId: h.deliveryId, attemptNumber: h.job.data.attemptNumber, lane: 'later' as const };
      if (!held.has(h.deliveryId)) return [again]; // its predecessor finished meanwhile: its turn is now
      return h.expiresAt ? [{ ...again, runAt: h.expiresAt }] : [];
    });
    const now = Date.now();
    for (const next of await releaseNext(client, finishedLines)) {
      const due = next.next_attempt_at && next.next_attempt_at.getTime() > now ? { runAt: next.next_attempt_at } : {};
      jobs.push({ deliveryId: next.id, attemptNumber: next.attempt_count + 1, lane: 'later', ...due });
    }
    return jobs;
  }

  /**
   * Webhooks whose count (or a 410) says they are disabled now, with the reason and whether it is announced: not when
   * only an operational delivery's 410 did it (operational deliveries raise no operational events).
   */
  async function disableWhereDue(client: Queryable, counts: WebhookCount[], attempts: Extract<Recording, { kind: 'attempt' }>[]): Promise<(FlushDisable & { account_id: string })[]> {
    const goneAttempts = attempts.filter((a) => a.goneReason);
    const gone = new Map(goneAttempts.map((a) => [a.record.webhookId, a.goneReason!]));
    const goneAnnounced = new Set(goneAttempts.filter((a) => !a.operational).map((a) => a.record.webhookId));
    const due = new Map<string, { reason: string; announce: boolean }>();
    for (const webhook of counts) {
      const goneReason = gone.get(webhook.id) ?? null;
      const reason = decideWebhookDisable({ active: webhook.active, failureCount: webhook.failure_count, goneReason }, deps);
      if (reason) due.set(webhook.id, { reason, announce: reason !== goneReason || goneAnnounced.has(webhook.id) });
    }
    // A 410 from a webhook whose count did not move (it was reset by a success in the same flush) still disables it.
    for (const [webhookId, reason] of gone) if (!due.has(webhookId) && !counts.some((c) => c.id === webhookId)) due.set(webhookId, { reason, announce: goneAnnounced.has(webhookId) });
    const disabled = await disableWebhooks(client, [...due].map(([id, { reason }]) => ({ id, reason })));
    return disabled.map((webhook) => ({ ...webhook, ...due.get(webhook.id)! }));
  }

  return {
    add(recording) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ recording, resolve, reject });
        if (waiting.length >= FLUSH_SIZE && !flushing) flushing = runFlushes();
        else schedule();
      });
    },
    async drain() {
      while (waiting.length > 0 || flushing || scheduled) {
        if (!flushing && waiting.length > 0) flushing = runFlushes();
        await (flushing ?? new Promise((resolve) => setImmediate(resolve)));
      }
    },
  };
}
