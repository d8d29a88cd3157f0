// Builds and starts the roles a process runs (HOOKSTREAM_ROLE): `api` serves GraphQL and enqueues, `worker` delivers
// (and answers /healthz), `all` does both. main.ts calls it with the parsed config; tests call it with theirs.
import { lookup } from 'node:dns/promises';
import type { Catalog } from './catalog/catalog.js';
import { loadCatalog } from './catalog/load-catalog.js';
import type { Config } from './config.js';
import type { ServerDeps } from './context.js';
import { createApiKeyLookup } from './db/account.js';
import { connectDatabase, connectWorkerPool, type Database } from './db/client.js';
import { locateDatabase } from './db/locate-database.js';
import { migrateDatabase } from './db/migrate.js';
import { DELIVERY_CHANNEL, parseChanges, startListener, WEBHOOK_CHANNEL, type DeliveryChange, type Listener, type WebhookChange } from './db/notifications.js';
import { createDeliveryEngine, type DeliveryEngine } from './delivery/engine.js';
import type { ChannelSetOverrides } from './delivery/channels/channel-set.js';
import { createPgBossQueue } from './queue/pg-boss-queue.js';
import { startOutboxDrainer } from './outbox/drainer.js';
import { createEnginePublishPort } from './outbox/engine-port.js';
import { registerOutboxMetrics } from './outbox/metrics.js';
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
  engine: DeliveryEngine;
  http: HttpServer;
  log: Logger;
  listener: Listener;
  /** Whether this process takes attempt jobs (HOOKSTREAM_ROLE worker or all). */
  runsWorkers: boolean;
  metrics: Metrics;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Overrides for tests: e.g. a DNS resolver that answers for made-up host names. */
  services?: Partial<Pick<Services, 'lookupHost'>>;
  logger?: Logger;
  /** A catalog already loaded; default: HOOKSTREAM_CATALOG's. */
  catalog?: Catalog;
  /** Test seams of the delivery channels (engine.ts): a made-up DNS for attempts, extra trusted CAs. */
  channels?: ChannelSetOverrides;
};

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.logger ?? createLogger(config);
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

    const db = connectDatabase(located.url, { maxConnections: 20 });
    cleanups.push(() => db.close());
    const workerPool = runsWorkers ? connectWorkerPool(located.url, Math.min(40, config.workerConcurrency + 4)) : undefined;
    if (workerPool) cleanups.push(() => workerPool.end());

    // Every role: an api process inserts attempt jobs, and the queues must exist before the first one does.
    const queue = await createPgBossQueue({
      databaseUrl: located.url,
      pool: db.pool,
      expireInSeconds: Math.max(1, Math.ceil((config.deliveryTimeoutMs + config.jobExpirySlackMs) / 1000)),
      maintenanceIntervalSeconds: Math.max(1, Math.round(config.workerMaintenanceIntervalMs / 1000)),
      supervise: runsWorkers,
      onError: (error) => log.error({ err: error }, 'queue error'),
    });
    cleanups.push(() => queue.stop());

    // A transformed body may carry the whole data and an envelope of the receiver's choosing around it.
    const transforms = createTransformRunner({ timeoutMs: config.transformTimeoutMs, maxOutputBytes: config.maxPayloadBytes + 64 * 1024 });
    cleanups.push(() => transforms.close());
    const metrics = createMetrics({ pool: db.pool, queueDepth: () => queue.depth() });
    const engine = createDeliveryEngine({
      pool: db.pool,
      ...(workerPool ? { workerPool } : {}),
      queue,
      config,
      secretBox,
      log,
      catalog,
      transforms,
      ...(options.channels ? { channels: options.channels } : {}),
      onAttempt: (outcome) => {
        metrics.attempts.inc({ outcome: outcome.kind });
        metrics.attemptDuration.observe(outcome.durationMs / 1000);
      },
    });
    // Stopped before the queue and the pool: publishes and attempts in flight finish and are recorded first.
    cleanups.push(() => engine.stop());
    if (runsWorkers) await engine.startWorkers();
    // The platform's outbox (OUTBOX_DATABASE_URL): worker processes drain its committed rows into the engine.
    if (runsWorkers && config.outboxDatabaseUrl) {
      const outbox = await startOutboxDrainer({
        databaseUrl: config.outboxDatabaseUrl,
        publish: createEnginePublishPort({ engine, catalog, maxPayloadBytes: config.maxPayloadBytes, pool: db.pool }),
        log,
        pollIntervalMs: config.outboxPollIntervalMs,
      });
      registerOutboxMetrics(metrics.registry, outbox.backlog);
      // Stopped before the engine: the batch being drained is published and marked first.
      cleanups.push(() => outbox.stop());
    }

    // One LISTEN connection per process: job wake-ups for the workers, changes for the subscriptions.
    const pubSub = createChangePubSub();
    const channels = [...(runsWorkers ? [queue.wakeChannel] : []), ...(servesApi ? [DELIVERY_CHANNEL, WEBHOOK_CHANNEL] : [])];
    const listener = await startListener(located.url, channels, (error) => log.warn({ err: error }, 'LISTEN connection error; reconnecting'));
    cleanups.push(() => listener.close());
    if (runsWorkers) listener.on(queue.wakeChannel, () => engine.wake());
    listener.on(DELIVERY_CHANNEL, (payload) => {
      for (const change of parseChanges<DeliveryChange>(payload)) pubSub.publish('delivery', change);
    });
    listener.on(WEBHOOK_CHANNEL, (payload) => {
      for (const change of parseChanges<WebhookChange>(payload)) pubSub.publish('webhook', change);
    });

    const services: Services = {
      lookupHost: (hostname) => lookup(hostname, { all: true, verbatim: true }),
      ...options.services,
      findAccountByApiKey: createApiKeyLookup(db.pool),
      engine,
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
    // Closed first on shutdown: stop taking requests, then drain the engine, then close the queue and the database.
    cleanups.push(() => http.close());
    log.info({ port: http.port, role: config.role }, servesApi ? `Hookstream listening on http://localhost:${http.port}/graphql` : `Hookstream worker; health on :${http.port}/healthz`);

    let stopping: Promise<void> | null = null;
    return {
      config,
      db,
      engine,
      http,
      log,
      listener,
      runsWorkers,
      metrics,
      stop: () => (stopping ??= runCleanups()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}
