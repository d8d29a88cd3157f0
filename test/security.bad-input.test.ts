// Issue 7, malformed input: a table of bad requests across every mutation and query, sent as raw GraphQL with raw
// variables (so that wrong types reach the server), each answered with the contract's code — BAD_USER_INPUT naming
// the input field in extensions.field, NOT_FOUND for another account's IDs, PAYLOAD_TOO_LARGE, LIMIT_EXCEEDED — and
// each leaving the database exactly as it was (CONTRACT.md, "Errors": "A failed mutation changes nothing").
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookDocument, SetWebhookActiveDocument, WebhooksDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createWebhook, onlyDelivery, publish, waitForDelivery } from './helpers/delivery.js';
import { globalId, malformedId } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

const MAX_PAYLOAD_BYTES = 4096;
/** config.ts: MAX_PAYLOAD_BYTES × 2 + 64 KiB when MAX_REQUEST_BYTES is unset. */
const MAX_REQUEST_BYTES = MAX_PAYLOAD_BYTES * 2 + 64 * 1024;

type Answer = { status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string; field?: string } }[] } };

type Case = {
  name: string;
  query: string;
  variables?: () => Record<string, unknown>;
  code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE' | 'LIMIT_EXCEEDED' | 'CONFLICT' | 'UNAUTHENTICATED';
  /** extensions.field must be this (or one of these). */
  field?: string | readonly string[];
  /** The HTTP status, when the contract or HTTP fixes one. */
  status?: number;
  /** Who asks: this test's account (default), or the account already at its webhook limit, or nobody. */
  as?: 'owner' | 'full' | 'anonymous';
  /** A raw body instead of { query, variables }. */
  rawBody?: () => string;
};

let app: TestApp;
let receiver: Receiver;
let ownerKey: string;
let fullKey: string;
const ids = {
  bookingHook: '',
  ordersHook: '',
  disabledHook: '',
  restriction: '',
  foreignHook: '',
  foreignRestriction: '',
  foreignEvent: '',
  foreignDelivery: '',
  foreignCursor: '',
};

beforeAll(async () => {
  app = await startTestApp({ MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES), WORKER_POLL_INTERVAL: '100ms' });
  receiver = await startReceiver();

  const owner = await app.newAccount({ name: 'Owner' });
  ownerKey = owner.apiKey;
  const booking = await owner.client.data(CreateWebhookDocument, {
    input: { name: 'bookings', url: receiver.url, events: ['bookings.created'], headers: [{ name: 'Authorization', value: 'Bearer abc' }], restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] },
  });
  ids.bookingHook = booking.createWebhook.webhook.id;
  ids.restriction = booking.createWebhook.webhook.restrictions[0]!.id;
  ids.ordersHook = (await createWebhook(owner.client, { name: 'orders', url: receiver.url, events: ['orders.created'] })).id;
  ids.disabledHook = (await createWebhook(owner.client, { name: 'disabled', url: receiver.url, events: ['invoices.created'] })).id;
  await owner.client.data(SetWebhookActiveDocument, { id: ids.disabledHook, active: false });
  const ownEvent = await publish(owner.client, { type: 'bookings.created', data: { id: 'booking-1', resource: { id: 'room-1' } } });
  await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, ownEvent.rawId)).id, ['SUCCEEDED']);

  const foreign = await app.newAccount({ name: 'Foreign' });
  const foreignBooking = await foreign.client.data(CreateWebhookDocument, {
    input: { name: 'theirs', url: receiver.url, events: ['bookings.*'], restrictions: [{ type: 'SERVICE', targetId: 'spa-1' }] },
  });
  ids.foreignHook = foreignBooking.createWebhook.webhook.id;
  ids.foreignRestriction = foreignBooking.createWebhook.webhook.restrictions[0]!.id;
  const foreignEvent = await publish(foreign.client, { type: 'bookings.created', data: { id: 'booking-9', service: { id: 'spa-1' } } });
  ids.foreignEvent = foreignEvent.id;
  const foreignDelivery = await onlyDelivery(app.db.pool, foreignEvent.rawId);
  ids.foreignDelivery = globalId('Delivery', foreignDelivery.id);
  await waitForDelivery(app.db.pool, foreignDelivery.id, ['SUCCEEDED']);
  ids.foreignCursor = (await foreign.client.data(WebhooksDocument, { first: 1 })).webhooks.edges[0]!.cursor;

  const full = await app.newAccount({ name: 'Full', maxWebhooks: 1 });
  fullKey = full.apiKey;
  await createWebhook(full.client, { name: 'the only one', url: receiver.url, events: ['*'] });
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

