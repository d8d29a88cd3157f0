// One attempt job: load the delivery, sign, send, and record the outcome in one transaction (the attempt row, the
// delivery's new status, the webhook's failure count, and the next attempt's job). Safe to run twice for the same
// job: an attempt number that is already recorded is not recorded again.
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import { withTransaction } from '../db/client.js';
import {
  failQueuedDeliveries,
  insertAttempt,
  loadDeliveryForAttempt,
  markDeliveryFailed,
  markDeliveryRetrying,
  recordWebhookFailure,
  recordSuccessfulAttempt,
  takeRateSlot,
  type DeliveryForAttempt,
} from '../db/delivery.js';
import { newId } from '../db/ids.js';
import { notifyDeliveryChanged, notifyWebhookChanged } from '../db/notifications.js';
import { isRetryAfterStatus, nextRetryDelay, parseRetryAfter } from '../domain/backoff.js';
import { publicId } from '../domain/public-id.js';
import { buildWebhookHeaders } from '../domain/signature.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { Logger } from '../logger.js';
import { enqueueAttempts, type AttemptJob, type Queryable } from './jobs.js';
import { sendWebhook, USER_AGENT, type SendOutcome } from './send.js';

type FailedSend = Extract<SendOutcome, { kind: 'failure' }>;

export type WorkerDeps = {
  pool: pg.Pool;
  boss: PgBoss;
  config: Config;
  dispatcher: Dispatcher;
  log: Logger;
  /** Decrypts the webhook's secrets and header values. */
  secretBox: SecretBox;
  /** Told of every HTTP attempt's outcome (metrics). */
  onAttempt?: (outcome: SendOutcome) => void;
};

export const REDACTED = '[redacted]';

export async function processAttempt(deps: WorkerDeps, job: AttemptJob): Promise<void> {
  const log = deps.log.child({ deliveryId: job.deliveryId, attempt: job.attemptNumber });
  const delivery = await loadDeliveryForAttempt(deps.pool, job.deliveryId, deps.secretBox);
  if (!delivery) return log.warn('delivery no longer exists; job dropped');
  // Already made (the job ran before and its worker died before completing it), or finished by other means.
  if (delivery.attempt_count >= job.attemptNumber) return log.info('attempt already recorded; job completed');
  if (delivery.status === 'SUCCEEDED' || delivery.status === 'FAILED') return log.info({ status: delivery.status }, 'delivery already finished');

  const skipReason = delivery.deleted_at ? 'webhook deleted' : !delivery.active ? 'webhook disabled' : delivery.archived || delivery.body === null ? 'delivery archived' : null;
  if (skipReason) {
    await withTransaction(deps.pool, async (client) => {
      await markDeliveryFailed(client, delivery.id, skipReason);
      await notifyDeliveryChanged(client, [{ id: delivery.id, accountId: delivery.account_id, webhookId: delivery.webhook_id, status: 'FAILED' }]);
    });
    return log.info({ reason: skipReason }, 'delivery not sent');
  }

  if (delivery.rate_limit_per_second) {
    // Over the webhook's rate limit: the attempt waits in the queue for the next second, holding no worker slot.
    const nextWindow = await takeRateSlot(deps.pool, delivery.webhook_id, delivery.rate_limit_per_second);
    if (nextWindow) {
      await withTransaction(deps.pool, (client) => enqueueAttempts(deps.boss, client, [{ ...job, startAfter: nextWindow }]));
      return log.debug({ until: nextWindow }, 'rate limited; attempt waits in the queue');
    }
  }
  const startedAt = new Date();
  const headers = buildRequestHeaders(delivery, startedAt);
  const outcome = await sendWebhook(deps.dispatcher, {
    url: delivery.url,
    method: delivery.http_method,
    headers,
    body: delivery.body!,
    timeoutMs: deps.config.deliveryTimeoutMs,
    allowPrivateTargets: deps.config.allowPrivateTargets,
  });
  deps.onAttempt?.(outcome);
  log.debug({ outcome: outcome.kind, status: outcome.status, durationMs: outcome.durationMs }, 'attempt sent');

  const attempt = {
    id: newId(),
    deliveryId: delivery.id,
    number: job.attemptNumber,
    trigger: job.trigger,
    startedAt,
    durationMs: outcome.durationMs,
    responseStatus: outcome.status,
    responseBody: outcome.body,
    error: outcome.kind === 'failure' ? outcome.error : null,
    requestHeaders: redactHeaders(headers, delivery),
  };
  // The common case, a success, is one statement; a failure decides retries and disabling in a transaction.
  if (outcome.kind === 'success') {
    await recordSuccessfulAttempt(deps.pool, { ...attempt, responseStatus: outcome.status }, { accountId: delivery.account_id, webhookId: delivery.webhook_id });
    return;
  }
  await withTransaction(deps.pool, async (client) => {
    const recorded = await insertAttempt(client, attempt);
    if (!recorded) return;
    // Retry-After dates count from when the answer came, not from when the attempt started.
    await recordFailure(deps, client, delivery, job, outcome, new Date());
  });
}

