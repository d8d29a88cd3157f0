// Every refused webhook input: the contract's error code, `extensions.field` naming the input field, and a database
// left exactly as it was (CONTRACT.md, "Errors": a failed mutation changes nothing). Three apps share one database:
// the default test app (private targets allowed, as in local development), one with ALLOW_PRIVATE_TARGETS=false and
// one with REQUIRE_HTTPS=true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddWebhookRestrictionDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  NodeDetailsDocument,
  RemoveWebhookRestrictionDocument,
  RotateWebhookSecretDocument,
  SetWebhookActiveDocument,
  SetWebhookRestrictionsDocument,
  UpdateWebhookDocument,
  WebhookDocument,
  WebhooksDocument,
  type CreateWebhookInput,
  type UpdateWebhookInput,
} from '../src/sdk/generated.js';
import type { GraphqlClient, GraphqlResult } from '../src/sdk/client.js';
import { createTestDatabase } from './helpers/database.js';
import { snapshotTables } from './helpers/db-snapshot.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError, globalId, legacyRelayId, malformedId } from './helpers/graphql.js';

let app: TestApp;
let strictApp: TestApp;
let httpsApp: TestApp;
/** An account on each app (the same database, so any app sees every row). */
let client: GraphqlClient;
let strictClient: GraphqlClient;
let httpsClient: GraphqlClient;
/** Subscribes to a booking event and has a restriction. */
let bookingHookId: string;
let restrictionId: string;
/** Subscribes to no booking event. */
let ordersHookId: string;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  // One after the other: apps starting at the same moment on one database race in pg-boss's queue set-up (a
  // deadlock in createQueue), which is the delivery engine's to fix, not what this file tests.
  app = await startTestApp({}, databaseUrl);
  strictApp = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'false', HOOKSTREAM_ROLE: 'api' }, databaseUrl);
  httpsApp = await startTestApp({ REQUIRE_HTTPS: 'true', HOOKSTREAM_ROLE: 'api' }, databaseUrl);
  const account = await app.newAccount();
  client = account.client;
  strictClient = strictApp.client(account.apiKey);
  httpsClient = httpsApp.client(account.apiKey);
  const bookingHook = await client.data(CreateWebhookDocument, {
    input: { ...validInput(), restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] },
  });
  bookingHookId = bookingHook.createWebhook.webhook.id;
  restrictionId = bookingHook.createWebhook.webhook.restrictions[0]!.id;
  ordersHookId = (await client.data(CreateWebhookDocument, { input: { ...validInput(), events: ['orders.created'] } })).createWebhook.webhook.id;
});
afterAll(async () => {
  await Promise.all([app?.stop(), strictApp?.stop(), httpsApp?.stop()]);
});

const validInput = (): CreateWebhookInput => ({ name: 'Valid', url: 'https://public.example/hook', events: ['bookings.created'] });

/** Runs `request`, then checks its single error and that no table changed. */
async function expectRefused(request: () => Promise<GraphqlResult<unknown>>, code: string, field?: string) {
  const before = await snapshotTables(app.db.pool);
  const result = await request();
  expectError(result, code, field);
  expect(await snapshotTables(app.db.pool)).toEqual(before);
}

type Case = { name: string; input: Partial<CreateWebhookInput>; field: string; via?: 'strict' | 'https' };

