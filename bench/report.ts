// The run's table (targets from issues 6 and 12, pass/miss) and the one JSON line that ends the output.
import type { BaselineResult } from './baseline.js';
import type { StatementSummary } from './pg-statements.js';
import type { WaitSummary } from './pg-waits.js';
import type { LoopDelay } from './receiver.js';
import type { CpuShare } from './proc.js';
import type { FanoutResult, LatencyResult, RetryResult, SustainedResult } from './scenarios.js';
import { addTimelineRows, summariseTimeline, timelineCpu, type TimelineResults } from './timeline-report.js';

export const TARGETS = Object.freeze({
  throughputPerSecond: 2000,
  batchThroughputPerSecond: 4000,
  /** Single and batched publishing, each against each peer: at least as fast. */
  peerRatio: 1,
  p99Ms: 50,
  p99MsAt1000: 150,
  fanoutPublishMs: 50,
  fanoutLastArrivalMs: 150,
  ratio: 0.5,
  statementsPerDelivery: 4,
  rssMb: 300,
  /** A due retry waits behind no backlog of first attempts. */
  retryLatenessP50Ms: 5000,
  /** "Throughput of first attempts holds" with half the attempts failing: read as ≥ 80 % of scenario (1). */
  firstAttemptShare: 0.8,
});

/** A peer's run: the same figures as (1), its statements (when counted) and what its worker reported. */
export type PeerResult = SustainedResult & { statements: StatementSummary | null; errors: string[] };

export type Report = {
  quick: boolean;
  receiverMode: string;
  sustained: SustainedResult;
  /** The service's own deliveries by status after (1). */
  sustainedStatuses: Record<string, number>;
  /** PostgreSQL wait events during (1). */
  waits: WaitSummary | null;
  /** Statements sent during (1): full runs, --statements, --profile. */
  statements: StatementSummary | null;
  /** (1b): the same number of events through publishEvents, 100 per call. */
  batched: SustainedResult;
  /** Its deliveries still PENDING or RETRYING after the settle cap (a backlog that (2c) then ran beside). */
  batchedLeft: number;
  batchStatements: StatementSummary | null;
  peers: { pgboss: PeerResult; graphile: PeerResult };
  latency: LatencyResult;
  /** The same at a rate the service keeps up with (full runs only). */
  lowRateLatency: LatencyResult | null;
  /** (2c): the same at 1,000 events/s. */
  highRateLatency: LatencyResult;
  fanout: FanoutResult;
  retries: RetryResult;
  /** Issues 11 and 13: ordered delivery, the outbox, validation and transforms. */
  timeline: TimelineResults;
  baseline: BaselineResult;
  /** The receiving process's event-loop delay during the baseline, (1) and (2): how late arrivals may be stamped. */
  receiverLoop: { baseline: LoopDelay; sustained: LoopDelay; latency: LoopDelay; highRate: LoopDelay };
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

/** Statements per delivery of a run, or NaN when they were not counted. */
function statementsPer(statements: StatementSummary | null, received: number): { statements: number; commits: number } {
  if (!statements) return { statements: Number.NaN, commits: Number.NaN };
  return { statements: statements.calls / Math.max(1, received), commits: statements.commits / Math.max(1, received) };
}

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
    batch_throughput_per_s: round(report.batched.perSecond, 1),
    peer_pgboss_per_s: round(report.peers.pgboss.perSecond, 1),
    peer_graphile_per_s: round(report.peers.graphile.perSecond, 1),
    // null when not counted (--quick without --statements, or a server without pg_stat_statements).
    statements_per_delivery: round(statementsPer(report.statements, sustained.received).statements, 2),
    wal_kib_per_delivery: round(report.statements ? report.statements.walBytes / Math.max(1, sustained.received) / 1024 : Number.NaN, 2),
    p99_ms_at_1000: round(report.highRateLatency.p99Ms, 2),
    rss_peak_mb: round(memory.peakRssMb, 1),
    retry_lateness_p50_ms: round(report.retries.retryLatenessP50Ms, 0),
    ...summariseTimeline(report.timeline, sustained, latency),
  };
}

function round(value: number, digits: number): number | null {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : null;
}