// ---- the database snapshot -------------------------------------------------------------------------------------

const TABLES = ['accounts', 'webhooks', 'webhook_headers', 'webhook_restrictions', 'events', 'deliveries', 'delivery_attempts'] as const;

/** Row count and an md5 of every row's full text, per table, and the count of queued work in pg-boss. */
async function snapshotDatabase(pool: pg.Pool): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  for (const table of TABLES) {
    const { rows } = await pool.query<{ rows: number; digest: string }>(`select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${table} t`);
    snapshot[table] = rows[0];
  }
  // Every pg-boss job but the hourly retention run, which the cron may add at minute 17 whatever the test does.
  const { rows } = await pool.query<{ jobs: number }>(`select count(*)::int as jobs from pgboss.job where name <> 'delivery_retention'`);
  snapshot['pgboss.job'] = rows[0]!.jobs;
  return snapshot;
}

// ---- the cases ---------------------------------------------------------------------------------------------------

const repeat = (text: string, times: number) => text.repeat(times);
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { level: nested(depth - 1) });
const missingUuid = '0190a4b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b';

const CREATE = 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }';
const UPDATE = 'mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { id } } }';
const PUBLISH = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { deliveryCount event { id } } }';
const ADD_RESTRICTION = 'mutation($input: RestrictionInput!) { addWebhookRestriction(input: $input) { webhook { id } } }';
const SET_RESTRICTIONS = 'mutation($webhookId: ID!, $restrictions: [RestrictionItemInput!]!) { setWebhookRestrictions(webhookId: $webhookId, restrictions: $restrictions) { webhook { id } } }';
const valid = () => ({ name: 'a webhook', url: 'https://hooks.example.com/in', events: ['orders.created'] });
const create = (input: Record<string, unknown>) => () => ({ input: { ...valid(), ...input } });
const publishing = (input: Record<string, unknown>) => () => ({ input: { type: 'orders.created', data: { id: 'o1' }, ...input } });

