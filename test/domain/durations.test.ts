import { describe, expect, it } from 'vitest';
import { parseDuration, parseDurationList } from '../../src/domain/durations.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0ms', 0],
    ['250ms', 250],
    ['5s', 5_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['0.5h', 1_800_000],
    ['1d', 86_400_000],
    ['60d', 5_184_000_000],
    [' 15s ', 15_000],
    ['1.0004s', 1_000],
  ])('%j → %d ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each(['', ' ', '5', '15', '-5s', '+5s', '5 s', '5S', '5sec', '1e3s', '.5s', '5.s', 's', '5w', '5s5m', '0x10s', '99999999999999999999d'])(
    '%j is refused with a message naming it',
    (text) => {
      expect(() => parseDuration(text)).toThrow(/invalid duration/);
      expect(() => parseDuration(text)).toThrow(JSON.stringify(text));
    },
  );
});

describe('parseDurationList', () => {
  it.each<[string, number[]]>([
    ['5s,5m,30m', [5_000, 300_000, 1_800_000]],
    ['5s, 5m ,30m', [5_000, 300_000, 1_800_000]],
    ['5s,5m,30m,2h,5h,10h,10h', [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]],
    ['0', [0]],
    ['', []],
    ['   ', []],
  ])('%j → %j', (text, expected) => {
    expect(parseDurationList(text)).toEqual(expected);
  });

  it.each([
    ['5s,,5m', /entry 2 is empty/],
    ['5s,', /entry 2 is empty/],
    [',5s', /entry 1 is empty/],
    ['5s, ,5m', /entry 2 is empty/],
    ['5s,5x', /invalid duration "5x"/],
    ['5s;5m', /invalid duration/],
  ])('%j is refused', (text, message) => {
    expect(() => parseDurationList(text)).toThrow(message);
  });
});
