// An attempt's deadline: an AbortSignal whose timer is cleared when the attempt ends. AbortSignal.timeout() cannot be
// cleared, so every attempt's timer fired DELIVERY_TIMEOUT later anyway: it built a DOMException (stack and all),
// dispatched an abort event, and kept the signal and its listeners' closures alive until then, long after the
// attempt was recorded.
export type Deadline = {
  signal: AbortSignal;
  /** Ends the deadline: call it when the attempt ends, however it ends. */
  clear(): void;
};

export function startDeadline(timeoutMs: number): Deadline {
  const controller = new AbortController();
  // The reason AbortSignal.timeout gives, so that error descriptions recognise a timeout the same way.
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  // Like AbortSignal.timeout's: a pending deadline does not keep the process alive.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
