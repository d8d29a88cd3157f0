// The OpenTelemetry SDK: started once per process when OTEL_EXPORTER_OTLP_ENDPOINT is set (config.otelEndpoint), and
// not at all otherwise. Traces only, over OTLP/HTTP; the SDK reads the other standard variables itself
// (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_*…).
// While it is off, every helper of this folder returns a shared no-op at once: tracing costs nothing.
//
// The SDK itself (about 30 MB of modules) is loaded only when tracing is asked for; the helpers need only the API.
import { context, propagation, trace } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config.js';

export const TRACER_NAME = 'hookstream';
export const SERVICE_VERSION = '0.1.0';

export type Telemetry = {
  /** Exports every span ended so far (tests; a graceful stop calls shutdown, which flushes too). */
  forceFlush(): Promise<void>;
  /** Flushes, stops the SDK and switches tracing off again. */
  shutdown(): Promise<void>;
};

let tracingOn = false;

/** True while the SDK runs: the helpers make real spans only then. */
export const isTracingOn = (): boolean => tracingOn;

/** `<endpoint>/v1/traces`, as the OTLP/HTTP spec derives a signal's URL from OTEL_EXPORTER_OTLP_ENDPOINT. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/** Starts tracing if the configuration asks for it; null (and nothing started) otherwise. */
export async function startTelemetry(config: Pick<Config, 'otelEndpoint'>): Promise<Telemetry | null> {
  if (!config.otelEndpoint) return null;
  if (tracingOn) throw new Error('OpenTelemetry is already started in this process');
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { NodeSDK }, { BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(config.otelEndpoint) }));
  const sdk = new NodeSDK({
    // Ours first; the SDK's detectors merge OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES over it.
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'hookstream', [ATTR_SERVICE_VERSION]: SERVICE_VERSION }),
    spanProcessors: [processor],
    // Traces only: metrics stay with Prometheus (/metrics), logs with pino.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  tracingOn = true;
  return {
    forceFlush: () => processor.forceFlush(),
    async shutdown() {
      tracingOn = false;
      await sdk.shutdown();
      // Unregister the globals, so that a later start (another test file's app) registers afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
