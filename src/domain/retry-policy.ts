/**
 * The one decision about a delivery's attempts, before and after each: send or not, succeed, retry at T, or fail with
 * a reason; and what the attempt does to its webhook (reset or count its consecutive failures, disable it). Pure:
 * the worker loads the state, asks here, and records what comes back in one write (svix-server's
 * `calculate_retry_delay`, Convoy's `retrystrategies/`). CONTRACT.md, "What a webhook endpoint receives":
 * `RETRY_SCHEDULE` delays, Retry-After on 429/503, `DISABLE_AFTER_FAILURES`, 410 Gone.
 */
import { nextRetryDelay } from './backoff.js';

export type AttemptTrigger = 'AUTOMATIC' | 'MANUAL';

export type RetryPolicy = {
  /** Delays in ms before retry 1, 2, …: the webhook's own schedule, or RETRY_SCHEDULE. */
  readonly retrySchedule: readonly number[];
  /** Consecutive failed attempts that disable the webhook (DISABLE_AFTER_FAILURES). */
  readonly disableAfterFailures: number;
};

/** What the worker knows of a delivery and its webhook when a job for it comes up. */
export type DeliveryState = {
  readonly status: 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'EXPIRED' | 'SUPERSEDED';
  /** Attempts recorded so far (automatic and manual). */
  readonly attemptCount: number;
  readonly archived: boolean;
  readonly webhookActive: boolean;
  readonly webhookDeleted: boolean;
  /** Not succeeded by then: EXPIRED (publishEvent's expiresAt). */
  readonly expiresAt?: Date | null;
  /** An ordered webhook: a delivery of the same key with a lower sequence is still waiting or retrying. */
  readonly blockedByEarlier?: boolean;
  /** LATEST_PER_KEY: a newer event of the same key exists, and this delivery was never attempted. */
  readonly supersededByNewer?: boolean;
};

export type BeforeAttempt =
  | { action: 'send' }
  /** Nothing to do: complete the job, change nothing. */
  | { action: 'skip'; why: string }
  /** The delivery ends unsent, with this status and reason. */
  | { action: 'end'; status: 'FAILED' | 'EXPIRED' | 'SUPERSEDED'; reason: string }
  /** The delivery waits, without a job, until the one before it in its key's line finishes. */
  | { action: 'hold' };

/**
 * Whether a job's attempt goes out (CONTRACT.md, "The booking's timeline"). The order of the checks matters: a
 * delivery whose webhook went away fails before it could expire, and one that expired is not held for its turn.
 */
export function decideBeforeAttempt(delivery: DeliveryState, attemptNumber: number, now: Date = new Date()): BeforeAttempt {
  // The job ran before and its worker died before completing it: that attempt is recorded, never sent twice.
  if (delivery.attemptCount >= attemptNumber) return { action: 'skip', why: 'attempt already recorded' };
  if (delivery.status !== 'PENDING' && delivery.status !== 'RETRYING') return { action: 'skip', why: `delivery already ${delivery.status}` };
  if (delivery.webhookDeleted) return { action: 'end', status: 'FAILED', reason: 'webhook deleted' };
  if (!delivery.webhookActive) return { action: 'end', status: 'FAILED', reason: 'webhook disabled' };
  if (delivery.archived) return { action: 'end', status: 'FAILED', reason: 'delivery archived' };
  if (delivery.expiresAt && delivery.expiresAt.getTime() <= now.getTime()) return { action: 'end', status: 'EXPIRED', reason: 'expired before it was delivered' };
  // The receiver gets the latest state, never a stale one: a newer event of the key makes this one moot.
  if (delivery.supersededByNewer && delivery.attemptCount === 0) return { action: 'end', status: 'SUPERSEDED', reason: 'superseded by a newer event of its key' };
  if (delivery.blockedByEarlier) return { action: 'hold' };
  return { action: 'send' };
}

