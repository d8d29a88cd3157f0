// The table rows, footer lines and JSON fields of issues 11 and 13's figures (timeline.ts, transform-cost.ts), kept
// apart from report.ts, which calls these three functions.
import type { CpuShare } from './proc.js';
import type { LatencyResult, SustainedResult } from './scenarios.js';
import type { OrderCheck } from './timeline.js';
import type { TransformCost, ValidationCost } from './transform-cost.js';

export const TIMELINE_TARGETS = Object.freeze({
  /** Issue 13: ordered delivery over 1,000 keys, as a share of unordered (1) in the same run. */
  orderedRatio: 0.7,
  /** Issue 13: the outbox's drain rate, as a share of direct publishing (1). */
  outboxRatio: 0.8,
});

export type TimelineResults = {
  /** (1o): (1) against a PER_KEY webhook, ordering keys k0…k999. */
  ordered: SustainedResult;
  orderedStatuses: Record<string, number>;
  /** (2o): (2) against the same ordered webhook. */
  orderedLatency: LatencyResult;
  /** Over every arrival of the ordered webhook: (1o)'s warm-up, (1o) and (2o). */
  order: OrderCheck;
  /** (1x): as many rows through hookstream_publish in platform transactions, drained by the service. */
  outbox: SustainedResult;
  outboxRows: { pending: number; refused: number; published: number; firstError: string | null };
  outboxRowsPerTransaction: number;
  outboxWriters: number;
  /** (1t): (1) against a webhook with a transform. */
  transformed: SustainedResult;
  validation: ValidationCost;
  transform: TransformCost;
};

type Row = (scenario: string, figure: string, value: string, target?: string, result?: string) => void;

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const verdict = (ok: boolean) => (ok ? 'pass' : 'MISS');
const round = (value: number, digits: number): number | null => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);
const capNote = (run: SustainedResult) => (run.published < run.events ? ` (publish cap: ${run.published} published)` : '');
const complete = (run: SustainedResult) => run.received === run.published && run.publishFailures === 0;

/** The JSON line's fields (null when a figure could not be computed). */
export function summariseTimeline(results: TimelineResults, sustained: SustainedResult, latency: LatencyResult) {
  return {
    ordered_ratio: round(results.ordered.perSecond / sustained.perSecond, 3),
    ordered_p99_added_ms: round(results.orderedLatency.p99Ms - latency.p99Ms, 2),
    outbox_ratio: round(results.outbox.perSecond / sustained.perSecond, 3),
    validation_us_per_publish: round(results.validation.usPerCall, 2),
    transform_ms_per_call: round(results.transform.msPerCall, 3),
    transform_throughput_ratio: round(results.transformed.perSecond / sustained.perSecond, 3),
  };
}

