/**
 * The endpoint's lifecycle as pure rules (CONTRACT.md, "Operational events"): whether a flush of attempt outcomes
 * starts a failing streak or ends one, and what the periodic DISABLE_AFTER_FAILING_FOR check does with a webhook that
 * has been failing for a while. The recorder and the periodic check load the state, ask here, and write what comes
 * back in the same transaction as the events they publish.
 */

/** One counted attempt of a webhook in a flush, in the order the flush records them. */
export type CountedAttempt = { readonly succeeded: boolean };

export type StreakChange = {
  /** A streak was running and an attempt succeeded: `hookstream.webhook.recovered`. */
  readonly recovered: boolean;
  /**
   * A new streak begins with this attempt (its index in the flush): `hookstream.webhook.failing`. Null: none begins
   * (no failure after the flush's last success, or the streak that was running goes on).
   */
  readonly failingFrom: number | null;
  /** Whether the webhook is in a failing streak after the flush. */
  readonly failingAfter: boolean;
};

/**
 * A streak is the run of failed attempts since the webhook was created, enabled or last succeeded — the same run its
 * failure count counts (db/delivery.ts recordAttempts: reset by a success, plus the failures after the flush's last
 * success). A streak that began and ended inside one flush (a failure, then a success, recorded together) is not
 * announced: the webhook never looked failing to anyone.
 */
export function decideStreak(failingBefore: boolean, attempts: readonly CountedAttempt[]): StreakChange {
  let lastSuccess = -1;
  attempts.forEach((attempt, index) => {
    if (attempt.succeeded) lastSuccess = index;
  });
  const firstFailureAfter = attempts.findIndex((attempt, index) => index > lastSuccess && !attempt.succeeded);
  const anySuccess = lastSuccess >= 0;
  const failingAfter = firstFailureAfter >= 0;
  const recovered = failingBefore && anySuccess;
  // A streak that was running and saw no success goes on; otherwise failures after the last success start a new one.
  const startsNew = failingAfter && (!failingBefore || anySuccess);
  return { recovered, failingFrom: startsNew ? firstFailureAfter : null, failingAfter: failingAfter || (failingBefore && !anySuccess) };
}

/** How long before a DISABLE_AFTER_FAILING_FOR disable its final notice goes out: a day, or a seventh of a shorter setting. */
export function disablingNoticeLeadMs(failingForMs: number): number {
  return Math.min(86_400_000, Math.round(failingForMs / 7));
}

export type FailingForStep = {
  /** Send `hookstream.webhook.disabling` now (once per streak). */
  readonly notice: boolean;
  /** Disable now (after the notice, which goes out first in the same step if it never did). */
  readonly disable: boolean;
  /** When the disable is (or was) due: failingSince + DISABLE_AFTER_FAILING_FOR. */
  readonly disableAt: Date;
};

/**
 * DISABLE_AFTER_FAILING_FOR (Sirvoy: "after a week of failures … after a final notification"): a webhook failing since
 * `failingSince` gets its final notice a lead time before `failingSince + failingFor`, and is disabled then. A check
 * that runs late does both at once, notice first; the notice is never sent twice in one streak.
 */
export function decideFailingFor(
  webhook: { readonly failingSince: Date; readonly noticeSentAt: Date | null },
  failingForMs: number,
  now: Date,
): FailingForStep {
  const disableAt = new Date(webhook.failingSince.getTime() + failingForMs);
  const noticeAt = disableAt.getTime() - disablingNoticeLeadMs(failingForMs);
  const disable = now.getTime() >= disableAt.getTime();
  const notice = webhook.noticeSentAt === null && (disable || now.getTime() >= noticeAt);
  return { notice, disable, disableAt };
}
