// Issue 7, limits: query shape (graphql-armor), per-account mutation and publish rate limits, the request body cap,
// subscriptions per graphql-ws connection, and a webhook's own rateLimitPerSecond across the delivery engine.
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { GraphqlResult } from '../src/sdk/client.js';
import { CreateWebhookDocument, DeliveryUpdatedDocument, PublishEventDocument, SetWebhookActiveDocument, ViewerDocument } from '../src/sdk/generated.js';
import { QUERY_LIMITS } from '../src/yoga.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { countRows, createWebhook, deliveriesOfWebhook, publish, waitUntil } from './helpers/delivery.js';
import { expectError } from './helpers/graphql.js';
import { startReceiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil as waitFor } from './helpers/ws-client.js';

const MAX_REQUEST_BYTES = 20_000;

/** Mutations limited to 5 a minute per account; publishes not limited (the default); small request and subscription caps. */
let app: TestApp;
/** Same database, api role: publishes limited to 3 a minute per account. */
let publishLimited: TestApp;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  app = await startTestApp(
    { RATE_LIMIT_MUTATIONS_PER_MINUTE: '5', MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES), MAX_SUBSCRIPTIONS_PER_CONNECTION: '2', WORKER_POLL_INTERVAL: '100ms' },
    databaseUrl,
  );
  publishLimited = await startTestApp({ HOOKSTREAM_ROLE: 'api', RATE_LIMIT_PUBLISH_PER_MINUTE: '3' }, databaseUrl);
});
afterAll(async () => {
  await publishLimited?.stop();
  await app?.stop();
});

type RawAnswer = { status: number; body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } };

