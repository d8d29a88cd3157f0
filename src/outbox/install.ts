// Applies the outbox's install script to the platform's PostgreSQL, in one transaction (all of it or nothing).
import pg from 'pg';
import { lockInstall, outboxInstallSql } from './sql.js';

export async function installOutbox(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'hookstream-outbox-install' });
  await client.connect();
  try {
    await client.query('begin');
    await lockInstall(client);
    // Idempotent DDL still notices on every run ("relation already exists, skipping"): say nothing about nothing.
    await client.query(`set local client_min_messages = warning`);
    await client.query(outboxInstallSql());
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
