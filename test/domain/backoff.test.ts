import { describe, expect, it } from 'vitest';
import { isRetryAfterStatus, nextRetryDelay, parseRetryAfter } from '../../src/domain/backoff.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
// The contract's default RETRY_SCHEDULE: 5s,5m,30m,2h,5h,10h,10h — 7 retries, 8 attempts.
const defaultSchedule = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

describe('nextRetryDelay', () => {
  it.each<[number, number | null]>([
    [1, 5 * SECOND],
    [2, 5 * MINUTE],
    [3, 30 * MINUTE],
    [4, 2 * HOUR],
    [5, 5 * HOUR],
    [6, 10 * HOUR],
    [7, 10 * HOUR],
    [8, null],
    [9, null],
  ])('default schedule: after attempt %d fails → %s', (attemptNumber, expected) => {
    expect(nextRetryDelay({ retrySchedule: defaultSchedule, attemptNumber })).toBe(expected);
  });

  it.each<[string, number[], number, number | null | undefined, number | null]>([
    ['Retry-After replaces a longer scheduled delay', defaultSchedule, 3, 10 * SECOND, 10 * SECOND],
    ['Retry-After replaces a shorter scheduled delay', defaultSchedule, 1, 2 * MINUTE, 2 * MINUTE],
    ['Retry-After is capped at the longest scheduled delay', defaultSchedule, 1, 48 * HOUR, 10 * HOUR],
    ['Retry-After of 0 retries at once', defaultSchedule, 2, 0, 0],
    ['a negative Retry-After is treated as 0', defaultSchedule, 2, -5_000, 0],
    ['null Retry-After: the schedule', defaultSchedule, 2, null, 5 * MINUTE],
    ['undefined Retry-After: the schedule', defaultSchedule, 2, undefined, 5 * MINUTE],
    ['NaN Retry-After: the schedule', defaultSchedule, 2, Number.NaN, 5 * MINUTE],
    ['Retry-After never revives a spent delivery', defaultSchedule, 8, 1 * SECOND, null],
    ['an empty schedule means one attempt only', [], 1, undefined, null],
    ['a one-entry schedule', [1 * SECOND], 1, undefined, 1 * SECOND],
    ['a one-entry schedule, spent', [1 * SECOND], 2, undefined, null],
  ])('%s', (_name, retrySchedule, attemptNumber, retryAfterMs, expected) => {
    expect(nextRetryDelay({ retrySchedule, attemptNumber, retryAfterMs })).toBe(expected);
  });

  it.each([0, -1, 1.5, Number.NaN])('attemptNumber %s is a programming error', (attemptNumber) => {
    expect(() => nextRetryDelay({ retrySchedule: defaultSchedule, attemptNumber })).toThrow(RangeError);
  });
});

describe('isRetryAfterStatus', () => {
  it.each([
    [429, true],
    [503, true],
    [500, false],
    [502, false],
    [301, false],
    [200, false],
  ])('%d → %s', (status, expected) => {
    expect(isRetryAfterStatus(status)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2024-01-15T14:30:00.000Z');

  it.each<[string, string | null | undefined, number | null]>([
    ['absent', undefined, null],
    ['null', null, null],
    ['delay-seconds', '120', 120 * SECOND],
    ['delay-seconds 0', '0', 0],
    ['delay-seconds with surrounding space', ' 30 ', 30 * SECOND],
    ['delay-seconds with leading zeros', '007', 7 * SECOND],
    ['IMF-fixdate in the future', 'Mon, 15 Jan 2024 14:31:00 GMT', 60 * SECOND],
    ['IMF-fixdate now', 'Mon, 15 Jan 2024 14:30:00 GMT', 0],
    ['IMF-fixdate in the past → 0', 'Sun, 06 Nov 1994 08:49:37 GMT', 0],
    ['IMF-fixdate across a month', 'Thu, 01 Feb 2024 00:00:00 GMT', Date.UTC(2024, 1, 1) - now.getTime()],
    ['RFC 850 date (obsolete)', 'Monday, 15-Jan-24 15:30:00 GMT', HOUR],
    ['RFC 850 date, year more than 50 years ahead is last century', 'Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['asctime date (obsolete)', 'Mon Jan 15 14:30:10 2024', 10 * SECOND],
    ['asctime date, space-padded day', 'Tue Jan  16 14:30:00 2024', null],
    ['asctime date, single-digit day', 'Mon Jan  1 00:00:00 2024', 0],
    ['negative seconds', '-5', null],
    ['decimal seconds', '1.5', null],
    ['empty', '', null],
    ['garbage', 'soon', null],
    ['ISO 8601 is not an HTTP-date', '2024-01-15T14:31:00Z', null],
    ['lower-case month (HTTP-date is case-sensitive)', 'Mon, 15 jan 2024 14:31:00 GMT', null],
    ['not GMT', 'Mon, 15 Jan 2024 14:31:00 UTC', null],
    ['impossible day', 'Thu, 31 Feb 2024 00:00:00 GMT', null],
    ['impossible hour', 'Mon, 15 Jan 2024 25:00:00 GMT', null],
  ])('%s: %j → %s', (_name, headerValue, expected) => {
    expect(parseRetryAfter(headerValue, now)).toBe(expected);
  });

  it('a huge delay-seconds stays a finite, safe number', () => {
    const delay = parseRetryAfter('99999999999999999999999', now);
    expect(delay).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('feeds nextRetryDelay: a 429 with Retry-After: 60 waits a minute', () => {
    const retryAfterMs = parseRetryAfter('60', now);
    expect(nextRetryDelay({ retrySchedule: defaultSchedule, attemptNumber: 3, retryAfterMs })).toBe(MINUTE);
  });
});
