// The retry and disable decision, as a table: every rule of CONTRACT.md's "What a webhook endpoint receives" and the
// README's "Retries and disabling", one row each.
import { describe, expect, it } from 'vitest';
import {
  decideAfterAttempt,
  decideBeforeAttempt,
  decideWebhookDisable,
  type AttemptContext,
  type DeliveryState,
  type OutcomeSummary,
  type RetryPolicy,
} from '../../src/domain/retry-policy.js';

const now = new Date('2026-12-01T12:00:00.000Z');
const policy: RetryPolicy = { retrySchedule: [5_000, 300_000, 1_800_000], disableAfterFailures: 5 };
const failure = (extra: Partial<Extract<OutcomeSummary, { kind: 'failure' }>> = {}): OutcomeSummary => ({
  kind: 'failure',
  error: 'HTTP 500',
  retryAfterMs: null,
  permanent: false,
  disableReason: null,
  ...extra,
});
const context = (extra: Partial<AttemptContext> = {}): AttemptContext => ({ trigger: 'AUTOMATIC', automaticAttempts: 0, webhookActive: true, ...extra });
const at = (ms: number) => ms;

describe('decideAfterAttempt', () => {
  const rows: [string, OutcomeSummary, AttemptContext, unknown][] = [
    ['a success succeeds and resets the webhook', { kind: 'success' }, context(), { delivery: { status: 'SUCCEEDED', automaticAttempts: 1 }, webhook: { succeeded: true, disableReason: null } }],
    ['a manual success succeeds without moving the schedule', { kind: 'success' }, context({ trigger: 'MANUAL', automaticAttempts: 3 }), { delivery: { status: 'SUCCEEDED', automaticAttempts: 3 } }],
    ['the first failure retries after the first delay', failure(), context(), { delivery: { status: 'RETRYING', delayMs: at(5_000), automaticAttempts: 1 }, webhook: { succeeded: false, disableReason: null } }],
    ['the second failure waits the second delay', failure(), context({ automaticAttempts: 1 }), { delivery: { status: 'RETRYING', delayMs: at(300_000), automaticAttempts: 2 } }],
    ['the last scheduled attempt failing exhausts the delivery', failure(), context({ automaticAttempts: 3 }), { delivery: { status: 'FAILED', reason: 'HTTP 500', automaticAttempts: 4, exhausted: true } }],
    ['Retry-After replaces the scheduled delay', failure({ retryAfterMs: 42_000 }), context(), { delivery: { status: 'RETRYING', delayMs: at(42_000) } }],
    ['Retry-After is capped at the longest delay', failure({ retryAfterMs: 86_400_000 }), context(), { delivery: { status: 'RETRYING', delayMs: at(1_800_000) } }],
    ['Retry-After does not revive an exhausted delivery', failure({ retryAfterMs: 1_000 }), context({ automaticAttempts: 3 }), { delivery: { status: 'FAILED', exhausted: true } }],
    ['a permanent failure fails at once, not exhausted', failure({ error: 'SMTP 550 no such user', permanent: true }), context(), { delivery: { status: 'FAILED', reason: 'SMTP 550 no such user', exhausted: false } }],
    ['410 Gone disables the webhook and fails the delivery', failure({ error: 'HTTP 410', disableReason: 'endpoint answered 410 Gone' }), context(), { delivery: { status: 'FAILED', reason: 'HTTP 410; webhook disabled', exhausted: false }, webhook: { succeeded: false, disableReason: 'endpoint answered 410 Gone' } }],
    ['a webhook disabled meanwhile fails the delivery', failure(), context({ webhookActive: false }), { delivery: { status: 'FAILED', reason: 'HTTP 500; webhook disabled', exhausted: false } }],
    ['a failed manual retry fails again without a schedule', failure(), context({ trigger: 'MANUAL', automaticAttempts: 1 }), { delivery: { status: 'FAILED', reason: 'HTTP 500', automaticAttempts: 1, exhausted: false } }],
  ];
  it.each(rows)('%s', (_name, outcome, attempt, expected) => {
    expect(decideAfterAttempt(outcome, attempt, policy)).toMatchObject(expected as object);
  });
});

