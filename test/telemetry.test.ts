// Traces (src/telemetry/) at a real OTLP/HTTP receiver on loopback: a span per GraphQL operation from the running
// service, and the engine's helpers driven directly: a publish span with its event type, account and deliveries,
// and attempt spans (HTTP client spans) linked to it, whose traceparent reaches the webhook receiver. Off, the
// helpers hand out no-ops and nothing is sent.
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { newId } from '../src/db/ids.js';
import { publicId } from '../src/domain/public-id.js';
import { ViewerDocument, WebhookDocument } from '../src/sdk/generated.js';
import { isTracingOn, startAttemptSpan, startPublishSpan, startTelemetry, type Telemetry } from '../src/telemetry/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { closedPort } from './helpers/delivery.js';
import { expectError } from './helpers/graphql.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

const SPAN_KIND = { server: 2, client: 3, producer: 4 } as const;
const STATUS_ERROR = 2;

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('starts nothing, and the helpers are no-ops with no traceparent', async () => {
    expect(await startTelemetry(loadConfig({}))).toBeNull();
    expect(isTracingOn()).toBe(false);
    const publish = startPublishSpan({ eventType: 'bookings.created', accountId: newId() });
    expect(publish.traceParent).toBeNull();
    publish.end({ deliveryCount: 1 });
    const attempt = startAttemptSpan({ publishTraceParent: null, url: 'https://hooks.example.com/in', method: 'POST', deliveryId: newId(), webhookId: newId(), attemptNumber: 1 });
    expect(attempt.traceparent).toBeNull();
    expect(attempt.headers()).toEqual({});
    attempt.end({ kind: 'success', status: 200, durationMs: 3 });
  });
});

