// W3C Trace Context `traceparent` strings (https://www.w3.org/TR/trace-context/#traceparent-header): how a span's
// context is stored on a delivery (deliveries.trace_parent) and sent to a receiver (the `traceparent` header).
import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';

/** `00-<trace id>-<span id>-<flags>`, or null for a context that is no real span's (tracing off). */
export function formatTraceParent(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${(spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The span context a stored traceparent names, or null when there is none or it does not parse. */
export function parseStoredTraceParent(traceParent: string | null | undefined): SpanContext | null {
  if (!traceParent) return null;
  const parsed = parseTraceParent(traceParent);
  return parsed && isSpanContextValid(parsed) ? parsed : null;
}