describe('decideBeforeAttempt', () => {
  const state = (extra: Partial<DeliveryState> = {}): DeliveryState => ({ status: 'PENDING', attemptCount: 0, archived: false, webhookActive: true, webhookDeleted: false, ...extra });
  const rows: [string, DeliveryState, number, unknown][] = [
    ['a waiting delivery is sent', state(), 1, { action: 'send' }],
    ['a retry is sent', state({ status: 'RETRYING', attemptCount: 2 }), 3, { action: 'send' }],
    ['an attempt already recorded is never sent twice', state({ status: 'RETRYING', attemptCount: 3 }), 3, { action: 'skip' }],
    ['a finished delivery is left alone', state({ status: 'SUCCEEDED', attemptCount: 1 }), 2, { action: 'skip' }],
    ['a failed delivery is left alone', state({ status: 'FAILED', attemptCount: 1 }), 2, { action: 'skip' }],
    ['a deleted webhook fails the delivery unsent', state({ webhookDeleted: true, webhookActive: false }), 1, { action: 'end', status: 'FAILED', reason: 'webhook deleted' }],
    ['a disabled webhook fails the delivery unsent', state({ webhookActive: false }), 1, { action: 'end', status: 'FAILED', reason: 'webhook disabled' }],
    ['an archived delivery fails unsent', state({ archived: true }), 1, { action: 'end', status: 'FAILED', reason: 'delivery archived' }],
    ['past its expiresAt it expires', state({ expiresAt: new Date('2026-12-01T11:59:59.999Z') }), 1, { action: 'end', status: 'EXPIRED' }],
    ['at its expiresAt it expires', state({ expiresAt: now }), 1, { action: 'end', status: 'EXPIRED' }],
    ['before its expiresAt it is sent', state({ expiresAt: new Date('2026-12-01T12:00:00.001Z') }), 1, { action: 'send' }],
    ['a retry expires too', state({ status: 'RETRYING', attemptCount: 2, expiresAt: now }), 3, { action: 'end', status: 'EXPIRED' }],
    ['a newer event of its key supersedes an unattempted one', state({ supersededByNewer: true }), 1, { action: 'end', status: 'SUPERSEDED' }],
    ['an attempted one is not superseded: its retries go on', state({ status: 'RETRYING', attemptCount: 1, supersededByNewer: true }), 2, { action: 'send' }],
    ['one behind an unfinished earlier delivery of its key waits', state({ blockedByEarlier: true }), 1, { action: 'hold' }],
    ['a retry behind a manual retry of an earlier delivery waits', state({ status: 'RETRYING', attemptCount: 1, blockedByEarlier: true }), 2, { action: 'hold' }],
    ['an expired one is ended, not held', state({ blockedByEarlier: true, expiresAt: now }), 1, { action: 'end', status: 'EXPIRED' }],
    ['a disabled webhook fails before anything expires', state({ webhookActive: false, expiresAt: now }), 1, { action: 'end', status: 'FAILED' }],
  ];
  it.each(rows)('%s', (_name, delivery, attemptNumber, expected) => {
    expect(decideBeforeAttempt(delivery, attemptNumber, now)).toMatchObject(expected as object);
  });
});

describe('decideWebhookDisable', () => {
  const rows: [string, { active: boolean; failureCount: number; goneReason: string | null }, string | null][] = [
    ['below the threshold it stays active', { active: true, failureCount: 4, goneReason: null }, null],
    ['at the threshold it is disabled', { active: true, failureCount: 5, goneReason: null }, 'disabled after 5 consecutive failed attempts'],
    ['past the threshold (a batch counted several) it is disabled', { active: true, failureCount: 7, goneReason: null }, 'disabled after 7 consecutive failed attempts'],
    ['410 Gone disables at once', { active: true, failureCount: 1, goneReason: 'endpoint answered 410 Gone' }, 'endpoint answered 410 Gone'],
    ['an inactive webhook is not disabled again', { active: false, failureCount: 9, goneReason: null }, null],
  ];
  it.each(rows)('%s', (_name, webhook, expected) => {
    expect(decideWebhookDisable(webhook, policy)).toBe(expected);
  });
});
