// Issue 16: errors of the HTTP request itself — which operation, the body, the method, the media types — answer over
// real HTTP with a contract code (BAD_USER_INPUT, `field` naming the request parameter where there is one), a message
// of ours (src/request-shape.ts) and a JSON body, never a library's text (yoga's, JSON.parse's echo of the body) or an
// empty 406/415; and a request refused this way runs nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { snapshotDatabase } from './helpers/db-snapshot.js';
import { createWsClient } from './helpers/ws-client.js';

type Case = {
  name: string;
  method?: string;
  /** Appended to /graphql. */
  search?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer> | FormData;
  status: number;
  field?: string;
  message: RegExp;
  /** Response headers that must be there. */
  responseHeaders?: Record<string, string>;
};

/** Phrases of graphql-yoga's and JSON.parse's own messages: none may reach a client. */
const LIBRARY_TEXT = /POST body|Could not determine|Must provide|Batching is not|Expected "|only supports|Can only perform|Unexpected parameter|Unexpected token|Unexpected end|in JSON at position|OPERATION_RESOLUTION|Unexpected error/;

const json = (value: unknown) => JSON.stringify(value);
const JSON_HEADERS = { 'content-type': 'application/json' };
const MUTATION = 'mutation Create { createWebhook(input: { name: "never", url: "https://hooks.example.com/in", events: ["*"] }) { webhook { id } } }';
const get = (parameters: Record<string, string>) => `?${new URLSearchParams(parameters).toString()}`;
const multipart = () => {
  const form = new FormData();
  form.set('operations', json({ query: '{ viewer { id } }' }));
  form.set('map', '{}');
  return form;
};

