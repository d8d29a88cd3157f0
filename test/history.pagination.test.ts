// Call history (issue 5): every list of events and deliveries pages forward and backward over hundreds of rows —
// including rows that share a created_at, which only the (createdAt, id) tie-break orders — visiting each row once,
// newest first; filters combine and agree with plain SQL; bad page arguments are BAD_USER_INPUT naming the field; and
// single reads (delivery, event, node) answer another account's id exactly as a missing one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/db/ids.js';
import type { GraphqlClient, GraphqlResult } from '../src/sdk/client.js';
import {
  CreateWebhookDocument,
  HistoryDeliveriesDocument,
  HistoryDeliveryDocument,
  HistoryEventDeliveriesDocument,
  HistoryEventDocument,
  HistoryEventsDocument,
  HistoryNodeDocument,
  HistoryWebhookDeliveriesDocument,
  ViewerDocument,
  type DeliveryFilter,
} from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError, globalId, legacyRelayId, malformedId, missingId, rawId, withoutPath } from './helpers/graphql.js';
import type { PublicIdType } from '../src/domain/public-id.js';
import { idAt, insertDeliveries, insertEvents, type DeliveryStatus, type SeedDelivery, type SeedEvent } from './helpers/history-seed.js';

const PAGE_SIZE = 37;
const STATUSES: DeliveryStatus[] = ['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED'];
const TYPES = ['orders.created', 'bookings.created', 'invoices.finalised'];

type Page = {
  totalCount: number;
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};
type PageArgs = { first?: number; after?: string; last?: number; before?: string };

let app: TestApp;
let clientA: GraphqlClient;
let clientB: GraphqlClient;
let accountA: string;
let hook1: string; // global ids
let hook2: string;
let restrictionId: string;
let hookB: string;
let eventsA: SeedEvent[];
let bigEvent: SeedEvent;
let deliveriesA: SeedDelivery[];
let eventsB: SeedEvent[];
let deliveriesB: SeedDelivery[];

/** Ids (raw) of A's deliveries matching `where` (SQL over deliveries d), in the list's order. */
async function sqlDeliveryIds(where: string, params: unknown[] = []): Promise<string[]> {
  const { rows } = await app.db.pool.query<{ id: string }>(
    `select d.id from deliveries d where d.account_id = $1 and (${where}) order by d.created_at desc, d.id desc`,
    [accountA, ...params],
  );
  return rows.map((row) => row.id);
}

/** Follows `after` (or `before`, backwards) until the list ends, checking every page's pageInfo on the way. */
async function walk(fetchPage: (args: PageArgs) => Promise<Page>, direction: 'forward' | 'backward', pageSize = PAGE_SIZE) {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const args: PageArgs = direction === 'forward' ? { first: pageSize, after: cursor } : { last: pageSize, before: cursor };
    const page = await fetchPage(args);
    pages.push(page);
    const more = direction === 'forward' ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage;
    // The other direction's flag says whether a cursor was given: there is something on that side of it.
    expect(direction === 'forward' ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage).toBe(cursor !== undefined);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    if (more) expect(page.edges).toHaveLength(pageSize);
    else expect(page.edges.length).toBeLessThanOrEqual(pageSize);
    if (!more) break;
    cursor = direction === 'forward' ? page.pageInfo.endCursor! : page.pageInfo.startCursor!;
  }
  // Backward pages come newest-last; each page is itself newest first.
  const ordered = direction === 'forward' ? pages : [...pages].reverse();
  return { pages, ids: ordered.flatMap((page) => page.edges.map((edge) => edge.node.id)) };
}

/** Asserts a full walk both ways visits exactly `expected` (raw ids, newest first) with the right totalCount. */
async function expectWalksMatch(typename: PublicIdType, fetchPage: (args: PageArgs) => Promise<Page>, expected: string[], directions: ('forward' | 'backward')[] = ['forward', 'backward']) {
  const expectedIds = expected.map((id) => globalId(typename, id));
  for (const direction of directions) {
    const { pages, ids } = await walk(fetchPage, direction);
    expect(new Set(ids).size, `${direction}: no row twice`).toBe(ids.length);
    expect(ids, `${direction}: every row once, newest first`).toEqual(expectedIds);
    expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / PAGE_SIZE)));
    for (const page of pages) expect(page.totalCount).toBe(expected.length);
  }
}

