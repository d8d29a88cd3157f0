// Portal sessions (CONTRACT.md, "Accounts and API keys"): createPortalSession with the API key gives a token and a
// console link; the token works wherever an API key does, but only within its scope: one account, optionally some of
// its webhooks (beyond them everything is NOT_FOUND and lists hold only what is in scope), optionally read-only
// (every mutation UNAUTHENTICATED). Expiry and revocation: portal-sessions.lifetime.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../src/sdk/client.js';
import {
  CreatePortalSessionDocument,
  CreateWebhookDocument,
  CurrentPortalSessionDocument,
  DeleteWebhookDocument,
  DeliveriesDocument,
  DeliveryDocument,
  DeliveryUpdatedDocument,
  EventsDocument,
  HistoryEventDeliveriesDocument,
  HistoryEventDocument,
  HistoryNodeDocument,
  PortalSessionNodeDocument,
  PublishEventDocument,
  RemoveWebhookRestrictionDocument,
  RetryDeliveryDocument,
  RevokePortalSessionDocument,
  SendTestEventDocument,
  SetWebhookActiveDocument,
  UpdateWebhookDocument,
  ViewerDocument,
  WebhookDeliveriesDocument,
  WebhookDocument,
  WebhooksDocument,
  WebhookUpdatedDocument,
} from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { waitForDelivery } from './helpers/delivery.js';
import { expectError, malformedId, missingId, rawId, withoutPath } from './helpers/graphql.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let receiver: Receiver;
let owner: GraphqlClient;
let apiKey: string;
/** Two webhooks of one account: sessions below are limited to hookA. */
let hookA: string;
let hookB: string;
let restrictionOfB: string;
/** An event that reached both webhooks, and one that reached only B. */
let sharedEvent: string;
let eventOfB: string;
let deliveryOfA: string;
let deliveryOfB: string;

async function newSession(client: GraphqlClient, input: { ttlSeconds?: number; webhookIds?: string[]; readOnly?: boolean } = {}) {
  return (await client.data(CreatePortalSessionDocument, { input })).createPortalSession;
}

async function publish(client: GraphqlClient, type: string, id: string) {
  return (await client.data(PublishEventDocument, { input: { type, data: { id, resource: { id: 'room-1' } } } })).publishEvent;
}

beforeAll(async () => {
  app = await startTestApp({ WORKER_POLL_INTERVAL: '100ms', PUBLIC_URL: 'https://hooks.platform.example/' });
  receiver = await startReceiver();
  const account = await app.newAccount({ name: 'Portal Spa' });
  owner = account.client;
  apiKey = account.apiKey;
  hookA = (await owner.data(CreateWebhookDocument, { input: { name: 'front desk', url: receiver.url, events: ['bookings.*', 'orders.*'] } })).createWebhook.webhook.id;
  const createdB = await owner.data(CreateWebhookDocument, {
    input: { name: 'accounting', url: receiver.url, events: ['bookings.*', 'invoices.*'], restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] },
  });
  hookB = createdB.createWebhook.webhook.id;
  restrictionOfB = createdB.createWebhook.webhook.restrictions[0]!.id;
  sharedEvent = (await publish(owner, 'bookings.created', 'b1')).event.id;
  eventOfB = (await publish(owner, 'invoices.finalised', 'i1')).event.id;
  const { deliveries } = await owner.data(DeliveriesDocument, { first: 10, filter: { eventId: sharedEvent } });
  deliveryOfA = deliveries.edges.find((edge) => edge.node.webhook.id === hookA)!.node.id;
  deliveryOfB = deliveries.edges.find((edge) => edge.node.webhook.id === hookB)!.node.id;
  for (const id of [deliveryOfA, deliveryOfB]) await waitForDelivery(app.db.pool, rawId(id, 'Delivery'), ['SUCCEEDED']);
});

afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('createPortalSession', () => {
  it('answers a token once, a console link carrying it, and stores only the hash', async () => {
    const before = Date.now();
    const session = await newSession(owner, { ttlSeconds: 600 });
    expect(session.id).toMatch(/^ps_[0-7][0-9a-hjkmnp-tv-z]{25}$/);
    expect(session.token).toMatch(/^hsp_[A-Za-z0-9_-]{43}$/);
    expect(session.url).toBe(`https://hooks.platform.example/console#session=${session.token}`);
    expect(session).toMatchObject({ readOnly: false, revoked: false, webhookIds: null });
    const expiresIn = new Date(session.expiresAt).getTime() - before;
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(expiresIn).toBeLessThanOrEqual(601_000);

    const { rows } = await app.db.pool.query<{ everything: string; token_hash: string }>('select row_to_json(portal_sessions)::text as everything, token_hash from portal_sessions where id = $1', [rawId(session.id, 'PortalSession')]);
    expect(rows[0]!.everything).not.toContain(session.token!);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    // Asked for again, it is the same session without the token: the link then opens the console's sign-in.
    const { node } = await owner.data(PortalSessionNodeDocument, { id: session.id });
    expect(node).toMatchObject({ id: session.id, token: null, url: 'https://hooks.platform.example/console', expiresAt: session.expiresAt });
  });

  it('defaults to an hour, read-write, the whole account', async () => {
    const session = await newSession(owner);
    expect(session).toMatchObject({ readOnly: false, webhookIds: null });
    const ttl = new Date(session.expiresAt).getTime() - new Date(session.createdAt).getTime();
    expect(Math.abs(ttl - 3_600_000)).toBeLessThan(1000);
  });

  it.each([
    { name: 'ttlSeconds 0', input: { ttlSeconds: 0 }, code: 'BAD_USER_INPUT', field: 'ttlSeconds' },
    { name: 'ttlSeconds over 30 days', input: { ttlSeconds: 2_592_001 }, code: 'BAD_USER_INPUT', field: 'ttlSeconds' },
    { name: 'an empty webhookIds', input: { webhookIds: [] }, code: 'BAD_USER_INPUT', field: 'webhookIds' },
    { name: 'a malformed webhook ID', input: { webhookIds: ['wh_nope'] }, code: 'BAD_USER_INPUT', field: 'webhookIds' },
    { name: "an event's ID", input: () => ({ webhookIds: [sharedEvent] }), code: 'BAD_USER_INPUT', field: 'webhookIds' },
    { name: 'a missing webhook', input: () => ({ webhookIds: [hookA, missingId('Webhook')] }), code: 'NOT_FOUND' },
  ])('refuses $name, creating nothing', async ({ input, code, field }) => {
    const count = async () => (await app.db.pool.query<{ n: number }>('select count(*)::int as n from portal_sessions')).rows[0]!.n;
    const before = await count();
    const result = await owner.request(CreatePortalSessionDocument, { input: typeof input === 'function' ? input() : input });
    expectError(result, code, field);
    expect(await count()).toBe(before);
  });

  it('the 1 s and 30 day bounds are accepted', async () => {
    expect((await newSession(owner, { ttlSeconds: 1 })).token).toBeTruthy();
    expect((await newSession(owner, { ttlSeconds: 2_592_000 })).token).toBeTruthy();
  });
});

