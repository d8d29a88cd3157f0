// OpenTelemetry traces: the one module that owns them. main.ts starts the SDK (startTelemetry); yoga.ts adds the
// operation spans; the engine calls startPublishSpan / startAttemptSpan.
export { isTracingOn, startTelemetry, tracesUrl, type Telemetry } from './sdk.js';
export { createOperationSpanPlugin } from './graphql-spans.js';
export {
  ATTRIBUTES,
  startAttemptSpan,
  startPublishSpan,
  type AttemptSpan,
  type AttemptSpanInput,
  type AttemptSpanOutcome,
  type PublishSpan,
  type PublishSpanInput,
} from './delivery-spans.js';
export { formatTraceParent, parseStoredTraceParent } from './trace-parent.js';
