// A real OTLP/HTTP trace receiver on loopback: it takes what an exporter POSTs to /v1/traces, decodes it and keeps
// every span, flattened. It decodes OTLP's JSON encoding (`application/json`, what @opentelemetry/exporter-trace-otlp-http
// sends); any other content type is answered 415, so a change of exporter shows up as a failing test, not as silence.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OtlpValue = string | number | boolean | null | OtlpValue[] | { [key: string]: OtlpValue };

export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, OtlpValue>;
  links: { traceId: string; spanId: string; attributes: Record<string, OtlpValue> }[];
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string | null };
  resource: Record<string, OtlpValue>;
  scope: string;
};

export type OtlpReceiver = {
  /** The endpoint to configure (OTEL_EXPORTER_OTLP_ENDPOINT): spans arrive at `<url>/v1/traces`. */
  url: string;
  spans: ReceivedSpan[];
  /** Requests that were not trace exports it could decode (wrong path or content type). */
  refused: { path: string; contentType: string | null }[];
  /** Resolves with the first span `match` accepts, once it has arrived (rejects after timeoutMs). */
  waitForSpan(match: (span: ReceivedSpan) => boolean, timeoutMs?: number): Promise<ReceivedSpan>;
  close(): Promise<void>;
};

type JsonAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
};
type JsonKeyValue = { key: string; value?: JsonAnyValue };
type JsonSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: JsonKeyValue[];
  links?: { traceId: string; spanId: string; attributes?: JsonKeyValue[] }[];
  status?: { code?: number; message?: string };
};
type JsonExport = {
  resourceSpans?: { resource?: { attributes?: JsonKeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: JsonSpan[] }[] }[];
};

function decodeValue(value: JsonAnyValue | undefined): OtlpValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeValue);
  if (value.kvlistValue) return decodeAttributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

function decodeAttributes(attributes: JsonKeyValue[] | undefined): Record<string, OtlpValue> {
  return Object.fromEntries((attributes ?? []).map((attribute) => [attribute.key, decodeValue(attribute.value)]));
}

/** IDs arrive as hex (the exporter's JSON encoding) or, from other encoders, as base64: hex either way. */
function hexId(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

export function decodeTraceExport(body: JsonExport): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const resource = decodeAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          parentSpanId: span.parentSpanId ? hexId(span.parentSpanId) : null,
          name: span.name,
          kind: span.kind ?? 0,
          startTimeUnixNano: BigInt(span.startTimeUnixNano),
          endTimeUnixNano: BigInt(span.endTimeUnixNano),
          attributes: decodeAttributes(span.attributes),
          links: (span.links ?? []).map((link) => ({ traceId: hexId(link.traceId), spanId: hexId(link.spanId), attributes: decodeAttributes(link.attributes) })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? null },
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const refused: OtlpReceiver['refused'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'] ?? null;
      if (request.method !== 'POST' || request.url !== '/v1/traces' || !contentType?.startsWith('application/json')) {
        refused.push({ path: request.url ?? '', contentType });
        response.writeHead(request.url === '/v1/traces' ? 415 : 404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      try {
        spans.push(...decodeTraceExport(JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonExport));
        // ExportTraceServiceResponse: an empty object is full success.
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (error) {
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    refused,
    async waitForSpan(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = spans.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching span arrived; got: ${spans.map((span) => span.name).join(', ') || 'none'}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
