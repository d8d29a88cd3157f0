// Exactly once across a crash: a drainer process is SIGKILLed while a batch is published into the service but not
// yet marked in the outbox (the port holds each row a moment, and the kill waits for that window); a second drainer
// publishes the batch again, and every row ends as exactly one event with exactly one delivery: nothing lost, nothing
// duplicated.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { createWebhook, waitUntil } from '../helpers/delivery.js';
import { createPlatformDatabase, platformTransaction, saveBooking } from '../helpers/outbox.js';
import { childEnv } from '../helpers/process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const KEYS = 10;
const ROWS_PER_KEY = 20;
const MAX_KILLS = 5;
const DEADLINE_MS = 60_000;

type Drainer = { child: ChildProcess; output: () => string };

function spawnDrainer(env: Record<string, string>): Drainer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/outbox-drainer-process.ts'], {
    env: childEnv({ LOG_LEVEL: 'warn', OUTBOX_POLL_INTERVAL: '200ms', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

async function kill(drainer: Drainer, signal: NodeJS.Signals) {
  if (drainer.child.exitCode !== null || drainer.child.signalCode !== null) return;
  const exited = once(drainer.child, 'exit');
  drainer.child.kill(signal);
  await exited;
}

const drainers: Drainer[] = [];
let app: TestApp | undefined;
let receiver: Receiver | undefined;
let platform: pg.Pool | undefined;
afterAll(async () => {
  for (const drainer of drainers) await kill(drainer, 'SIGTERM');
  await platform?.end();
  await app?.stop();
  await receiver?.close();
});

it('loses and duplicates nothing when a drainer is killed between publishing and marking', { timeout: 180_000 }, async () => {
  [app, receiver] = await Promise.all([startTestApp(), startReceiver()]);
  const platformUrl = await createPlatformDatabase(createTestDatabase);
  platform = new pg.Pool({ connectionString: platformUrl });
  const account = await app.newAccount();
  await createWebhook(account.client, { name: 'crash', url: receiver.url, events: ['bookings.*'] });
  const env = { OUTBOX_DATABASE_URL: platformUrl, HOOKSTREAM_GRAPHQL_URL: `${app.url}/graphql`, OUTBOX_API_KEYS: JSON.stringify({ [account.accountId]: account.apiKey }) };

  const ids: string[] = [];
  for (let round = 0; round < ROWS_PER_KEY; round += 1) {
    await platformTransaction(platform, async (client) => {
      for (let key = 0; key < KEYS; key += 1) ids.push(await saveBooking(client, { accountId: account.accountId, id: `b-${key}`, status: `v${round}`, type: 'bookings.updated' }));
    });
  }

  // Published into the service, not marked in the outbox: the window a crash must not turn into a loss or a double.
  const state = async () => {
    const { rows: events } = await app!.db.pool.query<{ count: number }>(`select count(*)::int as count from events where account_id = $1 and idempotency_key like 'outbox:%'`, [account.accountId]);
    const { rows: marked } = await platform!.query<{ count: number }>('select count(*)::int as count from hookstream_outbox where published_at is not null');
    return { events: events[0]!.count, marked: marked[0]!.count };
  };
  let kills = 0;
  let atKill = { events: 0, marked: 0 };
  // Each kill is checked after the fact (the process is dead, nothing moves): if it missed the window, try again.
  while (kills < MAX_KILLS && atKill.events <= atKill.marked) {
    const first = spawnDrainer({ ...env, OUTBOX_BATCH_SIZE: '10', OUTBOX_PUBLISH_DELAY_MS: '30' });
    drainers.push(first);
    const before = await state();
    await waitUntil(
      'a batch published but not yet marked, after two marked ones',
      async () => {
        if (first.child.exitCode !== null) throw new Error(`drainer exited: ${first.output()}`);
        const now = await state();
        // Mid-drain: some batches done, one under way.
        return now.events > now.marked && now.marked >= before.marked + 20;
      },
      DEADLINE_MS,
      5,
    );
    await kill(first, 'SIGKILL');
    kills += 1;
    atKill = await state();
    expect(first.output()).not.toMatch(/"level":(50|60)/);
  }
  console.log(`SIGKILLs: ${kills}; at the last one ${atKill.events} rows were in the service and ${atKill.marked} marked published`);
  expect(atKill.events).toBeGreaterThan(atKill.marked);

  const second = spawnDrainer({ ...env, OUTBOX_BATCH_SIZE: '25' });
  drainers.push(second);
  await waitUntil(
    'the outbox to be drained',
    async () => {
      if (second.child.exitCode !== null) throw new Error(`drainer exited: ${second.output()}`);
      const { rows } = await platform!.query<{ pending: number }>('select count(*)::int as pending from hookstream_outbox where published_at is null');
      return rows[0]!.pending === 0;
    },
    DEADLINE_MS,
    50,
  );

  const { rows: outbox } = await platform.query<{ id: string; error: string | null; attempts: number }>('select id, error, attempts from hookstream_outbox order by id');
  expect(outbox.map((row) => row.id)).toEqual(ids);
  expect(outbox.filter((row) => row.error !== null)).toEqual([]);
  const { rows: events } = await app.db.pool.query<{ idempotency_key: string; deliveries: number; status: string }>(
    `select e.idempotency_key, count(d.id)::int as deliveries from events e left join deliveries d on d.event_id = e.id
      where e.account_id = $1 group by e.id order by e.idempotency_key`,
    [account.accountId],
  );
  // One event per row (none lost, none doubled), each with one delivery to the one webhook.
  expect(events.map((event) => event.idempotency_key).sort()).toEqual(ids.map((id) => `outbox:${id}`).sort());
  expect(events.every((event) => event.deliveries === 1)).toBe(true);
  // Per booking, the service holds the versions in the order they were saved.
  const { rows: versions } = await app.db.pool.query<{ booking: string; statuses: string[] }>(
    `select b.data->>'id' as booking, array_agg(b.data->>'status' order by e.created_at, e.id) as statuses
       from events e join event_bodies b on b.event_id = e.id where e.account_id = $1 group by 1`,
    [account.accountId],
  );
  const expected = Array.from({ length: ROWS_PER_KEY }, (_, round) => `v${round}`);
  for (const booking of versions) expect(booking.statuses, booking.booking).toEqual(expected);
  expect(second.output()).not.toMatch(/"level":(50|60)/);
});
