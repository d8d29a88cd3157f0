// Logs (src/logger.ts): pretty for a person at a terminal, JSON otherwise; and a caller's mistakes, over HTTP and
// graphql-ws, are logged at info or below, never as errors, while a fault of ours still is one.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createAccount } from '../src/db/account.js';
import { chooseLogFormat, createLogger } from '../src/logger.js';
import { createGraphqlClient } from '../src/sdk/client.js';
import { CreateWebhookDocument, DeliveryDocument, WebhookDocument } from '../src/sdk/generated.js';
import { logYogaError } from '../src/yoga.js';
import { TEST_SECRET_KEY } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { expectError, malformedId, missingId } from './helpers/graphql.js';
import { createWsClient, waitUntil } from './helpers/ws-client.js';

/** A destination that keeps every line written to it. */
function collectLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { lines, stream };
}

describe('chooseLogFormat', () => {
  it.each([
    { format: undefined, isProduction: false, isTty: true, expected: 'pretty' },
    { format: undefined, isProduction: false, isTty: false, expected: 'json' },
    { format: undefined, isProduction: true, isTty: true, expected: 'json' },
    { format: undefined, isProduction: true, isTty: false, expected: 'json' },
    { format: 'json', isProduction: false, isTty: true, expected: 'json' },
    { format: 'pretty', isProduction: true, isTty: false, expected: 'pretty' },
  ] as const)('LOG_FORMAT=$format, production $isProduction, a terminal $isTty → $expected', ({ expected, ...input }) => {
    expect(chooseLogFormat(input)).toBe(expected);
  });
});

describe('createLogger', () => {
  it('pretty: one readable line with the time, the level and the message, no JSON', () => {
    const { lines, stream } = collectLines();
    const log = createLogger({ level: 'info', format: 'pretty', destination: stream });
    log.info({ deliveryId: 'dlv_01jeg00000e008000000000000' }, 'attempt sent');
    expect(lines).toHaveLength(1);
    console.log(`pretty line: ${lines[0]}`);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: attempt sent/);
    expect(lines[0]).toContain('dlv_01jeg00000e008000000000000');
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });

  it('json: one object a line, secrets redacted', () => {
    const { lines, stream } = collectLines();
    const log = createLogger({ level: 'debug', format: 'json', destination: stream });
    log.debug({ token: 'hsp_secret', apiKey: 'hsk_secret' }, 'signed in');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 20, msg: 'signed in', name: 'hookstream', token: '[redacted]', apiKey: '[redacted]' });
  });

  it('a bare level (tests and tools) logs JSON', () => {
    const log = createLogger('warn');
    expect(log.level).toBe('warn');
  });
});

describe('what a running service logs for a caller’s mistakes', () => {
  let app: App;
  let lines: string[];
  let graphqlUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    const collected = collectLines();
    lines = collected.lines;
    const config = loadConfig({
      DATABASE_URL: await createTestDatabase(),
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      HOOKSTREAM_SECRET_KEY: TEST_SECRET_KEY,
      RATE_LIMIT_MUTATIONS_PER_MINUTE: '1',
    });
    app = await startApp(config, { logger: createLogger({ level: 'debug', format: 'json', destination: collected.stream }) });
    graphqlUrl = `http://127.0.0.1:${app.http.port}/graphql`;
    apiKey = (await createAccount(app.db.prisma, { name: 'Logging Spa' })).apiKey;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('BAD_USER_INPUT, NOT_FOUND, UNAUTHENTICATED and LIMIT_EXCEEDED are logged at info or below, nothing at warn or error', async () => {
    lines.length = 0;
    const client = createGraphqlClient(graphqlUrl, apiKey);
    expectError(await client.request(WebhookDocument, { id: 'not-an-id' }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(WebhookDocument, { id: malformedId('Webhook') }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(DeliveryDocument, { id: missingId('Delivery') }), 'NOT_FOUND');
    expectError(await createGraphqlClient(graphqlUrl, 'hsk_wrong').request(WebhookDocument, { id: missingId('Webhook') }), 'UNAUTHENTICATED');
    const input = { name: 'limited', url: 'https://hooks.example.com/in', events: ['orders.created'] };
    expectError(await client.request(CreateWebhookDocument, { input: { ...input, url: 'ftp://nope' } }), 'BAD_USER_INPUT', 'url');
    expectError(await client.request(CreateWebhookDocument, { input }), 'LIMIT_EXCEEDED');
    let closedWith: number | null = null;
    const ws = createWsClient(graphqlUrl.replace(/\/graphql$/, ''), 'hsk_wrong', (event) => (closedWith = event.code));
    await waitUntil(() => closedWith !== null, 10_000, 'the refused graphql-ws connection to close');
    await ws.dispose();
    expect(closedWith).toBe(4401);

    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; code?: string });
    console.log(entries.filter((entry) => entry.level >= 30).map((entry) => `${entry.level} ${entry.code ?? ''} ${entry.msg}`).join('\n'));
    expect(entries.filter((entry) => entry.level >= 40)).toEqual([]);
    const codes = entries.filter((entry) => entry.level === 30).map((entry) => entry.code);
    for (const code of ['BAD_USER_INPUT', 'NOT_FOUND', 'UNAUTHENTICATED']) expect(codes).toContain(code);
    expect(entries.some((entry) => entry.level <= 30 && entry.code === 'UNAUTHENTICATED' && /API key/.test(entry.msg))).toBe(true);
  });

  it('a fault of ours is still an error, with its stack', () => {
    const { lines: faultLines, stream } = collectLines();
    logYogaError(createLogger({ level: 'info', format: 'json', destination: stream }), [new TypeError('cannot read x of undefined')]);
    const [entry] = faultLines.map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string; stack: string } });
    expect(entry).toMatchObject({ level: 50, msg: 'unexpected error in a GraphQL operation', err: { message: 'cannot read x of undefined' } });
    expect(entry!.err.stack).toContain('TypeError');
  });
});