const createCases: Case[] = [
  { name: 'empty name', input: { name: '' }, field: 'name' },
  { name: 'blank name', input: { name: '   ' }, field: 'name' },
  { name: 'name of 101 characters', input: { name: 'x'.repeat(101) }, field: 'name' },
  { name: 'description over 1000 characters', input: { description: 'd'.repeat(1001) }, field: 'description' },
  { name: 'unparseable URL', input: { url: 'not a url' }, field: 'url' },
  { name: 'relative URL', input: { url: '/hooks' }, field: 'url' },
  { name: 'ftp:// URL', input: { url: 'ftp://public.example/hook' }, field: 'url' },
  { name: 'javascript: URL', input: { url: 'javascript:alert(1)' }, field: 'url' },
  { name: 'URL with credentials', input: { url: 'https://user:pass@public.example/hook' }, field: 'url' },
  { name: 'http:// when REQUIRE_HTTPS=true', input: { url: 'http://public.example/hook' }, field: 'url', via: 'https' },
  { name: 'loopback IPv4 literal', input: { url: 'http://127.0.0.1:8080/hook' }, field: 'url', via: 'strict' },
  { name: 'loopback IPv6 literal', input: { url: 'http://[::1]/hook' }, field: 'url', via: 'strict' },
  { name: 'localhost', input: { url: 'http://localhost/hook' }, field: 'url', via: 'strict' },
  { name: 'private 10/8 literal', input: { url: 'http://10.0.0.5/hook' }, field: 'url', via: 'strict' },
  { name: 'private 172.16/12 literal', input: { url: 'https://172.16.4.2/hook' }, field: 'url', via: 'strict' },
  { name: 'private 192.168/16 literal', input: { url: 'http://192.168.1.20/hook' }, field: 'url', via: 'strict' },
  { name: 'link-local IPv4 literal', input: { url: 'http://169.254.10.1/hook' }, field: 'url', via: 'strict' },
  { name: 'link-local IPv6 literal', input: { url: 'http://[fe80::1]/hook' }, field: 'url', via: 'strict' },
  { name: 'unique-local IPv6 literal', input: { url: 'http://[fd00::1]/hook' }, field: 'url', via: 'strict' },
  { name: 'IPv4-mapped IPv6 loopback', input: { url: 'http://[::ffff:127.0.0.1]/hook' }, field: 'url', via: 'strict' },
  { name: 'cloud metadata address', input: { url: 'http://169.254.169.254/latest/meta-data/' }, field: 'url', via: 'strict' },
  { name: 'decimal IPv4 form of 127.0.0.1', input: { url: 'http://2130706433/' }, field: 'url', via: 'strict' },
  { name: 'octal IPv4 form of 127.0.0.1', input: { url: 'http://0177.0.0.1/' }, field: 'url', via: 'strict' },
  { name: 'hex IPv4 form of 127.0.0.1', input: { url: 'http://0x7f.0.0.1/' }, field: 'url', via: 'strict' },
  { name: 'host resolving to a private address', input: { url: 'https://private.example/hook' }, field: 'url', via: 'strict' },
  { name: 'host resolving to the metadata address', input: { url: 'https://metadata.example/hook' }, field: 'url', via: 'strict' },
  { name: 'host resolving to a public and a loopback address', input: { url: 'https://mixed.example/hook' }, field: 'url', via: 'strict' },
  { name: 'host that does not resolve', input: { url: 'https://nowhere.example/hook' }, field: 'url', via: 'strict' },
  { name: 'no events', input: { events: [] }, field: 'events' },
  { name: 'unknown event type', input: { events: ['bookings.created', 'rooms.created'] }, field: 'events' },
  { name: 'unknown category wildcard', input: { events: ['nope.*'] }, field: 'events' },
  { name: 'unknown type in a known category', input: { events: ['bookings.nope'] }, field: 'events' },
  { name: 'event type in the wrong case', input: { events: ['Bookings.Created'] }, field: 'events' },
  { name: 'restrictions without a booking event', input: { events: ['orders.created', 'invoices.*'], restrictions: [{ type: 'RESOURCE', targetId: 'r1' }] }, field: 'restrictions' },
  { name: 'restriction with an empty target id', input: { restrictions: [{ type: 'RESOURCE', targetId: ' ' }] }, field: 'restrictions' },
  { name: 'header name with a space', input: { headers: [{ name: 'X Api Key', value: '1' }] }, field: 'headers' },
  { name: 'header name with unicode', input: { headers: [{ name: 'X-Schlüssel', value: '1' }] }, field: 'headers' },
  { name: 'Host header', input: { headers: [{ name: 'Host', value: 'internal.example' }] }, field: 'headers' },
  { name: 'Content-Length header', input: { headers: [{ name: 'Content-Length', value: '0' }] }, field: 'headers' },
  { name: 'webhook-id header', input: { headers: [{ name: 'webhook-id', value: 'forged' }] }, field: 'headers' },
  { name: 'Webhook-Signature header in another case', input: { headers: [{ name: 'Webhook-Signature', value: 'v1,forged' }] }, field: 'headers' },
  { name: 'CRLF in a header value', input: { headers: [{ name: 'X-Ok', value: 'a\r\nX-Injected: 1' }] }, field: 'headers' },
  { name: 'the same header twice', input: { headers: [{ name: 'X-Dup', value: '1' }, { name: 'x-dup', value: '2' }] }, field: 'headers' },
  { name: 'rate limit of 0', input: { rateLimitPerSecond: 0 }, field: 'rateLimitPerSecond' },
  { name: 'HTTP method outside POST/PUT/PATCH', input: { httpMethod: 'GET' as CreateWebhookInput['httpMethod'] }, field: 'httpMethod' },
];

