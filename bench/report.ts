// The run's table (targets from issue 6, pass/miss) and the one JSON line that ends the output.
import type { BaselineResult } from './baseline.js';
import type { StatementSummary } from './pg-statements.js';
import type { WaitSummary } from './pg-waits.js';
import type { LoopDelay } from './receiver.js';
import type { CpuShare } from './proc.js';
import type { FanoutResult, LatencyResult, RetryResult, SustainedResult } from './scenarios.js';

export const TARGETS = Object.freeze({
  throughputPerSecond: 2000,
  p99Ms: 50,
  fanoutPublishMs: 100,
  ratio: 0.5,
  rssMb: 300,
  /** "Throughput of first attempts holds" with half the attempts failing: read as ≥ 80 % of scenario (1). */
  firstAttemptShare: 0.8,
});

export type Report = {
  quick: boolean;
  receiverMode: string;
  sustained: SustainedResult;
  /** The service's own deliveries by status after (1). */
  sustainedStatuses: Record<string, number>;
  /** PostgreSQL wait events during (1). */
  waits: WaitSummary | null;
  /** Statements sent during (1), with --statements or --profile. */
  statements: StatementSummary | null;
  latency: LatencyResult;
  /** The same at a rate the service keeps up with (full runs only). */
  lowRateLatency: LatencyResult | null;
  fanout: FanoutResult;
  retries: RetryResult;
  baseline: BaselineResult;
  /** The receiving process's event-loop delay during the baseline, (1) and (2): how late arrivals may be stamped. */
  receiverLoop: { baseline: LoopDelay; sustained: LoopDelay; latency: LoopDelay };
  memory: { rssMb: number; peakRssMb: number };
  retryServiceMemory: { rssMb: number; peakRssMb: number } | null;
  wallSeconds: number;
  /** 1-minute load average when the run began: other work on the machine skews every figure. */
  loadBefore: number;
  profiled: boolean;
};

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const verdict = (ok: boolean) => (ok ? 'pass' : 'MISS');
const percent = (share: number) => `${Math.round(share * 100)}%`;
const cpuLine = (cpu: CpuShare) =>
  `service ${percent(cpu.service)}, postgres ${percent(cpu.postgres)}, receiver ${percent(cpu.receiver)}, bench ${percent(cpu.bench)}; not ours ${percent(cpu.foreign)}`;

export function summarise(report: Report) {
  const { sustained, latency, fanout, baseline, memory } = report;
  const ratio = sustained.perSecond / baseline.perSecond;
  return {
    throughput_per_s: round(sustained.perSecond, 1),
    p50_ms: round(latency.p50Ms, 2),
    p99_ms: round(latency.p99Ms, 2),
    fanout100_publish_ms: round(fanout.publishMedianMs, 1),
    baseline_per_s: round(baseline.perSecond, 1),
    ratio: round(ratio, 3),
    rss_mb: round(memory.rssMb, 1),
  };
}

function round(value: number, digits: number): number | null {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : null;
}

