// Applies the checked-in SQL migrations in prisma/migrations with node-pg-migrate. Prisma's own `migrate deploy`
// needs a schema-engine binary that cannot be downloaded here; node-pg-migrate runs plain SQL over `pg`, takes an
// advisory lock (so several processes starting at once migrate exactly once) and records what it applied.
import { runner } from 'node-pg-migrate';
import { projectPath } from '../paths.js';

export const MIGRATIONS_DIR = projectPath('prisma', 'migrations');
export const MIGRATIONS_TABLE = 'hookstream_migrations';

export async function migrateDatabase(databaseUrl: string, log: (message: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    // Several processes may start at once (HOOKSTREAM_ROLE=api|worker beside each other): the later ones wait for the
    // lock and then find nothing left to apply, instead of failing with "Another migration is already running".
    advisoryLockMode: 'wait',
    log,
    verbose: false,
  });
  return applied.map((migration) => migration.name);
}