describe('createWebhook refuses bad input and writes nothing', () => {
  it.each(createCases)('$name → BAD_USER_INPUT on $field', async ({ input, field, via }) => {
    const target = via === 'strict' ? strictClient : via === 'https' ? httpsClient : client;
    await expectRefused(() => target.request(CreateWebhookDocument, { input: { ...validInput(), ...input } }), 'BAD_USER_INPUT', field);
  });

  it('accepts what those apps allow: a host resolving to public addresses, https, and (by default) private targets', async () => {
    const accepted = [
      await strictClient.request(CreateWebhookDocument, { input: { ...validInput(), url: 'https://public.example/strict' } }),
      await strictClient.request(CreateWebhookDocument, { input: { ...validInput(), url: 'https://93.184.216.34/strict' } }),
      await httpsClient.request(CreateWebhookDocument, { input: { ...validInput(), url: 'https://public.example/https-only' } }),
      await client.request(CreateWebhookDocument, { input: { ...validInput(), url: 'http://127.0.0.1:9/dev' } }),
    ];
    for (const result of accepted) expect(result.errors).toBeUndefined();
    const ids = accepted.map((result) => (result.data as { createWebhook: { webhook: { id: string } } }).createWebhook.webhook.id);
    for (const id of ids) await client.data(DeleteWebhookDocument, { id });
  });
});

describe('updateWebhook refuses bad input and writes nothing', () => {
  const updateCases: { name: string; input: Omit<UpdateWebhookInput, 'id'>; field: string; target?: 'orders' }[] = [
    { name: 'empty name', input: { name: '' }, field: 'name' },
    { name: 'name of 101 characters', input: { name: 'n'.repeat(101) }, field: 'name' },
    { name: 'ftp:// URL', input: { url: 'ftp://public.example/' }, field: 'url' },
    { name: 'unparseable URL', input: { url: '::::' }, field: 'url' },
    { name: 'no events', input: { events: [] }, field: 'events' },
    { name: 'unknown event', input: { events: ['bookings.nope'] }, field: 'events' },
    { name: 'events away from bookings while restrictions exist', input: { events: ['orders.created'] }, field: 'events' },
    { name: 'restrictions on a webhook without booking events', input: { restrictions: [{ type: 'SERVICE', targetId: 's1' }] }, field: 'restrictions', target: 'orders' },
    { name: 'Host header', input: { headers: [{ name: 'host', value: 'x' }] }, field: 'headers' },
    { name: 'a good name with a bad URL', input: { name: 'Would change', url: 'ftp://public.example/' }, field: 'url' },
    { name: 'good headers with bad events', input: { headers: [{ name: 'X-New', value: '1' }], events: [] }, field: 'events' },
  ];
  it.each(updateCases)('$name → BAD_USER_INPUT on $field', async ({ input, field, target }) => {
    const id = target === 'orders' ? ordersHookId : bookingHookId;
    await expectRefused(() => client.request(UpdateWebhookDocument, { input: { id, ...input } }), 'BAD_USER_INPUT', field);
  });

  it('refuses a private target on update when private targets are not allowed', async () => {
    await expectRefused(() => strictClient.request(UpdateWebhookDocument, { input: { id: bookingHookId, url: 'http://[fd00::1]/' } }), 'BAD_USER_INPUT', 'url');
    await expectRefused(() => strictClient.request(UpdateWebhookDocument, { input: { id: bookingHookId, url: 'https://mixed.example/' } }), 'BAD_USER_INPUT', 'url');
  });
});

describe('restriction mutations refuse a webhook without booking events', () => {
  it('addWebhookRestriction', async () => {
    await expectRefused(
      () => client.request(AddWebhookRestrictionDocument, { input: { webhookId: ordersHookId, type: 'RESOURCE', targetId: 'r1' } }),
      'BAD_USER_INPUT',
      'targetId',
    );
  });

  it('setWebhookRestrictions', async () => {
    await expectRefused(
      () => client.request(SetWebhookRestrictionsDocument, { webhookId: ordersHookId, restrictions: [{ type: 'RESOURCE', targetId: 'r1' }] }),
      'BAD_USER_INPUT',
      'restrictions',
    );
  });

  it('an empty target id', async () => {
    await expectRefused(
      () => client.request(AddWebhookRestrictionDocument, { input: { webhookId: bookingHookId, type: 'RESOURCE', targetId: '' } }),
      'BAD_USER_INPUT',
      'targetId',
    );
  });

  it('setWebhookRestrictions([]) on such a webhook is fine: there is nothing to restrict', async () => {
    const result = await client.data(SetWebhookRestrictionsDocument, { webhookId: ordersHookId, restrictions: [] });
    expect(result.setWebhookRestrictions.webhook.restrictions).toEqual([]);
  });
});