export function printReport(report: Report): void {
  const { sustained, latency, fanout, retries, baseline, memory } = report;
  const ratio = sustained.perSecond / baseline.perSecond;
  const rows: [string, string, string, string, string][] = [];
  const row = (scenario: string, figure: string, value: string, target = '', result = '') => rows.push([scenario, figure, value, target, result]);

  const capped = sustained.published < sustained.events ? ` (publish cap: ${sustained.published} published)` : '';
  row('1 sustained', `delivered/s, ${sustained.events} events → 1 webhook${capped}`, fixed(sustained.perSecond), `≥ ${TARGETS.throughputPerSecond}/s`, verdict(sustained.perSecond >= TARGETS.throughputPerSecond && sustained.received === sustained.events));
  row('', 'received 2xx / events', `${sustained.received} / ${sustained.events}`, 'all', verdict(sustained.received === sustained.events));
  row('', 'deliveries in the database', Object.entries(report.sustainedStatuses).map(([status, count]) => `${status} ${count}`).join(', '));
  row('', 'seconds, first publish → last arrival', fixed(sustained.seconds, 2));
  row('', 'delivered per second: min / median / max', `${sustained.secondly.min} / ${sustained.secondly.median} / ${sustained.secondly.max}`);
  row('', 'publish: all published after (s)', fixed(sustained.publishSeconds, 2));
  row('', 'publish call p50 / p99 (32 in flight), ms', `${fixed(sustained.publishP50Ms)} / ${fixed(sustained.publishP99Ms)}`);
  row('', 'duplicate requests / failed publishes', `${sustained.duplicates} / ${sustained.publishFailures}`);
  row('2 latency', `publish→arrival p50 at ${latency.rate}/s for ${latency.seconds} s, ms`, fixed(latency.p50Ms, 2));
  row('', 'p95, ms', fixed(latency.p95Ms, 2));
  row('', 'p99, ms', fixed(latency.p99Ms, 2), `< ${TARGETS.p99Ms} ms`, verdict(latency.p99Ms < TARGETS.p99Ms && latency.missing === 0));
  row('', 'max, ms', fixed(latency.maxMs, 2));
  row('', `received / sent; achieved rate/s${latency.missing ? ' (missing ones counted at their age)' : ''}`, `${latency.received} / ${latency.sent}; ${fixed(latency.achievedRate)}`);
  row('', 'publish call p50 / p99, ms', `${fixed(latency.publishP50Ms, 2)} / ${fixed(latency.publishP99Ms, 2)}`);
  const low = report.lowRateLatency;
  if (low) {
    row('2b latency', `the same at ${low.rate}/s for ${low.seconds} s: p50 / p95 / p99, ms`, `${fixed(low.p50Ms, 2)} / ${fixed(low.p95Ms, 2)} / ${fixed(low.p99Ms, 2)}`);
    row('', 'publish call p50 / p99, ms', `${fixed(low.publishP50Ms, 2)} / ${fixed(low.publishP99Ms, 2)}`);
  }
  row('3 fan-out', `publish of 1 event → ${fanout.webhooks} webhooks, median of ${fanout.events}, ms`, fixed(fanout.publishMedianMs), `< ${TARGETS.fanoutPublishMs} ms`, verdict(fanout.publishMedianMs < TARGETS.fanoutPublishMs));
  row('', 'publish min / max, ms', `${fixed(fanout.publishMinMs)} / ${fixed(fanout.publishMaxMs)}`);
  row('', `first / last of ${fanout.webhooks} arrived (median), ms`, `${fixed(fanout.firstArrivalMedianMs)} / ${fixed(fanout.lastArrivalMedianMs)}`);
  row('', 'last arrived, worst event, ms', fixed(fanout.lastArrivalMaxMs));
  row('', 'deliveries per event; all arrived', `${fanout.deliveryCount}; ${fanout.complete ? 'yes' : 'NO'}`, `${fanout.webhooks}`, verdict(fanout.complete));
  {
    const share = retries.firstAttemptPerSecond / sustained.perSecond;
    const cappedRetries = retries.published < retries.events ? ` (publish cap: ${retries.published} published)` : '';
    row('4 failing 50%', `first attempts/s, ${retries.events} events${cappedRetries}`, fixed(retries.firstAttemptPerSecond), `≥ ${percent(TARGETS.firstAttemptShare)} of (1)`, verdict(share >= TARGETS.firstAttemptShare && retries.firstAttempts === retries.events));
    row('', 'vs (1)', percent(share));
    row('', 'first attempts answered 500', `${retries.firstAttemptFailed} of ${retries.firstAttempts}`);
    row('', 'all first attempts in after (s)', fixed(retries.firstAttemptSeconds, 2));
    row('', 'retries: total / before the last first attempt', `${retries.retries} / ${retries.retriesBeforeLastFirstAttempt}`);
    row('', 'first retry arrived after (s)', fixed(retries.firstRetryAfterMs / 1000, 2));
    row('', 'retry lateness vs schedule p50 / p99, ms', `${fixed(retries.retryLatenessP50Ms, 0)} / ${fixed(retries.retryLatenessP99Ms, 0)}`);
    row('', 'settled (no PENDING/RETRYING) after (s)', `${fixed(retries.settledSeconds, 1)}${retries.settled ? '' : ' (timed out)'}`);
    row('', 'final statuses', Object.entries(retries.statuses).map(([status, count]) => `${status} ${count}`).join(', '));
  }
  const baselineCapped = baseline.delivered < baseline.deliveries ? ` (cap: ${baseline.delivered} made)` : '';
  row('B baseline', `raw loop: insert + sign + POST, 50 parallel, ${baseline.deliveries}${baselineCapped}`, `${fixed(baseline.perSecond)}/s`);
  row('', 'ratio service / baseline', fixed(ratio, 3), `≥ ${TARGETS.ratio}`, verdict(ratio >= TARGETS.ratio));
  row('5 memory', 'service RSS at the end, MB', fixed(memory.rssMb), `< ${TARGETS.rssMb} MB`, verdict(memory.rssMb < TARGETS.rssMb));
  row('', 'service peak RSS (VmHWM), MB', fixed(memory.peakRssMb));
  if (report.retryServiceMemory) row('', 'retry-scenario service RSS / peak, MB', `${fixed(report.retryServiceMemory.rssMb)} / ${fixed(report.retryServiceMemory.peakRssMb)}`);

  const header: [string, string, string, string, string] = ['scenario', 'figure', 'value', 'target', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  const out: string[] = [];
  out.push(
    `Hookstream bench (${report.quick ? 'quick' : 'full'}; receiver: ${report.receiverMode}; ${report.profiled ? 'SERVICE UNDER --cpu-prof; ' : ''}` +
      `${fixed(report.wallSeconds, 0)} s; load average at start ${report.loadBefore.toFixed(2)})`,
  );
  out.push(line(header));
  out.push(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const cells of rows) out.push(line(cells));
  out.push('');
  out.push('CPU, share of one core (this machine has 2):');
  out.push(`  (1) sustained: ${cpuLine(sustained.cpu)}`);
  out.push(`  (2) latency:   ${cpuLine(latency.cpu)}`);
  out.push(`  (4) failing:   ${cpuLine(retries.cpu)}`);
  out.push(`  baseline:      ${cpuLine(report.baseline.cpu)} (bench = the raw loop)`);
  // "Not ours" includes the kernel's own work for loopback networking (softirq), about 10 % under load here.
  const foreign = Math.max(sustained.cpu.foreign, latency.cpu.foreign, retries.cpu.foreign, report.baseline.cpu.foreign);
  if (foreign > 0.25) out.push(`  WARNING: other processes used up to ${percent(foreign)} of a core during the run; the figures understate this machine.`);
  const loop = (delay: LoopDelay) => `${fixed(delay.p99)} / ${fixed(delay.max)}`;
  out.push(
    `Receiver (${report.receiverMode}) event-loop delay p99 / max, ms: baseline ${loop(report.receiverLoop.baseline)}, ` +
      `(1) ${loop(report.receiverLoop.sustained)}, (2) ${loop(report.receiverLoop.latency)}`,
  );
  out.push(`deliveries per second in (1): ${sustained.secondly.series.join(' ')}`);
  if (report.waits) {
    out.push(`PostgreSQL client backends during (1): ${fixed(report.waits.busyPerSample)} busy on average (${report.waits.samples} samples); what they wait on:`);
    for (const wait of report.waits.top.slice(0, 6)) out.push(`  ${percent(wait.share).padStart(4)}  ${wait.wait.padEnd(28)} ${wait.query}`);
  }
  if (report.statements) {
    const perDelivery = (count: number) => fixed(count / Math.max(1, sustained.received), 2);
    out.push(
      `PostgreSQL statements during (1): ${perDelivery(report.statements.calls)} per delivery, ${perDelivery(report.statements.commits)} commits per delivery ` +
        `(the baseline: 1 and 1); the most frequent (per delivery, mean ms):`,
    );
    for (const row of report.statements.top) out.push(`  ${perDelivery(row.calls).padStart(5)}  ${fixed(row.meanMs, 2).padStart(6)}  ${row.query}`);
  }
  if (sustained.firstError) out.push(`first publish error in (1): ${sustained.firstError}`);
  console.log(out.join('\n'));
}