export function addTimelineRows(results: TimelineResults, sustained: SustainedResult, latency: LatencyResult, row: Row): void {
  const { ordered, orderedLatency, order, outbox, transformed, validation, transform } = results;
  const orderedRatio = ordered.perSecond / sustained.perSecond;
  row('1o ordered', `delivered/s, ${ordered.events} events → 1 PER_KEY webhook, 1,000 keys${capNote(ordered)}`, fixed(ordered.perSecond));
  row('', 'vs unordered (1)', fixed(orderedRatio, 3), `≥ ${TIMELINE_TARGETS.orderedRatio}`, verdict(orderedRatio >= TIMELINE_TARGETS.orderedRatio && complete(ordered)));
  row('', 'received 2xx / published', `${ordered.received} / ${ordered.published}`, 'all', verdict(complete(ordered)));
  row('', `out of sequence per key (${order.deliveries} deliveries, ${order.keys} keys)`, String(order.violations), '0', verdict(order.violations === 0 && order.withoutSequence === 0));
  if (order.withoutSequence || order.repeats) row('', 'arrivals without a sequence / repeated deliveries', `${order.withoutSequence} / ${order.repeats}`);
  row('', 'deliveries in the database', Object.entries(results.orderedStatuses).map(([status, count]) => `${status} ${count}`).join(', '));
  row('', 'publish call p50 / p99 (32 in flight), ms', `${fixed(ordered.publishP50Ms)} / ${fixed(ordered.publishP99Ms)}`);
  row('2o ordered', `publish→arrival p50 / p95 / p99 at ${orderedLatency.rate}/s for ${orderedLatency.seconds} s, ms`, `${fixed(orderedLatency.p50Ms, 2)} / ${fixed(orderedLatency.p95Ms, 2)} / ${fixed(orderedLatency.p99Ms, 2)}`);
  row('', 'p99 added vs unordered (2), ms', fixed(orderedLatency.p99Ms - latency.p99Ms, 2));
  row('', `received / sent${orderedLatency.missing ? ' (missing ones counted at their age)' : ''}`, `${orderedLatency.received} / ${orderedLatency.sent}`);

  const outboxRatio = outbox.perSecond / sustained.perSecond;
  row(
    '1x outbox',
    `rows/s, first insert → last arrival, ${outbox.events} rows (${results.outboxRowsPerTransaction} per transaction, ${results.outboxWriters} writers)${capNote(outbox)}`,
    fixed(outbox.perSecond),
  );
  row('', 'vs direct publishing (1)', fixed(outboxRatio, 3), `≥ ${TIMELINE_TARGETS.outboxRatio}`, verdict(outboxRatio >= TIMELINE_TARGETS.outboxRatio && complete(outbox)));
  row('', 'received 2xx / rows committed', `${outbox.received} / ${outbox.published}`, 'all', verdict(complete(outbox)));
  row('', 'outbox rows after: published / pending / refused', `${results.outboxRows.published} / ${results.outboxRows.pending} / ${results.outboxRows.refused}`);
  row('', 'platform transaction p50 / p99, ms', `${fixed(outbox.publishP50Ms)} / ${fixed(outbox.publishP99Ms)}`);
  row('', 'duplicate requests / failed transactions (rows)', `${outbox.duplicates} / ${outbox.publishFailures}`);

  row('1t transform', `delivered/s, ${transformed.events} events → 1 webhook with a transform${capNote(transformed)}`, fixed(transformed.perSecond));
  row('', 'vs no transform (1)', fixed(transformed.perSecond / sustained.perSecond, 3));
  row('', 'received 2xx / published', `${transformed.received} / ${transformed.published}`, 'all', verdict(complete(transformed)));
  row('V validation', `catalog validateData per publish (anny, bookings.created), ${validation.calls} calls, µs`, fixed(validation.usPerCall, 2));
  if (validation.violations) row('', 'the bench data refused (it should pass)', `${validation.violations}: ${validation.firstViolation}`);
  row('T transform', `runner, one call at a time (${transform.sequentialCalls}), ms per call`, fixed(transform.msPerCall, 3));
  row('', `runner, 50 in flight, one expression (${transform.concurrentCalls}), calls/s`, fixed(transform.concurrentPerSecond));
  row('', 'failed calls; transformed body, bytes', `${transform.failures}${transform.firstError ? ` (${transform.firstError})` : ''}; ${transform.bodyBytes}`);
}

/** Footer lines: CPU per run, and the runs for the "not ours" warning. */
export function timelineCpu(results: TimelineResults, cpuLine: (cpu: CpuShare) => string): { lines: string[]; runs: { cpu: CpuShare }[] } {
  return {
    lines: [
      `  (1o) ordered:   ${cpuLine(results.ordered.cpu)}`,
      `  (2o) ordered:   ${cpuLine(results.orderedLatency.cpu)}`,
      `  (1x) outbox:    ${cpuLine(results.outbox.cpu)} (bench = the platform's writers)`,
      `  (1t) transform: ${cpuLine(results.transformed.cpu)} (service includes its transform processes)`,
    ],
    runs: [results.ordered, results.orderedLatency, results.outbox, results.transformed],
  };
}