describe('maxWebhooks', () => {
  it('refuses the webhook past the limit with LIMIT_EXCEEDED; a deleted one frees its place', async () => {
    const limited = await app.newAccount({ maxWebhooks: 2 });
    const first = await limited.client.data(CreateWebhookDocument, { input: validInput() });
    await limited.client.data(CreateWebhookDocument, { input: validInput() });
    await expectRefused(() => limited.client.request(CreateWebhookDocument, { input: validInput() }), 'LIMIT_EXCEEDED');

    await limited.client.data(DeleteWebhookDocument, { id: first.createWebhook.webhook.id });
    const again = await limited.client.request(CreateWebhookDocument, { input: validInput() });
    expect(again.errors).toBeUndefined();
  });

  it('holds under concurrency: 5 simultaneous creates against a limit of 2 leave exactly 2', async () => {
    const limited = await app.newAccount({ maxWebhooks: 2 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, index) => limited.client.request(CreateWebhookDocument, { input: { ...validInput(), name: `Race ${index}` } })));
    const succeeded = results.filter((result) => !result.errors);
    const refused = results.filter((result) => result.errors);
    expect(succeeded).toHaveLength(2);
    expect(refused.map((result) => result.errors?.[0]?.extensions?.code)).toEqual(['LIMIT_EXCEEDED', 'LIMIT_EXCEEDED', 'LIMIT_EXCEEDED']);
    const { rows } = await app.db.pool.query('select count(*)::int as n from webhooks where account_id = $1', [limited.accountId]);
    expect(rows[0].n).toBe(2);
  });

  it('a limit of 0 refuses every webhook', async () => {
    const none = await app.newAccount({ maxWebhooks: 0 });
    await expectRefused(() => none.client.request(CreateWebhookDocument, { input: validInput() }), 'LIMIT_EXCEEDED');
  });
});

