// One pg pool per process, shared by the Prisma client (through @prisma/adapter-pg) and by the raw SQL in src/db/
// that must run on the same transaction as pg-boss. Prisma is never created per request.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Database = {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
};

export function connectDatabase(databaseUrl: string, options: { maxConnections?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 20 });
  // A dropped idle connection must not crash the process; the pool replaces it on next use.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}

/**
 * PostgreSQL's `synchronous_commit = off` for a session: its commits return before their WAL reaches the disk (it
 * follows within wal_writer_delay). A crash can lose the last such commits, never tear them. Only for writes whose
 * loss the engine repairs by itself: the worker's (a lost attempt record or job state means the job runs again, a
 * duplicate request, which at-least-once allows). Publishing never uses it: once a publish answers, it is on disk.
 */
export const ASYNC_COMMIT_OPTIONS = '-c synchronous_commit=off';

/** The worker side's pool: attempt records, job fetches and completions, committed without waiting for the disk. */
export function connectWorkerPool(databaseUrl: string, maxConnections: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: maxConnections, options: ASYNC_COMMIT_OPTIONS });
  pool.on('error', () => {});
  return pool;
}

/** Runs `work` inside one transaction on one pooled connection: committed when it returns, rolled back if it throws. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // pg-pool listens for errors only on idle clients: a connection the server drops while checked out (a database
  // restart) must surface as this transaction's failure, not as an unhandled 'error' event that ends the process.
  const onError = () => {};
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: Error) => {
      broken = rollbackError; // the connection is gone: release(error) destroys it instead of pooling it
    });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
