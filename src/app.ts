// Builds and starts the roles a process runs (HOOKSTREAM_ROLE): `api` serves GraphQL and enqueues, `worker` delivers
// (and answers /healthz), `all` does both. main.ts calls it with the parsed config; tests call it with theirs.
import { lookup } from 'node:dns/promises';
import type PgBoss from 'pg-boss';
import type { Dispatcher } from 'undici';
import type { Catalog } from './catalog/catalog.js';
import { loadCatalog } from './catalog/load-catalog.js';
import type { Config } from './config.js';
import type { ServerDeps } from './context.js';
import { connectDatabase, type Database } from './db/client.js';
import { locateDatabase } from './db/locate-database.js';
import { migrateDatabase } from './db/migrate.js';
import { DELIVERY_CHANNEL, startListener, WEBHOOK_CHANNEL, type DeliveryChange, type Listener, type WebhookChange } from './db/notifications.js';
import { startDispatcher, type JobDispatcher } from './delivery/dispatcher.js';
import { createDeliveryAgent } from './delivery/http-agent.js';
import { createBoss, ensureQueues, JOBS_CHANNEL, RETENTION_QUEUE } from './delivery/jobs.js';
import { prepareJobLookup, reconcileStuckDeliveries } from './delivery/reconciler.js';
import { archiveOldDeliveries } from './delivery/retention.js';
import { processAttempt } from './delivery/worker.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { serveConsole } from './console/serve.js';
import { createChangePubSub } from './pubsub.js';
import { createSecretBox } from './domain/secret-box.js';
import { loadSecretKey } from './secret-key.js';
import { startHttpServer, type HttpServer } from './server.js';
import type { Services } from './services.js';
import { createTransformRunner } from './transform/transform-runner.js';
import { createHookstreamYoga } from './yoga.js';

