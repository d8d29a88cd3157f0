// The operator's account CLI (`npm run account -- …`), run as a real process against a database of this file's own;
// the keys it prints are then used against a real app on the same database.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, ViewerDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { expectError, globalId, rawId } from './helpers/graphql.js';
import { childEnv, runScript } from './helpers/process.js';

const CLI = 'src/cli/account.ts';
// Each test spawns a tsx process or two, slow on a busy machine: every describe below allows 120 s.

let databaseUrl: string;
let app: TestApp;
let pool: pg.Pool;
/** The account made by the first `create`, shared by the tests that follow it. */
let created: { accountId: string; apiKey: string };

const account = (...args: string[]) => runScript(CLI, args, childEnv({ DATABASE_URL: databaseUrl }));

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const [result, startedApp] = await Promise.all([account('create', '--name', 'Acme Spa', '--max-webhooks', '3', '--json'), startTestApp({}, databaseUrl)]);
  app = startedApp;
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  created = JSON.parse(lines[0]!);
});
afterAll(async () => {
  await app?.stop();
  await pool?.end();
});

describe('account create --json', { timeout: 120_000 }, () => {
  it('prints exactly one JSON line: {accountId, apiKey}', () => {
    expect(Object.keys(created).sort()).toEqual(['accountId', 'apiKey']);
    // The account's public ID, the same string the API's viewer { id } answers.
    expect(created.accountId).toMatch(/^acct_[0-7][0-9a-hjkmnp-tv-z]{25}$/);
    expect(created.apiKey.length).toBeGreaterThanOrEqual(32);
  });

  it('stores the account with only the SHA-256 hash of its key', async () => {
    const { rows } = await pool.query('select name, max_webhooks, api_key_hash, row_to_json(accounts)::text as everything from accounts where id = $1', [rawId(created.accountId, 'Account')]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.name).toBe('Acme Spa');
    expect(row.max_webhooks).toBe(3);
    expect(row.api_key_hash).toBe(createHash('sha256').update(created.apiKey).digest('hex'));
    expect(row.everything).not.toContain(created.apiKey);
  });

  it('the key authenticates against the service on the same database', async () => {
    const viewer = (await app.client(created.apiKey).data(ViewerDocument)).viewer;
    expect(viewer).toEqual({ id: created.accountId, name: 'Acme Spa', maxWebhooks: 3, webhookCount: 0 });
  });

  it('without --json it prints the key for a human, and --max-webhooks is optional', async () => {
    const result = await account('create', '--name', 'Human Spa');
    expect(result.code).toBe(0);
    const apiKey = /apiKey:\s+(\S+)/.exec(result.stdout)?.[1];
    expect(apiKey).toBeDefined();
    expect(result.stdout).toContain('Human Spa');
    const viewer = (await app.client(apiKey!).data(ViewerDocument)).viewer;
    expect(viewer).toMatchObject({ name: 'Human Spa', maxWebhooks: null });
  });
});

describe('account list --json', { timeout: 120_000 }, () => {
  it('lists every account with its webhook count, and no key or hash', async () => {
    await app.client(created.apiKey).data(CreateWebhookDocument, { input: { name: 'Desk', url: 'http://127.0.0.1:9/h', events: ['*'] } });
    const result = await account('list', '--json');
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { accountId: string; name: string; maxWebhooks: number | null; webhooks: number }[];
    expect(rows.find((row) => row.accountId === created.accountId)).toMatchObject({ name: 'Acme Spa', maxWebhooks: 3, webhooks: 1 });
    expect(result.stdout).not.toContain(created.apiKey);
    expect(result.stdout).not.toContain(createHash('sha256').update(created.apiKey).digest('hex'));
  });
});

describe('account --help', { timeout: 120_000 }, () => {
  it('prints the usage and succeeds', async () => {
    const result = await account('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage:');
    expect(result.stdout).toMatch(/create --name/);
  });
});

describe('account rotate-key', { timeout: 120_000 }, () => {
  it('prints a new key; the old one stops working at once', async () => {
    const { accountId, apiKey: oldKey } = await app.newAccount({ name: 'Rotating Spa' });
    expect((await app.client(oldKey).data(ViewerDocument)).viewer.name).toBe('Rotating Spa');

    const result = await account('rotate-key', '--id', globalId('Account', accountId), '--json');
    expect(result.code).toBe(0);
    const rotated = JSON.parse(result.stdout.trim()) as { accountId: string; apiKey: string };
    expect(rotated.accountId).toBe(globalId('Account', accountId));
    expect(rotated.apiKey).not.toBe(oldKey);

    const old = await app.client(oldKey).request(ViewerDocument);
    expect(old.status).toBe(401);
    expectError(old, 'UNAUTHENTICATED');
    expect((await app.client(rotated.apiKey).data(ViewerDocument)).viewer.name).toBe('Rotating Spa');
  });
});

describe('bad usage exits 2 with a message and changes nothing', { timeout: 120_000 }, () => {
  it.each([
    { name: 'no command', args: ['--json'], message: /command is required/ },
    { name: 'an unknown command', args: ['delete', '--id', '00000000-0000-7000-8000-000000000000'], message: /unknown command/ },
    { name: 'create without --name', args: ['create', '--json'], message: /--name/ },
    { name: 'create with a 101-character --name', args: ['create', '--name', 'x'.repeat(101)], message: /--name/ },
    { name: 'create with --max-webhooks that is no number', args: ['create', '--name', 'X', '--max-webhooks', 'many'], message: /--max-webhooks/ },
    { name: 'an unknown option', args: ['create', '--name', 'X', '--admin'], message: /--admin/ },
    { name: 'rotate-key without --id', args: ['rotate-key'], message: /--id/ },
    { name: 'rotate-key of an account that does not exist', args: ['rotate-key', '--id', globalId('Account', '0190a000-0000-7000-8000-000000000000')], message: /no account/ },
    { name: 'rotate-key with a raw UUID', args: ['rotate-key', '--id', '0190a000-0000-7000-8000-000000000000'], message: /acct_/ },
    { name: 'rotate-key with another type\'s ID', args: ['rotate-key', '--id', globalId('Webhook', '0190a000-0000-7000-8000-000000000000')], message: /acct_/ },
  ])('$name', async ({ args, message }) => {
    const before = await pool.query('select count(*)::int as n, md5(coalesce(string_agg(api_key_hash, \'\' order by id), \'\')) as keys from accounts');
    const result = await account(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Usage:');
    expect(result.stdout).toBe('');
    const after = await pool.query('select count(*)::int as n, md5(coalesce(string_agg(api_key_hash, \'\' order by id), \'\')) as keys from accounts');
    expect(after.rows).toEqual(before.rows);
  });
});
