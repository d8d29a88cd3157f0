// One clock for every process of a run: CLOCK_MONOTONIC through process.hrtime, which is system-wide on Linux. The
// receiver child stamps arrivals with it and the bench stamps publishes with it, so the two subtract exactly; V8's
// CPU profiles use the same clock (in µs), which lets profile-summary.ts cut a profile to one scenario's window.
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `done` every `everyMs` until it holds (true) or `timeoutMs` passes (false). */
export async function waitUntil(done: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const deadline = nowMs() + timeoutMs;
  while (!done()) {
    if (nowMs() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile of a small sample (HDR histograms take the large ones). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
