// Records what the worker decided, many attempts at a time: one statement writes every attempt of a flush (and its
// delivery and webhook changes, and their notifications); a flush with failures also disables webhooks, fails what
// they had queued and queues the retries, and one with ordered deliveries hands each finished delivery's turn to the
// next in its line — in one transaction. Then the flush's jobs are completed in one statement: the attempts are
// recorded already, so a crash in between only means a job runs again and finds its attempt done.
import { publicId } from '../domain/public-id.js';
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { disableWebhooks, endDeliveries, failQueuedDeliveries, recordAttempts, type AttemptRecord, type WebhookCount } from '../db/delivery.js';
import { holdDeliveries, lockKeys, releaseNext, type OrderingKey } from '../db/ordering.js';
import { deliveryNotifications, notify, webhookNotifications, type DeliveryChange, type Notification } from '../db/notifications.js';
import type { Queryable } from '../db/queryable.js';
import { decideWebhookDisable } from '../domain/retry-policy.js';
import type { Logger } from '../logger.js';
import type { DeliveryQueue, FetchedJob, NewJob } from '../queue/queue.js';

/** One job's result, as the worker hands it over. `line`: the ordered line the delivery stands in, if any. */
export type Recording =
  /** An attempt was made: record it (a RETRYING delivery gets its next attempt's job). */
  | { kind: 'attempt'; job: FetchedJob; accountId: string; record: AttemptRecord; goneReason: string | null; line: OrderingKey | null }
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

export function createRecorder(deps: { pool: pg.Pool; queue: DeliveryQueue; disableAfterFailures: number; log: Logger; wakeLocal: () => void }): Recorder {
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
    const simple = recordings.every((r) => r.kind === 'skip' || (r.kind === 'attempt' && r.record.succeeded && r.line === null));
    if (simple) {
      // The common case, successes only: one statement, its own commit (a reset failure count cannot disable anything).
      await recordAttempts(deps.pool, attempts.map((a) => a.record), deliveryNotifications(changes));
    } else {
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
    const recorded = await recordAttempts(client, attempts.map((a) => a.record), deliveryNotifications(changes));
    const disabled = await disableWhereDue(client, recorded.webhooks, attempts);
    const disabledIds = new Set(disabled.map((webhook) => webhook.id));
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
      ...webhookNotifications(disabled.map((webhook) => ({ id: webhook.id, accountId: webhook.account_id }))),
    ];
    await notify(client, notifications);
    for (const webhook of disabled) deps.log.warn({ webhookId: publicId('Webhook', webhook.id), failedQueued: failedQueued.length }, 'webhook disabled after failed attempts');
    return jobs.length > 0;
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

  /** Webhooks whose count (or a 410) says they are disabled now. */
  async function disableWhereDue(client: Queryable, counts: WebhookCount[], attempts: Extract<Recording, { kind: 'attempt' }>[]) {
    const gone = new Map(attempts.filter((a) => a.goneReason).map((a) => [a.record.webhookId, a.goneReason!]));
    const due = new Map<string, string>();
    for (const webhook of counts) {
      const reason = decideWebhookDisable({ active: webhook.active, failureCount: webhook.failure_count, goneReason: gone.get(webhook.id) ?? null }, deps);
      if (reason) due.set(webhook.id, reason);
    }
    // A 410 from a webhook whose count did not move (it was reset by a success in the same flush) still disables it.
    for (const [webhookId, reason] of gone) if (!due.has(webhookId) && !counts.some((c) => c.id === webhookId)) due.set(webhookId, reason);
    return disableWebhooks(client, [...due].map(([id, reason]) => ({ id, reason })));
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
