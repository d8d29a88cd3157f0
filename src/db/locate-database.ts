// Where the database is: DATABASE_URL when set, else the embedded PostgreSQL under the data directory.
import type { Config } from '../config.js';
import { openEmbeddedPostgres } from './embedded-postgres.js';

export type LocatedDatabase = { url: string; embedded: boolean; stop(): Promise<void> };

export async function locateDatabase(config: Config, log: (message: string) => void): Promise<LocatedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  const embedded = await openEmbeddedPostgres({ dataDir: config.dataDir, log });
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