describe('a session limited to one webhook', () => {
  let session: Awaited<ReturnType<typeof newSession>>;
  let client: GraphqlClient;
  beforeAll(async () => {
    session = await newSession(owner, { webhookIds: [hookA, hookA] });
    client = app.client(session.token);
  });

  it('is that webhook’s: the session says so, the viewer is the account', async () => {
    expect(session.webhookIds).toEqual([hookA]);
    expect((await client.data(CurrentPortalSessionDocument)).portalSession).toMatchObject({ id: session.id, webhookIds: [hookA], readOnly: false });
    expect((await client.data(ViewerDocument)).viewer).toMatchObject({ name: 'Portal Spa', webhookCount: 1 });
    expect((await owner.data(CurrentPortalSessionDocument)).portalSession).toBeNull();
  });

  it('lists only what is in scope: webhooks, deliveries, events and an event’s deliveries', async () => {
    const { webhooks } = await client.data(WebhooksDocument, { first: 10 });
    expect(webhooks.totalCount).toBe(1);
    expect(webhooks.edges.map((edge) => edge.node.id)).toEqual([hookA]);

    const { deliveries } = await client.data(DeliveriesDocument, { first: 10 });
    expect(deliveries.edges.every((edge) => edge.node.webhook.id === hookA)).toBe(true);
    expect(deliveries.edges.map((edge) => edge.node.id)).toContain(deliveryOfA);
    expect(deliveries.totalCount).toBe(deliveries.edges.length);
    // A filter naming a webhook beyond the scope finds nothing, as another account's would.
    expect((await client.data(DeliveriesDocument, { first: 10, filter: { webhookId: hookB } })).deliveries.totalCount).toBe(0);

    const { events } = await client.data(EventsDocument, { first: 10 });
    expect(events.edges.map((edge) => edge.node.id)).toEqual([sharedEvent]);
    expect(events.edges[0]!.node.deliveries.edges.map((edge) => edge.node.id)).toEqual([deliveryOfA]);
    const { event } = await client.data(HistoryEventDeliveriesDocument, { id: sharedEvent, first: 10 });
    expect(event!.deliveries.edges.map((edge) => edge.node.id)).toEqual([deliveryOfA]);
    expect(event!.deliveries.totalCount).toBe(1);
  });

  it('beyond its scope, everything answers NOT_FOUND, exactly as a missing ID', async () => {
    const cases = [
      { run: (id: string) => client.request(WebhookDocument, { id }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(HistoryNodeDocument, { id }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(HistoryNodeDocument, { id }), target: restrictionOfB, missing: () => missingId('Restriction') },
      { run: (id: string) => client.request(DeliveryDocument, { id }), target: deliveryOfB, missing: () => missingId('Delivery') },
      { run: (id: string) => client.request(HistoryNodeDocument, { id }), target: deliveryOfB, missing: () => missingId('Delivery') },
      { run: (id: string) => client.request(HistoryEventDocument, { id }), target: eventOfB, missing: () => missingId('Event') },
      { run: (id: string) => client.request(HistoryNodeDocument, { id }), target: eventOfB, missing: () => missingId('Event') },
      { run: (id: string) => client.request(WebhookDeliveriesDocument, { id, first: 5 }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(UpdateWebhookDocument, { input: { id, name: 'taken over' } }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(SetWebhookActiveDocument, { id, active: false }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(DeleteWebhookDocument, { id }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(SendTestEventDocument, { webhookId: id }), target: hookB, missing: () => missingId('Webhook') },
      { run: (id: string) => client.request(RetryDeliveryDocument, { id }), target: deliveryOfB, missing: () => missingId('Delivery') },
      { run: (id: string) => client.request(RemoveWebhookRestrictionDocument, { id }), target: restrictionOfB, missing: () => missingId('Restriction') },
      { run: (id: string) => client.request(CreatePortalSessionDocument, { input: { webhookIds: [id] } }), target: hookB, missing: () => missingId('Webhook') },
    ];
    for (const { run, target, missing } of cases) {
      const beyond = await run(target);
      expectError(beyond, 'NOT_FOUND');
      expect(beyond.errors?.map(withoutPath)).toEqual((await run(missing())).errors?.map(withoutPath));
    }
    // Nothing of B's changed.
    const { webhook } = await owner.data(WebhookDocument, { id: hookB });
    expect(webhook).toMatchObject({ name: 'accounting', active: true, restrictions: [{ id: restrictionOfB }] });
  });

  it('works on its own webhook', async () => {
    const { sendTestEvent } = await client.data(SendTestEventDocument, { webhookId: hookA });
    expect(sendTestEvent.webhook.id).toBe(hookA);
    await waitForDelivery(app.db.pool, rawId(sendTestEvent.id, 'Delivery'), ['SUCCEEDED']);
    expect((await client.data(RetryDeliveryDocument, { id: sendTestEvent.id })).retryDelivery.id).toBe(sendTestEvent.id);
    expect((await client.data(UpdateWebhookDocument, { input: { id: hookA, description: 'seen through the portal' } })).updateWebhook.webhook.description).toBe('seen through the portal');
  });

  it('creates no webhook and publishes nothing (UNAUTHENTICATED), and changes nothing trying', async () => {
    const before = await owner.data(WebhooksDocument, { first: 10 });
    const created = await client.request(CreateWebhookDocument, { input: { name: 'sneaky', url: receiver.url, events: ['*'] } });
    expectError(created, 'UNAUTHENTICATED');
    expect(created.status).toBe(403);
    expectError(await client.request(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'o1' } } }), 'UNAUTHENTICATED');
    expect((await owner.data(WebhooksDocument, { first: 10 })).webhooks.totalCount).toBe(before.webhooks.totalCount);
  });

  it('makes sessions no wider than itself: its webhooks by default, ending no later', async () => {
    const child = await newSession(client, { ttlSeconds: 2_592_000 });
    expect(child.webhookIds).toEqual([hookA]);
    expect(new Date(child.expiresAt).getTime()).toBeLessThanOrEqual(new Date(session.expiresAt).getTime());
    const { webhooks } = await app.client(child.token).data(WebhooksDocument, { first: 10 });
    expect(webhooks.edges.map((edge) => edge.node.id)).toEqual([hookA]);
  });

  it('sees and revokes only sessions within its scope', async () => {
    const wide = await newSession(owner);
    const narrow = await newSession(owner, { webhookIds: [hookA] });
    expectError(await client.request(PortalSessionNodeDocument, { id: wide.id }), 'NOT_FOUND');
    expectError(await client.request(RevokePortalSessionDocument, { id: wide.id }), 'NOT_FOUND');
    expect((await owner.data(PortalSessionNodeDocument, { id: wide.id })).node).toMatchObject({ revoked: false });
    expect((await client.data(RevokePortalSessionDocument, { id: narrow.id })).revokePortalSession).toMatchObject({ id: narrow.id, revoked: true, token: null });
  });

  it('subscriptions carry only its webhook’s changes; another webhook’s ID is NOT_FOUND', async () => {
    const ws = createWsClient(app.url, session.token);
    try {
      const deliveries = collect(ws, DeliveryUpdatedDocument, {});
      const webhookChanges = collect(ws, WebhookUpdatedDocument, {});
      const refused = collect(ws, DeliveryUpdatedDocument, { webhookId: hookB });
      await waitUntil(() => refused.errors.length > 0 || refused.done, 10_000, 'the subscription to another webhook to be refused');
      expect(JSON.stringify(refused.errors)).toContain('NOT_FOUND');
      await waitUntil(async () => (await app.metrics.subscribers.get()).values[0]!.value >= 2, 10_000, 'both subscriptions to open');

      const published = await publish(owner, 'bookings.updated', 'b1');
      await owner.data(SetWebhookActiveDocument, { id: hookB, active: false });
      await owner.data(SetWebhookActiveDocument, { id: hookA, active: true });
      await waitUntil(() => deliveries.items.some((item) => item.deliveryUpdated.status === 'SUCCEEDED') && webhookChanges.items.length > 0, 15_000, 'A’s changes');
      // B's delivery of the same event was published before A's changes arrived: had it leaked, it would be here.
      const { deliveries: ofEvent } = await owner.data(DeliveriesDocument, { first: 10, filter: { eventId: published.event.id } });
      expect(ofEvent.totalCount).toBe(2);
      expect(deliveries.items.every((item) => item.deliveryUpdated.webhook.id === hookA)).toBe(true);
      expect(webhookChanges.items.every((item) => item.webhookUpdated.id === hookA)).toBe(true);
    } finally {
      await owner.data(SetWebhookActiveDocument, { id: hookB, active: true });
      await ws.dispose();
    }
  });
});

describe('a read-only session', () => {
  let client: GraphqlClient;
  beforeAll(async () => {
    client = app.client((await newSession(owner, { readOnly: true })).token);
  });

  it('reads everything of its scope', async () => {
    expect((await client.data(WebhooksDocument, { first: 10 })).webhooks.totalCount).toBe(2);
    expect((await client.data(DeliveryDocument, { id: deliveryOfB })).delivery!.id).toBe(deliveryOfB);
    expect((await client.data(CurrentPortalSessionDocument)).portalSession).toMatchObject({ readOnly: true, webhookIds: null });
  });

  it('answers every mutation UNAUTHENTICATED (HTTP 403, it is signed in) and changes nothing', async () => {
    const mutations = [
      () => client.request(CreateWebhookDocument, { input: { name: 'x', url: receiver.url, events: ['*'] } }),
      () => client.request(UpdateWebhookDocument, { input: { id: hookA, name: 'renamed' } }),
      () => client.request(SetWebhookActiveDocument, { id: hookA, active: false }),
      () => client.request(DeleteWebhookDocument, { id: hookA }),
      () => client.request(SendTestEventDocument, { webhookId: hookA }),
      () => client.request(RetryDeliveryDocument, { id: deliveryOfA }),
      () => client.request(RemoveWebhookRestrictionDocument, { id: restrictionOfB }),
      () => client.request(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'o9' } } }),
      () => client.request(CreatePortalSessionDocument, { input: {} }),
      // Even a malformed ID: nothing of a read-only session's mutation runs.
      () => client.request(SetWebhookActiveDocument, { id: malformedId('Webhook'), active: false }),
    ];
    const before = await owner.data(WebhooksDocument, { first: 10 });
    const deliveriesBefore = (await owner.data(DeliveriesDocument, { first: 1 })).deliveries.totalCount;
    for (const run of mutations) {
      const result = await run();
      expectError(result, 'UNAUTHENTICATED');
      expect(result.status).toBe(403);
    }
    expect(await owner.data(WebhooksDocument, { first: 10 })).toEqual(before);
    expect((await owner.data(DeliveriesDocument, { first: 1 })).deliveries.totalCount).toBe(deliveriesBefore);
  });

  it('refuses mutations over graphql-ws as well', async () => {
    const token = (await newSession(owner, { readOnly: true })).token!;
    const ws = createWsClient(app.url, token);
    try {
      const result = await new Promise<unknown>((resolve) => {
        ws.subscribe({ query: 'mutation($id: ID!) { setWebhookActive(id: $id, active: false) { webhook { id active } } }', variables: { id: hookA } }, { next: resolve, error: resolve, complete: () => {} });
      });
      expect(JSON.stringify(result)).toContain('UNAUTHENTICATED');
      expect((await owner.data(WebhookDocument, { id: hookA })).webhook!.active).toBe(true);
    } finally {
      await ws.dispose();
    }
  });
});

