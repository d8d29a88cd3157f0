/**
 * A webhook's own retry schedule and per-attempt timeout (CONTRACT.md, "Channels": "Per-webhook `retrySchedule` and
 * `timeout` may equal the global bounds, never exceed them"; Outpost users ask for per-destination settings,
 * hookdeck/outpost#582). The operator's RETRY_SCHEDULE and DELIVERY_TIMEOUT are the bounds: a webhook may retry fewer
 * times, sooner or later, but never more often than RETRY_SCHEDULE allows, never wait longer than its longest delay,
 * and never hold a worker longer than DELIVERY_TIMEOUT.
 */

/** The shortest delay or timeout a webhook may ask for, unless the operator's own settings go below it. */
export const MIN_WEBHOOK_DELAY_MS = 1_000;

export type SettingCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A webhook's delays before each retry, within RETRY_SCHEDULE: at most as many delays as it has (so at most as many
 * attempts), each at most its longest delay and at least a second (or RETRY_SCHEDULE's shortest, if shorter). An empty
 * list is allowed: one attempt, no retries.
 */
export function checkRetrySchedule(delaysMs: readonly number[], globalScheduleMs: readonly number[], describe: (ms: number) => string): SettingCheck<number[]> {
  if (delaysMs.length > globalScheduleMs.length) {
    return { ok: false, reason: `at most ${globalScheduleMs.length} delays (RETRY_SCHEDULE has ${globalScheduleMs.length}), got ${delaysMs.length}` };
  }
  const longest = Math.max(0, ...globalScheduleMs);
  const shortest = Math.min(MIN_WEBHOOK_DELAY_MS, ...globalScheduleMs);
  for (const [index, delay] of delaysMs.entries()) {
    if (delay > longest) return { ok: false, reason: `delay ${index + 1} (${describe(delay)}) is longer than RETRY_SCHEDULE's longest, ${describe(longest)}` };
    if (delay < shortest) return { ok: false, reason: `delay ${index + 1} (${describe(delay)}) is shorter than ${describe(shortest)}` };
  }
  return { ok: true, value: [...delaysMs] };
}

/** A webhook's per-attempt timeout: at most DELIVERY_TIMEOUT, at least a second (or DELIVERY_TIMEOUT, if shorter). */
export function checkTimeout(timeoutMs: number, globalTimeoutMs: number, describe: (ms: number) => string): SettingCheck<number> {
  if (timeoutMs > globalTimeoutMs) return { ok: false, reason: `${describe(timeoutMs)} is longer than DELIVERY_TIMEOUT, ${describe(globalTimeoutMs)}` };
  const shortest = Math.min(MIN_WEBHOOK_DELAY_MS, globalTimeoutMs);
  if (timeoutMs < shortest) return { ok: false, reason: `${describe(timeoutMs)} is shorter than ${describe(shortest)}` };
  return { ok: true, value: timeoutMs };
}