const CASES: Case[] = [
  // ---- queries
  { name: 'webhook(id) not an ID at all', query: 'query($id: ID!) { webhook(id: $id) { id } }', variables: () => ({ id: '%%%' }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'webhook(id) of an Event', query: 'query($id: ID!) { webhook(id: $id) { id } }', variables: () => ({ id: ids.foreignEvent }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'webhook(id) with a raw id that is no UUID', query: 'query($id: ID!) { webhook(id: $id) { id } }', variables: () => ({ id: malformedId('Webhook') }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'webhook(id) of another account', query: 'query($id: ID!) { webhook(id: $id) { id } }', variables: () => ({ id: ids.foreignHook }), code: 'NOT_FOUND' },
  { name: 'webhook(id) as an object', query: 'query($id: ID!) { webhook(id: $id) { id } }', variables: () => ({ id: { evil: true } }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'node(id) garbage', query: 'query($id: ID!) { node(id: $id) { id } }', variables: () => ({ id: 'garbage' }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'node(id) of another account', query: 'query($id: ID!) { node(id: $id) { id } }', variables: () => ({ id: ids.foreignHook }), code: 'NOT_FOUND' },
  { name: 'event(id) of another account', query: 'query($id: ID!) { event(id: $id) { id } }', variables: () => ({ id: ids.foreignEvent }), code: 'NOT_FOUND' },
  { name: 'delivery(id) of another account', query: 'query($id: ID!) { delivery(id: $id) { id } }', variables: () => ({ id: ids.foreignDelivery }), code: 'NOT_FOUND' },
  { name: 'webhooks(first: -1)', query: 'query($first: Int) { webhooks(first: $first) { totalCount } }', variables: () => ({ first: -1 }), code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'webhooks(first: 101)', query: 'query($first: Int) { webhooks(first: $first) { totalCount } }', variables: () => ({ first: 101 }), code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'webhooks(first: 2^36) — no 32-bit Int', query: 'query($first: Int) { webhooks(first: $first) { totalCount } }', variables: () => ({ first: 2 ** 36 }), code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'webhooks(first: "ten")', query: 'query($first: Int) { webhooks(first: $first) { totalCount } }', variables: () => ({ first: 'ten' }), code: 'BAD_USER_INPUT', field: 'first' },
  { name: 'webhooks(first, last) together', query: 'query($first: Int, $last: Int) { webhooks(first: $first, last: $last) { totalCount } }', variables: () => ({ first: 1, last: 1 }), code: 'BAD_USER_INPUT', field: 'last' },
  { name: 'webhooks(after) malformed cursor', query: 'query($after: String) { webhooks(first: 5, after: $after) { totalCount } }', variables: () => ({ after: 'not-a-cursor==' }), code: 'BAD_USER_INPUT', field: 'after' },
  { name: "webhooks(after) another account's cursor", query: 'query($after: String) { webhooks(first: 5, after: $after) { totalCount } }', variables: () => ({ after: ids.foreignCursor }), code: 'BAD_USER_INPUT', field: 'after' },
  { name: 'deliveries(last: -5)', query: 'query($last: Int) { deliveries(last: $last) { totalCount } }', variables: () => ({ last: -5 }), code: 'BAD_USER_INPUT', field: 'last' },
  { name: 'deliveries(filter.status) unknown enum value', query: 'query($filter: DeliveryFilter) { deliveries(filter: $filter) { totalCount } }', variables: () => ({ filter: { status: ['EXPLODED'] } }), code: 'BAD_USER_INPUT', field: 'status' },
  { name: 'deliveries(filter.webhookId) malformed', query: 'query($filter: DeliveryFilter) { deliveries(filter: $filter) { totalCount } }', variables: () => ({ filter: { webhookId: '%%%' } }), code: 'BAD_USER_INPUT', field: 'webhookId' },
  { name: 'deliveries(filter.since) not a DateTime', query: 'query($filter: DeliveryFilter) { deliveries(filter: $filter) { totalCount } }', variables: () => ({ filter: { since: 'last tuesday' } }), code: 'BAD_USER_INPUT', field: 'since' },
  { name: 'events(since) not a DateTime', query: 'query($since: DateTime) { events(since: $since) { totalCount } }', variables: () => ({ since: 'yesterday' }), code: 'BAD_USER_INPUT', field: 'since' },
  { name: 'events(until) month 13', query: 'query($until: DateTime) { events(until: $until) { totalCount } }', variables: () => ({ until: '2024-13-45T00:00:00Z' }), code: 'BAD_USER_INPUT', field: 'until' },
  { name: 'events(since) after until', query: 'query($since: DateTime, $until: DateTime) { events(since: $since, until: $until) { totalCount } }', variables: () => ({ since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' }), code: 'BAD_USER_INPUT', field: 'since' },
  { name: 'webhook.stats(since) not a DateTime', query: 'query($id: ID!, $since: DateTime) { webhook(id: $id) { stats(since: $since) { total } } }', variables: () => ({ id: ids.ordersHook, since: 12 }), code: 'BAD_USER_INPUT', field: 'since' },

  // ---- createWebhook
  { name: 'createWebhook: empty name', query: CREATE, variables: create({ name: '' }), code: 'BAD_USER_INPUT', field: 'name' },
  { name: 'createWebhook: 60 000-character name', query: CREATE, variables: create({ name: repeat('n', 60_000) }), code: 'BAD_USER_INPUT', field: 'name' },
  { name: 'createWebhook: name is a number', query: CREATE, variables: create({ name: 5 }), code: 'BAD_USER_INPUT', field: 'name' },
  { name: 'createWebhook: url missing', query: CREATE, variables: () => ({ input: { name: 'x', events: ['*'] } }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: 'createWebhook: ftp url', query: CREATE, variables: create({ url: 'ftp://example.com/in' }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: 'createWebhook: not a url', query: CREATE, variables: create({ url: 'not a url' }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: 'createWebhook: url with credentials', query: CREATE, variables: create({ url: 'https://user:pass@example.com/' }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: 'createWebhook: javascript: url', query: CREATE, variables: create({ url: 'javascript:alert(1)' }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: 'createWebhook: 3000-character url', query: CREATE, variables: create({ url: `https://example.com/${repeat('a', 3000)}` }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: 'createWebhook: no events', query: CREATE, variables: create({ events: [] }), code: 'BAD_USER_INPUT', field: 'events' },
  { name: 'createWebhook: unknown event type', query: CREATE, variables: create({ events: ['bookings.exploded'] }), code: 'BAD_USER_INPUT', field: 'events' },
  { name: 'createWebhook: events is a number', query: CREATE, variables: create({ events: 42 }), code: 'BAD_USER_INPUT', field: 'events' },
  { name: 'createWebhook: 51 event patterns', query: CREATE, variables: create({ events: Array.from({ length: 51 }, (_, index) => (index % 2 ? 'orders.created' : 'orders.updated')) }), code: 'BAD_USER_INPUT', field: 'events' },
  { name: 'createWebhook: httpMethod GET (unknown enum value)', query: CREATE, variables: create({ httpMethod: 'GET' }), code: 'BAD_USER_INPUT', field: 'httpMethod' },
  { name: 'createWebhook: unicode in a header name', query: CREATE, variables: create({ headers: [{ name: 'X-Ünïcödé', value: 'v' }] }), code: 'BAD_USER_INPUT', field: 'headers' },
  { name: 'createWebhook: CRLF in a header value', query: CREATE, variables: create({ headers: [{ name: 'X-Token', value: 'abc\r\nX-Injected: 1' }] }), code: 'BAD_USER_INPUT', field: 'headers' },
  { name: 'createWebhook: Host header', query: CREATE, variables: create({ headers: [{ name: 'Host', value: 'internal.example' }] }), code: 'BAD_USER_INPUT', field: 'headers' },
  { name: 'createWebhook: webhook-signature header', query: CREATE, variables: create({ headers: [{ name: 'webhook-signature', value: 'v1,forged' }] }), code: 'BAD_USER_INPUT', field: 'headers' },
  { name: 'createWebhook: 21 headers', query: CREATE, variables: create({ headers: Array.from({ length: 21 }, (_, index) => ({ name: `X-H${index}`, value: 'v' })) }), code: 'BAD_USER_INPUT', field: 'headers' },
  { name: 'createWebhook: 5000-character header value', query: CREATE, variables: create({ headers: [{ name: 'X-Big', value: repeat('v', 5000) }] }), code: 'BAD_USER_INPUT', field: 'headers' },
  { name: 'createWebhook: header without a value', query: CREATE, variables: create({ headers: [{ name: 'X-Half' }] }), code: 'BAD_USER_INPUT', field: 'value' },
  { name: 'createWebhook: restrictions without booking events', query: CREATE, variables: create({ restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] }), code: 'BAD_USER_INPUT', field: 'restrictions' },
  { name: 'createWebhook: restriction type ROOM (unknown enum value)', query: CREATE, variables: create({ events: ['bookings.created'], restrictions: [{ type: 'ROOM', targetId: 'room-1' }] }), code: 'BAD_USER_INPUT', field: 'type' },
  { name: 'createWebhook: rateLimitPerSecond 0', query: CREATE, variables: create({ rateLimitPerSecond: 0 }), code: 'BAD_USER_INPUT', field: 'rateLimitPerSecond' },
  { name: 'createWebhook: 1001-character description', query: CREATE, variables: create({ description: repeat('d', 1001) }), code: 'BAD_USER_INPUT', field: 'description' },
  { name: 'createWebhook: unknown input field', query: CREATE, variables: create({ secret: 'whsec_mine' }), code: 'BAD_USER_INPUT', field: 'secret' },
  { name: 'createWebhook: past the account\'s maxWebhooks', query: CREATE, variables: create({}), code: 'LIMIT_EXCEEDED', as: 'full' },

  // ---- the other webhook mutations
  { name: "updateWebhook: another account's webhook", query: UPDATE, variables: () => ({ input: { id: ids.foreignHook, name: 'mine now' } }), code: 'NOT_FOUND' },
  { name: 'updateWebhook: malformed id', query: UPDATE, variables: () => ({ input: { id: '%%%', name: 'x' } }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'updateWebhook: dropping booking events under restrictions', query: UPDATE, variables: () => ({ input: { id: ids.bookingHook, events: ['orders.created'] } }), code: 'BAD_USER_INPUT', field: 'events' },
  { name: 'updateWebhook: bad url', query: UPDATE, variables: () => ({ input: { id: ids.ordersHook, url: 'gopher://example.com' } }), code: 'BAD_USER_INPUT', field: 'url' },
  { name: "deleteWebhook: another account's webhook", query: 'mutation($id: ID!) { deleteWebhook(id: $id) { deletedId } }', variables: () => ({ id: ids.foreignHook }), code: 'NOT_FOUND' },
  { name: 'deleteWebhook: the ID of a Delivery', query: 'mutation($id: ID!) { deleteWebhook(id: $id) { deletedId } }', variables: () => ({ id: ids.foreignDelivery }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'setWebhookActive: active "yes"', query: 'mutation($id: ID!, $active: Boolean!) { setWebhookActive(id: $id, active: $active) { webhook { id } } }', variables: () => ({ id: ids.ordersHook, active: 'yes' }), code: 'BAD_USER_INPUT', field: 'active' },
  { name: "setWebhookActive: another account's webhook", query: 'mutation($id: ID!, $active: Boolean!) { setWebhookActive(id: $id, active: $active) { webhook { id } } }', variables: () => ({ id: ids.foreignHook, active: false }), code: 'NOT_FOUND' },
  { name: "rotateWebhookSecret: another account's webhook", query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', variables: () => ({ id: ids.foreignHook }), code: 'NOT_FOUND' },
  { name: 'addWebhookRestriction: empty targetId', query: ADD_RESTRICTION, variables: () => ({ input: { webhookId: ids.bookingHook, type: 'RESOURCE', targetId: '   ' } }), code: 'BAD_USER_INPUT', field: 'targetId' },
  { name: 'addWebhookRestriction: duplicate', query: ADD_RESTRICTION, variables: () => ({ input: { webhookId: ids.bookingHook, type: 'RESOURCE', targetId: 'room-1' } }), code: 'CONFLICT' },
  { name: "addWebhookRestriction: another account's webhook", query: ADD_RESTRICTION, variables: () => ({ input: { webhookId: ids.foreignHook, type: 'RESOURCE', targetId: 'room-2' } }), code: 'NOT_FOUND' },
  { name: 'addWebhookRestriction: webhook without booking events', query: ADD_RESTRICTION, variables: () => ({ input: { webhookId: ids.ordersHook, type: 'RESOURCE', targetId: 'room-2' } }), code: 'BAD_USER_INPUT', field: ['webhookId', 'targetId', 'type'] },
  { name: "removeWebhookRestriction: another account's restriction", query: 'mutation($id: ID!) { removeWebhookRestriction(id: $id) { webhook { id } } }', variables: () => ({ id: ids.foreignRestriction }), code: 'NOT_FOUND' },
  { name: 'removeWebhookRestriction: malformed id', query: 'mutation($id: ID!) { removeWebhookRestriction(id: $id) { webhook { id } } }', variables: () => ({ id: '!!' }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'setWebhookRestrictions: webhook without booking events', query: SET_RESTRICTIONS, variables: () => ({ webhookId: ids.ordersHook, restrictions: [{ type: 'SERVICE', targetId: 's' }] }), code: 'BAD_USER_INPUT', field: 'restrictions' },
  { name: 'setWebhookRestrictions: 201 restrictions', query: SET_RESTRICTIONS, variables: () => ({ webhookId: ids.bookingHook, restrictions: Array.from({ length: 201 }, (_, index) => ({ type: 'RESOURCE', targetId: `r${index}` })) }), code: 'BAD_USER_INPUT', field: 'restrictions' },
  { name: 'setWebhookRestrictions: 201-character targetId', query: SET_RESTRICTIONS, variables: () => ({ webhookId: ids.bookingHook, restrictions: [{ type: 'RESOURCE', targetId: repeat('t', 201) }] }), code: 'BAD_USER_INPUT', field: ['restrictions', 'targetId'] },
  { name: "setWebhookRestrictions: another account's webhook", query: SET_RESTRICTIONS, variables: () => ({ webhookId: ids.foreignHook, restrictions: [] }), code: 'NOT_FOUND' },

  // ---- publishEvent
  { name: 'publishEvent: unknown event type', query: PUBLISH, variables: publishing({ type: 'bookings.exploded' }), code: 'BAD_USER_INPUT', field: 'type' },
  { name: 'publishEvent: type is a number', query: PUBLISH, variables: publishing({ type: 5 }), code: 'BAD_USER_INPUT', field: 'type' },
  { name: 'publishEvent: data is a string', query: PUBLISH, variables: publishing({ data: 'a string' }), code: 'BAD_USER_INPUT', field: 'data' },
  { name: 'publishEvent: data is an array', query: PUBLISH, variables: publishing({ data: [1, 2, 3] }), code: 'BAD_USER_INPUT', field: 'data' },
  { name: 'publishEvent: data is a number', query: PUBLISH, variables: publishing({ data: 3 }), code: 'BAD_USER_INPUT', field: 'data' },
  { name: 'publishEvent: data is null', query: PUBLISH, variables: publishing({ data: null }), code: 'BAD_USER_INPUT', field: 'data' },
  { name: 'publishEvent: data nested 40 deep', query: PUBLISH, variables: publishing({ data: nested(40) }), code: 'BAD_USER_INPUT', field: 'data' },
  { name: 'publishEvent: data over MAX_PAYLOAD_BYTES', query: PUBLISH, variables: publishing({ data: { id: 'o1', blob: repeat('x', MAX_PAYLOAD_BYTES) } }), code: 'PAYLOAD_TOO_LARGE' },
  { name: 'publishEvent: occurredAt not a DateTime', query: PUBLISH, variables: publishing({ occurredAt: 'not-a-date' }), code: 'BAD_USER_INPUT', field: 'occurredAt' },
  { name: 'publishEvent: 300-character idempotencyKey', query: PUBLISH, variables: publishing({ idempotencyKey: repeat('k', 300) }), code: 'BAD_USER_INPUT', field: 'idempotencyKey' },
  { name: 'publishEvent: empty context id', query: PUBLISH, variables: publishing({ type: 'bookings.created', context: [{ type: 'RESOURCE', id: '' }] }), code: 'BAD_USER_INPUT', field: 'context' },
  { name: 'publishEvent: context type ROOM (unknown enum value)', query: PUBLISH, variables: publishing({ context: [{ type: 'ROOM', id: 'r1' }] }), code: 'BAD_USER_INPUT', field: 'type' },
  { name: 'publishEvent: 101 context refs', query: PUBLISH, variables: publishing({ context: Array.from({ length: 101 }, (_, index) => ({ type: 'RESOURCE', id: `r${index}` })) }), code: 'BAD_USER_INPUT', field: 'context' },

  // ---- deliveries
  { name: "retryDelivery: another account's delivery", query: 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', variables: () => ({ id: ids.foreignDelivery }), code: 'NOT_FOUND' },
  { name: 'retryDelivery: malformed id', query: 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', variables: () => ({ id: 'RGVsaXZlcnk6' }), code: 'BAD_USER_INPUT', field: 'id' },
  { name: 'retryDelivery: a well-formed id of no delivery', query: 'mutation($id: ID!) { retryDelivery(id: $id) { id } }', variables: () => ({ id: globalId('Delivery', missingUuid) }), code: 'NOT_FOUND' },
  { name: 'replayFailedDeliveries: since not a DateTime', query: 'mutation($webhookId: ID!, $since: DateTime!) { replayFailedDeliveries(webhookId: $webhookId, since: $since) { count } }', variables: () => ({ webhookId: ids.ordersHook, since: 'tomorrow-ish' }), code: 'BAD_USER_INPUT', field: 'since' },
  { name: "replayFailedDeliveries: another account's webhook", query: 'mutation($webhookId: ID!, $since: DateTime!) { replayFailedDeliveries(webhookId: $webhookId, since: $since) { count } }', variables: () => ({ webhookId: ids.foreignHook, since: '2020-01-01T00:00:00Z' }), code: 'NOT_FOUND' },
  { name: 'replayFailedDeliveries: disabled webhook', query: 'mutation($webhookId: ID!, $since: DateTime!) { replayFailedDeliveries(webhookId: $webhookId, since: $since) { count } }', variables: () => ({ webhookId: ids.disabledHook, since: '2020-01-01T00:00:00Z' }), code: 'BAD_USER_INPUT', field: 'webhookId' },
  { name: "sendTestEvent: another account's webhook", query: 'mutation($webhookId: ID!) { sendTestEvent(webhookId: $webhookId) { id } }', variables: () => ({ webhookId: ids.foreignHook }), code: 'NOT_FOUND' },
  { name: 'sendTestEvent: malformed id', query: 'mutation($webhookId: ID!) { sendTestEvent(webhookId: $webhookId) { id } }', variables: () => ({ webhookId: '%%%' }), code: 'BAD_USER_INPUT', field: 'webhookId' },
  { name: 'sendTestEvent: disabled webhook', query: 'mutation($webhookId: ID!) { sendTestEvent(webhookId: $webhookId) { id } }', variables: () => ({ webhookId: ids.disabledHook }), code: 'BAD_USER_INPUT', field: 'webhookId' },

  // ---- the request itself
  { name: `request body over MAX_REQUEST_BYTES (${MAX_REQUEST_BYTES})`, query: PUBLISH, variables: publishing({ data: { id: 'o1', blob: repeat('x', MAX_REQUEST_BYTES) } }), code: 'PAYLOAD_TOO_LARGE', status: 413 },
  { name: 'a mutation with too many aliases', query: `mutation($input: PublishEventInput!) { ${Array.from({ length: 16 }, (_, index) => `p${index}: publishEvent(input: $input) { deliveryCount }`).join(' ')} }`, variables: publishing({}), code: 'LIMIT_EXCEEDED' },
  { name: 'a syntax error', query: 'mutation { publishEvent(input: {type: "orders.created", data: {}) { deliveryCount } }', code: 'BAD_USER_INPUT' },
  { name: 'an unknown field', query: 'mutation { dropAllTables { ok } }', code: 'BAD_USER_INPUT' },
  { name: 'a body that is not JSON', query: '', rawBody: () => '{"query": "mutation { deleteWebhook(id: \\"x\\") { deletedId } }"', code: 'BAD_USER_INPUT', status: 400 },
  { name: 'a mutation without an API key', query: PUBLISH, variables: publishing({}), code: 'UNAUTHENTICATED', status: 401, as: 'anonymous' },
];

async function send(testCase: Case): Promise<Answer> {
  const apiKey = testCase.as === 'anonymous' ? null : testCase.as === 'full' ? fullKey : ownerKey;
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: testCase.rawBody ? testCase.rawBody() : JSON.stringify({ query: testCase.query, variables: testCase.variables?.() ?? {} }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

describe('malformed input', () => {
  it('the table covers every mutation and every list or lookup query', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const operations = new Set(CASES.flatMap((testCase) => [...testCase.query.matchAll(/\b(createWebhook|updateWebhook|deleteWebhook|setWebhookActive|rotateWebhookSecret|addWebhookRestriction|removeWebhookRestriction|setWebhookRestrictions|publishEvent|retryDelivery|replayFailedDeliveries|sendTestEvent|webhooks|webhook|events|event|deliveries|delivery|node)\(/g)].map((match) => match[1])));
    expect([...operations].sort()).toEqual(
      ['addWebhookRestriction', 'createWebhook', 'deleteWebhook', 'deliveries', 'delivery', 'event', 'events', 'node', 'publishEvent', 'removeWebhookRestriction', 'replayFailedDeliveries', 'retryDelivery', 'rotateWebhookSecret', 'sendTestEvent', 'setWebhookActive', 'setWebhookRestrictions', 'updateWebhook', 'webhook', 'webhooks'].sort(),
    );
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    const before = await snapshotDatabase(app.db.pool);
    const answer = await send(testCase);

    expect(answer.body.errors, JSON.stringify(answer.body).slice(0, 500)).toHaveLength(1);
    const [error] = answer.body.errors!;
    expect(error!.extensions?.code, error!.message).toBe(testCase.code);
    if (testCase.field !== undefined) {
      const fields = typeof testCase.field === 'string' ? [testCase.field] : testCase.field;
      expect(fields, `extensions.field of: ${error!.message.slice(0, 300)}`).toContain(error!.extensions?.field);
    }
    if (testCase.status !== undefined) expect(answer.status).toBe(testCase.status);
    // Nothing leaks: no stack, SQL or internal error text.
    expect(error!.message).not.toMatch(/prisma|postgres|stack|at .*\.ts:\d+|Unexpected error/i);

    expect(await snapshotDatabase(app.db.pool)).toEqual(before);
  });
});