/** Reads every page of a filtered list (first: 100) and returns the ids and the totalCount. */
async function readAll(client: GraphqlClient, filter: DeliveryFilter) {
  const ids: string[] = [];
  let after: string | undefined;
  let totalCount = -1;
  for (let guard = 0; guard < 20; guard++) {
    const { deliveries } = await client.data(HistoryDeliveriesDocument, { first: 100, after, filter });
    totalCount = deliveries.totalCount;
    ids.push(...deliveries.edges.map((edge) => rawId(edge.node.id, 'Delivery')));
    if (!deliveries.pageInfo.hasNextPage) break;
    after = deliveries.pageInfo.endCursor!;
  }
  return { ids, totalCount };
}

beforeAll(async () => {
  app = await startTestApp();
  const a = await app.newAccount({ name: 'History A' });
  const b = await app.newAccount({ name: 'History B' });
  clientA = a.client;
  clientB = b.client;
  accountA = a.accountId;
  const url = 'http://127.0.0.1:9/never-called';
  const created1 = await clientA.data(CreateWebhookDocument, {
    input: { name: 'one', url, events: ['*'], restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] },
  });
  hook1 = created1.createWebhook.webhook.id;
  restrictionId = created1.createWebhook.webhook.restrictions[0]!.id;
  hook2 = (await clientA.data(CreateWebhookDocument, { input: { name: 'two', url, events: ['*'] } })).createWebhook.webhook.id;
  hookB = (await clientB.data(CreateWebhookDocument, { input: { name: 'b', url, events: ['*'] } })).createWebhook.webhook.id;

  // 96 events of A, three at a time sharing a created_at; the first gets 60 deliveries of its own.
  const base = Math.floor(Date.now() / 1000) * 1000 - 3 * 86_400_000;
  eventsA = Array.from({ length: 96 }, (_, j) => {
    const createdAt = new Date(base + Math.floor(j / 3) * 60_000);
    return { id: idAt(createdAt), type: TYPES[j % 3]!, createdAt };
  });
  bigEvent = eventsA[0]!;
  // 250 deliveries across both webhooks: the oldest 120 four at a time on one created_at (ties that only the id
  // orders), the rest each on a created_at of its own.
  deliveriesA = Array.from({ length: 250 }, (_, i) => {
    const event = i < 60 ? bigEvent : eventsA[1 + Math.floor((i - 60) / 2)]!;
    const createdAt = i < 120 ? new Date(base + Math.floor(i / 4) * 1000) : new Date(base + i * 1000 + 250);
    return { id: idAt(createdAt), webhookId: rawId(i % 2 ? hook2 : hook1, 'Webhook'), eventId: event.id, eventType: event.type, status: STATUSES[(i * 7 + Math.floor(i / 5)) % 4]!, createdAt };
  });
  // The ids are made in creation order; shuffle the insert so that neither insertion order nor id order can pass for
  // the list's order by accident.
  await insertEvents(app.db.pool, a.accountId, eventsA);
  await insertDeliveries(app.db.pool, a.accountId, [...deliveriesA].sort(() => Math.random() - 0.5));

  // B's rows interleave A's in time, so that only the account filter keeps them apart.
  eventsB = Array.from({ length: 3 }, (_, j) => {
    const createdAt = new Date(base + j * 30_000 + 7);
    return { id: idAt(createdAt), type: TYPES[j]!, createdAt };
  });
  deliveriesB = eventsB.flatMap((event, j) =>
    [0, 1].map((k) => {
      const createdAt = new Date(base + j * 1000 + k);
      return { id: idAt(createdAt), webhookId: rawId(hookB, 'Webhook'), eventId: event.id, eventType: event.type, status: STATUSES[(j + k) % 4]!, createdAt };
    }),
  );
  await insertEvents(app.db.pool, b.accountId, eventsB);
  await insertDeliveries(app.db.pool, b.accountId, deliveriesB);
});

afterAll(async () => {
  await app?.stop();
});

