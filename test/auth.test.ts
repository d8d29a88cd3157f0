// CONTRACT.md, "Accounts and API keys": every GraphQL request authenticates with `Authorization: Bearer <apiKey>`,
// over plain HTTP, SSE, and the graphql-ws `connection_init` payload. A missing or wrong key is HTTP 401 or graphql-ws
// close 4401, with the code UNAUTHENTICATED. Real sockets throughout.
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rotateAccountKey } from '../src/db/account.js';
import { ViewerDocument, type ViewerQuery } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError, globalId } from './helpers/graphql.js';

let app: TestApp;
let apiKey: string;
let accountId: string;
beforeAll(async () => {
  app = await startTestApp();
  ({ apiKey, accountId } = await app.newAccount({ name: 'Auth Spa' }));
});
afterAll(() => app?.stop());

const viewerQuery = print(ViewerDocument);

async function postViewer(headers: Record<string, string>) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query: viewerQuery }),
  });
  const body = (await response.json()) as { data?: ViewerQuery | null; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: response.status, body };
}

describe('HTTP', () => {
  it.each([
    { name: 'no Authorization header', headers: {} },
    { name: 'an unknown key', headers: { authorization: 'Bearer hsk_not-a-key-of-any-account' } },
    { name: 'the Basic scheme', headers: { authorization: `Basic ${Buffer.from(`user:${'x'}`).toString('base64')}` } },
    { name: 'the right key under the Basic scheme', headers: { authorization: `Basic ${'KEY'}` } },
    { name: 'Bearer with no key', headers: { authorization: 'Bearer ' } },
    { name: 'the key without a scheme', headers: { authorization: 'KEY' } },
    { name: 'the key with a character changed', headers: { authorization: 'Bearer KEY!' } },
  ])('$name → 401 UNAUTHENTICATED, no data', async ({ headers }) => {
    const withKey = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.replace('KEY', apiKey)]));
    const { status, body } = await postViewer(withKey);
    expect(status).toBe(401);
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('the right key answers as its account', async () => {
    const { status, body } = await postViewer({ authorization: `Bearer ${apiKey}` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.viewer).toMatchObject({ id: globalId('Account', accountId), name: 'Auth Spa' });
  });

  it('the scheme is case-insensitive (RFC 9110 §11.1)', async () => {
    const { status, body } = await postViewer({ authorization: `bearer ${apiKey}` });
    expect(status).toBe(200);
    expect(body.data?.viewer.name).toBe('Auth Spa');
  });

  it('the typed client sees the same: 401 without a key', async () => {
    const result = await app.client(null).request(ViewerDocument);
    expect(result.status).toBe(401);
    expectError(result, 'UNAUTHENTICATED');
  });
});

describe('SSE', () => {
  async function postSse(headers: Record<string, string>) {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: viewerQuery }),
    });
    const text = await response.text();
    // Each `event: next` carries one execution result as its `data:` line.
    const results = text
      .split('\n\n')
      .filter((block) => block.includes('event: next'))
      .map((block) => JSON.parse(block.split('\n').find((line) => line.startsWith('data: '))!.slice('data: '.length)) as { data?: ViewerQuery; errors?: { extensions?: { code?: string } }[] });
    return { status: response.status, contentType: response.headers.get('content-type'), results };
  }

  it('a query over SSE with the key streams its result', async () => {
    const { status, contentType, results } = await postSse({ authorization: `Bearer ${apiKey}` });
    expect(status).toBe(200);
    expect(contentType).toContain('text/event-stream');
    expect(results).toEqual([{ data: { viewer: expect.objectContaining({ id: globalId('Account', accountId) }) } }]);
  });

  it('without a key: 401 and UNAUTHENTICATED, no data', async () => {
    const { status, results } = await postSse({});
    expect(status).toBe(401);
    expect(results).toHaveLength(1);
    expect(results[0]!.data).toBeUndefined();
    expect(results[0]!.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('with a wrong key: 401 and UNAUTHENTICATED', async () => {
    const { status, results } = await postSse({ authorization: 'Bearer hsk_wrong' });
    expect(status).toBe(401);
    expect(results[0]!.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('graphql-ws', () => {
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
  });

  /** A non-lazy client (it connects at once, never retries); `closed` settles with the first close event. */
  function connect(connectionParams: Record<string, unknown> | undefined) {
    let resolveClosed!: (event: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
    let resolveConnected!: () => void;
    const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
    const client = createClient({
      url: `ws://127.0.0.1:${app.http.port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams,
      onNonLazyError: () => {},
      on: {
        connected: () => resolveConnected(),
        closed: (event) => resolveClosed(event as { code: number; reason: string }),
      },
    });
    clients.push(client);
    return { client, closed, connected };
  }

  function queryViewer(client: Client): Promise<{ data?: ViewerQuery | null; errors?: unknown }> {
    return new Promise((resolve, reject) => {
      let result: { data?: ViewerQuery | null; errors?: unknown } | undefined;
      client.subscribe<ViewerQuery>(
        { query: viewerQuery },
        { next: (value) => (result = value as typeof result), error: reject, complete: () => (result ? resolve(result) : reject(new Error('no result'))) },
      );
    });
  }

  it('a query over graphql-ws with the key in connection_init answers as its account', async () => {
    const { client, connected } = connect({ authorization: `Bearer ${apiKey}` });
    await connected;
    const result = await queryViewer(client);
    expect(result.errors).toBeUndefined();
    expect(result.data?.viewer).toMatchObject({ id: globalId('Account', accountId), name: 'Auth Spa' });
  });

  it.each([
    { name: 'a wrong key', params: { authorization: 'Bearer hsk_wrong' } },
    { name: 'no key', params: {} },
    { name: 'no connection_init payload at all', params: undefined },
    { name: 'the key without Bearer', params: { authorization: 'KEY' } },
  ])('$name: the socket closes with 4401', async ({ params }) => {
    const withKey = params && Object.fromEntries(Object.entries(params).map(([name, value]) => [name, value.replace('KEY', apiKey)]));
    const { client, closed } = connect(withKey);
    const event = await closed;
    expect(event.code).toBe(4401);
    await expect(queryViewer(client)).rejects.toBeDefined();
  });
});

describe('account key rotation', () => {
  it('makes the old key 401 (HTTP) and 4401 (graphql-ws) at once; the new key works', async () => {
    const account = await app.newAccount({ name: 'Rotating Spa' });
    expect((await account.client.data(ViewerDocument)).viewer.name).toBe('Rotating Spa');

    const { apiKey: newKey } = await rotateAccountKey(app.db.prisma, account.accountId);
    expect(newKey).not.toBe(account.apiKey);

    const old = await account.client.request(ViewerDocument);
    expect(old.status).toBe(401);
    expectError(old, 'UNAUTHENTICATED');
    expect((await app.client(newKey).data(ViewerDocument)).viewer).toMatchObject({ id: globalId('Account', account.accountId), name: 'Rotating Spa' });

    const socket = createClient({
      url: `ws://127.0.0.1:${app.http.port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${account.apiKey}` },
      onNonLazyError: () => {},
    });
    const code = await new Promise<number>((resolve) => socket.on('closed', (event) => resolve((event as { code: number }).code)));
    expect(code).toBe(4401);
    await socket.dispose();
  });
});
