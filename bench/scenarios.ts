// The scenarios of issue 6, each against a running service and a loopback receiver. Every figure is measured from
// the bench's side (publish calls) to the receiver's side (arrivals), on the shared monotonic clock of clock.ts.
import * as hdr from 'hdr-histogram-js';
import { median, nowMs, percentile, sleep, waitUntil } from './clock.js';
import { bookingData, type GraphqlClient } from './graphql-client.js';
import { cpuShare, type CpuSample, type CpuShare } from './proc.js';
import { ArrivalTracker, type Arrival, type ReceiverHandle } from './receiver.js';

export type Log = (message: string) => void;
export type SampleCpu = () => CpuSample;

type PublishStats = { attempted: number; failures: number; firstError: string | null; durationsMs: number[] };

/** Publishes the events of these keys in one call: one key for `publishEvent`, up to 100 for `publishEvents`. */
export type PublishKeys = (keys: readonly string[]) => Promise<unknown>;

/**
 * Publishes `count` events, `batchSize` per call, with `concurrency` calls in flight (closed loop: each caller
 * publishes again at once). Past `deadline` (nowMs) no new call starts: a slow service shortens the run instead of
 * stretching it. Counts are of events; durations are of calls.
 */
export async function publishClosedLoop(
  publish: PublishKeys,
  options: { count: number; concurrency: number; keyOf: (index: number) => string; batchSize?: number; deadline?: number },
): Promise<PublishStats> {
  const { count, concurrency, keyOf, batchSize = 1, deadline = Infinity } = options;
  const stats: PublishStats = { attempted: 0, failures: 0, firstError: null, durationsMs: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && nowMs() < deadline) {
        const keys = Array.from({ length: Math.min(batchSize, count - next) }, () => keyOf(next++));
        stats.attempted += keys.length;
        const startedAt = nowMs();
        try {
          await publish(keys);
          stats.durationsMs.push(nowMs() - startedAt);
        } catch (error) {
          stats.failures += keys.length;
          stats.firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return stats;
}

/** Deliveries per whole second since `from`: the slowest and fastest full seconds and the median. */
function perSecond(arrivals: Iterable<Arrival>, from: number, to: number) {
  const buckets: number[] = new Array(Math.max(1, Math.ceil((to - from) / 1000))).fill(0);
  for (const arrival of arrivals) {
    const index = Math.floor((arrival.at - from) / 1000);
    if (index >= 0 && index < buckets.length) buckets[index]!++;
  }
  // The last second is partial; leave it out unless it is all there is.
  const full = buckets.length > 1 ? buckets.slice(0, -1) : buckets;
  return { min: Math.min(...full), median: median(full), max: Math.max(...full), series: buckets };
}

// ---- (1) sustained throughput; (1b) batched; the peers -----------------------------------------------------------

export type SustainedResult = {
  events: number;
  /** Events published: fewer than `events` when the publish cap cut the run short. */
  published: number;
  received: number;
  seconds: number;
  perSecond: number;
  publishSeconds: number;
  /** Of publish calls (one event each, or `batchSize`). */
  publishP50Ms: number;
  publishP99Ms: number;
  publishFailures: number;
  firstError: string | null;
  duplicates: number;
  secondly: { min: number; median: number; max: number; series: number[] };
  startedAt: number;
  finishedAt: number;
  cpu: CpuShare;
};

/**
 * N events through `publish` in a closed loop, measured from the first publish to the last arrival. The same for
 * the service's `publishEvent` (1), its `publishEvents` (1b) and the peers (a pg-boss `send`, a graphile-worker
 * `addJob`): only `publish` and `batchSize` differ.
 */
export async function runSustained(options: {
  /** "(1)", "(1b)", "pg-boss"…: for the progress lines. */
  label: string;
  publish: PublishKeys;
  /** Events per publish call (1 unless batched). */
  batchSize?: number;
  receiver: ReceiverHandle;
  path: string;
  /** Keys of the measured events (`<prefix><i>`); the warm-up's are `warm-<i>` on the same path. */
  keyPrefix: string;
  events: number;
  warmup: number;
  /** Publish calls in flight. */
  concurrency: number;
  /** The unmeasured warm-up's own cap. */
  warmupCapMs: number;
  /** No new publish after this long; then at most `drainCapMs` for the deliveries to arrive. */
  publishCapMs: number;
  drainCapMs: number;
  sampleCpu: SampleCpu;
  /** Called around the measured part (e.g. a wait-event sampler). */
  onMeasure?: { start(): Promise<void>; stop(): Promise<void> };
  log: Log;
}): Promise<SustainedResult> {
  const { receiver, path, keyPrefix, label } = options;
  const loop = { concurrency: options.concurrency, batchSize: options.batchSize ?? 1 };
  // Warm-up: JIT, connection pools and the queue's first pages, not measured.
  const warm = new ArrivalTracker(receiver, (arrival) => arrival.path === path && arrival.key.startsWith('warm-'));
  const warmupDeadline = nowMs() + options.warmupCapMs;
  const warmup = await publishClosedLoop(options.publish, { ...loop, count: options.warmup, keyOf: (i) => `warm-${i}`, deadline: warmupDeadline });
  if (warmup.firstError) options.log(`  ${label} warm-up: ${warmup.failures} failed publishes, the first: ${warmup.firstError}`);
  await waitUntil(() => warm.sync().firstByDelivery.size >= warmup.attempted - warmup.failures, Math.max(1_000, warmupDeadline - nowMs()));
  await sleep(300);

  await options.onMeasure?.start();
  const tracker = new ArrivalTracker(receiver, (arrival) => arrival.path === path && arrival.key.startsWith(keyPrefix));
  const cpuBefore = options.sampleCpu();
  const startedAt = nowMs();
  const publishing = publishClosedLoop(options.publish, { ...loop, count: options.events, keyOf: (i) => `${keyPrefix}${i}`, deadline: startedAt + options.publishCapMs });
  const progress = setInterval(() => options.log(`  ${label} ${tracker.sync().firstByDelivery.size}/${options.events} delivered`), 5_000);
  const publish = await publishing;
  const publishSeconds = (nowMs() - startedAt) / 1000;
  const expected = publish.attempted - publish.failures;
  await waitUntil(() => tracker.sync().firstByDelivery.size >= expected, options.drainCapMs);
  clearInterval(progress);
  const cpuAfter = options.sampleCpu();
  await options.onMeasure?.stop();
  tracker.sync();
  const received = [...tracker.firstByDelivery.values()].filter((arrival) => arrival.status < 300).length;
  const finishedAt = Number.isNaN(tracker.lastAt) ? nowMs() : tracker.lastAt;
  const seconds = (finishedAt - startedAt) / 1000;
  return {
    events: options.events,
    published: expected,
    received,
    seconds,
    // All N only if all arrived; otherwise what did arrive, so a stall shows as a low figure, not a high one.
    perSecond: received / seconds,
    publishSeconds,
    publishP50Ms: percentile(publish.durationsMs, 50),
    publishP99Ms: percentile(publish.durationsMs, 99),
    publishFailures: publish.failures,
    firstError: publish.firstError,
    duplicates: tracker.requests - tracker.firstByDelivery.size,
    secondly: perSecond(tracker.firstByDelivery.values(), startedAt, finishedAt),
    startedAt,
    finishedAt,
    cpu: cpuShare(cpuBefore, cpuAfter),
  };
}

// ---- (2) latency at a fixed rate --------------------------------------------------------------------------------

export type LatencyResult = {
  rate: number;
  seconds: number;
  sent: number;
  received: number;
  /** Not arrived within the drain cap: counted in the percentiles at their age then (a lower bound). */
  missing: number;
  /** Publish calls still unanswered when the drain cap ended (aborted; their events are among the missing). */
  unanswered: number;
  achievedRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  publishP50Ms: number;
  publishP99Ms: number;
  publishFailures: number;
  startedAt: number;
  finishedAt: number;
  cpu: CpuShare;
};

export async function runLatency(options: {
  client: GraphqlClient;
  receiver: ReceiverHandle;
  path: string;
  /** Distinguishes this run's events from an earlier one's on the same webhook. */
  keyPrefix?: string;
  rate: number;
  seconds: number;
  drainCapMs: number;
  sampleCpu: SampleCpu;
}): Promise<LatencyResult> {
  const { client, receiver, path, rate } = options;
  const total = Math.round(rate * options.seconds);
  const intervalMs = 1000 / rate;
  const keyPrefix = options.keyPrefix ?? 's2-';
  const tracker = new ArrivalTracker(receiver, (arrival) => arrival.path === path && arrival.key.startsWith(keyPrefix));
  const sentAt = new Map<string, number>();
  const publishMs: number[] = [];
  const inFlight: Promise<void>[] = [];
  let publishFailures = 0;
  // Calls still open when the drain cap ends are aborted (a service far below the rate would otherwise keep the
  // run waiting for its backlog): their events count as missing, at their age then, like any event not arrived.
  // One controller per call: thousands of listeners on one shared signal cost the load generator O(n) per call
  // (EventTarget removes a listener by scanning), which at 1,000/s starved the load itself.
  const open = new Set<AbortController>();
  let aborted = false;

  const cpuBefore = options.sampleCpu();
  // Open loop: event i is published at t0 + i/rate whatever happened to the others, so a slow service cannot slow
  // the load down and hide its own latency (coordinated omission).
  const t0 = nowMs() + 5;
  let index = 0;
  while (index < total) {
    const wait = t0 + index * intervalMs - nowMs();
    // Always yield to the event loop, even when the next event is due in under a millisecond (at 1,000/s it always
    // is): a loop that slept only for longer gaps never let the responses in, so (2c) measured its own starvation.
    await sleep(wait);
    while (index < total && t0 + index * intervalMs <= nowMs()) {
      const key = `${keyPrefix}${index++}`;
      sentAt.set(key, nowMs()); // just before the publish call
      const controller = new AbortController();
      open.add(controller);
      inFlight.push(
        client
          .publish(bookingData(key), { signal: controller.signal })
          .then(
            (published) => void publishMs.push(published.finishedAt - published.startedAt),
            () => {
              if (aborted) return;
              publishFailures++;
              sentAt.delete(key);
            },
          )
          .finally(() => open.delete(controller)),
      );
    }
  }
  const sendSeconds = (nowMs() - t0) / 1000;
  const drainDeadline = nowMs() + options.drainCapMs;
  await Promise.race([Promise.all(inFlight), sleep(options.drainCapMs)]);
  await waitUntil(() => tracker.sync().firstByKey.size >= sentAt.size, drainDeadline - nowMs());
  const unanswered = inFlight.length - publishMs.length - publishFailures;
  aborted = true;
  for (const controller of open) controller.abort();
  await Promise.all(inFlight);
  const cpuAfter = options.sampleCpu();
  const endedAt = nowMs();

  // Microseconds, from 1 µs to 10 minutes, 3 significant digits.
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  let missing = 0;
  for (const [key, startedAt] of sentAt) {
    const arrival = tracker.firstByKey.get(key);
    if (!arrival) missing++;
    histogram.recordValue(Math.max(1, Math.round(((arrival?.at ?? endedAt) - startedAt) * 1000)));
  }
  const ms = (percent: number) => histogram.getValueAtPercentile(percent) / 1000;
  const result: LatencyResult = {
    rate,
    seconds: options.seconds,
    sent: sentAt.size,
    received: sentAt.size - missing,
    missing,
    unanswered,
    achievedRate: total / sendSeconds,
    p50Ms: ms(50),
    p95Ms: ms(95),
    p99Ms: ms(99),
    maxMs: histogram.maxValue / 1000,
    publishP50Ms: percentile(publishMs, 50),
    publishP99Ms: percentile(publishMs, 99),
    publishFailures,
    startedAt: t0,
    finishedAt: Number.isNaN(tracker.lastAt) ? endedAt : tracker.lastAt,
    cpu: cpuShare(cpuBefore, cpuAfter),
  };
  histogram.destroy();
  return result;
}

// ---- (3) fan-out to 100 webhooks --------------------------------------------------------------------------------

export type FanoutResult = {
  webhooks: number;
  events: number;
  deliveryCount: number;
  publishMedianMs: number;
  publishMinMs: number;
  publishMaxMs: number;
  lastArrivalMedianMs: number;
  lastArrivalMaxMs: number;
  firstArrivalMedianMs: number;
  complete: boolean;
  startedAt: number;
  finishedAt: number;
};

export async function runFanout(options: { client: GraphqlClient; receiver: ReceiverHandle; webhooks: number; events: number; waitCapMs: number; log: Log }): Promise<FanoutResult> {
  const { client, receiver } = options;
  // 100 webhooks on the same receiver, one path each.
  for (let created = 0; created < options.webhooks; ) {
    const batch = Array.from({ length: Math.min(10, options.webhooks - created) }, (_, i) => created + i);
    await Promise.all(batch.map((i) => client.createWebhook({ name: `fan-out ${i}`, url: receiver.urlOf(`/fan/${i}`), events: ['bookings.*'] })));
    created += batch.length;
  }
  const tracker = new ArrivalTracker(receiver, (arrival) => arrival.path.startsWith('/fan/'));
  const publishMs: number[] = [];
  const lastMs: number[] = [];
  const firstMs: number[] = [];
  let deliveryCount = 0;
  let complete = true;
  let startedAt = Number.NaN;
  // One unmeasured event first (the new webhooks' first connections), then `events` measured ones, one at a time.
  for (let round = -1; round < options.events; round++) {
    const key = round < 0 ? 'fan-warmup' : `fan-${round}`;
    const published = await client.publish(bookingData(key));
    const arrived = await waitUntil(() => (tracker.sync().keyPaths.get(key)?.size ?? 0) >= published.deliveryCount, options.waitCapMs);
    if (round < 0) continue;
    if (Number.isNaN(startedAt)) startedAt = published.startedAt;
    complete &&= arrived && published.deliveryCount === options.webhooks;
    deliveryCount = published.deliveryCount;
    const arrivals = receiver.arrivals.filter((arrival) => arrival.key === key);
    publishMs.push(published.finishedAt - published.startedAt);
    // An event whose 100 did not all arrive counts with the wait's end as its last arrival (a lower bound).
    lastMs.push((arrived ? Math.max(...arrivals.map((arrival) => arrival.at)) : nowMs()) - published.startedAt);
    if (arrivals.length) firstMs.push(Math.min(...arrivals.map((arrival) => arrival.at)) - published.startedAt);
    await sleep(100);
  }
  return {
    webhooks: options.webhooks,
    events: options.events,
    deliveryCount,
    publishMedianMs: median(publishMs),
    publishMinMs: Math.min(...publishMs),
    publishMaxMs: Math.max(...publishMs),
    lastArrivalMedianMs: median(lastMs),
    lastArrivalMaxMs: Math.max(...lastMs),
    firstArrivalMedianMs: median(firstMs),
    complete,
    startedAt,
    finishedAt: Number.isNaN(tracker.lastAt) ? nowMs() : tracker.lastAt,
  };
}

// ---- (4) a failing receiver: retries beside first attempts ------------------------------------------------------

export type RetryResult = {
  events: number;
  published: number;
  firstAttempts: number;
  firstAttemptSeconds: number;
  firstAttemptPerSecond: number;
  firstAttemptFailed: number;
  retries: number;
  retriesBeforeLastFirstAttempt: number;
  firstRetryAfterMs: number;
  retryLatenessP50Ms: number;
  retryLatenessP99Ms: number;
  requests: number;
  settledSeconds: number;
  settled: boolean;
  statuses: Record<string, number>;
  publishFailures: number;
  startedAt: number;
  finishedAt: number;
  cpu: CpuShare;
};

export async function runRetries(options: {
  client: GraphqlClient;
  receiver: ReceiverHandle;
  path: string;
  events: number;
  concurrency: number;
  retryScheduleMs: readonly number[];
  countStatuses: () => Promise<Record<string, number>>;
  /** No new publish after this long; at most `firstAttemptCapMs` more for the first attempts, `settleCapMs` for the rest. */
  publishCapMs: number;
  firstAttemptCapMs: number;
  settleCapMs: number;
  sampleCpu: SampleCpu;
  log: Log;
}): Promise<RetryResult> {
  const { client, receiver, path } = options;
  const tracker = new ArrivalTracker(receiver, (arrival) => arrival.path === path);
  const cpuBefore = options.sampleCpu();
  const startedAt = nowMs();
  const publish = await publishClosedLoop(([key]) => client.publish(bookingData(key!)), {
    count: options.events,
    concurrency: options.concurrency,
    keyOf: (i) => `s4-${i}`,
    deadline: startedAt + options.publishCapMs,
  });
  const expected = publish.attempted - publish.failures;
  await waitUntil(() => tracker.sync().firstByDelivery.size >= expected, options.firstAttemptCapMs);
  let lastFirstAttemptAt = startedAt;
  for (const arrival of tracker.firstByDelivery.values()) lastFirstAttemptAt = Math.max(lastFirstAttemptAt, arrival.at);
  const cpuAfter = options.sampleCpu();
  options.log(`  (4) ${tracker.firstByDelivery.size}/${expected} first attempts in after ${((lastFirstAttemptAt - startedAt) / 1000).toFixed(1)} s; waiting for the retries to settle`);

  // Settled: no delivery left PENDING or RETRYING, by the service's own records.
  let statuses: Record<string, number> = {};
  const settled = await (async () => {
    const deadline = nowMs() + options.settleCapMs;
    while (nowMs() < deadline) {
      statuses = await options.countStatuses();
      if (!statuses['PENDING'] && !statuses['RETRYING']) return true;
      await sleep(250);
    }
    return false;
  })();
  await sleep(100); // the last arrivals' IPC batch
  tracker.sync();
  const settledAt = nowMs();

  const firstAttempts = [...tracker.firstByDelivery.values()];
  const retries = [...tracker.byDelivery.values()].flatMap((attempts) => attempts.slice(1));
  // How late each first retry came compared with its schedule: failed attempt's arrival + RETRY_SCHEDULE[0].
  const lateness = [...tracker.byDelivery.values()]
    .filter((attempts) => attempts.length > 1)
    .map((attempts) => attempts[1]!.at - attempts[0]!.at - options.retryScheduleMs[0]!);
  const firstAttemptSeconds = (lastFirstAttemptAt - startedAt) / 1000;
  return {
    events: options.events,
    published: expected,
    firstAttempts: firstAttempts.length,
    firstAttemptSeconds,
    firstAttemptPerSecond: firstAttempts.length / firstAttemptSeconds,
    firstAttemptFailed: firstAttempts.filter((arrival) => arrival.status >= 300).length,
    retries: retries.length,
    retriesBeforeLastFirstAttempt: retries.filter((arrival) => arrival.at < lastFirstAttemptAt).length,
    firstRetryAfterMs: retries.length ? Math.min(...retries.map((arrival) => arrival.at)) - startedAt : Number.NaN,
    retryLatenessP50Ms: percentile(lateness, 50),
    retryLatenessP99Ms: percentile(lateness, 99),
    requests: tracker.requests,
    settledSeconds: (settledAt - startedAt) / 1000,
    settled,
    statuses,
    publishFailures: publish.failures,
    startedAt,
    finishedAt: lastFirstAttemptAt,
    cpu: cpuShare(cpuBefore, cpuAfter),
  };
}
