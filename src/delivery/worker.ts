// A batch of attempt jobs: load their deliveries in one query, decide for each whether it goes out, sign and send
// those that do (concurrently, through their channel), decide again from each outcome, and hand the results to the
// recorder, which writes a whole flush at once (svix-server's worker: Pending → CompletedDispatch, STYLE.md).
// Running a job twice is safe: an attempt number that is recorded already is neither sent nor recorded again.
import type pg from 'pg';
import { loadDeliveriesForAttempt, takeRateSlot, type AttemptRecord, type DeliveryForAttempt } from '../db/delivery.js';
import { newId } from '../db/ids.js';
import type { OrderingKey } from '../db/ordering.js';
import { isOperationalType } from '../domain/event-match.js';
import { decideAfterAttempt, decideBeforeAttempt, type RetryPolicy } from '../domain/retry-policy.js';
import type { SecretBox } from '../domain/secret-box.js';
import { publicId } from '../domain/public-id.js';
import { buildWebhookHeaders } from '../domain/signature.js';
import type { Logger } from '../logger.js';
import { transformBody } from '../transform/transform-body.js';
import type { TransformRunner } from '../transform/transform-runner.js';
import type { FetchedJob } from '../queue/queue.js';
import { isTracingOn, startAttemptSpan } from '../telemetry/index.js';
import type { AttemptOutcome, DeliveryChannel } from './channels/channel.js';
import type { Recorder, Recording } from './recorder.js';

/** How long an attempt whose transform could not run waits before it is tried again. */
const TRANSFORM_RETRY_MS = 2_000;

export type WorkerDeps = {
  pool: pg.Pool;
  /** The channel a webhook URL is delivered through (HTTP, or e-mail for `mailto:`). */
  channelFor: (url: string) => DeliveryChannel;
  /** The global policy; a webhook's own retry schedule (within RETRY_SCHEDULE's bounds) replaces its schedule. */
  policy: RetryPolicy;
  /** DELIVERY_TIMEOUT; a webhook's own timeout (at most this) replaces it. */
  timeoutMs: number;
  secretBox: SecretBox;
  /** Runs webhooks' transforms off the main thread, bounded in time and size. */
  transforms: TransformRunner;
  recorder: Recorder;
  log: Logger;
  /** Told of every attempt's outcome (metrics). */
  onAttempt?: (outcome: AttemptOutcome) => void;
};