/** Standard Webhooks headers signed with every valid secret: the current one and, for 24 h after a rotation, the old. */
function buildRequestHeaders(delivery: DeliveryForAttempt, now: Date): Record<string, string> {
  const secrets = [delivery.secret];
  if (delivery.previous_secret && delivery.previous_secret_expires_at && delivery.previous_secret_expires_at > now) {
    secrets.push(delivery.previous_secret);
  }
  const custom = Object.fromEntries(delivery.headers.map((header) => [header.name, header.value]));
  return {
    ...custom,
    'user-agent': USER_AGENT,
    'content-type': 'application/json',
    ...buildWebhookHeaders({ msgId: publicId('Delivery', delivery.id), timestampSeconds: Math.floor(now.getTime() / 1000), body: delivery.body!, secrets }),
  };
}

/** What the attempt record keeps of the request: custom header values (often credentials) never. */
function redactHeaders(headers: Record<string, string>, delivery: DeliveryForAttempt): Record<string, string> {
  const custom = new Set(delivery.headers.map((header) => header.name));
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, custom.has(name) ? REDACTED : value]));
}

/** A failed attempt: count it against the webhook, then retry per the schedule or give up. */
async function recordFailure(deps: WorkerDeps, client: Queryable, delivery: DeliveryForAttempt, job: AttemptJob, outcome: FailedSend, now: Date) {
  const change = { id: delivery.id, accountId: delivery.account_id, webhookId: delivery.webhook_id };
  // Standard Webhooks: 410 Gone means the endpoint is gone for good; stop sending to it at once.
  const gone = outcome.status === 410;
  const { disabled, active } = await recordWebhookFailure(client, delivery.webhook_id, deps.config.disableAfterFailures, gone ? 'endpoint answered 410 Gone' : null);
  const automaticAttempts = job.automaticAttempts + (job.trigger === 'AUTOMATIC' ? 1 : 0);
  const retryAfterMs = outcome.status !== null && isRetryAfterStatus(outcome.status) ? parseRetryAfter(outcome.retryAfter, now) : null;
  // A manual retry is one attempt, as in Svix's "resend": it does not restart the schedule. A webhook disabled while
  // this attempt was in flight has already failed its queued deliveries, this one among them: it stays FAILED.
  const delay = !active || job.trigger === 'MANUAL' ? null : nextRetryDelay({ retrySchedule: deps.config.retrySchedule, attemptNumber: automaticAttempts, retryAfterMs });
  if (delay === null) {
    await markDeliveryFailed(client, delivery.id, active ? outcome.error : `${outcome.error}; webhook disabled`, { number: job.attemptNumber, responseStatus: outcome.status });
  } else {
    const nextAttemptAt = new Date(Date.now() + delay);
    await markDeliveryRetrying(client, delivery.id, job.attemptNumber, outcome.status, nextAttemptAt, outcome.error);
    await enqueueAttempts(deps.boss, client, [
      { deliveryId: delivery.id, attemptNumber: job.attemptNumber + 1, automaticAttempts, trigger: 'AUTOMATIC', startAfter: nextAttemptAt },
    ]);
  }
  await notifyDeliveryChanged(client, [{ ...change, status: delay === null ? 'FAILED' : 'RETRYING' }]);
  if (disabled) {
    const failed = await failQueuedDeliveries(client, delivery.webhook_id, 'webhook disabled');
    await notifyDeliveryChanged(client, failed.map((id) => ({ id, accountId: delivery.account_id, webhookId: delivery.webhook_id, status: 'FAILED' as const })));
    await notifyWebhookChanged(client, { id: delivery.webhook_id, accountId: delivery.account_id });
    deps.log.warn({ webhookId: delivery.webhook_id, deliveryId: delivery.id }, 'webhook disabled after failed attempts');
  }
}