describe('tracing on', () => {
  let otlp: OtlpReceiver;
  let telemetry: Telemetry;
  let app: TestApp;
  let webhookReceiver: Receiver;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    // As main.ts does: the SDK first, then the service (whose yoga adds the operation spans).
    telemetry = (await startTelemetry(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })))!;
    app = await startTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    webhookReceiver = await startReceiver();
  });
  afterAll(async () => {
    await app?.stop();
    await telemetry?.shutdown();
    await otlp?.close();
    await webhookReceiver?.close();
  });

  const byName = (name: string) => (span: ReceivedSpan) => span.name === name;

  it('a GraphQL operation arrives as a server span named after it, with the caller’s account', async () => {
    const { client, accountId } = await app.newAccount({ name: 'Traced Spa' });
    await client.data(ViewerDocument);
    expectError(await client.request(WebhookDocument, { id: 'not-an-id' }), 'BAD_USER_INPUT', 'id');
    await telemetry.forceFlush();

    const viewer = await otlp.waitForSpan(byName('query Viewer'));
    expect(viewer.kind).toBe(SPAN_KIND.server);
    expect(viewer.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'Viewer', 'hookstream.account.id': publicId('Account', accountId) });
    expect(viewer.status.code).not.toBe(STATUS_ERROR);
    expect(viewer.resource['service.name']).toBe('hookstream');
    expect(viewer.scope).toBe('hookstream');

    const refused = await otlp.waitForSpan(byName('query Webhook'));
    expect(refused.status.code).toBe(STATUS_ERROR);
    expect(refused.attributes['hookstream.graphql.error_codes']).toEqual(['BAD_USER_INPUT']);
    // Traces only: no metrics or logs were exported beside them.
    expect(otlp.refused).toEqual([]);
  });

  it('publish and attempt spans: attributes, the link, and the traceparent the receiver gets', async () => {
    const accountId = newId();
    const [deliveryId, webhookId] = [newId(), newId()];
    // The engine's publish runs inside the GraphQL operation's span; an active span here stands for it.
    const outer = trace.getTracer('test').startSpan('mutation publishEvent');
    const publish = trace.getTracer('test').startActiveSpan('mutation publishEvent', (active) => {
      const started = startPublishSpan({ eventType: 'bookings.created', accountId });
      active.end();
      return { started, activeSpanId: active.spanContext().spanId };
    });
    outer.end();
    expect(publish.started.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    publish.started.end({ deliveryCount: 2, duplicate: false, eventId: newId() });

    // A success: the header goes out with the request; the receiver answers 200.
    const url = `${webhookReceiver.url}/hooks/secret-path?token=receiver-secret`;
    const success = startAttemptSpan({ publishTraceParent: publish.started.traceParent, url, method: 'post', deliveryId, webhookId, attemptNumber: 1, trigger: 'AUTOMATIC', startedAt: new Date() });
    const started = performance.now();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...success.headers() }, body: '{}' });
    success.end({ kind: 'success', status: response.status, durationMs: Math.round(performance.now() - started) });
    const [received] = await webhookReceiver.waitFor(1);
    expect(received!.headers['traceparent']).toBe(success.traceparent);

    // A failing answer, and a connection that never happens.
    webhookReceiver.reply({ status: 500, body: 'down' });
    const failed = startAttemptSpan({ publishTraceParent: publish.started.traceParent, url, method: 'POST', deliveryId, webhookId, attemptNumber: 2 });
    const answer = await fetch(url, { method: 'POST', headers: failed.headers(), body: '{}' });
    failed.end({ kind: 'failure', status: answer.status, durationMs: 4, error: 'HTTP 500' });
    const port = await closedPort();
    const refused = startAttemptSpan({ publishTraceParent: publish.started.traceParent, url: `http://127.0.0.1:${port}/in`, method: 'POST', deliveryId, webhookId, attemptNumber: 3 });
    refused.end({ kind: 'failure', status: null, durationMs: 1, error: 'connection refused: ECONNREFUSED 127.0.0.1' });
    await telemetry.forceFlush();

    const publishSpan = await otlp.waitForSpan(byName('publish bookings.created'));
    expect(publishSpan.kind).toBe(SPAN_KIND.producer);
    expect(publishSpan.parentSpanId).toBe(publish.activeSpanId);
    expect(publish.started.traceParent).toBe(`00-${publishSpan.traceId}-${publishSpan.spanId}-01`);
    expect(publishSpan.attributes).toMatchObject({
      'hookstream.event.type': 'bookings.created',
      'hookstream.account.id': publicId('Account', accountId),
      'hookstream.deliveries.created': 2,
      'hookstream.event.duplicate': false,
      'messaging.system': 'hookstream',
      'messaging.destination.name': 'bookings.created',
    });
    expect(publishSpan.attributes['hookstream.event.id']).toMatch(/^evt_/);

    const attempts = otlp.spans.filter((span) => span.attributes['hookstream.delivery.id'] === publicId('Delivery', deliveryId));
    expect(attempts.map((span) => span.attributes['hookstream.attempt.number']).sort()).toEqual([1, 2, 3]);
    for (const span of attempts) {
      expect(span.name).toBe('POST');
      expect(span.kind).toBe(SPAN_KIND.client);
      // Its own trace, linked to the publish that created the delivery.
      expect(span.parentSpanId).toBeNull();
      expect(span.traceId).not.toBe(publishSpan.traceId);
      expect(span.links).toEqual([{ traceId: publishSpan.traceId, spanId: publishSpan.spanId, attributes: {} }]);
      expect(span.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'url.scheme': 'http', 'hookstream.webhook.id': publicId('Webhook', webhookId) });
      // The URL's path and query (often the receiver's credentials) never leave for the trace backend.
      expect(JSON.stringify(span.attributes)).not.toMatch(/secret-path|receiver-secret/);
      console.log(`attempt ${span.attributes['hookstream.attempt.number']}: span lasted ${Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6} ms`);
    }
    const [first, second, third] = [1, 2, 3].map((number) => attempts.find((span) => span.attributes['hookstream.attempt.number'] === number)!);
    expect(success.traceparent).toBe(`00-${first!.traceId}-${first!.spanId}-01`);
    expect(first!.attributes).toMatchObject({ 'server.port': Number(new URL(webhookReceiver.url).port), 'http.response.status_code': 200, 'hookstream.attempt.outcome': 'success', 'hookstream.attempt.trigger': 'AUTOMATIC' });
    expect(typeof first!.attributes['hookstream.attempt.duration_ms']).toBe('number');
    expect(first!.status.code).not.toBe(STATUS_ERROR);
    expect(second!.attributes).toMatchObject({ 'http.response.status_code': 500, 'hookstream.attempt.outcome': 'failure', 'error.type': '500' });
    expect(second!.status).toEqual({ code: STATUS_ERROR, message: 'HTTP 500' });
    expect(third!.attributes).toMatchObject({ 'hookstream.attempt.outcome': 'failure', 'error.type': 'connection refused', 'server.port': port });
    expect(third!.attributes['http.response.status_code']).toBeUndefined();
  });

  it('an attempt whose delivery has no stored traceparent (made while tracing was off) has no link', async () => {
    const attempt = startAttemptSpan({ publishTraceParent: null, url: 'https://hooks.example.com/in', method: 'PUT', deliveryId: newId(), webhookId: newId(), attemptNumber: 1 });
    expect(attempt.traceparent).toMatch(/^00-/);
    attempt.end({ kind: 'success', status: 204, durationMs: 2 });
    await telemetry.forceFlush();
    const span = await otlp.waitForSpan((candidate) => candidate.name === 'PUT');
    expect(span.links).toEqual([]);
    expect(span.attributes).toMatchObject({ 'server.address': 'hooks.example.com', 'server.port': 443, 'url.scheme': 'https' });
  });
});
