// The engine's spans. A publish span (one per publishEvent: its event type, account and the deliveries it created),
// whose context every delivery keeps as a traceparent string; and an attempt span per HTTP call, an HTTP client span
// in its own trace, linked to the publish span that created the delivery (an attempt may run hours later, in another
// process: a link, not a parent, as OpenTelemetry's messaging conventions do for work that outlives its producer).
// The receiver gets the attempt span's traceparent, so its own server span continues the attempt's trace.
//
// Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT), every function returns a shared no-op at once.
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import { publicId } from '../domain/public-id.js';
import { isTracingOn, SERVICE_VERSION, TRACER_NAME } from './sdk.js';
import { formatTraceParent, parseStoredTraceParent } from './trace-parent.js';

// Attribute names: OpenTelemetry's where it has one (messaging ones are still incubating, so spelled here, as the
// semantic-conventions package advises), `hookstream.*` for ours. IDs are the public ones (`dlv_…`), as everywhere.
export const ATTRIBUTES = Object.freeze({
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  eventType: 'hookstream.event.type',
  eventId: 'hookstream.event.id',
  accountId: 'hookstream.account.id',
  deliveryCount: 'hookstream.deliveries.created',
  deliveryIds: 'hookstream.delivery.ids',
  batchSize: 'hookstream.publish.batch_size',
  duplicate: 'hookstream.event.duplicate',
  deliveryId: 'hookstream.delivery.id',
  webhookId: 'hookstream.webhook.id',
  attemptNumber: 'hookstream.attempt.number',
  attemptTrigger: 'hookstream.attempt.trigger',
  attemptOutcome: 'hookstream.attempt.outcome',
  attemptDurationMs: 'hookstream.attempt.duration_ms',
} as const);

const tracer = () => trace.getTracer(TRACER_NAME, SERVICE_VERSION);

function recordError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

// ---- publish ------------------------------------------------------------------------------------------------------

export type PublishSpanInput = {
  eventType: string;
  /** The account's row id (UUID); recorded as its public ID. */
  accountId: string;
  /** The new event's row id, when known. */
  eventId?: string;
};

export type PublishSpan = {
  /** Store this on every delivery the publish creates (deliveries.trace_parent); null while tracing is off. */
  readonly traceParent: string | null;
  /**
   * Ends the span with what the publish did: the deliveries it created (row ids, recorded as public IDs) and how many
   * events the transaction that wrote it held (group commit: a publish may wait for the batch before it).
   */
  end(result: { deliveryCount: number; duplicate?: boolean; eventId?: string; deliveryIds?: readonly string[]; batchSize?: number }): void;
  /** Ends the span as failed (the publish threw). */
  fail(error: unknown): void;
};

/** Most delivery IDs a publish span lists (an account may have hundreds of webhooks; the count has them all). */
const MAX_DELIVERY_IDS = 100;

const NO_PUBLISH_SPAN: PublishSpan = Object.freeze({ traceParent: null, end: () => {}, fail: () => {} });

/**
 * Starts the span of one publish, as a child of whatever is active (the GraphQL operation's span, when the publish
 * runs inside publishEvent). Call it before the deliveries are built: each keeps `traceParent`.
 */
export function startPublishSpan(input: PublishSpanInput): PublishSpan {
  if (!isTracingOn()) return NO_PUBLISH_SPAN;
  const attributes: Attributes = {
    [ATTRIBUTES.messagingSystem]: 'hookstream',
    [ATTRIBUTES.messagingOperationType]: 'send',
    [ATTRIBUTES.messagingOperationName]: 'publish',
    [ATTRIBUTES.messagingDestination]: input.eventType,
    [ATTRIBUTES.eventType]: input.eventType,
    [ATTRIBUTES.accountId]: publicId('Account', input.accountId),
    ...(input.eventId ? { [ATTRIBUTES.eventId]: publicId('Event', input.eventId) } : {}),
  };
  const span = tracer().startSpan(`publish ${input.eventType}`, { kind: SpanKind.PRODUCER, attributes }, context.active());
  let ended = false;
  return {
    traceParent: formatTraceParent(span.spanContext()),
    end(result) {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTRIBUTES.deliveryCount, result.deliveryCount);
      // The first ones, so that a trace names the deliveries to look for (each attempt span carries its own ID).
      if (result.deliveryIds?.length) span.setAttribute(ATTRIBUTES.deliveryIds, result.deliveryIds.slice(0, MAX_DELIVERY_IDS).map((id) => publicId('Delivery', id)));
      if (result.batchSize !== undefined) span.setAttribute(ATTRIBUTES.batchSize, result.batchSize);
      if (result.duplicate !== undefined) span.setAttribute(ATTRIBUTES.duplicate, result.duplicate);
      if (result.eventId) span.setAttribute(ATTRIBUTES.eventId, publicId('Event', result.eventId));
      span.end();
    },
    fail(error) {
      if (ended) return;
      ended = true;
      recordError(span, error);
      span.end();
    },
  };
}