const CASES: Case[] = [
  // ---- which operation
  { name: 'operationName naming no operation', headers: JSON_HEADERS, body: json({ query: 'query A { viewer { id } }', operationName: 'B' }), status: 400, field: 'operationName', message: /names no operation of the document; it has: A/ },
  { name: 'operationName naming no operation of a mutation document', headers: JSON_HEADERS, body: json({ query: MUTATION, operationName: 'Delete' }), status: 400, field: 'operationName', message: /names no operation/ },
  { name: 'two operations and no operationName', headers: JSON_HEADERS, body: json({ query: 'query A { viewer { id } } query B { viewer { id } }' }), status: 400, field: 'operationName', message: /2 operations \(A, B\): "operationName" must name/ },
  { name: 'a document with fragments only', headers: JSON_HEADERS, body: json({ query: 'fragment F on Query { viewer { id } }' }), status: 400, field: 'query', message: /no operation to run/ },
  { name: 'operationName over GET naming no operation', search: get({ query: 'query A { viewer { id } }', operationName: 'Z' }), status: 400, field: 'operationName', message: /names no operation/ },

  // ---- the body
  { name: 'a body that is not JSON', headers: JSON_HEADERS, body: '{"query": "{ viewer { id } }"', status: 400, message: /^The request body is not valid JSON\.$/ },
  { name: 'a body that is not UTF-8 JSON', headers: JSON_HEADERS, body: new Uint8Array([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x7d]), status: 400, message: /not valid JSON/ },
  { name: 'an empty body', headers: JSON_HEADERS, body: '', status: 400, message: /body is empty/ },
  { name: 'a body of blanks', headers: JSON_HEADERS, body: '  \n ', status: 400, message: /body is empty/ },
  { name: 'a body that is JSON null', headers: JSON_HEADERS, body: 'null', status: 400, message: /must be a JSON object/ },
  { name: 'a body that is a JSON string', headers: JSON_HEADERS, body: '"{ viewer { id } }"', status: 400, message: /must be a JSON object/ },
  { name: 'a batch (JSON array)', headers: JSON_HEADERS, body: json([{ query: '{ viewer { id } }' }, { query: '{ viewer { name } }' }]), status: 400, message: /batch .* not supported/ },
  { name: 'variables that are a string', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }', variables: '{"a":1}' }), status: 400, field: 'variables', message: /"variables" must be a JSON object/ },
  { name: 'variables that are an array', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }', variables: [1, 2] }), status: 400, field: 'variables', message: /"variables" must be a JSON object/ },
  { name: 'variables that are a number', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }', variables: 5 }), status: 400, field: 'variables', message: /"variables" must be a JSON object/ },
  { name: 'no query', headers: JSON_HEADERS, body: json({ variables: {} }), status: 400, field: 'query', message: /"query" is required/ },
  { name: 'a query that is a number', headers: JSON_HEADERS, body: json({ query: 42 }), status: 400, field: 'query', message: /"query" is required/ },
  { name: 'an empty query', headers: JSON_HEADERS, body: json({ query: '' }), status: 400, field: 'query', message: /"query" is required/ },
  { name: 'operationName that is a number', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }', operationName: 7 }), status: 400, field: 'operationName', message: /"operationName" must be a string/ },
  { name: 'extensions that are a string', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }', extensions: 'x' }), status: 400, field: 'extensions', message: /"extensions" must be a JSON object/ },
  { name: 'an unknown request parameter', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }', variable: { a: 1 } }), status: 400, field: 'variable', message: /Unknown request parameter "variable"/ },

  // ---- GET
  { name: 'GET with a mutation', search: get({ query: MUTATION }), status: 405, message: /mutation must be sent with POST/, responseHeaders: { allow: 'POST' } },
  { name: 'GET without a query', search: '', headers: { accept: 'application/json' }, status: 400, field: 'query', message: /"query" is required/ },
  { name: 'GET with variables that are not JSON', search: get({ query: 'query($a: Int) { webhooks(first: $a) { totalCount } }', variables: '{a:1}' }), status: 400, field: 'variables', message: /"variables" is not valid JSON/ },
  { name: 'GET with variables that are a JSON array', search: get({ query: '{ viewer { id } }', variables: '[1]' }), status: 400, field: 'variables', message: /"variables" must be a JSON object/ },
  { name: 'GET with query given twice', search: `${get({ query: '{ viewer { id } }' })}&query=x`, status: 400, field: 'query', message: /more than once/ },

  // ---- method and media types
  { name: 'PUT', method: 'PUT', headers: JSON_HEADERS, body: json({ query: '{ viewer { id } }' }), status: 405, message: /GET and POST, not PUT/, responseHeaders: { allow: 'GET, POST' } },
  { name: 'DELETE', method: 'DELETE', status: 405, message: /GET and POST, not DELETE/ },
  { name: 'PATCH', method: 'PATCH', headers: JSON_HEADERS, body: json({ query: MUTATION }), status: 405, message: /GET and POST, not PATCH/ },
  { name: 'Content-Type text/plain', headers: { 'content-type': 'text/plain' }, body: json({ query: '{ viewer { id } }' }), status: 415, message: /Content-Type: application\/json/ },
  { name: 'no Content-Type', body: new TextEncoder().encode(json({ query: '{ viewer { id } }' })), status: 415, message: /Content-Type: application\/json/ },
  { name: 'Content-Type application/xml', headers: { 'content-type': 'application/xml' }, body: '<query/>', status: 415, message: /Content-Type: application\/json/ },
  { name: 'a form-encoded mutation', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: MUTATION }).toString(), status: 415, message: /Content-Type: application\/json/ },
  { name: 'a multipart body', body: multipart(), status: 415, message: /Content-Type: application\/json/ },
  { name: 'Content-Type application/graphql', headers: { 'content-type': 'application/graphql' }, body: '{ viewer { id } }', status: 415, message: /Content-Type: application\/json/ },
  { name: 'Accept nothing we answer, with a mutation', headers: { ...JSON_HEADERS, accept: 'application/xml' }, body: json({ query: MUTATION }), status: 406, message: /Nothing in "Accept" can be answered/ },
  { name: 'Accept JSON in a charset we do not send', headers: { ...JSON_HEADERS, accept: 'application/json; charset=latin1' }, body: json({ query: '{ viewer { id } }' }), status: 406, message: /Nothing in "Accept"/ },
  { name: 'a subscription over POST answered as JSON', headers: { ...JSON_HEADERS, accept: 'application/json' }, body: json({ query: 'subscription { deliveryUpdated { id } }' }), status: 406, message: /Accept: text\/event-stream/ },
];

