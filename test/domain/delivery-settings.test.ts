// A webhook's own retry schedule and timeout against the operator's bounds, as tables.
import { describe, expect, it } from 'vitest';
import { checkRetrySchedule, checkTimeout } from '../../src/domain/delivery-settings.js';
import { formatDuration } from '../../src/domain/durations.js';

const global = [5_000, 300_000, 1_800_000, 7_200_000];

describe('checkRetrySchedule', () => {
  const rows: [string, number[], readonly number[], { ok: true; value: number[] } | { ok: false; reason: RegExp }][] = [
    ['the global schedule itself', global, global, { ok: true, value: global }],
    ['fewer, shorter delays', [1_000, 60_000], global, { ok: true, value: [1_000, 60_000] }],
    ['no retries at all', [], global, { ok: true, value: [] }],
    ['as long as the longest', [7_200_000, 7_200_000], global, { ok: true, value: [7_200_000, 7_200_000] }],
    ['more delays than RETRY_SCHEDULE', [1_000, 1_000, 1_000, 1_000, 1_000], global, { ok: false, reason: /at most 4 delays/ }],
    ['longer than the longest', [5_000, 3 * 3_600_000], global, { ok: false, reason: /delay 2 \(3h\) is longer than RETRY_SCHEDULE's longest, 2h/ }],
    ['shorter than a second', [500], global, { ok: false, reason: /delay 1 \(500ms\) is shorter than 1s/ }],
    ['shorter than a second, when the operator goes that low', [100], [100, 200], { ok: true, value: [100] }],
  ];
  it.each(rows)('%s', (_name, delays, bounds, expected) => {
    const result = checkRetrySchedule(delays, bounds, formatDuration);
    if (expected.ok) expect(result).toEqual(expected);
    else expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(expected.reason) });
  });
});

describe('checkTimeout', () => {
  const rows: [string, number, number, boolean | RegExp][] = [
    ['DELIVERY_TIMEOUT itself', 15_000, 15_000, true],
    ['shorter', 5_000, 15_000, true],
    ['longer', 20_000, 15_000, /20s is longer than DELIVERY_TIMEOUT, 15s/],
    ['below a second', 200, 15_000, /200ms is shorter than 1s/],
    ['below a second when DELIVERY_TIMEOUT is', 500, 500, true],
    ['below a short DELIVERY_TIMEOUT', 300, 500, /300ms is shorter than 500ms/],
  ];
  it.each(rows)('%s', (_name, timeout, bound, expected) => {
    const result = checkTimeout(timeout, bound, formatDuration);
    if (expected === true) expect(result).toEqual({ ok: true, value: timeout });
    else expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(expected as RegExp) });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0'],
    [500, '500ms'],
    [1_500, '1500ms'],
    [5_000, '5s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
    [604_800_000, '7d'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