// ---- attempt ------------------------------------------------------------------------------------------------------

export type AttemptSpanInput = {
  /** The delivery's stored traceparent (deliveries.trace_parent): the attempt span links to that publish span. */
  publishTraceParent: string | null;
  url: string;
  method: string;
  /** Row ids (UUIDs); recorded as public IDs. */
  deliveryId: string;
  webhookId: string;
  attemptNumber: number;
  trigger?: 'AUTOMATIC' | 'MANUAL';
  /** When the attempt started (default now): the span's start. */
  startedAt?: Date;
};

/** What send() reported (src/delivery/send.ts's SendOutcome has these fields). */
export type AttemptSpanOutcome = { kind: 'success' | 'failure'; status: number | null; durationMs: number; error?: string | null };

export type AttemptSpan = {
  /** The `traceparent` header value for the receiver; null while tracing is off. */
  readonly traceparent: string | null;
  /** `{ traceparent }` to add to the request's headers, or `{}` while tracing is off. */
  headers(): Record<string, string>;
  /** Ends the span with the attempt's outcome; `endedAt` default now. */
  end(outcome: AttemptSpanOutcome, endedAt?: Date): void;
};

const NO_ATTEMPT_SPAN: AttemptSpan = Object.freeze({ traceparent: null, headers: () => ({}), end: () => {} });

/**
 * Where the attempt goes, for the span. Only scheme, host and port: a webhook URL's path and query often carry the
 * receiver's credentials (Slack-style `/services/T…/B…/secret`, `?token=`), which must not leave for a trace backend.
 */
function targetAttributes(url: string): Attributes {
  try {
    const parsed = new URL(url);
    const scheme = parsed.protocol.replace(/:$/, '');
    const port = parsed.port ? Number(parsed.port) : scheme === 'https' ? 443 : 80;
    return { [ATTR_URL_SCHEME]: scheme, [ATTR_SERVER_ADDRESS]: parsed.hostname.replace(/^\[|\]$/g, ''), [ATTR_SERVER_PORT]: port };
  } catch {
    return {};
  }
}

/** Starts the HTTP client span of one attempt, in a trace of its own, linked to the delivery's publish span. */
export function startAttemptSpan(input: AttemptSpanInput): AttemptSpan {
  if (!isTracingOn()) return NO_ATTEMPT_SPAN;
  const publishContext = parseStoredTraceParent(input.publishTraceParent);
  const links: Link[] = publishContext ? [{ context: publishContext }] : [];
  const method = input.method.toUpperCase();
  const span = tracer().startSpan(method, {
    kind: SpanKind.CLIENT,
    root: true,
    links,
    ...(input.startedAt ? { startTime: input.startedAt } : {}),
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      ...targetAttributes(input.url),
      [ATTRIBUTES.deliveryId]: publicId('Delivery', input.deliveryId),
      [ATTRIBUTES.webhookId]: publicId('Webhook', input.webhookId),
      [ATTRIBUTES.attemptNumber]: input.attemptNumber,
      ...(input.trigger ? { [ATTRIBUTES.attemptTrigger]: input.trigger } : {}),
    },
  });
  const traceparent = formatTraceParent(span.spanContext());
  let ended = false;
  return {
    traceparent,
    headers: (): Record<string, string> => (traceparent ? { traceparent } : {}),
    end(outcome, endedAt) {
      if (ended) return;
      ended = true;
      if (outcome.status !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
      span.setAttribute(ATTRIBUTES.attemptOutcome, outcome.kind);
      span.setAttribute(ATTRIBUTES.attemptDurationMs, outcome.durationMs);
      if (outcome.kind === 'failure') {
        // error.type: the status code for an HTTP answer, else what went wrong (timeout, refused, TLS…).
        span.setAttribute(ATTR_ERROR_TYPE, outcome.status !== null ? String(outcome.status) : (outcome.error ?? '_OTHER').split(/[:;]/)[0]!.trim() || '_OTHER');
        span.setStatus({ code: SpanStatusCode.ERROR, ...(outcome.error ? { message: outcome.error } : {}) });
      }
      span.end(endedAt);
    },
  };
}