describe('deliveries: paging', () => {
  it('visits all 250 deliveries exactly once, newest first, forward (first/after) and backward (last/before)', async () => {
    const expected = await sqlDeliveryIds('true');
    expect(expected).toHaveLength(250);
    // Ties really straddle a page boundary: some row and the next one share a created_at across two pages.
    const createdAt = new Map(deliveriesA.map((delivery) => [delivery.id, delivery.createdAt.getTime()]));
    const boundaries = Array.from({ length: Math.floor(249 / PAGE_SIZE) }, (_, k) => (k + 1) * PAGE_SIZE);
    expect(boundaries.some((at) => createdAt.get(expected[at - 1]!) === createdAt.get(expected[at]!))).toBe(true);

    await expectWalksMatch('Delivery', async (args) => (await clientA.data(HistoryDeliveriesDocument, args)).deliveries, expected);
  });

  it('webhook.deliveries pages over just that webhook, both ways', async () => {
    for (const hook of [hook1, hook2]) {
      const expected = await sqlDeliveryIds('d.webhook_id = $2', [rawId(hook, 'Webhook')]);
      expect(expected).toHaveLength(125);
      await expectWalksMatch('Delivery', async (args) => (await clientA.data(HistoryWebhookDeliveriesDocument, { id: hook, ...args })).webhook!.deliveries, expected);
    }
  });

  it('webhook.deliveries takes a filter too', async () => {
    const filter: DeliveryFilter = { status: ['FAILED', 'SUCCEEDED'], eventType: 'bookings.created' };
    const expected = await sqlDeliveryIds(`d.webhook_id = $2 and d.status in ('FAILED', 'SUCCEEDED') and d.event_type = 'bookings.created'`, [rawId(hook2, 'Webhook')]);
    expect(expected.length).toBeGreaterThan(0);
    const { webhook } = await clientA.data(HistoryWebhookDeliveriesDocument, { id: hook2, first: 100, filter });
    expect(webhook!.deliveries.edges.map((edge) => rawId(edge.node.id, 'Delivery'))).toEqual(expected);
    expect(webhook!.deliveries.totalCount).toBe(expected.length);
  });

  it('event.deliveries pages over that event’s 60 deliveries, both ways', async () => {
    const expected = await sqlDeliveryIds('d.event_id = $2', [bigEvent.id]);
    expect(expected).toHaveLength(60);
    const eventId = globalId('Event', bigEvent.id);
    await expectWalksMatch('Delivery', async (args) => (await clientA.data(HistoryEventDeliveriesDocument, { id: eventId, ...args })).event!.deliveries, expected);
  });

  it('first: 0 and last: 0 give no rows but the right totalCount', async () => {
    for (const args of [{ first: 0 }, { last: 0 }]) {
      const { deliveries } = await clientA.data(HistoryDeliveriesDocument, args);
      expect(deliveries.edges).toEqual([]);
      expect(deliveries.totalCount).toBe(250);
    }
  });

  it('a page of 100 is allowed; with no size the page is 20', async () => {
    expect((await clientA.data(HistoryDeliveriesDocument, { first: 100 })).deliveries.edges).toHaveLength(100);
    expect((await clientA.data(HistoryDeliveriesDocument, {})).deliveries.edges).toHaveLength(20);
  });
});

describe('events: paging', () => {
  it('visits all 96 events exactly once, newest first, forward and backward', async () => {
    const { rows } = await app.db.pool.query<{ id: string }>(`select id from events where account_id = $1 order by created_at desc, id desc`, [accountA]);
    expect(rows).toHaveLength(96);
    await expectWalksMatch('Event', async (args) => (await clientA.data(HistoryEventsDocument, args)).events, rows.map((row) => row.id));
  });

  it('filters by type and by since/until, like SQL', async () => {
    const since = eventsA[30]!.createdAt;
    const until = eventsA[80]!.createdAt;
    const { rows } = await app.db.pool.query<{ id: string }>(
      `select id from events where account_id = $1 and type = 'orders.created' and created_at >= $2 and created_at < $3 order by created_at desc, id desc`,
      [accountA, since, until],
    );
    expect(rows.length).toBeGreaterThan(5);
    const { events } = await clientA.data(HistoryEventsDocument, { first: 100, type: 'orders.created', since: since.toISOString(), until: until.toISOString() });
    expect(events.edges.map((edge) => rawId(edge.node.id, 'Event'))).toEqual(rows.map((row) => row.id));
    expect(events.totalCount).toBe(rows.length);
    expect(events.edges.every((edge) => edge.node.type === 'orders.created')).toBe(true);
  });
});