/** Runs a fetched batch; returns one promise per job, settled when its result is recorded (or its job given back). */
export function createBatchRunner(deps: WorkerDeps) {
  const secrets = createDecryptCache(deps.secretBox);

  async function runJob(job: FetchedJob, delivery: DeliveryForAttempt | undefined): Promise<void> {
    if (!delivery) return deps.recorder.add({ kind: 'skip', job }); // deleted with its account
    const before = decideBeforeAttempt(
      {
        status: delivery.status,
        attemptCount: delivery.attempt_count,
        archived: delivery.archived || delivery.body === null,
        webhookActive: delivery.active,
        webhookDeleted: delivery.deleted_at !== null,
        expiresAt: delivery.expires_at,
        blockedByEarlier: delivery.blocked_by_earlier,
        supersededByNewer: delivery.superseded_by_newer,
      },
      job.data.attemptNumber,
    );
    if (before.action === 'skip') return deps.recorder.add({ kind: 'skip', job });
    const line = lineOf(delivery);
    if (before.action === 'end') return deps.recorder.add({ kind: 'end', job, deliveryId: delivery.id, status: before.status, reason: before.reason, line });
    if (before.action === 'hold') return deps.recorder.add({ kind: 'hold', job, deliveryId: delivery.id, expiresAt: delivery.expires_at, line: line! });

    if (delivery.rate_limit_per_second) {
      // Over the webhook's rate limit: the attempt waits in the queue for the next second, holding no worker slot.
      const nextWindow = await takeRateSlot(deps.pool, delivery.webhook_id, delivery.rate_limit_per_second);
      if (nextWindow) return deps.recorder.add({ kind: 'requeue', job, next: { ...job.data, lane: 'later', runAt: nextWindow } });
    }
    return deps.recorder.add(await attempt(job, delivery));
  }

  async function attempt(job: FetchedJob, delivery: DeliveryForAttempt): Promise<Recording> {
    const startedAt = new Date();
    // The webhook's transform rewrites the standard body once, before the first attempt; the result is what is signed
    // and sent, now and on every retry. A transform that fails sends nothing, and the delivery fails.
    const transformed = delivery.transform && !delivery.body_transformed ? await transformBody(deps.transforms, delivery.transform, delivery.body!) : null;
    if (transformed && !transformed.ok) {
      // Not run at all (the same expression just overran on other data, or the process is stopping): later, not failed.
      if (transformed.retryable) return { kind: 'requeue', job, next: { ...job.data, lane: 'later', runAt: new Date(Date.now() + TRANSFORM_RETRY_MS) } };
      return transformFailure(job, delivery, startedAt, transformed.error);
    }
    const body = transformed?.body ?? delivery.body!;
    const channel = deps.channelFor(delivery.url);
    // Tracing on: an HTTP client span per attempt, linked to the delivery's publish span; the receiver gets its
    // traceparent. Off: no span, no header.
    const span =
      isTracingOn() && channel.kind === 'HTTP'
        ? startAttemptSpan({
            publishTraceParent: delivery.trace_parent,
            url: delivery.url,
            method: delivery.http_method,
            deliveryId: delivery.id,
            webhookId: delivery.webhook_id,
            attemptNumber: job.data.attemptNumber,
            trigger: delivery.next_attempt_trigger,
          })
        : null;
    const outcome = await channel.send({
      deliveryId: publicId('Delivery', delivery.id),
      eventType: delivery.event_type,
      url: delivery.url,
      method: delivery.http_method,
      body,
      signatureHeaders: signatureHeaders(delivery, body, startedAt),
      customHeaders: delivery.headers.map((header) => ({ name: header.name, value: secrets.decrypt(header.value) })),
      timeoutMs: delivery.timeout_ms ?? deps.timeoutMs,
      traceHeaders: span?.headers(),
    });
    span?.end(outcome);
    deps.onAttempt?.(outcome);
    const trigger = delivery.next_attempt_trigger;
    // A retry's delay counts from when its outcome is recorded (Retry-After dates: from when the answer came).
    const policy = delivery.retry_schedule_ms ? { ...deps.policy, retrySchedule: delivery.retry_schedule_ms } : deps.policy;
    const decision = decideAfterAttempt(outcome, { trigger, automaticAttempts: delivery.automatic_attempts, webhookActive: delivery.active }, policy);
    const verdict = decision.delivery;
    const operational = isOperationalType(delivery.event_type);
    const record: AttemptRecord = {
      id: newId(),
      deliveryId: delivery.id,
      webhookId: delivery.webhook_id,
      number: job.data.attemptNumber,
      trigger,
      startedAt,
      durationMs: outcome.durationMs,
      responseStatus: outcome.status,
      responseBody: outcome.responseBody,
      error: outcome.kind === 'failure' ? outcome.error : null,
      requestHeaders: outcome.request,
      succeeded: outcome.kind === 'success',
      // Deliveries of operational events leave their webhook's count and streak alone: they raise no operational
      // events, so a webhook subscribed to hookstream.* can never feed on its own failures (webhook-transitions.ts).
      countsForWebhook: !operational,
      transformedBody: transformed?.body ?? null,
      status: verdict.status,
      retryDelayMs: verdict.status === 'RETRYING' ? verdict.delayMs : null,
      failureReason: verdict.status === 'FAILED' ? verdict.reason : outcome.kind === 'failure' ? outcome.error : null,
      automaticAttempts: verdict.automaticAttempts,
    };
    deps.log.debug({ deliveryId: publicId('Delivery', delivery.id), attempt: record.number, outcome: outcome.kind, status: outcome.status, durationMs: outcome.durationMs }, 'attempt sent');
    return {
      kind: 'attempt',
      job,
      accountId: delivery.account_id,
      record,
      goneReason: decision.webhook.disableReason,
      line: lineOf(delivery),
      eventType: delivery.event_type,
      operational,
      exhausted: verdict.status === 'FAILED' && verdict.exhausted,
      webhookFailing: delivery.webhook_failing,
    };
  }

  /** The transform failed: one attempt recorded, naming the transform, that never reached the endpoint. */
  function transformFailure(job: FetchedJob, delivery: DeliveryForAttempt, startedAt: Date, error: string): Recording {
    return {
      kind: 'attempt',
      job,
      accountId: delivery.account_id,
      goneReason: null,
      line: lineOf(delivery),
      eventType: delivery.event_type,
      operational: isOperationalType(delivery.event_type),
      exhausted: false,
      webhookFailing: delivery.webhook_failing,
      record: {
        id: newId(),
        deliveryId: delivery.id,
        webhookId: delivery.webhook_id,
        number: job.data.attemptNumber,
        trigger: delivery.next_attempt_trigger,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        responseStatus: null,
        responseBody: null,
        error,
        requestHeaders: null,
        succeeded: false,
        countsForWebhook: false,
        transformedBody: null,
        status: 'FAILED',
        retryDelayMs: null,
        failureReason: error,
        automaticAttempts: delivery.automatic_attempts,
      },
    };
  }

  /** Standard Webhooks headers signed with every valid secret: the current one and, for 24 h after a rotation, the old. */
  function signatureHeaders(delivery: DeliveryForAttempt, body: string, now: Date): Record<string, string> {
    const valid = [secrets.decrypt(delivery.secret)];
    if (delivery.previous_secret && delivery.previous_secret_expires_at && delivery.previous_secret_expires_at > now) valid.push(secrets.decrypt(delivery.previous_secret));
    return { ...buildWebhookHeaders({ msgId: publicId('Delivery', delivery.id), timestampSeconds: Math.floor(now.getTime() / 1000), body, secrets: valid }) };
  }

  return async function runBatch(jobs: readonly FetchedJob[]): Promise<Promise<void>[]> {
    const deliveries = new Map((await loadDeliveriesForAttempt(deps.pool, jobs.map((job) => job.data.deliveryId))).map((row) => [row.id, row]));
    return jobs.map((job) => runJob(job, deliveries.get(job.data.deliveryId)));
  };
}

/** The ordered line a delivery stands in (its webhook and key), or null for an unordered one. */
function lineOf(delivery: DeliveryForAttempt): OrderingKey | null {
  return delivery.ordering !== 'NONE' && delivery.ordering_key !== null ? { webhookId: delivery.webhook_id, orderingKey: delivery.ordering_key } : null;
}

/**
 * Decrypted secrets and header values by their stored form: each stored value has a nonce of its own, so the
 * ciphertext names the plaintext exactly, and a rotated secret is simply a new entry.
 */
function createDecryptCache(box: SecretBox, limit = 10_000) {
  const cache = new Map<string, string>();
  return {
    decrypt(stored: string): string {
      let plain = cache.get(stored);
      if (plain === undefined) {
        plain = box.decrypt(stored);
        if (cache.size >= limit) cache.clear();
        cache.set(stored, plain);
      }
      return plain;
    },
  };
}