describe('an account-wide session', () => {
  it('reaches every webhook, may create one, but never publishes', async () => {
    const client = app.client((await newSession(owner)).token);
    expect((await client.data(WebhooksDocument, { first: 10 })).webhooks.totalCount).toBe(2);
    const created = await client.data(CreateWebhookDocument, { input: { name: 'made in the portal', url: receiver.url, events: ['orders.*'] } });
    expect(created.createWebhook.secret).toMatch(/^whsec_/);
    expectError(await client.request(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'o2' } } }), 'UNAUTHENTICATED');
    await owner.data(DeleteWebhookDocument, { id: created.createWebhook.webhook.id });
  });
});

describe('another account', () => {
  it('its session sees none of this account’s IDs, answering exactly as for missing ones', async () => {
    const other = await app.newAccount({ name: 'Other Spa' });
    const otherToken = (await newSession(other.client)).token!;
    const client = app.client(otherToken);
    const mine = await newSession(owner);
    const cases: [(id: string) => Promise<{ errors?: unknown[] }>, string, () => string][] = [
      [(id) => client.request(WebhookDocument, { id }), hookA, () => missingId('Webhook')],
      [(id) => client.request(DeliveryDocument, { id }), deliveryOfA, () => missingId('Delivery')],
      [(id) => client.request(HistoryNodeDocument, { id }), sharedEvent, () => missingId('Event')],
      [(id) => client.request(PortalSessionNodeDocument, { id }), mine.id, () => missingId('PortalSession')],
      [(id) => client.request(RevokePortalSessionDocument, { id }), mine.id, () => missingId('PortalSession')],
      [(id) => client.request(CreatePortalSessionDocument, { input: { webhookIds: [id] } }), hookA, () => missingId('Webhook')],
    ];
    for (const [run, target, missing] of cases) {
      const foreign = (await run(target)) as { errors?: { extensions?: { code?: string } }[] };
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((foreign.errors as never[]).map(withoutPath)).toEqual(((await run(missing())).errors as never[]).map(withoutPath));
    }
    expect((await client.data(WebhooksDocument, { first: 10 })).webhooks.totalCount).toBe(0);
    expect((await owner.data(PortalSessionNodeDocument, { id: mine.id })).node).toMatchObject({ revoked: false });
    // The owner's API key was never needed: the other account's token is no key of this account either.
    expect(otherToken).not.toBe(apiKey);
  });
});