describe('deliveries: filters', () => {
  it('combine webhookId + status list + eventType + since/until, equal to SQL (since inclusive, until exclusive)', async () => {
    // Boundaries on exact created_at values of seeded rows, so inclusivity matters.
    const sorted = [...deliveriesA].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime());
    const since = sorted[40]!.createdAt;
    const until = sorted[210]!.createdAt;
    const filter: DeliveryFilter = {
      webhookId: hook1,
      status: ['SUCCEEDED', 'FAILED'],
      eventType: 'orders.created',
      since: since.toISOString(),
      until: until.toISOString(),
    };
    const expected = await sqlDeliveryIds(
      `d.webhook_id = $2 and d.status in ('SUCCEEDED', 'FAILED') and d.event_type = 'orders.created' and d.created_at >= $3 and d.created_at < $4`,
      [rawId(hook1, 'Webhook'), since, until],
    );
    expect(expected.length).toBeGreaterThan(3);
    expect(await readAll(clientA, filter)).toEqual({ ids: expected, totalCount: expected.length });
  });

  it.each<[string, DeliveryFilter, string, unknown[]]>([
    ['status list', { status: ['PENDING', 'RETRYING'] }, `d.status in ('PENDING', 'RETRYING')`, []],
    ['one status', { status: ['FAILED'] }, `d.status = 'FAILED'`, []],
    ['eventType', { eventType: 'invoices.finalised' }, `d.event_type = 'invoices.finalised'`, []],
    ['webhookId', { webhookId: 'HOOK2' }, 'd.webhook_id = $2', ['HOOK2']],
    ['eventId', { eventId: 'BIG' }, 'd.event_id = $2', ['BIG']],
    ['since only', { since: 'SINCE' }, 'd.created_at >= $2', ['SINCE']],
    ['until only', { until: 'UNTIL' }, 'd.created_at < $2', ['UNTIL']],
    ['a status list of none', { status: [] }, 'false', []],
  ])('%s', async (_name, rawFilter, where, params) => {
    const sinceAt = deliveriesA[150]!.createdAt;
    const untilAt = deliveriesA[90]!.createdAt;
    const substitute = (value: unknown) =>
      value === 'HOOK2' ? hook2 : value === 'BIG' ? globalId('Event', bigEvent.id) : value === 'SINCE' ? sinceAt.toISOString() : value === 'UNTIL' ? untilAt.toISOString() : value;
    const sqlValue = (value: unknown) =>
      value === 'HOOK2' ? rawId(hook2, 'Webhook') : value === 'BIG' ? bigEvent.id : value === 'SINCE' ? sinceAt : value === 'UNTIL' ? untilAt : value;
    const filter = Object.fromEntries(Object.entries(rawFilter).map(([key, value]) => [key, substitute(value)])) as DeliveryFilter;
    const expected = await sqlDeliveryIds(where, params.map(sqlValue));
    const result = await readAll(clientA, filter);
    expect(result).toEqual({ ids: expected, totalCount: expected.length });
    if (where !== 'false') expect(expected.length).toBeGreaterThan(0);
  });

  it('a filtered list pages with cursors like an unfiltered one', async () => {
    const filter: DeliveryFilter = { status: ['SUCCEEDED', 'FAILED', 'RETRYING'] };
    const expected = await sqlDeliveryIds(`d.status in ('SUCCEEDED', 'FAILED', 'RETRYING')`);
    expect(expected.length).toBeGreaterThan(PAGE_SIZE * 2);
    await expectWalksMatch('Delivery', async (args) => (await clientA.data(HistoryDeliveriesDocument, { ...args, filter })).deliveries, expected);
  });

  it('another account’s webhookId or eventId filters to nothing; a malformed one is BAD_USER_INPUT', async () => {
    expect(await readAll(clientA, { webhookId: hookB })).toEqual({ ids: [], totalCount: 0 });
    expect(await readAll(clientA, { eventId: globalId('Event', eventsB[0]!.id) })).toEqual({ ids: [], totalCount: 0 });
    expectError(await clientA.request(HistoryDeliveriesDocument, { filter: { webhookId: 'not-an-id' } }), 'BAD_USER_INPUT', 'webhookId');
    expectError(await clientA.request(HistoryDeliveriesDocument, { filter: { webhookId: globalId('Event', bigEvent.id) } }), 'BAD_USER_INPUT', 'webhookId');
    expectError(await clientA.request(HistoryDeliveriesDocument, { filter: { eventId: hook1 } }), 'BAD_USER_INPUT', 'eventId');
  });

  it('since after until is BAD_USER_INPUT', async () => {
    const filter = { since: new Date(Date.now()).toISOString(), until: new Date(Date.now() - 60_000).toISOString() };
    expectError(await clientA.request(HistoryDeliveriesDocument, { filter }), 'BAD_USER_INPUT', 'since');
    expectError(await clientA.request(HistoryEventsDocument, filter), 'BAD_USER_INPUT', 'since');
  });
});

