/**
 * When to try a failed delivery again: the `RETRY_SCHEDULE` ("delays before each retry; its
 * length + 1 is the number of attempts", CONTRACT.md) and the receiver's `Retry-After`
 * ("honouring `Retry-After` on 429/503", CONTRACT.md; RFC 9110 §10.2.3).
 */

export interface RetryDelayInput {
  /** Delays in ms before retry 1, 2, …: the parsed `RETRY_SCHEDULE`. */
  readonly retrySchedule: readonly number[];
  /** The 1-based number of the attempt that has just failed. */
  readonly attemptNumber: number;
  /** The receiver's `Retry-After` in ms (see parseRetryAfter), when it sent one on a 429/503. */
  readonly retryAfterMs?: number | null | undefined;
}

/**
 * Milliseconds to wait before the next attempt, or null when every attempt is spent and the
 * delivery is FAILED. After attempt N fails the wait is `retrySchedule[N-1]`.
 *
 * A receiver's `Retry-After` replaces the scheduled wait (it knows its own load better than we
 * do) but never exceeds the schedule's longest delay, so a hostile or buggy endpoint cannot park
 * a delivery for a year; it never turns a spent delivery into a live one either.
 */
export function nextRetryDelay({ retrySchedule, attemptNumber, retryAfterMs }: RetryDelayInput): number | null {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be a positive integer, got ${attemptNumber}`);
  }
  const scheduledDelay = retrySchedule[attemptNumber - 1];
  if (scheduledDelay === undefined) return null;
  if (retryAfterMs === null || retryAfterMs === undefined || Number.isNaN(retryAfterMs)) {
    return scheduledDelay;
  }
  const longestDelay = Math.max(...retrySchedule);
  return Math.min(Math.max(retryAfterMs, 0), longestDelay);
}

/** RFC 9110 §10.2.3: `Retry-After` is sent with 503 and (RFC 6585 §4) 429; we honour it only there. */
export function isRetryAfterStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/* RFC 9110 §5.6.7: HTTP-date. Recipients MUST accept all three formats; all are UTC and case-sensitive. */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const DAY_NAME = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const LONG_DAY_NAME = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** `Sun, 06 Nov 1994 08:49:37 GMT` — the preferred format. */
const IMF_FIXDATE = new RegExp(`^(?:${DAY_NAME}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT` — obsolete RFC 850 format, two-digit year. */
const RFC850_DATE = new RegExp(`^(?:${LONG_DAY_NAME}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994` — obsolete asctime() format, day padded with a space. */
const ASCTIME_DATE = new RegExp(`^(?:${DAY_NAME}) (${MONTH}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

interface DateParts {
  year: number;
  month: string;
  day: string;
  hours: string;
  minutes: string;
  seconds: string;
}

/** Epoch ms of the parts, or null when they name no real instant (31 Feb, 25:00, second 61). */
function toEpochMs({ year, month, day, hours, minutes, seconds }: DateParts): number | null {
  const monthIndex = MONTHS.indexOf(month);
  const [d, h, min, s] = [day, hours, minutes, seconds].map((part) => Number(part.trim())) as [
    number,
    number,
    number,
    number,
  ];
  const epochMs = Date.UTC(year, monthIndex, d, h, min, s);
  const date = new Date(epochMs);
  // Date.UTC rolls 31 Feb over into March; a round trip catches that.
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === monthIndex &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === min &&
    date.getUTCSeconds() === s;
  return roundTrips ? epochMs : null;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that "appears to be more than 50 years in the future" is the
 * most recent past year with the same last two digits.
 */
function expandTwoDigitYear(twoDigits: number, now: Date): number {
  const currentYear = now.getUTCFullYear();
  let year = currentYear - (currentYear % 100) + twoDigits;
  if (year > currentYear + 50) year -= 100;
  return year;
}

function parseHttpDate(value: string, now: Date): number | null {
  let match = IMF_FIXDATE.exec(value);
  if (match) {
    const [, day = '', month = '', year = '', hours = '', minutes = '', seconds = ''] = match;
    return toEpochMs({ year: Number(year), month, day, hours, minutes, seconds });
  }
  match = RFC850_DATE.exec(value);
  if (match) {
    const [, day = '', month = '', year = '', hours = '', minutes = '', seconds = ''] = match;
    return toEpochMs({ year: expandTwoDigitYear(Number(year), now), month, day, hours, minutes, seconds });
  }
  match = ASCTIME_DATE.exec(value);
  if (match) {
    const [, month = '', day = '', hours = '', minutes = '', seconds = '', year = ''] = match;
    return toEpochMs({ year: Number(year), month, day, hours, minutes, seconds });
  }
  return null;
}

/**
 * A `Retry-After` header value in ms from `now`, or null when absent or unreadable.
 * RFC 9110 §10.2.3: `Retry-After = HTTP-date / delay-seconds`, delay-seconds = 1*DIGIT.
 * A date already past means "now": 0.
 */
export function parseRetryAfter(headerValue: string | undefined | null, now: Date): number | null {
  if (headerValue === undefined || headerValue === null) return null;
  // Surrounding whitespace is not part of a field value (RFC 9110 §5.5).
  const value = headerValue.trim();
  if (/^\d+$/.test(value)) {
    return Math.min(Number(value) * 1000, Number.MAX_SAFE_INTEGER);
  }
  const epochMs = parseHttpDate(value, now);
  if (epochMs === null) return null;
  return Math.max(epochMs - now.getTime(), 0);
}
