// A worker-like process that only drains the outbox, for the crash test to SIGKILL mid-drain:
//   node --import tsx test/helpers/outbox-drainer-process.ts
// OUTBOX_DATABASE_URL and OUTBOX_POLL_INTERVAL as the service reads them; the test adds HOOKSTREAM_GRAPHQL_URL (the
// service to publish into), OUTBOX_API_KEYS (JSON: accountId → API key), OUTBOX_BATCH_SIZE and OUTBOX_PUBLISH_DELAY_MS.
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startOutboxDrainer } from '../../src/outbox/drainer.js';
import { graphqlPublishPort } from './outbox.js';

const config = loadConfig(process.env);
const endpoint = process.env['HOOKSTREAM_GRAPHQL_URL']!;
const apiKeys = JSON.parse(process.env['OUTBOX_API_KEYS'] ?? '{}') as Record<string, string>;
const delayMs = Number(process.env['OUTBOX_PUBLISH_DELAY_MS'] ?? 0);
const log = createLogger(config.logLevel);

const drainer = await startOutboxDrainer({
  databaseUrl: config.outboxDatabaseUrl!,
  publish: graphqlPublishPort({ endpoint: () => endpoint, apiKeys, delayMs: () => delayMs }),
  log,
  pollIntervalMs: config.outboxPollIntervalMs,
  batchSize: Number(process.env['OUTBOX_BATCH_SIZE'] ?? 100),
});
log.info('outbox drainer started');

process.once('SIGTERM', () => {
  drainer.stop().then(() => process.exit(0));
});
