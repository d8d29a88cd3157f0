// The endpoint's lifecycle rules as tables: which flushes start or end a failing streak, and what the
// DISABLE_AFTER_FAILING_FOR check does at each moment of a streak.
import { describe, expect, it } from 'vitest';
import { decideFailingFor, decideStreak, disablingNoticeLeadMs } from '../../src/domain/webhook-lifecycle.js';

const ok = { succeeded: true };
const ko = { succeeded: false };

describe('decideStreak', () => {
  const rows: [string, boolean, { succeeded: boolean }[], ReturnType<typeof decideStreak>][] = [
    ['a first failure starts a streak', false, [ko], { recovered: false, failingFrom: 0, failingAfter: true }],
    ['failures in a running streak announce nothing', true, [ko, ko], { recovered: false, failingFrom: null, failingAfter: true }],
    ['a success ends a running streak', true, [ok], { recovered: true, failingFrom: null, failingAfter: false }],
    ['a success then failures: recovered, and a new streak from the first failure after it', true, [ko, ok, ko, ko], { recovered: true, failingFrom: 2, failingAfter: true }],
    ['successes of a healthy webhook change nothing', false, [ok, ok], { recovered: false, failingFrom: null, failingAfter: false }],
    ['a failure then a success in one flush is never announced', false, [ko, ok], { recovered: false, failingFrom: null, failingAfter: false }],
    ['a success then a failure starts a streak at the failure', false, [ok, ko], { recovered: false, failingFrom: 1, failingAfter: true }],
    ['nothing counted: a running streak goes on', true, [], { recovered: false, failingFrom: null, failingAfter: true }],
    ['nothing counted: a healthy webhook stays so', false, [], { recovered: false, failingFrom: null, failingAfter: false }],
  ];
  it.each(rows)('%s', (_name, failingBefore, attempts, expected) => {
    expect(decideStreak(failingBefore, attempts)).toEqual(expected);
  });
});

describe('decideFailingFor', () => {
  const week = 7 * 86_400_000;
  const since = new Date('2026-11-24T10:00:00.000Z');
  const disableAt = new Date('2026-12-01T10:00:00.000Z');
  const noticeAt = new Date('2026-11-30T10:00:00.000Z');
  const rows: [string, { failingSince: Date; noticeSentAt: Date | null }, Date, { notice: boolean; disable: boolean }][] = [
    ['early in the streak: nothing', { failingSince: since, noticeSentAt: null }, new Date('2026-11-27T10:00:00.000Z'), { notice: false, disable: false }],
    ['a day before the disable: the final notice', { failingSince: since, noticeSentAt: null }, noticeAt, { notice: true, disable: false }],
    ['the notice went out: not again', { failingSince: since, noticeSentAt: noticeAt }, new Date('2026-11-30T18:00:00.000Z'), { notice: false, disable: false }],
    ['at the end of the week: disabled', { failingSince: since, noticeSentAt: noticeAt }, disableAt, { notice: false, disable: true }],
    ['a check that ran late: notice and disable at once', { failingSince: since, noticeSentAt: null }, new Date('2026-12-02T10:00:00.000Z'), { notice: true, disable: true }],
  ];
  it.each(rows)('%s', (_name, webhook, now, expected) => {
    expect(decideFailingFor(webhook, week, now)).toEqual({ ...expected, disableAt });
  });

  it('gives a day of notice, or a seventh of a shorter setting', () => {
    expect(disablingNoticeLeadMs(week)).toBe(86_400_000);
    expect(disablingNoticeLeadMs(30 * 86_400_000)).toBe(86_400_000);
    expect(disablingNoticeLeadMs(7_000)).toBe(1_000);
  });
});