describe('malformed IDs are BAD_USER_INPUT naming the argument', () => {
  const garbage = 'not-an-id';
  const wrongType = () => restrictionId; // a well-formed ID of a Restriction where a Webhook is expected
  const notUuid = malformedId('Webhook');
  const cases: { name: string; run: (id: string) => Promise<GraphqlResult<unknown>>; field: string }[] = [
    { name: 'webhook(id)', run: (id) => client.request(WebhookDocument, { id }), field: 'id' },
    { name: 'updateWebhook', run: (id) => client.request(UpdateWebhookDocument, { input: { id, name: 'x' } }), field: 'id' },
    { name: 'deleteWebhook', run: (id) => client.request(DeleteWebhookDocument, { id }), field: 'id' },
    { name: 'setWebhookActive', run: (id) => client.request(SetWebhookActiveDocument, { id, active: false }), field: 'id' },
    { name: 'rotateWebhookSecret', run: (id) => client.request(RotateWebhookSecretDocument, { id }), field: 'id' },
    { name: 'addWebhookRestriction', run: (id) => client.request(AddWebhookRestrictionDocument, { input: { webhookId: id, type: 'RESOURCE', targetId: 'x' } }), field: 'webhookId' },
    { name: 'setWebhookRestrictions', run: (id) => client.request(SetWebhookRestrictionsDocument, { webhookId: id, restrictions: [] }), field: 'webhookId' },
  ];
  for (const { name, run, field } of cases) {
    it(`${name}: garbage, another type's ID, a non-UUID`, async () => {
      await expectRefused(() => run(garbage), 'BAD_USER_INPUT', field);
      await expectRefused(() => run(wrongType()), 'BAD_USER_INPUT', field);
      await expectRefused(() => run(notUuid), 'BAD_USER_INPUT', field);
    });
  }

  it('removeWebhookRestriction: garbage, a Webhook ID', async () => {
    await expectRefused(() => client.request(RemoveWebhookRestrictionDocument, { id: garbage }), 'BAD_USER_INPUT', 'id');
    await expectRefused(() => client.request(RemoveWebhookRestrictionDocument, { id: bookingHookId }), 'BAD_USER_INPUT', 'id');
  });

  it('node(id): garbage, an unknown type, a non-UUID', async () => {
    expectError(await client.request(NodeDetailsDocument, { id: garbage }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(NodeDetailsDocument, { id: globalId('Webhook', '0190a000-0000-7000-8000-000000000000').replace(/^wh_/, 'inv_') }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(NodeDetailsDocument, { id: notUuid }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(NodeDetailsDocument, { id: malformedId('Restriction') }), 'BAD_USER_INPUT', 'id');
    expectError(await client.request(NodeDetailsDocument, { id: legacyRelayId('Webhook', '0190a000-0000-7000-8000-000000000000') }), 'BAD_USER_INPUT', 'id');
  });
});

describe('connection arguments', () => {
  it.each([
    { name: 'first: -1', args: { first: -1 }, field: 'first' },
    { name: 'first: 101', args: { first: 101 }, field: 'first' },
    { name: 'last: -1', args: { last: -1 }, field: 'last' },
    { name: 'last: 101', args: { last: 101 }, field: 'last' },
    { name: 'a cursor that is not base64 of ours', args: { first: 5, after: 'garbage' }, field: 'after' },
    { name: 'a cursor of ours around a non-UUID', args: { first: 5, after: Buffer.from('GPC:S:42').toString('base64') }, field: 'after' },
    { name: 'a malformed before cursor', args: { last: 5, before: '%%%' }, field: 'before' },
    { name: 'first with last', args: { first: 1, last: 1 }, field: 'last' },
  ])('$name → BAD_USER_INPUT on $field', async ({ args, field }) => {
    const result = await client.request(WebhooksDocument, args);
    expectError(result, 'BAD_USER_INPUT', field);
    expect(result.data).toBeNull();
  });

  it('first: 0 and first: 100 are within bounds', async () => {
    const none = await client.data(WebhooksDocument, { first: 0 });
    expect(none.webhooks.edges).toEqual([]);
    expect(none.webhooks.totalCount).toBe(2);
    expect((await client.data(WebhooksDocument, { first: 100 })).webhooks.edges).toHaveLength(2);
  });

  it('a cursor of a deleted webhook is refused', async () => {
    const doomed = (await client.data(CreateWebhookDocument, { input: validInput() })).createWebhook.webhook.id;
    const page = await client.data(WebhooksDocument, { first: 1 });
    const cursor = page.webhooks.edges[0]!.cursor;
    expect(page.webhooks.edges[0]!.node.id).toBe(doomed);
    await client.data(DeleteWebhookDocument, { id: doomed });
    expectError(await client.request(WebhooksDocument, { first: 1, after: cursor }), 'BAD_USER_INPUT', 'after');
  });
});

describe('documents and variables that do not validate', () => {
  async function post(query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: GraphqlResult<unknown>['errors'] };
    return { data: body.data ?? null, errors: body.errors, status: response.status };
  }
  let apiKey: string;
  beforeAll(async () => {
    apiKey = (await app.newAccount()).apiKey;
  });

  it('an unknown field is BAD_USER_INPUT, without suggestions', async () => {
    const error = expectError(await post('{ viewer { secretKey } }'), 'BAD_USER_INPUT');
    expect(error.message).not.toMatch(/did you mean/i);
  });

  it('a syntax error is BAD_USER_INPUT', async () => {
    expectError(await post('{ viewer { '), 'BAD_USER_INPUT');
  });

  it('a query past the alias limit is LIMIT_EXCEEDED', async () => {
    const query = `{ ${Array.from({ length: 20 }, (_, index) => `a${index}: viewer { id }`).join(' ')} }`;
    expectError(await post(query), 'LIMIT_EXCEEDED');
  });

  it('a variable of the wrong type is BAD_USER_INPUT naming the input field', async () => {
    await expectRefused(() => client.request(CreateWebhookDocument, { input: { ...validInput(), name: null as unknown as string } }), 'BAD_USER_INPUT', 'name');
    await expectRefused(
      () => client.request(CreateWebhookDocument, { input: { ...validInput(), restrictions: [{ type: 'ROOM' as 'RESOURCE', targetId: 'r1' }] } }),
      'BAD_USER_INPUT',
      'type',
    );
    expectError(await client.request(WebhooksDocument, { first: 'ten' as unknown as number }), 'BAD_USER_INPUT', 'first');
  });
});