export function printReport(report: Report): void {
  const { sustained, batched, latency, fanout, retries, baseline, memory, peers } = report;
  const ratio = sustained.perSecond / baseline.perSecond;
  const rows: [string, string, string, string, string][] = [];
  const row = (scenario: string, figure: string, value: string, target = '', result = '') => rows.push([scenario, figure, value, target, result]);
  const complete = (run: SustainedResult) => run.received === run.events;
  const capNote = (run: SustainedResult) => (run.published < run.events ? ` (publish cap: ${run.published} published)` : '');
  const peerRows = (run: SustainedResult, scenario: string) => {
    for (const kind of ['pgboss', 'graphile'] as const) {
      const peerRatio = run.perSecond / peers[kind].perSecond;
      row(scenario, `vs the ${kind === 'pgboss' ? 'pg-boss' : 'graphile-worker'} loop`, fixed(peerRatio, 2), `≥ ${TARGETS.peerRatio}`, verdict(peerRatio >= TARGETS.peerRatio));
    }
  };

  row('1 sustained', `delivered/s, ${sustained.events} events → 1 webhook${capNote(sustained)}`, fixed(sustained.perSecond), `≥ ${TARGETS.throughputPerSecond}/s`, verdict(sustained.perSecond >= TARGETS.throughputPerSecond && complete(sustained)));
  row('', 'received 2xx / events', `${sustained.received} / ${sustained.events}`, 'all', verdict(complete(sustained)));
  row('', 'vs the raw loop (B)', fixed(ratio, 3), `≥ ${TARGETS.ratio}`, verdict(ratio >= TARGETS.ratio));
  peerRows(sustained, '');
  row('', 'deliveries in the database', Object.entries(report.sustainedStatuses).map(([status, count]) => `${status} ${count}`).join(', '));
  row('', 'seconds, first publish → last arrival', fixed(sustained.seconds, 2));
  row('', 'delivered per second: min / median / max', `${sustained.secondly.min} / ${sustained.secondly.median} / ${sustained.secondly.max}`);
  row('', 'publish: all published after (s)', fixed(sustained.publishSeconds, 2));
  row('', 'publish call p50 / p99 (32 in flight), ms', `${fixed(sustained.publishP50Ms)} / ${fixed(sustained.publishP99Ms)}`);
  row('', 'duplicate requests / failed publishes', `${sustained.duplicates} / ${sustained.publishFailures}`);
  const perDelivery = statementsPer(report.statements, sustained.received);
  row('', 'statements / commits per delivery', report.statements ? `${fixed(perDelivery.statements, 2)} / ${fixed(perDelivery.commits, 2)}` : 'not counted', `≤ ${TARGETS.statementsPerDelivery}`, report.statements ? verdict(perDelivery.statements <= TARGETS.statementsPerDelivery) : '');

  row('1b batched', `delivered/s, ${batched.events} events, publishEvents × 100${capNote(batched)}`, fixed(batched.perSecond), `≥ ${TARGETS.batchThroughputPerSecond}/s`, verdict(batched.perSecond >= TARGETS.batchThroughputPerSecond && complete(batched)));
  row('', 'received 2xx / events', `${batched.received} / ${batched.events}`, 'all', verdict(complete(batched)));
  peerRows(batched, '');
  row('', 'seconds, first publish → last arrival; all published after', `${fixed(batched.seconds, 2)}; ${fixed(batched.publishSeconds, 2)}`);
  row('', 'publishEvents call p50 / p99, ms', `${fixed(batched.publishP50Ms)} / ${fixed(batched.publishP99Ms)}`);
  row('', 'duplicate requests / failed publishes', `${batched.duplicates} / ${batched.publishFailures}`);
  if (report.batchStatements) {
    const batchPer = statementsPer(report.batchStatements, batched.received);
    row('', 'statements / commits per delivery', `${fixed(batchPer.statements, 2)} / ${fixed(batchPer.commits, 2)}`);
  }
  if (report.batchedLeft) row('', 'still pending when (2c) began', String(report.batchedLeft));

  for (const kind of ['pgboss', 'graphile'] as const) {
    const peer = peers[kind];
    const name = kind === 'pgboss' ? 'P pg-boss' : 'P graphile';
    row(name, `delivered/s, ${peer.events} jobs, one ${kind === 'pgboss' ? 'send' : 'addJob'} each, 50 in flight${capNote(peer)}`, fixed(peer.perSecond));
    row('', 'received 2xx / jobs; duplicate requests', `${peer.received} / ${peer.events}; ${peer.duplicates}`);
    row('', 'publish call p50 / p99 (32 in flight), ms', `${fixed(peer.publishP50Ms)} / ${fixed(peer.publishP99Ms)}`);
    if (peer.statements) {
      const peerPer = statementsPer(peer.statements, peer.received);
      row('', 'statements / commits per delivery', `${fixed(peerPer.statements, 2)} / ${fixed(peerPer.commits, 2)}`);
    }
    if (peer.errors.length || peer.publishFailures) row('', 'failed publishes; worker errors', `${peer.publishFailures}; ${peer.errors.length}`);
  }

  const latencyRows = (run: LatencyResult, scenario: string, target: number) => {
    row(scenario, `publish→arrival p50 at ${run.rate}/s for ${run.seconds} s, ms`, fixed(run.p50Ms, 2));
    row('', 'p95, ms', fixed(run.p95Ms, 2));
    row('', 'p99, ms', fixed(run.p99Ms, 2), `< ${target} ms`, verdict(run.p99Ms < target && run.missing === 0));
    row('', 'max, ms', fixed(run.maxMs, 2));
    row('', `received / sent; achieved rate/s${run.missing ? ' (missing ones counted at their age)' : ''}`, `${run.received} / ${run.sent}; ${fixed(run.achievedRate)}`);
    if (run.unanswered) row('', 'publish calls unanswered at the drain cap (aborted)', String(run.unanswered));
    row('', 'publish call p50 / p99, ms', `${fixed(run.publishP50Ms, 2)} / ${fixed(run.publishP99Ms, 2)}`);
  };
  latencyRows(latency, '2 latency', TARGETS.p99Ms);
  const low = report.lowRateLatency;
  if (low) {
    row('2b latency', `the same at ${low.rate}/s for ${low.seconds} s: p50 / p95 / p99, ms`, `${fixed(low.p50Ms, 2)} / ${fixed(low.p95Ms, 2)} / ${fixed(low.p99Ms, 2)}`);
    row('', 'publish call p50 / p99, ms', `${fixed(low.publishP50Ms, 2)} / ${fixed(low.publishP99Ms, 2)}`);
  }
  latencyRows(report.highRateLatency, '2c under load', TARGETS.p99MsAt1000);
  row('3 fan-out', `publish of 1 event → ${fanout.webhooks} webhooks, median of ${fanout.events}, ms`, fixed(fanout.publishMedianMs), `< ${TARGETS.fanoutPublishMs} ms`, verdict(fanout.publishMedianMs < TARGETS.fanoutPublishMs));
  row('', 'publish min / max, ms', `${fixed(fanout.publishMinMs)} / ${fixed(fanout.publishMaxMs)}`);
  row('', `first of ${fanout.webhooks} arrived (median), ms`, fixed(fanout.firstArrivalMedianMs));
  row('', `last of ${fanout.webhooks} arrived (median), ms`, fixed(fanout.lastArrivalMedianMs), `< ${TARGETS.fanoutLastArrivalMs} ms`, verdict(fanout.lastArrivalMedianMs < TARGETS.fanoutLastArrivalMs && fanout.complete));
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
    row('', 'retry lateness vs schedule p50, ms', fixed(retries.retryLatenessP50Ms, 0), `< ${TARGETS.retryLatenessP50Ms} ms`, verdict(retries.retryLatenessP50Ms < TARGETS.retryLatenessP50Ms));
    row('', 'retry lateness p99, ms', fixed(retries.retryLatenessP99Ms, 0));
    row('', 'settled (no PENDING/RETRYING) after (s)', `${fixed(retries.settledSeconds, 1)}${retries.settled ? '' : ' (timed out)'}`);
    row('', 'final statuses', Object.entries(retries.statuses).map(([status, count]) => `${status} ${count}`).join(', '));
  }
  addTimelineRows(report.timeline, sustained, latency, row);
  const baselineCapped = baseline.delivered < baseline.deliveries ? ` (cap: ${baseline.delivered} made)` : '';
  row('B baseline', `raw loop: insert + sign + POST, 50 parallel, ${baseline.deliveries}${baselineCapped}`, `${fixed(baseline.perSecond)}/s`);
  row('5 memory', 'service RSS at the end, MB', fixed(memory.rssMb));
  row('', 'service peak RSS (VmHWM), MB', fixed(memory.peakRssMb), `< ${TARGETS.rssMb} MB`, verdict(memory.peakRssMb < TARGETS.rssMb));
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
  out.push(`  (1b) batched:  ${cpuLine(batched.cpu)}`);
  out.push(`  (2) latency:   ${cpuLine(latency.cpu)}`);
  out.push(`  (2c) 1,000/s:  ${cpuLine(report.highRateLatency.cpu)}`);
  out.push(`  (4) failing:   ${cpuLine(retries.cpu)}`);
  out.push(`  baseline:      ${cpuLine(report.baseline.cpu)} (bench = the raw loop)`);
  out.push(`  pg-boss:       ${cpuLine(peers.pgboss.cpu)} (service = its worker; bench = the publishers' send)`);
  out.push(`  graphile:      ${cpuLine(peers.graphile.cpu)} (service = its worker; bench = the publishers' addJob)`);
  const timelineFooter = timelineCpu(report.timeline, cpuLine);
  out.push(...timelineFooter.lines);
  // "Not ours" includes the kernel's own work for loopback networking (softirq), about 10 % under load here.
  const measured = [sustained, batched, latency, report.highRateLatency, retries, report.baseline, peers.pgboss, peers.graphile, ...timelineFooter.runs];
  const foreign = Math.max(...measured.map((run) => run.cpu.foreign));
  if (foreign > 0.25) out.push(`  WARNING: other processes used up to ${percent(foreign)} of a core during the run; the figures understate this machine.`);
  const loop = (delay: LoopDelay) => `${fixed(delay.p99)} / ${fixed(delay.max)}`;
  out.push(
    `Receiver (${report.receiverMode}) event-loop delay p99 / max, ms: baseline ${loop(report.receiverLoop.baseline)}, ` +
      `(1) ${loop(report.receiverLoop.sustained)}, (2) ${loop(report.receiverLoop.latency)}, (2c) ${loop(report.receiverLoop.highRate)}`,
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
        `(the baseline: 1 and 1; foreign-key checks inside them, not counted: ${perDelivery(report.statements.foreignKeyChecks)}); the most frequent (per delivery, mean ms):`,
    );
    for (const row of report.statements.top) out.push(`  ${perDelivery(row.calls).padStart(5)}  ${fixed(row.meanMs, 2).padStart(6)}  ${row.query}`);
    out.push(`WAL during (1): ${fixed(report.statements.walBytes / Math.max(1, sustained.received) / 1024, 2)} KiB per delivery; rows written per delivery (inserted / updated (HOT) / deleted):`);
    for (const row of report.statements.rows.slice(0, 12)) {
      out.push(`  ${row.table.padEnd(28)} ${perDelivery(row.inserted).padStart(5)} / ${perDelivery(row.updated)} (${perDelivery(row.hotUpdated)}) / ${perDelivery(row.deleted)}`);
    }
  }
  for (const kind of ['pgboss', 'graphile'] as const) {
    const statements = peers[kind].statements;
    if (!statements) continue;
    const perDelivery = (count: number) => fixed(count / Math.max(1, peers[kind].received), 2);
    out.push(
      `${kind === 'pgboss' ? 'pg-boss' : 'graphile-worker'} peer's statements (publishers and worker; foreign-key checks, not counted: ` +
        `${perDelivery(statements.foreignKeyChecks)}), per delivery, mean ms:`,
    );
    for (const row of statements.top.slice(0, 6)) out.push(`  ${perDelivery(row.calls).padStart(5)}  ${fixed(row.meanMs, 2).padStart(6)}  ${row.query}`);
  }
  const firstErrors: [string, string | null][] = [
    ['(1)', sustained.firstError],
    ['(1b)', batched.firstError],
    ['(1o)', report.timeline.ordered.firstError],
    ['(1x)', report.timeline.outbox.firstError ?? report.timeline.outboxRows.firstError],
    ['(1t)', report.timeline.transformed.firstError],
    ['the pg-boss peer', peers.pgboss.firstError ?? peers.pgboss.errors[0] ?? null],
    ['the graphile-worker peer', peers.graphile.firstError ?? peers.graphile.errors[0] ?? null],
  ];
  for (const [where, error] of firstErrors) if (error) out.push(`first error in ${where}: ${error}`);
  console.log(out.join('\n'));
}
