// Issue 7, secrets: signing secrets and custom header values (often credentials) are encrypted at rest, still sign and
// reach the receiver as they were given, are redacted from the call history, and never appear in a log line — at any
// level, through a logger that redacts nothing (so that the code itself, not a redaction list, keeps them out).
// And the key: HOOKSTREAM_SECRET_KEY, or in development a key generated once into the data directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createAccount } from '../src/db/account.js';
import { createGraphqlClient, type GraphqlClient } from '../src/sdk/client.js';
import { DeliveryDocument, RotateWebhookSecretDocument, UpdateWebhookDocument, CreateWebhookDocument } from '../src/sdk/generated.js';
import { loadSecretKey } from '../src/secret-key.js';
import { TEST_SECRET_KEY } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { createWebhook, onlyDelivery, publish, requestsFor, waitForDelivery, waitUntil } from './helpers/delivery.js';
import { globalId } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { publicId } from '../src/domain/public-id.js';

/** A pino logger that keeps every line in memory, at every level, redacting nothing. */
function memoryLogger(level = 'trace') {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

const secretValue = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

describe('secrets and header values at rest, on the wire, in history and in logs', () => {
  let app: App;
  let logs: ReturnType<typeof memoryLogger>;
  let receiver: Receiver;
  let client: GraphqlClient;
  let apiKey: string;

  beforeAll(async () => {
    logs = memoryLogger();
    const config = loadConfig({
      DATABASE_URL: await createTestDatabase(),
      PORT: '0',
      HOST: '127.0.0.1',
      ALLOW_PRIVATE_TARGETS: 'true',
      HOOKSTREAM_SECRET_KEY: TEST_SECRET_KEY,
      RETRY_SCHEDULE: '100ms',
      DISABLE_AFTER_FAILURES: '2',
      WORKER_POLL_INTERVAL: '100ms',
      LOG_LEVEL: 'trace',
      NODE_ENV: 'test',
    });
    app = await startApp(config, { logger: logs.logger });
    receiver = await startReceiver();
    const account = await createAccount(app.db.prisma, { name: 'Secretive Spa' });
    apiKey = account.apiKey;
    client = createGraphqlClient(`http://127.0.0.1:${app.http.port}/graphql`, apiKey);
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.stop();
  });

  it('encrypts, signs, sends, redacts and never logs', { timeout: 60_000 }, async () => {
    const authorization = `Bearer ${secretValue('hdr-auth')}`;
    const apiKeyHeader = secretValue('hdr-key');
    const webhook = await createWebhook(client, {
      name: 'with credentials',
      url: receiver.url,
      events: ['bookings.*'],
      headers: [
        { name: 'Authorization', value: authorization },
        { name: 'X-Api-Key', value: apiKeyHeader },
      ],
    });
    const plaintexts: string[] = [webhook.secret, webhook.secret.slice('whsec_'.length), authorization, apiKeyHeader, apiKey];

    // ---- at rest: tagged ciphertext, never the plain text.
    const storedWebhook = await app.db.pool.query<{ secret: string; previous_secret: string | null }>('select secret, previous_secret from webhooks where id = $1', [webhook.rawId]);
    expect(storedWebhook.rows[0]!.secret).toMatch(/^enc:v1:/);
    const storedHeaders = await app.db.pool.query<{ name: string; value: string }>('select name, value from webhook_headers where webhook_id = $1 order by position', [webhook.rawId]);
    expect(storedHeaders.rows.map((row) => row.name)).toEqual(['Authorization', 'X-Api-Key']);
    for (const row of storedHeaders.rows) expect(row.value).toMatch(/^enc:v1:/);
    await expectNowhereInDatabase(plaintexts.slice(0, 4));

    // ---- on the wire: signed with the plain secret, custom headers as given.
    const first = await publish(client, { type: 'bookings.created', data: { id: 'booking-1', resource: { id: 'room-1' } } });
    const delivery = await onlyDelivery(app.db.pool, first.rawId);
    await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    const [request] = requestsFor(receiver.requests, delivery.id);
    expect(receiver.verify(request!, webhook.secret)).toBeTruthy();
    expect(request!.headers['authorization']).toBe(authorization);
    expect(request!.headers['x-api-key']).toBe(apiKeyHeader);

    // ---- in the call history: custom header values redacted, the rest as sent.
    const history = await client.data(DeliveryDocument, { id: globalId('Delivery', delivery.id) });
    const requestHeaders = history.delivery!.attempts[0]!.requestHeaders as Record<string, string>;
    expect(requestHeaders).toMatchObject({ Authorization: '[redacted]', 'X-Api-Key': '[redacted]', 'content-type': 'application/json', 'webhook-id': publicId('Delivery', delivery.id) });
    expect(requestHeaders['webhook-signature']).toMatch(/^v1,/);

    // ---- rotation: the new secret and the previous one, both encrypted; both verify the next delivery.
    const rotated = await client.data(RotateWebhookSecretDocument, { id: webhook.id });
    const newSecret = rotated.rotateWebhookSecret.secret!;
    plaintexts.push(newSecret, newSecret.slice('whsec_'.length));
    const afterRotation = await app.db.pool.query<{ secret: string; previous_secret: string }>('select secret, previous_secret from webhooks where id = $1', [webhook.rawId]);
    expect(afterRotation.rows[0]!.secret).toMatch(/^enc:v1:/);
    expect(afterRotation.rows[0]!.previous_secret).toMatch(/^enc:v1:/);
    const second = await publish(client, { type: 'bookings.updated', data: { id: 'booking-1', resource: { id: 'room-1' } } });
    const secondDelivery = await onlyDelivery(app.db.pool, second.rawId);
    await waitForDelivery(app.db.pool, secondDelivery.id, ['SUCCEEDED']);
    const [secondRequest] = requestsFor(receiver.requests, secondDelivery.id);
    expect(receiver.verify(secondRequest!, newSecret)).toBeTruthy();
    expect(receiver.verify(secondRequest!, webhook.secret)).toBeTruthy();

    // ---- new header values through updateWebhook: encrypted too.
    const replacedValue = secretValue('hdr-replaced');
    plaintexts.push(replacedValue);
    await client.data(UpdateWebhookDocument, { input: { id: webhook.id, headers: [{ name: 'Authorization', value: replacedValue }] } });
    const replaced = await app.db.pool.query<{ value: string }>('select value from webhook_headers where webhook_id = $1', [webhook.rawId]);
    expect(replaced.rows).toHaveLength(1);
    expect(replaced.rows[0]!.value).toMatch(/^enc:v1:/);

    // ---- the paths that log most: refused input carrying a header value, failed attempts, the webhook disabled.
    const refusedValue = secretValue('hdr-refused');
    plaintexts.push(refusedValue);
    const refused = await client.request(CreateWebhookDocument, {
      input: { name: 'refused', url: 'ftp://nowhere', events: ['*'], headers: [{ name: 'Authorization', value: `${refusedValue}\r\nX-Injected: 1` }] },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(refused.errors)).not.toContain(refusedValue);
    receiver.fallback = { status: 500, body: 'broken' };
    const third = await publish(client, { type: 'bookings.deleted', data: { id: 'booking-1', resource: { id: 'room-1' } } });
    const thirdDelivery = await onlyDelivery(app.db.pool, third.rawId);
    await waitForDelivery(app.db.pool, thirdDelivery.id, ['FAILED']);
    await waitUntil('the webhook to be disabled', async () => {
      const { rows } = await app.db.pool.query<{ active: boolean }>('select active from webhooks where id = $1', [webhook.rawId]);
      return rows[0]!.active === false;
    });
    // The history still shows redacted values after failures.
    const failedHistory = await client.data(DeliveryDocument, { id: globalId('Delivery', thirdDelivery.id) });
    for (const attempt of failedHistory.delivery!.attempts) expect((attempt.requestHeaders as Record<string, string>)['Authorization']).toBe('[redacted]');
    await expectNowhereInDatabase([replacedValue, newSecret]);

    // ---- the logs: plenty of them (debug and warn included), and not one secret.
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(text).toMatch(/"level":20/); // debug lines were written
    expect(text).toMatch(/webhook disabled/);
    for (const plaintext of plaintexts) expect(text.includes(plaintext), `a log line contains ${plaintext.slice(0, 12)}…`).toBe(false);
  });

  /** No column of the tables that hold webhook data contains any of these strings. */
  async function expectNowhereInDatabase(values: readonly string[]) {
    for (const table of ['webhooks', 'webhook_headers', 'delivery_attempts', 'deliveries', 'events']) {
      const { rows } = await app.db.pool.query<{ row: string }>(`select t::text as row from ${table} t`);
      for (const value of values) {
        expect(rows.filter((row) => row.row.includes(value)), `${table} holds ${value.slice(0, 12)}…`).toEqual([]);
      }
    }
  }
});

describe('loadSecretKey', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hookstream-secret-key-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  /** The config of a process with no HOOKSTREAM_SECRET_KEY (loadConfig reads only the environment it is given). */
  const configFor = (dir: string, nodeEnv: string, extra: Record<string, string> = {}) => loadConfig({ HOOKSTREAM_DATA_DIR: dir, NODE_ENV: nodeEnv, ...extra });

  it('in development, generates <dataDir>/secret.key (mode 600) once, warns, and reads it back afterwards', async () => {
    const dir = join(dataDir, 'development');
    const first = memoryLogger();
    const key = await loadSecretKey(configFor(dir, 'development'), first.logger);
    expect(key).toHaveLength(32);
    const file = join(dir, 'secret.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').equals(key)).toBe(true);
    const warning = first.lines.map((line) => JSON.parse(line) as { level: number; msg: string; file?: string }).find((line) => line.level === 40);
    expect(warning?.msg).toMatch(/HOOKSTREAM_SECRET_KEY is unset/);
    expect(warning?.file).toBe(file);
    expect(first.text()).not.toContain(key.toString('base64'));

    const second = memoryLogger();
    expect((await loadSecretKey(configFor(dir, 'development'), second.logger)).equals(key)).toBe(true);
    expect(second.text()).toMatch(/"level":40/);
  });

  it('several processes starting at once agree on one key', async () => {
    const dir = join(dataDir, 'race');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadSecretKey(configFor(dir, 'development'), memoryLogger().logger)));
    for (const key of keys) expect(key.equals(keys[0]!)).toBe(true);
  });

  it('in production, refuses to start without HOOKSTREAM_SECRET_KEY and writes nothing', async () => {
    const dir = join(dataDir, 'production');
    await expect(loadSecretKey(configFor(dir, 'production'), memoryLogger().logger)).rejects.toThrow(/HOOKSTREAM_SECRET_KEY is required in production/);
    await expect(stat(join(dir, 'secret.key'))).rejects.toThrow(/ENOENT/);
  });

  it('uses HOOKSTREAM_SECRET_KEY when it is set, in any environment, and writes no file', async () => {
    const dir = join(dataDir, 'given');
    const given = randomBytes(32);
    for (const nodeEnv of ['production', 'development']) {
      const log = memoryLogger();
      const key = await loadSecretKey(configFor(dir, nodeEnv, { HOOKSTREAM_SECRET_KEY: given.toString('hex') }), log.logger);
      expect(key.equals(given)).toBe(true);
      expect(log.lines).toEqual([]);
    }
    await expect(stat(join(dir, 'secret.key'))).rejects.toThrow(/ENOENT/);
  });
});
