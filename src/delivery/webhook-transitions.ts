// What a recorder's flush did to its webhooks, in the terms of the operational events (CONTRACT.md): the streaks it
// began or ended (`failing`, `recovered`), the webhooks it disabled (`disabled`) and the deliveries that ran out of
// attempts (`exhausted`). Judged from the webhooks' state read and locked before the flush recorded anything, so
// each transition is seen by exactly one flush and announced once, in that flush's transaction.
//
// Deliveries of operational events never raise operational events: their attempts are not counted for their webhook
// (worker.ts sets countsForWebhook false), so they neither begin nor end a streak nor reach DISABLE_AFTER_FAILURES,
// and one that runs out of attempts is not announced. A failing webhook subscribed to `hookstream.*` therefore hears
// of its own failing streak once, and nothing it does with that event makes another.
import type { StreakWrite, WebhookState } from '../db/webhook-lifecycle.js';
import { decideStreak } from '../domain/webhook-lifecycle.js';
import { disabledEvent, exhaustedEvent, failingEvent, recoveredEvent, type AboutAttempt } from './operational-events.js';
import type { PublishInput } from './publisher.js';
import type { Recording } from './recorder.js';

type AttemptRecording = Extract<Recording, { kind: 'attempt' }>;

/** A webhook this flush disabled, and whether that is announced (not when only an operational delivery's 410 did it). */
export type FlushDisable = { id: string; reason: string; announce: boolean };

export type FlushTransitions = {
  /** The operational events to publish, in the order the transitions happened. */
  events: PublishInput[];
  streaks: StreakWrite[];
};

const aboutAttempt = (a: AttemptRecording): AboutAttempt => ({ deliveryId: a.record.deliveryId, eventType: a.eventType, error: a.record.error, responseStatus: a.record.responseStatus });

export function decideFlushTransitions(states: ReadonlyMap<string, WebhookState>, attempts: readonly AttemptRecording[], disabled: readonly FlushDisable[], now = new Date()): FlushTransitions {
  const events: PublishInput[] = [];
  const streaks: StreakWrite[] = [];
  const byWebhook = new Map<string, AttemptRecording[]>();
  for (const attempt of attempts) byWebhook.set(attempt.record.webhookId, [...(byWebhook.get(attempt.record.webhookId) ?? []), attempt]);
  const disabledById = new Map(disabled.map((d) => [d.id, d]));

  for (const [webhookId, ofWebhook] of byWebhook) {
    const state = states.get(webhookId);
    // A webhook disabled or deleted while its attempts were in flight has no transitions left to announce.
    if (!state || !state.active || state.deleted) continue;
    const counted = ofWebhook.filter((a) => a.record.countsForWebhook);
    const streak = decideStreak(state.failing_since !== null, counted.map((a) => ({ succeeded: a.record.succeeded })));
    if (streak.recovered) {
      const lastSuccess = counted.filter((a) => a.record.succeeded).at(-1)!;
      events.push(recoveredEvent(state, { deliveryId: lastSuccess.record.deliveryId, eventType: lastSuccess.eventType }, now));
    }
    if (streak.failingFrom !== null) {
      const first = counted[streak.failingFrom]!;
      events.push(failingEvent(state, aboutAttempt(first), first.record.startedAt, now));
      streaks.push({ webhookId, failingSince: first.record.startedAt, began: true });
    } else if (streak.recovered) {
      streaks.push({ webhookId, failingSince: null, began: false });
    }
    for (const attempt of ofWebhook) {
      if (attempt.exhausted && !attempt.operational) events.push(exhaustedEvent(state, { ...aboutAttempt(attempt), attemptCount: attempt.record.number }, now));
    }
    const disable = disabledById.get(webhookId);
    if (disable?.announce) {
      const lastFailure = counted.filter((a) => !a.record.succeeded).at(-1) ?? ofWebhook.filter((a) => !a.record.succeeded && !a.operational).at(-1);
      events.push(disabledEvent(state, disable.reason, lastFailure ? aboutAttempt(lastFailure) : null, now));
    }
  }
  return { events, streaks };
}
