// Traces through the engine, end to end at a real OTLP/HTTP receiver: publishEvent over GraphQL makes the operation
// span, a publish span under it (its event, account, the deliveries it created) whose traceparent every delivery
// keeps, and for each attempt an HTTP client span in a trace of its own, linked to that publish span, whose
// traceparent the receiver gets. Batches: a span per event, each under its own caller's operation. Tracing off: not
// a span object made, no traceparent stored or sent.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../src/config.js';
import { publicId } from '../src/domain/public-id.js';
import { PublishEventsDocument } from '../src/sdk/generated.js';
import { isTracingOn, startTelemetry, type Telemetry } from '../src/telemetry/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createWebhook, deliveriesOfEvent, publish, waitForDelivery, type DeliveryRow } from './helpers/delivery.js';
import { rawId } from './helpers/graphql.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

const SPAN_KIND = { server: 2, client: 3, producer: 4 } as const;
const STATUS_ERROR = 2;
const ENGINE_ENV = { RETRY_SCHEDULE: '100ms', WORKER_POLL_INTERVAL: '50ms' };

type TracedRow = DeliveryRow & { trace_parent: string | null };
const traceParentOf = (span: ReceivedSpan) => `00-${span.traceId}-${span.spanId}-01`;
const booking = (id: string) => ({ id, status: 'accepted', resource: { id: '42' } });

describe('tracing off', () => {
  let app: TestApp;
  let receiver: Receiver;
  const started: string[] = [];

  beforeAll(async () => {
    // A provider that notes every span anyone starts: with tracing off the engine must start none at all (not even
    // the API's no-op spans), which an empty list here proves.
    const counting: SpanProcessor = {
      onStart: (span: Span) => void started.push(span.name),
      onEnd: (_span: ReadableSpan) => {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [counting] }));
    app = await startTestApp(ENGINE_ENV);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
    trace.disable();
  });

  it('publish and attempts make no span, store no traceparent and send none', async () => {
    expect(isTracingOn()).toBe(false);
    const { client } = await app.newAccount();
    await createWebhook(client, { name: 'a', url: receiver.url, events: ['bookings.*'] });
    await createWebhook(client, { name: 'b', url: receiver.url, events: ['bookings.*'] });
    receiver.reply({ status: 500 });
    const event = await publish(client, { type: 'bookings.created', data: booking('1') });
    const rows = (await deliveriesOfEvent(app.db.pool, event.rawId)) as TracedRow[];
    for (const row of rows) await waitForDelivery(app.db.pool, row.id, ['SUCCEEDED']);
    const requests = await receiver.waitFor(3);
    expect(rows.map((row) => row.trace_parent)).toEqual([null, null]);
    expect(requests.map((request) => request.headers['traceparent'])).toEqual([undefined, undefined, undefined]);
    expect(started).toEqual([]);
  });
});

