// The outbox through the real service (issue 13): a worker process of src/main.ts with OUTBOX_DATABASE_URL drains
// the platform's hookstream_outbox into its own publish. Rows committed with the platform's booking arrive signed;
// rolled-back rows never do; a row that cannot be published is marked with its error and holds nothing up; a worker
// killed with SIGKILL mid-drain and started again loses and duplicates nothing; rows of one booking arrive in order
// on a PER_KEY webhook.
import pg from 'pg';
import { publicId } from '../../src/domain/public-id.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { createWebhook, waitUntil } from '../helpers/delivery.js';
import { createPlatformDatabase, platformTransaction, saveBooking } from '../helpers/outbox.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { freePort, serviceProcess, type ServiceProcess } from '../helpers/service-process.js';

let api: TestApp;
let worker: ServiceProcess;
let receiver: Receiver;
let platform: pg.Pool;
let accountId: string;
let webhookSecret: string;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  const platformUrl = await createPlatformDatabase(createTestDatabase);
  platform = new pg.Pool({ connectionString: platformUrl });
  [api, receiver] = await Promise.all([startTestApp({ HOOKSTREAM_ROLE: 'api' }, databaseUrl), startReceiver()]);
  const account = await api.newAccount();
  accountId = account.accountId;
  webhookSecret = (await createWebhook(account.client, { name: 'outbox', url: receiver.url, events: ['bookings.*'], ordering: 'PER_KEY' } as never)).secret;
  worker = serviceProcess({
    databaseUrl,
    port: await freePort(),
    env: {
      HOOKSTREAM_ROLE: 'worker',
      ALLOW_PRIVATE_TARGETS: 'true',
      OUTBOX_DATABASE_URL: platformUrl,
      OUTBOX_POLL_INTERVAL: '200ms',
      WORKER_POLL_INTERVAL: '200ms',
      // A killed worker's attempts go to the next one once their jobs expire: quickly, here.
      DELIVERY_TIMEOUT: '2s',
      JOB_EXPIRY_SLACK: '1s',
      WORKER_MAINTENANCE_INTERVAL: '1s',
    },
  });
  await worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await api?.stop();
  await platform?.end();
  await receiver?.close();
});

/** The account as the platform knows it: the ID `npm run account -- create` printed. */
const publicAccountId = () => publicId('Account', accountId);
const outboxRow = async (id: string) => (await platform.query<{ published_at: Date | null; error: string | null }>('select published_at, error from hookstream_outbox where id = $1', [id])).rows[0]!;
const eventsOf = async (bookingId: string) =>
  (await api.db.pool.query<{ id: string; idempotency_key: string }>(`select e.id, e.idempotency_key from events e join event_bodies b on b.event_id = e.id where b.data->>'id' = $1 order by e.created_at`, [bookingId])).rows;
const arrivalsOf = (bookingId: string) => receiver.requests.filter((request) => (JSON.parse(request.body) as { data: { id: string } }).data.id === bookingId);

it('publishes committed rows, signed; never rolled-back ones; marks a bad row and goes on', { timeout: 60_000 }, async () => {
  const committed = await platformTransaction(platform, (client) => saveBooking(client, { accountId: publicAccountId(), id: 'bk-1', status: 'confirmed', type: 'bookings.created' }));
  await platformTransaction(platform, (client) => saveBooking(client, { accountId: publicAccountId(), id: 'bk-ghost', status: 'confirmed', type: 'bookings.created' }), { rollback: true });
  const bad = await platformTransaction(platform, (client) => saveBooking(client, { accountId: publicAccountId(), id: 'bk-bad', status: 'x', type: 'bookings.exploded' }));
  const after = await platformTransaction(platform, (client) => saveBooking(client, { accountId: publicAccountId(), id: 'bk-2', status: 'confirmed', type: 'bookings.created' }));

  await waitUntil('both good rows to arrive', () => arrivalsOf('bk-1').length === 1 && arrivalsOf('bk-2').length === 1, 30_000);
  for (const request of [...arrivalsOf('bk-1'), ...arrivalsOf('bk-2')]) expect(receiver.verify(request, webhookSecret)).toBeTruthy();
  expect((await outboxRow(committed)).published_at).not.toBeNull();
  expect((await outboxRow(after)).published_at).not.toBeNull();
  const refused = await waitUntil('the bad row to be marked', async () => ((await outboxRow(bad)).error ? outboxRow(bad) : null));
  expect(refused).toMatchObject({ published_at: null, error: expect.stringMatching(/bookings\.exploded.*not an event type/) });
  // The row id is the idempotency key; the rolled-back booking left nothing anywhere.
  expect((await eventsOf('bk-1')).map((event) => event.idempotency_key)).toEqual([`outbox:${committed}`]);
  expect(await eventsOf('bk-ghost')).toEqual([]);
  expect(arrivalsOf('bk-ghost')).toEqual([]);
});

it('loses and duplicates nothing when the worker is killed mid-drain, and keeps each booking in order', { timeout: 120_000 }, async () => {
  const BOOKINGS = 30;
  const VERSIONS = 10;
  const rows: string[] = [];
  // 300 rows: each booking's versions in order, in transactions of a few bookings each.
  for (let version = 1; version <= VERSIONS; version++) {
    for (let first = 0; first < BOOKINGS; first += 5) {
      rows.push(
        ...(await platformTransaction(platform, async (client) => {
          const ids: string[] = [];
          for (let booking = first; booking < first + 5; booking++) {
            ids.push(await saveBooking(client, { accountId: publicAccountId(), id: `crash-${booking}`, status: `v${version}`, type: version === 1 ? 'bookings.created' : 'bookings.updated' }));
          }
          return ids;
        })),
      );
    }
  }
  const published = async () => (await platform.query<{ n: number }>(`select count(*)::int as n from hookstream_outbox where id = any($1::bigint[]) and published_at is not null`, [rows])).rows[0]!.n;
  await waitUntil('some rows to be published', async () => (await published()) >= 20, 30_000, 5);
  await worker.kill();
  const atKill = await published();
  await worker.start();
  const started = Date.now();
  await waitUntil('every row to be published', async () => (await published()) === rows.length, 60_000);
  await waitUntil('every booking to arrive', () => Array.from({ length: BOOKINGS }, (_, booking) => arrivalsOf(`crash-${booking}`)).every((seen) => new Set(seen.map((request) => request.headers['webhook-id'])).size === VERSIONS), 60_000);
  console.log(`outbox: SIGKILL after ${atKill} of ${rows.length} rows were marked; the rest drained ${Date.now() - started} ms after the restart`);

  for (let booking = 0; booking < BOOKINGS; booking++) {
    // Exactly one event per row, keyed by the row.
    const events = await eventsOf(`crash-${booking}`);
    expect(events).toHaveLength(VERSIONS);
    expect(new Set(events.map((event) => event.idempotency_key)).size).toBe(VERSIONS);
    // One delivery per event, and the receiver saw the versions in order (a repeat of one is at-least-once, never a reorder).
    const seen = arrivalsOf(`crash-${booking}`).map((request) => (JSON.parse(request.body) as { data: { status: string } }).data.status);
    const firsts = seen.filter((status, index) => seen.indexOf(status) === index);
    expect(firsts).toEqual(Array.from({ length: VERSIONS }, (_, index) => `v${index + 1}`));
  }
  const { rows: counts } = await api.db.pool.query<{ n: number }>(`select count(*)::int as n from deliveries d join event_bodies b on b.event_id = d.event_id where b.data->>'id' like 'crash-%'`);
  expect(counts[0]!.n).toBe(rows.length);
});