export type App = {
  config: Config;
  db: Database;
  boss: PgBoss;
  http: HttpServer;
  log: Logger;
  listener: Listener;
  dispatcher: JobDispatcher | null;
  metrics: Metrics;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Overrides for tests: e.g. a DNS resolver that answers for made-up host names. */
  services?: Partial<Pick<Services, 'lookupHost'>>;
  logger?: Logger;
  /** A catalog already loaded; default: HOOKSTREAM_CATALOG's. */
  catalog?: Catalog;
};

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.logger ?? createLogger(config.logLevel);
  // First, before any database: a bad catalog stops start-up with its file, place and reason (CatalogError).
  const catalog = options.catalog ?? loadCatalog(config.catalog);
  log.info({ catalog: catalog.source, eventTypes: catalog.eventTypes.length }, `event catalog: ${catalog.platform ?? catalog.source}`);
  const located = await locateDatabase(config, (message) => log.debug({ component: 'embedded-postgres' }, message.trim()));
  if (located.embedded) log.info('using the embedded PostgreSQL (DATABASE_URL is unset)');
  const cleanups: (() => Promise<unknown>)[] = [() => located.stop()];
  const runCleanups = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log.error({ err: error }, 'shutdown step failed'));
    cleanups.length = 0;
  };

  try {
    await migrateDatabase(located.url, (message) => log.debug({ component: 'migrate' }, message));
    const secretBox = createSecretBox(await loadSecretKey(config, log));
    const servesApi = config.role !== 'worker';
    const runsWorkers = config.role !== 'api';

    const db = connectDatabase(located.url, { maxConnections: runsWorkers ? Math.min(60, config.workerConcurrency + 10) : 20 });
    cleanups.push(() => db.close());

    const boss = createBoss(config, located.url, { supervise: runsWorkers, schedule: runsWorkers });
    boss.on('error', (error) => log.error({ err: error }, 'pg-boss error'));
    await boss.start();
    cleanups.push(() => boss.stop({ graceful: false, close: true, wait: true }));
    // Every role: an api process inserts attempt jobs, and pg-boss drops jobs for a queue that does not exist yet.
    await ensureQueues(boss, config, db.pool);

    const metrics = createMetrics(db.pool);
    let dispatcher: JobDispatcher | null = null;
    let agent: Dispatcher | null = null;
    if (runsWorkers) {
      agent = createDeliveryAgent({ allowPrivateTargets: config.allowPrivateTargets, connectionsPerOrigin: config.workerConcurrency, timeoutMs: config.deliveryTimeoutMs });
      const workerDeps = {
        pool: db.pool,
        boss,
        config,
        dispatcher: agent,
        log,
        secretBox,
        onAttempt: (outcome: { kind: string; durationMs: number }) => {
          metrics.attempts.inc({ outcome: outcome.kind });
          metrics.attemptDuration.observe(outcome.durationMs / 1000);
        },
      };
      dispatcher = startDispatcher({
        boss,
        concurrency: config.workerConcurrency,
        pollIntervalMs: config.workerPollIntervalMs,
        log,
        handle: (job) => processAttempt(workerDeps, job),
      });
      await boss.work(RETENTION_QUEUE, async () => {
        const archived = await archiveOldDeliveries(db.pool, config.retentionDays);
        log.info(archived, 'retention: archived old deliveries and events');
      });
      await boss.schedule(RETENTION_QUEUE, '17 * * * *');

      // Longer than pg-boss's own hand-over of a crashed worker's job, so the sweep never doubles a live attempt.
      const partition = await prepareJobLookup(db.pool);
      const graceMs = config.deliveryTimeoutMs + config.jobExpirySlackMs + 2 * config.workerMaintenanceIntervalMs + 5_000;
      const sweep = setInterval(() => {
        reconcileStuckDeliveries({ pool: db.pool, boss, log }, partition, graceMs).catch((error: unknown) => log.error({ err: error }, 'reconciler failed'));
      }, config.workerMaintenanceIntervalMs);
      cleanups.push(async () => clearInterval(sweep));
    }

    // One LISTEN connection per process: job wake-ups for the workers, changes for the subscriptions.
    const pubSub = createChangePubSub();
    const channels = [...(dispatcher ? [JOBS_CHANNEL] : []), ...(servesApi ? [DELIVERY_CHANNEL, WEBHOOK_CHANNEL] : [])];
    const listener = await startListener(located.url, channels, (error) => log.warn({ err: error }, 'LISTEN connection error; reconnecting'));
    cleanups.push(() => listener.close());
    if (dispatcher) listener.on(JOBS_CHANNEL, () => dispatcher.wake());
    listener.on(DELIVERY_CHANNEL, (payload) => pubSub.publish('delivery', JSON.parse(payload) as DeliveryChange));
    listener.on(WEBHOOK_CHANNEL, (payload) => pubSub.publish('webhook', JSON.parse(payload) as WebhookChange));
    // In-flight attempts finish (or time out) before the pool and pg-boss close, so no attempt is lost mid-write.
    if (agent) cleanups.push(() => agent.close());
    if (dispatcher) cleanups.push(() => dispatcher.stop());

    // A transformed body may carry the whole data and an envelope of the receiver's choosing around it.
    const transforms = createTransformRunner({ timeoutMs: config.transformTimeoutMs, maxOutputBytes: config.maxPayloadBytes + 64 * 1024 });
    cleanups.push(() => transforms.close());
    const services: Services = {
      lookupHost: (hostname) => lookup(hostname, { all: true, verbatim: true }),
      ...options.services,
      boss,
      wakeWorkers: () => dispatcher?.wake(),
      pubSub,
      metrics,
      secretBox,
      catalog,
      transforms,
    };
    const deps: ServerDeps = { config, db, log, services };
    const yoga = servesApi ? createHookstreamYoga(deps) : null;
    const http = await startHttpServer({
      deps,
      yoga,
      port: config.port,
      host: config.host,
      probes: [
        // The account admins' console (a static single-page app on the GraphQL API), beside the API it uses.
        ...(servesApi ? [serveConsole] : []),
        async (request, response) => {
          if (request.url !== '/healthz') return false;
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
          return true;
        },
        async (request, response) => {
          if (request.url !== '/metrics') return false;
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
          return true;
        },
        async (request, response) => {
          if (request.url !== '/readyz') return false;
          const ready = await db.pool.query('select 1').then(() => true, () => false);
          response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ready ? 'ready' : 'database unreachable' }));
          return true;
        },
      ],
    });
    // Closed first on shutdown: stop taking requests, then drain the workers, then close the database.
    cleanups.push(() => http.close());
    log.info({ port: http.port, role: config.role }, servesApi ? `Hookstream listening on http://localhost:${http.port}/graphql` : `Hookstream worker; health on :${http.port}/healthz`);

    let stopping: Promise<void> | null = null;
    return {
      config,
      db,
      boss,
      http,
      log,
      listener,
      dispatcher,
      metrics,
      stop: () => (stopping ??= runCleanups()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}