let app: TestApp;
let apiKey: string;

beforeAll(async () => {
  app = await startTestApp();
  apiKey = (await app.newAccount({ name: 'Requests' })).apiKey;
});
afterAll(async () => {
  await app?.stop();
});

describe('request-level errors over HTTP', () => {
  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    const before = await snapshotDatabase(app.db.pool);
    const response = await fetch(`${app.url}/graphql${testCase.search ?? ''}`, {
      method: testCase.method ?? (testCase.search !== undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${apiKey}`, ...testCase.headers },
      ...(testCase.body !== undefined ? { body: testCase.body } : {}),
    });
    expect(response.status).toBe(testCase.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    for (const [name, value] of Object.entries(testCase.responseHeaders ?? {})) expect(response.headers.get(name)).toBe(value);
    const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors, JSON.stringify(body)).toHaveLength(1);
    const [error] = body.errors!;
    expect(error!.extensions?.['code']).toBe('BAD_USER_INPUT');
    if (testCase.field) expect(error!.extensions?.['field']).toBe(testCase.field);
    else expect(error!.extensions).not.toHaveProperty('field');
    expect(Object.keys(error!.extensions ?? {}).sort()).toEqual(testCase.field ? ['code', 'field'] : ['code']);
    expect(error!.message).toMatch(testCase.message);
    expect(error!.message).not.toMatch(LIBRARY_TEXT);
    expect(await snapshotDatabase(app.db.pool)).toEqual(before);
  });

  it('the same document runs with a right operationName after a wrong one (no cached refusal)', async () => {
    const send = (operationName: string) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, ...JSON_HEADERS },
        body: json({ query: 'query A { viewer { name } } query B { viewer { id } }', operationName }),
      }).then((response) => response.json() as Promise<{ data?: { viewer: { name?: string } }; errors?: unknown[] }>);
    expect((await send('C')).errors).toHaveLength(1);
    expect(await send('A')).toEqual({ data: { viewer: { name: 'Requests' } } });
  });

  it('a well-formed GET query and a JSON POST with charset still work', async () => {
    const viaGet = await fetch(`${app.url}/graphql${get({ query: 'query Me { viewer { name } }', operationName: '' })}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(await viaGet.json()).toEqual({ data: { viewer: { name: 'Requests' } } });
    const viaPost = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json; charset=utf-8', accept: 'application/graphql-response+json' },
      body: json({ query: 'query($first: Int) { webhooks(first: $first) { totalCount } }', variables: { first: 1 }, operationName: null, extensions: {} }),
    });
    expect(viaPost.status).toBe(200);
    expect(await viaPost.json()).toEqual({ data: { webhooks: { totalCount: 0 } } });
  });
});

describe('request-level errors over graphql-ws', () => {
  const subscribeOnce = (payload: { query: string; operationName?: string }) => {
    const closes: number[] = [];
    const client = createWsClient(app.url, apiKey, (event) => closes.push(event.code));
    return new Promise<{ errors: unknown; closes: number[] }>((resolve, reject) => {
      client.subscribe(payload, {
        next: (value) => resolve({ errors: value.errors, closes }),
        error: (errors) => resolve({ errors, closes }),
        complete: () => reject(new Error('completed without an answer')),
      });
    }).finally(() => client.dispose());
  };

  it('an operationName naming no operation is the subscription\'s error; the socket stays open', async () => {
    const answer = await subscribeOnce({ query: 'subscription A { deliveryUpdated { id } }', operationName: 'B' });
    expect(answer.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT', field: 'operationName' } }]);
    expect(answer.closes).toEqual([]);
  });

  it('a syntax error is the subscription\'s error; the socket stays open', async () => {
    const answer = await subscribeOnce({ query: 'subscription { deliveryUpdated { id }' });
    expect(answer.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(answer.closes).toEqual([]);
  });
});
