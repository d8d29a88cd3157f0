/**
 * Duration settings such as `RETRY_SCHEDULE=5s,5m,30m` and `DELIVERY_TIMEOUT=15s`
 * (CONTRACT.md: "Durations accept `ms`, `s`, `m`, `h`, `d` suffixes").
 */

const MS_PER_UNIT = Object.freeze({
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const);

/**
 * A decimal number and a unit, nothing else: no sign, exponent or inner space, so `5 m` or
 * `1e3s` are refused rather than guessed at. A bare number is refused too, since `5` could mean
 * seconds as easily as milliseconds; only `0` is unambiguous.
 */
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds in `text`, e.g. `'1.5s'` → 1500. Throws an Error naming the bad text. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = DURATION_PATTERN.exec(trimmed);
  const amount = match?.[1];
  const unit = match?.[2] as keyof typeof MS_PER_UNIT | undefined;
  if (amount === undefined || unit === undefined) {
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: expected a number with a unit ms, s, m, h or d (e.g. "500ms", "5s", "1.5h")`,
    );
  }
  // Whole milliseconds: timers and database intervals want integers.
  const milliseconds = Math.round(Number(amount) * MS_PER_UNIT[unit]);
  if (!Number.isSafeInteger(milliseconds)) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: too large`);
  }
  return milliseconds;
}

/**
 * A comma-separated list such as `'5s, 5m, 30m'` → `[5000, 300000, 1800000]`. An empty (or blank)
 * string is an empty list, i.e. no retries; an empty entry (`'5s,,5m'`, a trailing comma) is an
 * error because it is almost always a typo.
 */
export function parseDurationList(text: string): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((entry, index) => {
    if (entry.trim() === '') {
      throw new Error(`invalid duration list ${JSON.stringify(text)}: entry ${index + 1} is empty`);
    }
    return parseDuration(entry);
  });
}

/** The shortest text `parseDuration` reads back as `milliseconds`, in the largest unit that divides it: 300000 → `5m`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (milliseconds % MS_PER_UNIT[unit] === 0) return `${milliseconds / MS_PER_UNIT[unit]}${unit}`;
  }
  return `${milliseconds}ms`;
}