describe('tracing on', () => {
  let otlp: OtlpReceiver;
  let telemetry: Telemetry;
  let app: TestApp;
  let receiver: Receiver;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    telemetry = (await startTelemetry(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url })))!;
    app = await startTestApp({ ...ENGINE_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await app?.stop();
    await telemetry?.shutdown();
    await otlp?.close();
    await receiver?.close();
  });

  it('publishEvent → operation span → publish span → an attempt span per HTTP call, linked, with traceparent at the receiver', async () => {
    const { client, accountId } = await app.newAccount({ name: 'Traced Hotel' });
    const steady = await createWebhook(client, { name: 'steady', url: `${receiver.url}/steady?token=secret-token`, events: ['bookings.*'] });
    // The flaky one (a receiver of its own) answers 500 first: its delivery takes two attempts.
    const flakyReceiver = await startReceiver();
    onTestFinished(() => flakyReceiver.close());
    const flaky = await createWebhook(client, { name: 'flaky', url: flakyReceiver.url, events: ['bookings.*'] });
    flakyReceiver.reply({ status: 500 });
    const event = await publish(client, { type: 'bookings.created', data: booking('1764') });
    const rows = (await deliveriesOfEvent(app.db.pool, event.rawId)) as TracedRow[];
    expect(rows).toHaveLength(2);
    for (const row of rows) await waitForDelivery(app.db.pool, row.id, ['SUCCEEDED']);
    await telemetry.forceFlush();

    const operation = await otlp.waitForSpan((span) => span.name === 'mutation PublishEvent');
    expect(operation.kind).toBe(SPAN_KIND.server);
    const publishSpan = await otlp.waitForSpan((span) => span.name === 'publish bookings.created' && span.attributes['hookstream.event.id'] === event.id);
    expect(publishSpan.kind).toBe(SPAN_KIND.producer);
    expect(publishSpan.traceId).toBe(operation.traceId);
    expect(publishSpan.parentSpanId).toBe(operation.spanId);
    expect(publishSpan.attributes).toMatchObject({
      'hookstream.event.type': 'bookings.created',
      'hookstream.account.id': publicId('Account', accountId),
      'hookstream.deliveries.created': 2,
      'hookstream.event.duplicate': false,
      'hookstream.publish.batch_size': 1,
      'messaging.operation.name': 'publish',
    });
    expect([...(publishSpan.attributes['hookstream.delivery.ids'] as string[])].sort()).toEqual(rows.map((row) => publicId('Delivery', row.id)).sort());

    // Every delivery keeps the publish span's traceparent.
    expect(rows.map((row) => row.trace_parent)).toEqual([traceParentOf(publishSpan), traceParentOf(publishSpan)]);

    // Three attempts (steady 200; flaky 500 then 200), each a client span of its own trace, linked to the publish.
    const deliveryIds = new Set(rows.map((row) => publicId('Delivery', row.id)));
    const deadline = Date.now() + 15_000;
    let attempts: ReceivedSpan[] = [];
    while ((attempts = otlp.spans.filter((span) => deliveryIds.has(span.attributes['hookstream.delivery.id'] as string))).length < 3 && Date.now() < deadline) {
      await telemetry.forceFlush();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(attempts).toHaveLength(3);
    const portOf = new Map([
      [steady.id, receiver.port],
      [flaky.id, flakyReceiver.port],
    ]);
    for (const span of attempts) {
      expect(span.name).toBe('POST');
      expect(span.kind).toBe(SPAN_KIND.client);
      expect(span.parentSpanId).toBeNull();
      expect(span.traceId).not.toBe(publishSpan.traceId);
      expect(span.links).toEqual([{ traceId: publishSpan.traceId, spanId: publishSpan.spanId, attributes: {} }]);
      expect(span.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'server.port': portOf.get(span.attributes['hookstream.webhook.id'] as string), 'url.scheme': 'http', 'hookstream.attempt.trigger': 'AUTOMATIC' });
      expect(typeof span.attributes['hookstream.attempt.duration_ms']).toBe('number');
      expect(JSON.stringify(span.attributes)).not.toContain('secret-token');
      console.log(`${span.attributes['hookstream.webhook.id']} attempt ${span.attributes['hookstream.attempt.number']}: ${span.attributes['http.response.status_code']} in ${Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6} ms`);
    }
    const ofWebhook = (webhookId: string) =>
      attempts.filter((span) => span.attributes['hookstream.webhook.id'] === webhookId).sort((a, b) => Number(a.attributes['hookstream.attempt.number']) - Number(b.attributes['hookstream.attempt.number']));
    expect(ofWebhook(steady.id).map((span) => [span.attributes['hookstream.attempt.number'], span.attributes['http.response.status_code'], span.attributes['hookstream.attempt.outcome']])).toEqual([[1, 200, 'success']]);
    const [failed, retried] = ofWebhook(flaky.id);
    expect(failed!.attributes).toMatchObject({ 'hookstream.attempt.number': 1, 'http.response.status_code': 500, 'hookstream.attempt.outcome': 'failure', 'error.type': '500' });
    expect(failed!.status.code).toBe(STATUS_ERROR);
    expect(retried!.attributes).toMatchObject({ 'hookstream.attempt.number': 2, 'http.response.status_code': 200, 'hookstream.attempt.outcome': 'success' });

    // Each request the receiver got carried its own attempt span's traceparent.
    const requests = [...receiver.requests, ...flakyReceiver.requests].filter((request) => deliveryIds.has(String(request.headers['webhook-id'])));
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      const span = attempts.find((candidate) => traceParentOf(candidate) === request.headers['traceparent']);
      expect(span, `an attempt span for traceparent ${request.headers['traceparent']}`).toBeDefined();
      expect(span!.attributes['hookstream.delivery.id']).toBe(request.headers['webhook-id']);
    }
  });

  it('a batch: a span per event under its own caller, a repeated idempotency key creates nothing', async () => {
    const first = await app.newAccount({ name: 'Batch A' });
    const second = await app.newAccount({ name: 'Batch B' });
    await createWebhook(first.client, { name: 'a', url: receiver.url, events: ['bookings.*'] });
    await createWebhook(second.client, { name: 'b', url: receiver.url, events: ['bookings.*'] });

    // One publishEvents of three (the third repeats the first's key), and at the same time single publishes of the
    // other account: group commit may write them in one transaction, yet each span stays with its own request.
    const [batch] = await Promise.all([
      first.client.data(PublishEventsDocument, {
        inputs: [
          { type: 'bookings.created', data: booking('b1'), idempotencyKey: 'k1' },
          { type: 'bookings.updated', data: booking('b2') },
          { type: 'bookings.created', data: booking('b1'), idempotencyKey: 'k1' },
        ],
      }),
      ...[1, 2, 3].map((n) => publish(second.client, { type: 'bookings.created', data: booking(`s${n}`) })),
    ]);
    const eventIds = batch.publishEvents.results.map((result) => result.event.id);
    expect(eventIds[2]).toBe(eventIds[0]);
    await telemetry.forceFlush();

    const accountA = publicId('Account', first.accountId);
    const accountB = publicId('Account', second.accountId);
    const deadline = Date.now() + 15_000;
    const publishSpansOf = (account: string) => otlp.spans.filter((span) => span.name.startsWith('publish ') && span.attributes['hookstream.account.id'] === account);
    while ((publishSpansOf(accountA).length < 3 || publishSpansOf(accountB).length < 3) && Date.now() < deadline) {
      await telemetry.forceFlush();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const spansA = publishSpansOf(accountA);
    const spansB = publishSpansOf(accountB);
    expect(spansA).toHaveLength(3);
    expect(spansB).toHaveLength(3);

    const operationOf = (span: ReceivedSpan) => otlp.spans.find((candidate) => candidate.spanId === span.parentSpanId);
    const batchOperation = operationOf(spansA[0]!);
    expect(batchOperation?.name).toBe('mutation PublishEvents');
    for (const span of spansA) expect(operationOf(span)).toBe(batchOperation);
    // Account B's three publishes: three requests, three operations, each of B.
    const operationsB = new Set(spansB.map((span) => operationOf(span)));
    expect(operationsB.size).toBe(3);
    for (const operation of operationsB) expect(operation?.attributes).toMatchObject({ 'graphql.operation.name': 'PublishEvent', 'hookstream.account.id': accountB });

    const created = spansA.map((span) => [span.name, span.attributes['hookstream.deliveries.created'], span.attributes['hookstream.event.duplicate']]);
    expect(created).toEqual(
      expect.arrayContaining([
        ['publish bookings.created', 1, false],
        ['publish bookings.updated', 1, false],
        ['publish bookings.created', 0, true],
      ]),
    );
    const duplicate = spansA.find((span) => span.attributes['hookstream.event.duplicate'] === true)!;
    expect(duplicate.attributes['hookstream.event.id']).toBe(eventIds[0]);
    expect(duplicate.attributes['hookstream.delivery.ids']).toBeUndefined();
    for (const span of [...spansA, ...spansB]) {
      expect(span.attributes['hookstream.publish.batch_size']).toBeGreaterThanOrEqual(span.attributes['hookstream.account.id'] === accountA ? 3 : 1);
    }
    console.log(`transaction sizes seen: A ${spansA.map((span) => span.attributes['hookstream.publish.batch_size']).join(', ')}; B ${spansB.map((span) => span.attributes['hookstream.publish.batch_size']).join(', ')}`);

    // Their deliveries keep their own event's span.
    for (const span of [...spansA, ...spansB].filter((candidate) => candidate.attributes['hookstream.event.duplicate'] === false)) {
      const rows = (await deliveriesOfEvent(app.db.pool, rawId(span.attributes['hookstream.event.id'] as string, 'Event'))) as TracedRow[];
      expect(rows.map((row) => row.trace_parent)).toEqual([traceParentOf(span)]);
    }
  });
});
