// Order per key with two drainers sharing one outbox: platform writers commit versions of 40 bookings (each booking
// written by one writer, as a row lock would make it) while two drainers race over the table, the port pausing a
// random moment per row. Every row is published once, and per booking in the order its versions were committed;
// rows without a key are published too, in no particular order. Timings are printed, not asserted.
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startOutboxDrainer, type OutboxDrainer } from '../../src/outbox/drainer.js';
import type { OutboxRow } from '../../src/outbox/publish-port.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { waitUntil } from '../helpers/delivery.js';
import { createPlatformDatabase, graphqlPublishPort, platformTransaction, saveBooking } from '../helpers/outbox.js';

const WRITERS = 4;
const KEYS_PER_WRITER = 10;
const VERSIONS = 8;
const UNORDERED_ROWS = 40;

let app: TestApp | undefined;
let platform: pg.Pool | undefined;
const drainers: OutboxDrainer[] = [];
afterAll(async () => {
  for (const drainer of drainers) await drainer.stop();
  await platform?.end();
  await app?.stop();
});

it('publishes the rows of each key in commit order across two drainers', { timeout: 120_000 }, async () => {
  app = await startTestApp();
  const platformUrl = await createPlatformDatabase(createTestDatabase);
  platform = new pg.Pool({ connectionString: platformUrl, max: WRITERS + 2 });
  const account = await app.newAccount();
  const apiKeys = { [account.accountId]: account.apiKey };

  const answered: { drainer: number; row: OutboxRow }[] = [];
  for (const drainer of [0, 1]) {
    const publish = graphqlPublishPort({
      endpoint: () => `${app!.url}/graphql`,
      apiKeys,
      delayMs: () => Math.floor(Math.random() * 4),
      onAnswered: (row, result) => {
        if (result.ok) answered.push({ drainer, row });
      },
    });
    drainers.push(await startOutboxDrainer({ databaseUrl: platformUrl, publish, log: createLogger('silent'), pollIntervalMs: 200, batchSize: 5, concurrency: 3 }));
  }

  const started = Date.now();
  const committed = new Map<string, string[]>(); // booking → its rows' ids, in commit order
  const unordered: string[] = [];
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const keys = Array.from({ length: KEYS_PER_WRITER }, (_, index) => `w${writer}-b${index}`);
      const versions = new Map(keys.map((key) => [key, 0]));
      let remaining = keys.length * VERSIONS;
      while (remaining > 0) {
        await platformTransaction(platform!, async (client) => {
          const size = 1 + Math.floor(Math.random() * 5);
          for (let row = 0; row < size && remaining > 0; row += 1) {
            const open = keys.filter((candidate) => versions.get(candidate)! < VERSIONS);
            const key = open[Math.floor(Math.random() * open.length)]!;
            const version = versions.get(key)!;
            versions.set(key, version + 1);
            remaining -= 1;
            const id = await saveBooking(client, { accountId: account.accountId, id: key, status: `v${version}`, type: version === 0 ? 'bookings.created' : 'bookings.updated' });
            committed.set(key, [...(committed.get(key) ?? []), id]);
          }
          if (writer === 0 && unordered.length < UNORDERED_ROWS) {
            const { rows } = await client.query<{ id: string }>(`select hookstream_publish($1, 'customers.updated', $2::jsonb) as id`, [account.accountId, JSON.stringify({ id: `customer-${unordered.length}`, email: `c${unordered.length}@example.com` })]);
            unordered.push(rows[0]!.id);
          }
        });
      }
    }),
  );
  while (unordered.length < UNORDERED_ROWS) {
    const { rows } = await platform.query<{ id: string }>(`select hookstream_publish($1, 'customers.updated', $2::jsonb) as id`, [account.accountId, JSON.stringify({ id: `customer-${unordered.length}`, email: `c${unordered.length}@example.com` })]);
    unordered.push(rows[0]!.id);
  }
  const written = Date.now();
  const total = WRITERS * KEYS_PER_WRITER * VERSIONS + UNORDERED_ROWS;

  await waitUntil(
    'the outbox to be drained',
    async () => {
      const backlogs = await Promise.all(drainers.map((drainer) => drainer.backlog()));
      return backlogs.every((backlog) => backlog.pending === 0 && backlog.failed === 0);
    },
    60_000,
    50,
  );
  const drained = Date.now();

  // Each row answered once (no failures happened, so no batch was tried twice), and is one event in the service.
  expect(answered.map((entry) => entry.row.id).sort()).toEqual([...[...committed.values()].flat(), ...unordered].sort());
  const { rows: events } = await app.db.pool.query<{ count: number }>('select count(*)::int as count from events where account_id = $1', [account.accountId]);
  expect(events[0]!.count).toBe(total);
  // Per key, the order of the service's answers is the commit order.
  for (const [key, ids] of committed) {
    expect(answered.filter((entry) => entry.row.data !== null && (entry.row.data as { id?: string }).id === key).map((entry) => entry.row.id), key).toEqual(ids);
  }
  // And the drainers really shared the work, keys included.
  const byDrainer = [0, 1].map((drainer) => answered.filter((entry) => entry.drainer === drainer));
  const keysOf = (entries: typeof answered) => new Set(entries.map((entry) => (entry.row.data as { id?: string }).id).filter(Boolean));
  const shared = [...keysOf(byDrainer[0]!)].filter((key) => keysOf(byDrainer[1]!).has(key));
  console.log(
    `${total} rows: written in ${written - started} ms, drained ${drained - started} ms after the first commit; ` +
      `rows per drainer ${byDrainer.map((entries) => entries.length).join(' / ')}; keys published by both drainers (at different times): ${shared.length}`,
  );
});
