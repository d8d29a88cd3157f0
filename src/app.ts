// Builds and starts the roles a process runs. main.ts calls it with the parsed config; tests call it with theirs.
import { lookup } from 'node:dns/promises';
import type { Config } from './config.js';
import type { ServerDeps } from './context.js';
import { connectDatabase, type Database } from './db/client.js';
import { locateDatabase } from './db/locate-database.js';
import { migrateDatabase } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';
import { startHttpServer, type HttpServer } from './server.js';
import type { Services } from './services.js';
import { createHookstreamYoga } from './yoga.js';

export type App = {
  config: Config;
  db: Database;
  http: HttpServer;
  log: Logger;
  stop(): Promise<void>;
};

export type AppOptions = {
  /** Overrides for tests: e.g. a DNS resolver that answers for made-up host names. */
  services?: Partial<Services>;
  logger?: Logger;
};

export async function startApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.logger ?? createLogger(config.logLevel);
  const located = await locateDatabase(config, (message) => log.debug({ component: 'embedded-postgres' }, message.trim()));
  if (located.embedded) log.info('using the embedded PostgreSQL (DATABASE_URL is unset)');
  try {
    await migrateDatabase(located.url, (message) => log.debug({ component: 'migrate' }, message));
  } catch (error) {
    await located.stop();
    throw error;
  }
  const db = connectDatabase(located.url);
  const services: Services = {
    lookupHost: (hostname) => lookup(hostname, { all: true, verbatim: true }),
    ...options.services,
  };
  const deps: ServerDeps = { config, db, log, services };
  const servesApi = config.role === 'api' || config.role === 'all';
  const yoga = servesApi ? createHookstreamYoga(deps) : null;
  const http = await startHttpServer({
    deps,
    yoga,
    port: config.port,
    host: config.host,
    probes: [
      async (request, response) => {
        if (request.url !== '/healthz') return false;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
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
  log.info({ port: http.port, role: config.role }, `Hookstream listening on http://localhost:${http.port}/graphql`);

  let stopping: Promise<void> | null = null;
  return {
    config,
    db,
    http,
    log,
    stop() {
      stopping ??= (async () => {
        await http.close();
        await db.close();
        await located.stop();
      })();
      return stopping;
    },
  };
}
