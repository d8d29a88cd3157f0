// One PostgreSQL server for the whole run: DATABASE_URL's when set, else an embedded one started here in a
// temporary directory and removed afterwards. Each test file then creates a database of its own on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openEmbeddedPostgres } from '../src/db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) {
    project.provide('adminDatabaseUrl', fromEnv);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'hookstream-test-pg-'));
  const { chmod } = await import('node:fs/promises');
  await chmod(dataDir, 0o755); // the `postgres` system user (as root) must reach the cluster directory
  const embedded = await openEmbeddedPostgres({
    dataDir,
    database: 'postgres',
    persistent: false,
    // Durability is not what these tests measure; speed is welcome.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '400' },
  });
  project.provide('adminDatabaseUrl', embedded.url);
  return async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