async function postRaw(target: TestApp, apiKey: string, payload: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const response = await fetch(`${target.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
    body: payload,
    ...(typeof payload === 'string' ? {} : { duplex: 'half' }),
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as RawAnswer['body'] };
}

/** The one error of an answer that was refused before running: a contract code, and no data at all. */
function expectRefusedShape(answer: RawAnswer, codes: readonly string[]) {
  expect(answer.body.errors, JSON.stringify(answer.body)).toHaveLength(1);
  expect(codes).toContain(answer.body.errors![0]!.extensions?.['code']);
  expect(answer.body.data ?? null).toBeNull();
}

describe('query shape (graphql-armor)', () => {
  let apiKey: string;
  beforeAll(async () => {
    ({ apiKey } = await app.newAccount());
  });
  const query = (text: string) => postRaw(app, apiKey, JSON.stringify({ query: text }));

  it(`a query deeper than ${QUERY_LIMITS.maxDepth} levels is refused`, async () => {
    // One narrow chain (cheap), 15 levels deep: only the depth limit applies.
    const answer = await query(
      '{ webhooks { edges { node { deliveries { edges { node { webhook { deliveries { edges { node { event { deliveries { edges { node { id } } } } } } } } } } } } } } }',
    );
    expectRefusedShape(answer, ['LIMIT_EXCEEDED', 'BAD_USER_INPUT']);
    expect(answer.body.errors![0]!.message).toMatch(/depth/i);
  });

  it(`more than ${QUERY_LIMITS.maxAliases} aliases are refused`, async () => {
    const answer = await query(`{ ${Array.from({ length: QUERY_LIMITS.maxAliases + 1 }, (_, index) => `v${index}: viewer { id }`).join(' ')} }`);
    expectRefusedShape(answer, ['LIMIT_EXCEEDED', 'BAD_USER_INPUT']);
    expect(answer.body.errors![0]!.message).toMatch(/alias/i);
  });

  it(`more than ${QUERY_LIMITS.maxTokens} tokens are refused`, async () => {
    const answer = await query(`{ viewer { ${Array.from({ length: QUERY_LIMITS.maxTokens + 10 }, () => 'id').join(' ')} } }`);
    expectRefusedShape(answer, ['LIMIT_EXCEEDED', 'BAD_USER_INPUT']);
    expect(answer.body.errors![0]!.message).toMatch(/token/i);
  });

  it('a wide, nested query over the cost limit is refused', async () => {
    let selection = 'id';
    for (let level = 0; level < 5; level++) selection = `id deliveries(first: 100) { edges { node { webhook { ${selection} } } } }`;
    const answer = await query(`{ webhooks(first: 100) { edges { node { ${selection} } } } }`);
    expectRefusedShape(answer, ['LIMIT_EXCEEDED', 'BAD_USER_INPUT']);
  });

  it('a query within every limit runs', async () => {
    const answer = await query(`{ ${Array.from({ length: QUERY_LIMITS.maxAliases }, (_, index) => `v${index}: viewer { id }`).join(' ')} }`);
    expect(answer.body.errors).toBeUndefined();
  });
});

describe('per-account rate limits', () => {
  it('the 6th webhook mutation in a minute is LIMIT_EXCEEDED with retryAfterSeconds, and changes nothing', async () => {
    const { client, apiKey } = await app.newAccount();
    const input = (index: number) => ({ name: `hook ${index}`, url: 'http://127.0.0.1:9/hook', events: ['orders.created'] });
    for (let index = 1; index <= 5; index++) expect((await client.request(CreateWebhookDocument, { input: input(index) })).errors).toBeUndefined();
    const before = await app.db.pool.query('select count(*)::int as count from webhooks');

    const refused = expectError(await client.request(CreateWebhookDocument, { input: input(6) }), 'LIMIT_EXCEEDED');
    const retryAfterSeconds = refused.extensions?.['retryAfterSeconds'];
    expect(Number.isInteger(retryAfterSeconds)).toBe(true);
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await app.db.pool.query('select count(*)::int as count from webhooks')).rows).toEqual(before.rows);

    // Other mutations share the bucket; queries are not limited; publishEvent is not limited by default.
    expectError(await client.request(SetWebhookActiveDocument, { id: 'V2ViaG9vazp4', active: false }), 'LIMIT_EXCEEDED');
    expect((await client.request(ViewerDocument, {})).errors).toBeUndefined();
    for (let index = 0; index < 10; index++) await publish(client, { type: 'orders.created', data: { id: `order-${index}` } });

    // Nor through graphql-ws: the same bucket, the same answer.
    const ws = createWsClient(app.url, apiKey);
    onTestFinished(() => ws.dispose());
    const overWs = await runOverWs(ws, print(CreateWebhookDocument), { input: input(7) });
    expect(overWs.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');

    // Another account is unaffected.
    const other = await app.newAccount();
    for (let index = 1; index <= 5; index++) expect((await other.client.request(CreateWebhookDocument, { input: input(index) })).errors).toBeUndefined();
  });

  it('with RATE_LIMIT_PUBLISH_PER_MINUTE=3, the 4th publish is LIMIT_EXCEEDED and writes nothing', async () => {
    const { apiKey } = await publishLimited.newAccount();
    const client = publishLimited.client(apiKey);
    for (let index = 0; index < 3; index++) await publish(client, { type: 'orders.created', data: { id: `order-${index}` } });
    const before = await countRows(publishLimited.db.pool);
    const refused = expectError(await client.request(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'order-4' } } }), 'LIMIT_EXCEEDED');
    expect(refused.extensions?.['retryAfterSeconds']).toBeGreaterThan(0);
    expect(await countRows(publishLimited.db.pool)).toEqual(before);
    // Publishing has a bucket of its own: managing webhooks still works.
    expect((await client.request(CreateWebhookDocument, { input: { name: 'still allowed', url: 'http://127.0.0.1:9/', events: ['*'] } })).errors).toBeUndefined();
    // Another account publishes freely.
    const other = await publishLimited.newAccount();
    for (let index = 0; index < 3; index++) await publish(other.client, { type: 'orders.created', data: { id: `other-${index}` } });
  });
});

describe(`request bodies over MAX_REQUEST_BYTES (${MAX_REQUEST_BYTES})`, () => {
  let apiKey: string;
  beforeAll(async () => {
    ({ apiKey } = await app.newAccount());
  });
  const body = (padding: number) => JSON.stringify({ query: '{ viewer { id } }', variables: { padding: 'x'.repeat(padding) } });
  const chunked = (text: string) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let offset = 0; offset < bytes.length; offset += 4096) controller.enqueue(bytes.subarray(offset, offset + 4096));
        controller.close();
      },
    });

  it('a declared Content-Length over the limit: HTTP 413, PAYLOAD_TOO_LARGE', async () => {
    const answer = await postRaw(app, apiKey, body(MAX_REQUEST_BYTES + 1));
    expect(answer.status).toBe(413);
    expectRefusedShape(answer, ['PAYLOAD_TOO_LARGE']);
  });

  it('a chunked body (no Content-Length) over the limit: HTTP 413 too', async () => {
    const answer = await postRaw(app, apiKey, chunked(body(3 * MAX_REQUEST_BYTES)));
    expect(answer.status).toBe(413);
    expectRefusedShape(answer, ['PAYLOAD_TOO_LARGE']);
  });

  it('bodies within the limit, declared or chunked, run', async () => {
    const within = body(MAX_REQUEST_BYTES - 200);
    expect(Buffer.byteLength(within)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    for (const payload of [within, chunked(within)]) {
      const answer = await postRaw(app, apiKey, payload);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
  });
});

describe('subscriptions per graphql-ws connection (MAX_SUBSCRIPTIONS_PER_CONNECTION=2)', () => {
  it('the third subscription on one connection is refused; the first two keep working; a freed slot can be reused', { timeout: 30_000 }, async () => {
    const { apiKey, client } = await app.newAccount();
    const receiver = await startReceiver();
    onTestFinished(() => receiver.close());
    await createWebhook(client, { name: 'watched', url: receiver.url, events: ['orders.created'] });
    const ws = createWsClient(app.url, apiKey);
    onTestFinished(() => ws.dispose());

    const first = collect(ws, DeliveryUpdatedDocument, {});
    const second = collect(ws, DeliveryUpdatedDocument, {});
    // The two must be registered before the third asks: wait until both see a change.
    await publish(client, { type: 'orders.created', data: { id: 'order-1' } });
    await waitFor(() => first.items.length > 0 && second.items.length > 0, 15_000, 'both subscriptions to get an update');

    const third = collect(ws, DeliveryUpdatedDocument, {});
    await waitFor(() => third.errors.length > 0, 10_000, 'the third subscription to be refused');
    expect(JSON.stringify(third.errors)).toContain('LIMIT_EXCEEDED');
    expect(third.items).toEqual([]);

    // Still two working ones; another connection has its own allowance.
    const otherConnection = createWsClient(app.url, apiKey);
    onTestFinished(() => otherConnection.dispose());
    const elsewhere = [collect(otherConnection, DeliveryUpdatedDocument, {}), collect(otherConnection, DeliveryUpdatedDocument, {})];
    const seen = first.items.length;
    await waitUntil('the other connection to register', async () => {
      await publish(client, { type: 'orders.created', data: { id: 'order-again' } });
      return elsewhere.every((subscription) => subscription.items.length > 0);
    }, 15_000, 500);
    expect(first.items.length).toBeGreaterThan(seen);
    expect(elsewhere.flatMap((subscription) => subscription.errors)).toEqual([]);

    // Closing one frees its slot on the first connection.
    second.dispose();
    const fourth = collect(ws, DeliveryUpdatedDocument, {});
    await waitUntil('the fourth subscription to get an update', async () => {
      await publish(client, { type: 'orders.created', data: { id: 'order-3' } });
      return fourth.items.length > 0 || fourth.errors.length > 0;
    }, 15_000, 500);
    expect(fourth.errors).toEqual([]);
  });
});

describe('a webhook with rateLimitPerSecond: 2', () => {
  it('gets at most 2 attempts in any second, and all 8 events in the end', { timeout: 45_000 }, async () => {
    const { client } = await app.newAccount();
    const receiver = await startReceiver();
    onTestFinished(() => receiver.close());
    const webhook = await createWebhook(client, { name: 'rate limited', url: receiver.url, events: ['orders.created'], rateLimitPerSecond: 2 });
    // Start just after a second boundary, so that the first pair is not split across two seconds by the clock.
    await waitUntil('the start of a second', () => Date.now() % 1000 < 100, 2_000, 5);
    await Promise.all(Array.from({ length: 8 }, (_, index) => publish(client, { type: 'orders.created', data: { id: `order-${index}` } })));
    await waitUntil('all 8 deliveries to succeed', async () => (await deliveriesOfWebhook(app.db.pool, webhook.rawId)).filter((row) => row.status === 'SUCCEEDED').length === 8, 30_000, 100);

    const { rows } = await app.db.pool.query<{ second: Date; attempts: number }>(
      `select date_trunc('second', a.started_at) as second, count(*)::int as attempts
         from delivery_attempts a join deliveries d on d.id = a.delivery_id
        where d.webhook_id = $1
        group by 1 order by 1`,
      [webhook.rawId],
    );
    expect(rows.reduce((sum, row) => sum + row.attempts, 0)).toBe(8); // rate-limited waits are not attempts
    for (const row of rows) expect(row.attempts, `attempts in ${row.second.toISOString()}`).toBeLessThanOrEqual(2);
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(receiver.requests).toHaveLength(8);
  });
});

/** Runs one operation over graphql-ws and resolves with its (single) result. */
function runOverWs(ws: Client, query: string, variables: Record<string, unknown>): Promise<GraphqlResult<unknown>> {
  return new Promise((resolve, reject) => {
    let result: GraphqlResult<unknown> | undefined;
    ws.subscribe(
      { query, variables },
      {
        next: (value) => (result = { data: (value.data ?? null) as unknown, errors: value.errors as GraphqlResult<unknown>['errors'], status: 200 }),
        error: (error) => (Array.isArray(error) ? resolve({ data: null, errors: error as GraphqlResult<unknown>['errors'], status: 200 }) : reject(error)),
        complete: () => (result ? resolve(result) : reject(new Error('no result'))),
      },
    );
  });
}