/** A channel's outcome, in the terms the decision needs (delivery/channels/channel.ts AttemptOutcome fits). */
export type OutcomeSummary =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'failure';
      readonly error: string;
      /** The receiver's own wait (Retry-After on 429/503), ms. */
      readonly retryAfterMs: number | null;
      /** No later attempt can succeed (an SMTP 5xx): fail now. */
      readonly permanent: boolean;
      /** The endpoint is gone for good (410): disable the webhook now, with this reason. */
      readonly disableReason: string | null;
    };

export type AttemptContext = {
  readonly trigger: AttemptTrigger;
  /** Automatic attempts made before this one: where in the schedule the delivery stands. */
  readonly automaticAttempts: number;
  /** Whether the webhook was still active when the attempt finished (an admin may have disabled it meanwhile). */
  readonly webhookActive: boolean;
};

export type DeliveryVerdict =
  | { readonly status: 'SUCCEEDED'; readonly automaticAttempts: number }
  /** The next attempt `delayMs` from when this outcome is recorded. */
  | { readonly status: 'RETRYING'; readonly delayMs: number; readonly automaticAttempts: number }
  | {
      readonly status: 'FAILED';
      readonly reason: string;
      readonly automaticAttempts: number;
      /** Every scheduled attempt was made and failed (`hookstream.delivery.exhausted`); false when cut short. */
      readonly exhausted: boolean;
    };

export type WebhookEffect = {
  /** A success resets the webhook's consecutive-failure count; a failure adds one. */
  readonly succeeded: boolean;
  /** Disable now, whatever the count (410 Gone). */
  readonly disableReason: string | null;
};

/** After an attempt: the delivery's next state and the attempt's effect on its webhook. */
export function decideAfterAttempt(outcome: OutcomeSummary, context: AttemptContext, policy: RetryPolicy): { delivery: DeliveryVerdict; webhook: WebhookEffect } {
  // (expiresAt needs nothing here: a retry due after it is queued for that moment instead, and ends EXPIRED then.)
  const automaticAttempts = context.automaticAttempts + (context.trigger === 'AUTOMATIC' ? 1 : 0);
  if (outcome.kind === 'success') return { delivery: { status: 'SUCCEEDED', automaticAttempts }, webhook: { succeeded: true, disableReason: null } };

  const webhook = { succeeded: false, disableReason: outcome.disableReason };
  const fail = (reason: string, exhausted: boolean) => ({ delivery: { status: 'FAILED' as const, reason, automaticAttempts, exhausted }, webhook });
  // A webhook disabled while this attempt was in flight has failed its queued deliveries, this one among them.
  if (!context.webhookActive || outcome.disableReason) return fail(`${outcome.error}; webhook disabled`, false);
  if (outcome.permanent) return fail(outcome.error, false);
  // A manual retry is one attempt (Svix's "resend"): it neither restarts nor continues the schedule.
  if (context.trigger === 'MANUAL') return fail(outcome.error, false);
  const delay = nextRetryDelay({ retrySchedule: policy.retrySchedule, attemptNumber: automaticAttempts, retryAfterMs: outcome.retryAfterMs });
  if (delay === null) return fail(outcome.error, true);
  return { delivery: { status: 'RETRYING', delayMs: delay, automaticAttempts }, webhook };
}

/**
 * Whether a webhook is disabled now, given its consecutive failures after this batch of attempts was counted:
 * DISABLE_AFTER_FAILURES, or a 410 seen in the batch. Null: it stays active.
 */
export function decideWebhookDisable(webhook: { active: boolean; failureCount: number; goneReason: string | null }, policy: Pick<RetryPolicy, 'disableAfterFailures'>): string | null {
  if (!webhook.active) return null;
  if (webhook.goneReason) return webhook.goneReason;
  if (webhook.failureCount >= policy.disableAfterFailures) return `disabled after ${webhook.failureCount} consecutive failed attempts`;
  return null;
}
