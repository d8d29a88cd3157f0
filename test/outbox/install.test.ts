// The outbox's install in a second real database (the platform's, without Hookstream's migrations): the CLI applies
// it, applying it again changes nothing, `--print` gives the same SQL for the platform's own migrations, and
// hookstream_publish() writes a row and notifies only when the platform's transaction commits.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';
import { childEnv, runScript } from '../helpers/process.js';
import { waitUntil } from '../helpers/delivery.js';

const CLI = 'src/cli/outbox.ts';

/** Everything the install creates, as the catalog describes it (the function's oid too: replaced, never recreated). */
async function schemaSnapshot(client: pg.Client) {
  const columns = await client.query(
    `select column_name, data_type, is_nullable, column_default, is_generated, generation_expression
       from information_schema.columns where table_name = 'hookstream_outbox' order by ordinal_position`,
  );
  const indexes = await client.query(`select indexname, indexdef from pg_indexes where tablename = 'hookstream_outbox' order by indexname`);
  const functions = await client.query(
    `select p.oid::int as oid, pg_get_functiondef(p.oid) as definition, obj_description(p.oid, 'pg_proc') as comment
       from pg_proc p where p.proname = 'hookstream_publish'`,
  );
  const comments = await client.query(
    `select a.attname, col_description(a.attrelid, a.attnum) as comment from pg_attribute a
      where a.attrelid = 'hookstream_outbox'::regclass and a.attnum > 0 order by a.attnum`,
  );
  return { columns: columns.rows, indexes: indexes.rows, functions: functions.rows, comments: comments.rows };
}

const withoutOids = (snapshot: Awaited<ReturnType<typeof schemaSnapshot>>) => ({ ...snapshot, functions: snapshot.functions.map(({ oid: _oid, ...rest }) => rest) });

async function connect(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

let url: string;
let platform: pg.Client;
beforeAll(async () => {
  url = await createTestDatabase({ migrate: false });
  platform = await connect(url);
});
afterAll(async () => {
  await platform?.end();
});

describe('npm run outbox -- install', () => {
  it('creates the table and the function, and a second run changes nothing', { timeout: 60_000 }, async () => {
    const first = await runScript(CLI, ['install', '--database-url', url], childEnv({}));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('hookstream_publish() are installed');
    const before = await schemaSnapshot(platform);
    expect(before.columns.map((column) => column.column_name)).toEqual([
      'id', 'account_id', 'type', 'data', 'idempotency_key', 'context', 'ordering_key', 'deliver_at', 'created_at', 'published_at', 'error', 'attempts', 'slot',
    ]);
    expect(before.functions).toHaveLength(1);
    const { rows: kept } = await platform.query<{ id: string }>(`select hookstream_publish('acct', 'bookings.created', '{"id": "b1"}') as id`);

    const second = await runScript(CLI, ['install', '--database-url', url], childEnv({}));
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(await schemaSnapshot(platform)).toEqual(before);
    const { rows } = await platform.query('select id from hookstream_outbox');
    expect(rows).toEqual([{ id: kept[0]!.id }]);
  });

  it('--print gives SQL that installs the same thing and can be applied again', { timeout: 60_000 }, async () => {
    const printed = await runScript(CLI, ['install', '--print'], childEnv({}));
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/create table if not exists hookstream_outbox/);
    expect(printed.stdout).toMatch(/create or replace function hookstream_publish/);
    const other = await connect(await createTestDatabase({ migrate: false }));
    try {
      await other.query(printed.stdout);
      const once = await schemaSnapshot(other);
      await other.query(printed.stdout);
      expect(await schemaSnapshot(other)).toEqual(once);
      expect(withoutOids(once)).toEqual(withoutOids(await schemaSnapshot(platform)));
    } finally {
      await other.end();
    }
  });

  it('refuses to run without a database or a command', async () => {
    const noUrl = await runScript(CLI, ['install'], childEnv({}));
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--database-url');
    const unknown = await runScript(CLI, ['uninstall'], childEnv({}));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "uninstall"');
  });
});

describe('hookstream_publish()', () => {
  it('stores its arguments and derives the order slot from ordering_key, else data.id', async () => {
    const { rows } = await platform.query<{ id: string }>(
      `select hookstream_publish(account_id => 'acct-1', type => 'bookings.updated', data => '{"id": 4711}', idempotency_key => 'k-1',
                                 context => '[{"type": "RESOURCE", "id": "room-1"}]', ordering_key => 'booking-4711', deliver_at => '2030-01-01T10:00:00Z') as id
       union all select hookstream_publish('acct-1', 'bookings.updated', '{"id": 4711}')
       union all select hookstream_publish('acct-1', 'bookings.updated', '{"id": "4711"}')
       union all select hookstream_publish('acct-1', 'bookings.updated', '{"name": "no id"}')
       union all select hookstream_publish('acct-1', 'bookings.updated', '{"name": "no id"}', ordering_key => 'booking-4711')`,
    );
    expect(rows.every((row) => /^\d+$/.test(row.id))).toBe(true);
    const { rows: stored } = await platform.query(
      `select account_id, type, data, idempotency_key, context, ordering_key, deliver_at, published_at, error, attempts, slot
         from hookstream_outbox where id = any($1::bigint[]) order by id`,
      [rows.map((row) => row.id)],
    );
    expect(stored[0]).toMatchObject({
      account_id: 'acct-1',
      type: 'bookings.updated',
      data: { id: 4711 },
      idempotency_key: 'k-1',
      context: [{ type: 'RESOURCE', id: 'room-1' }],
      ordering_key: 'booking-4711',
      deliver_at: new Date('2030-01-01T10:00:00Z'),
      published_at: null,
      error: null,
      attempts: 0,
    });
    const slots = stored.map((row) => row.slot as number | null);
    expect(slots[0]).toBeGreaterThanOrEqual(0);
    expect(slots[0]).toBeLessThan(64);
    expect(slots[1]).toBe(slots[2]); // data.id 4711 and "4711": the same key
    expect(slots[3]).toBeNull(); // no key at all: unordered
    expect(slots[4]).toBe(slots[0]); // the same ordering_key, whatever the data
  });

  it('notifies once per transaction, and only when it commits', async () => {
    const listener = await connect(url);
    const received: string[] = [];
    listener.on('notification', (message) => received.push(`${message.channel}:${message.payload}`));
    try {
      await listener.query('listen hookstream_outbox');
      await platform.query('begin');
      await platform.query(`select hookstream_publish('acct', 'bookings.created', '{"id": "rolled-back"}')`);
      await platform.query('rollback');
      await platform.query('begin');
      for (const id of ['c1', 'c2', 'c3']) await platform.query(`select hookstream_publish('acct', 'bookings.created', $1)`, [{ id }]);
      await platform.query('commit');
      await waitUntil('the notification of the commit', () => received.length > 0);
      // Notifications arrive in commit order: the rolled-back one would have come first. A round trip flushes any other.
      await listener.query('select 1');
      expect(received).toEqual(['hookstream_outbox:']);
    } finally {
      await listener.end();
    }
  });
});