describe('page arguments', () => {
  // Each list, as a function of its page arguments, returning the raw answer.
  const lists: [string, (args: PageArgs) => Promise<GraphqlResult<unknown>>][] = [
    ['deliveries', (args) => clientA.request(HistoryDeliveriesDocument, args)],
    ['events', (args) => clientA.request(HistoryEventsDocument, args)],
    ['webhook.deliveries', (args) => clientA.request(HistoryWebhookDeliveriesDocument, { id: hook1, ...args })],
    ['event.deliveries', (args) => clientA.request(HistoryEventDeliveriesDocument, { id: globalId('Event', bigEvent.id), ...args })],
  ];
  const cursorOf = (typename: string, id: string) => Buffer.from(`GPC:S:${id}`).toString('base64');

  it.each(lists)('%s: sizes outside 0–100 and first with last are BAD_USER_INPUT naming the field', async (_name, request) => {
    expectError(await request({ first: 101 }), 'BAD_USER_INPUT', 'first');
    expectError(await request({ first: -1 }), 'BAD_USER_INPUT', 'first');
    expectError(await request({ last: 101 }), 'BAD_USER_INPUT', 'last');
    expectError(await request({ last: -5 }), 'BAD_USER_INPUT', 'last');
    const both = expectError(await request({ first: 5, last: 5 }), 'BAD_USER_INPUT');
    expect(['first', 'last']).toContain(both.extensions?.field);
  });

  it.each(lists)('%s: a malformed cursor is BAD_USER_INPUT naming after/before', async (_name, request) => {
    for (const bad of ['garbage', '', 'R1BDOlM6bm90LWEtdXVpZA==' /* GPC:S:not-a-uuid */, Buffer.from('GPC:J:[1,2]').toString('base64')]) {
      expectError(await request({ first: 5, after: bad }), 'BAD_USER_INPUT', 'after');
      expectError(await request({ last: 5, before: bad }), 'BAD_USER_INPUT', 'before');
    }
  });

  it.each(lists)('%s: a cursor from another account’s list is BAD_USER_INPUT', async (name, request) => {
    // The cursor format is what this list's own cursors look like (checked first), with another account's row id.
    const own = (await request({ first: 1 })) as GraphqlResult<Record<string, unknown>>;
    expect(own.errors).toBeUndefined();
    const foreignId = name === 'events' ? eventsB[0]!.id : deliveriesB[0]!.id;
    const foreign = cursorOf(name === 'events' ? 'Event' : 'Delivery', foreignId);
    expect(JSON.stringify(own.data)).toMatch(/"cursor":"R1BDOlM6/); // GPC:S: — the same encoding
    expectError(await request({ first: 5, after: foreign }), 'BAD_USER_INPUT', 'after');
    expectError(await request({ last: 5, before: foreign }), 'BAD_USER_INPUT', 'before');
    // …and one of a row that exists nowhere.
    expectError(await request({ first: 5, after: cursorOf('Delivery', newId()) }), 'BAD_USER_INPUT', 'after');
  });

  it('B cannot page A’s list with A’s cursor', async () => {
    const { deliveries } = await clientA.data(HistoryDeliveriesDocument, { first: 3 });
    expectError(await clientB.request(HistoryDeliveriesDocument, { first: 3, after: deliveries.pageInfo.endCursor }), 'BAD_USER_INPUT', 'after');
    const { events } = await clientA.data(HistoryEventsDocument, { first: 3 });
    expectError(await clientB.request(HistoryEventsDocument, { first: 3, after: events.pageInfo.endCursor }), 'BAD_USER_INPUT', 'after');
  });

  it('a delivery cursor is no cursor of the event list', async () => {
    const { deliveries } = await clientA.data(HistoryDeliveriesDocument, { first: 1 });
    expectError(await clientA.request(HistoryEventsDocument, { first: 3, after: deliveries.edges[0]!.cursor }), 'BAD_USER_INPUT', 'after');
  });
});

describe('single reads', () => {
  it('delivery(id) reads a delivery with its webhook and event', async () => {
    const seeded = deliveriesA[7]!;
    const { delivery } = await clientA.data(HistoryDeliveryDocument, { id: globalId('Delivery', seeded.id) });
    expect(delivery).toMatchObject({
      id: globalId('Delivery', seeded.id),
      status: seeded.status,
      eventType: seeded.eventType,
      createdAt: seeded.createdAt.toISOString(),
      webhook: { id: globalId('Webhook', seeded.webhookId) },
      event: { id: globalId('Event', seeded.eventId) },
      attempts: [],
    });
    const { event } = await clientA.data(HistoryEventDocument, { id: globalId('Event', bigEvent.id) });
    expect(event).toEqual({ id: globalId('Event', bigEvent.id), type: bigEvent.type, createdAt: bigEvent.createdAt.toISOString() });
  });

  it('another account’s delivery or event is NOT_FOUND, exactly like a missing one', async () => {
    const foreignDelivery = await clientB.request(HistoryDeliveryDocument, { id: globalId('Delivery', deliveriesA[0]!.id) });
    const missingDelivery = await clientB.request(HistoryDeliveryDocument, { id: missingId('Delivery') });
    expect(withoutPath(expectError(foreignDelivery, 'NOT_FOUND'))).toEqual(withoutPath(expectError(missingDelivery, 'NOT_FOUND')));
    expect(foreignDelivery.data).toEqual(missingDelivery.data);

    const foreignEvent = await clientB.request(HistoryEventDocument, { id: globalId('Event', bigEvent.id) });
    const missingEvent = await clientB.request(HistoryEventDocument, { id: missingId('Event') });
    expect(withoutPath(expectError(foreignEvent, 'NOT_FOUND'))).toEqual(withoutPath(expectError(missingEvent, 'NOT_FOUND')));
  });

  it('a malformed id, or one of another type, is BAD_USER_INPUT naming id', async () => {
    expectError(await clientA.request(HistoryDeliveryDocument, { id: 'nope' }), 'BAD_USER_INPUT', 'id');
    expectError(await clientA.request(HistoryDeliveryDocument, { id: globalId('Event', bigEvent.id) }), 'BAD_USER_INPUT', 'id');
    expectError(await clientA.request(HistoryEventDocument, { id: globalId('Delivery', deliveriesA[0]!.id) }), 'BAD_USER_INPUT', 'id');
    expectError(await clientA.request(HistoryEventDocument, { id: globalId('Event', 'not-a-uuid') }), 'BAD_USER_INPUT', 'id');
  });

  it('node(id) resolves Event, Delivery, Webhook, Restriction and Account', async () => {
    const { viewer } = await clientA.data(ViewerDocument);
    const cases: [string, string, Record<string, unknown>][] = [
      [globalId('Event', bigEvent.id), 'Event', { type: bigEvent.type }],
      [globalId('Delivery', deliveriesA[3]!.id), 'Delivery', { status: deliveriesA[3]!.status, webhook: { id: globalId('Webhook', deliveriesA[3]!.webhookId) } }],
      [hook1, 'Webhook', { name: 'one' }],
      [restrictionId, 'Restriction', { targetId: 'room-1' }],
      [viewer.id, 'Account', { name: 'History A' }],
    ];
    for (const [id, typename, fields] of cases) {
      const { node } = await clientA.data(HistoryNodeDocument, { id });
      expect(node).toEqual({ __typename: typename, id, ...fields });
    }
  });

  it('node(id) of another account’s row answers null, exactly as for a missing row', async () => {
    const { viewer } = await clientA.data(ViewerDocument);
    const pairs: [string, string][] = [
      [globalId('Event', bigEvent.id), missingId('Event')],
      [globalId('Delivery', deliveriesA[0]!.id), missingId('Delivery')],
      [hook1, missingId('Webhook')],
      [restrictionId, missingId('Restriction')],
      [viewer.id, missingId('Account')],
    ];
    for (const [foreign, missing] of pairs) {
      const foreignAnswer = await clientB.request(HistoryNodeDocument, { id: foreign });
      const missingAnswer = await clientB.request(HistoryNodeDocument, { id: missing });
      expect(foreignAnswer.data).toEqual({ node: null });
      expect(foreignAnswer.data).toEqual(missingAnswer.data);
      expect(foreignAnswer.errors?.map(withoutPath)).toEqual(missingAnswer.errors?.map(withoutPath));
      // Whatever else it says, it never says what the row is.
      expect(JSON.stringify(foreignAnswer)).not.toContain('History A');
    }
  });

  it('node(id) with a malformed raw id is BAD_USER_INPUT, not an internal error', async () => {
    for (const typename of ['Event', 'Delivery', 'Webhook', 'Restriction'] as const) {
      expectError(await clientA.request(HistoryNodeDocument, { id: malformedId(typename) }), 'BAD_USER_INPUT', 'id');
      expectError(await clientA.request(HistoryNodeDocument, { id: legacyRelayId(typename, newId()) }), 'BAD_USER_INPUT', 'id');
    }
  });
});
