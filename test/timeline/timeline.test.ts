// The booking's timeline (issue 13, CONTRACT.md): a PER_KEY line holds a key's later deliveries until the one before
// has finished, LATEST_PER_KEY supersedes what was queued behind, `deliverAt` holds attempts back, `expiresAt` ends
// deliveries as EXPIRED — held ones too — and the body carries the delivery's `sequence`. Each test has an account of
// its own, so that its webhooks see only its events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../../src/sdk/client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attemptsOf, deliveriesOfWebhook, gate, onlyDelivery, publish, requestsFor, waitForDelivery, waitUntil } from '../helpers/delivery.js';
import { expectError, globalId, rawId } from '../helpers/graphql.js';
import { gql } from '../helpers/raw-graphql.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const CREATE = gql(`mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id ordering } secret } }`);
const PUBLISH = gql(`mutation ($input: PublishEventInput!) { publishEvent(input: $input) { event { id } deliveryCount } }`);
const DELIVERY = gql(`query ($id: ID!) { delivery(id: $id) { status nextAttemptAt orderingKey sequence expiresAt attemptCount } }`);
const STATS = gql(`query ($id: ID!) { webhook(id: $id) { stats { total expired superseded succeeded } } }`);

let app: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  [app, receiver] = await Promise.all([startTestApp({ RETRY_SCHEDULE: '300ms,300ms,300ms,300ms,300ms,300ms' }), startReceiver()]);
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

async function webhookOn(path: string, ordering: 'NONE' | 'PER_KEY' | 'LATEST_PER_KEY' = 'NONE', at: Receiver = receiver): Promise<{ client: GraphqlClient; id: string; rawId: string }> {
  const { client } = await app.newAccount();
  const { createWebhook } = await client.data(CREATE, { input: { name: path, url: `${at.url}/${path}`, events: ['bookings.*'], ordering } });
  expect(createWebhook.webhook.ordering).toBe(ordering);
  return { client, id: createWebhook.webhook.id as string, rawId: rawId(createWebhook.webhook.id as string, 'Webhook') };
}

const booking = (id: string, status: string) => ({ type: 'bookings.updated', data: { id, status } });
const arrivalsAt = (path: string) => receiver.requests.filter((request) => request.path === `/hook/${path}`);
const bodyOf = (request: { body: string }) => JSON.parse(request.body) as { sequence?: number; data: { id: string; status: string } };
const deliveryOf = async (event: { rawId: string }) => (await onlyDelivery(app.db.pool, event.rawId)).id;

describe('PER_KEY', () => {
  it("holds a key's later deliveries until the one before has finished, numbers them, and holds no other key back", async () => {
    const { client } = await webhookOn('per-key', 'PER_KEY');
    const answer = gate();
    // The first delivery's first attempt is held open until the test lets it fail; its retry then succeeds.
    receiver.reply({ status: 500, release: answer.promise });
    const first = await publish(client, booking('b1', 'created'));
    await waitUntil('the first attempt to be in flight', () => arrivalsAt('per-key').length === 1);
    const second = await publish(client, booking('b1', 'confirmed'));
    const third = await publish(client, booking('b1', 'cancelled'));
    await publish(client, booking('b2', 'created'));
    // Another key goes meanwhile; b1's later ones wait.
    await waitUntil('b2 to arrive', () => arrivalsAt('per-key').some((request) => bodyOf(request).data.id === 'b2'));
    expect(arrivalsAt('per-key').filter((request) => bodyOf(request).data.id === 'b1')).toHaveLength(1);

    answer.open();
    const ids = await Promise.all([first, second, third].map(deliveryOf));
    for (const id of ids) await waitForDelivery(app.db.pool, id, ['SUCCEEDED']);
    // b1's three in publish order, the first twice (its retry), the later ones only after it succeeded.
    const b1 = arrivalsAt('per-key').map(bodyOf).filter((body) => body.data.id === 'b1');
    expect(b1.map((body) => `${body.sequence}:${body.data.status}`)).toEqual(['1:created', '1:created', '2:confirmed', '3:cancelled']);
    const { delivery } = await client.data(DELIVERY, { id: globalId('Delivery', ids[2]!) });
    expect(delivery).toMatchObject({ orderingKey: 'b1', sequence: 3, status: 'SUCCEEDED' });
  });
});

describe('LATEST_PER_KEY', () => {
  it('supersedes what was queued behind an attempt in flight: the receiver gets the latest state, never a stale one', async () => {
    const { client, id } = await webhookOn('latest', 'LATEST_PER_KEY');
    const answer = gate();
    receiver.reply({ status: 200, release: answer.promise });
    const first = await publish(client, booking('b9', 'created'));
    await waitUntil('the first attempt to be in flight', () => arrivalsAt('latest').length === 1);
    const stale = [await publish(client, booking('b9', 'v2')), await publish(client, booking('b9', 'v3'))];
    const latest = await publish(client, booking('b9', 'v4'));
    for (const event of stale) await waitForDelivery(app.db.pool, await deliveryOf(event), ['SUPERSEDED']);
    answer.open();
    await waitForDelivery(app.db.pool, await deliveryOf(latest), ['SUCCEEDED']);
    await waitForDelivery(app.db.pool, await deliveryOf(first), ['SUCCEEDED']);
    expect(arrivalsAt('latest').map((request) => bodyOf(request).data.status)).toEqual(['created', 'v4']);
    for (const event of stale) expect(await attemptsOf(app.db.pool, await deliveryOf(event))).toEqual([]);
    const { webhook } = await client.data(STATS, { id });
    expect(webhook.stats).toMatchObject({ total: 4, succeeded: 2, superseded: 2 });
  });
});

describe('deliverAt and expiresAt', () => {
  it('holds the first attempt until deliverAt, shown as PENDING with nextAttemptAt', async () => {
    const { client, rawId: webhookId } = await webhookOn('reminders');
    const deliverAt = new Date(Date.now() + 1_500);
    await client.data(PUBLISH, { input: { type: 'bookings.started', data: { id: 'b20' }, deliverAt: deliverAt.toISOString() } });
    const [row] = await deliveriesOfWebhook(app.db.pool, webhookId);
    const { delivery } = await client.data(DELIVERY, { id: globalId('Delivery', row!.id) });
    expect(delivery).toMatchObject({ status: 'PENDING', nextAttemptAt: deliverAt.toISOString(), attemptCount: 0 });
    await waitForDelivery(app.db.pool, row!.id, ['SUCCEEDED'], () => true, 10_000);
    const [attempt] = await attemptsOf(app.db.pool, row!.id);
    expect(attempt!.started_at.getTime()).toBeGreaterThanOrEqual(deliverAt.getTime());
    console.log(`deliverAt: the first attempt started ${attempt!.started_at.getTime() - deliverAt.getTime()} ms after it`);
  });

  it('ends a delivery not yet succeeded by expiresAt as EXPIRED, with no further attempts', async () => {
    const failing = await startReceiver();
    failing.fallback = { status: 500 };
    const { client } = await webhookOn('always-500', 'NONE', failing);
    const expiresAt = new Date(Date.now() + 1_000);
    // Every attempt fails: the schedule (300 ms apart, 7 attempts) would go on for 2 s; expiry ends it at 1 s.
    const { publishEvent } = await client.data(PUBLISH, { input: { type: 'bookings.created', data: { id: 'b30' }, expiresAt: expiresAt.toISOString() } });
    const id = await deliveryOf({ rawId: rawId(publishEvent.event.id as string, 'Event') });
    const expired = await waitForDelivery(app.db.pool, id, ['EXPIRED'], () => true, 10_000);
    const attempts = await attemptsOf(app.db.pool, id);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((attempt) => attempt.started_at.getTime() < expiresAt.getTime())).toBe(true);
    expect(expired.next_attempt_at).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await attemptsOf(app.db.pool, id)).toHaveLength(attempts.length);
    await failing.close();
  });

  it('expires a delivery held behind its key too, and lets the line go on', async () => {
    const { client, rawId: webhookId } = await webhookOn('expiring-line', 'PER_KEY');
    const answer = gate();
    receiver.reply({ status: 200, release: answer.promise });
    const head = await publish(client, booking('b40', 'created'));
    await waitUntil('the head to be in flight', () => arrivalsAt('expiring-line').length === 1);
    await client.data(PUBLISH, { input: { ...booking('b40', 'reminder'), expiresAt: new Date(Date.now() + 800).toISOString() } });
    const later = await publish(client, booking('b40', 'checked-in'));
    const held = (await deliveriesOfWebhook(app.db.pool, webhookId)).find((row) => row.sequence === 2)!;
    expect(held).toMatchObject({ status: 'PENDING', held: true });
    await waitForDelivery(app.db.pool, held.id, ['EXPIRED'], () => true, 10_000);
    answer.open();
    await waitForDelivery(app.db.pool, await deliveryOf(later), ['SUCCEEDED']);
    await waitForDelivery(app.db.pool, await deliveryOf(head), ['SUCCEEDED']);
    expect(arrivalsAt('expiring-line').map((request) => bodyOf(request).data.status)).toEqual(['created', 'checked-in']);
    expect(requestsFor(receiver.requests, globalId('Delivery', held.id))).toHaveLength(0);
  });

  it('refuses a timeline that cannot be kept, and writes nothing', async () => {
    const { client } = await app.newAccount();
    const count = async () => (await app.db.pool.query<{ n: number }>('select count(*)::int as n from events')).rows[0]!.n;
    const before = await count();
    const past = new Date(Date.now() - 1_000).toISOString();
    expectError(await client.request(PUBLISH, { input: { type: 'bookings.created', data: { id: 'x' }, expiresAt: past } }), 'BAD_USER_INPUT', 'expiresAt');
    const soon = new Date(Date.now() + 60_000);
    expectError(
      await client.request(PUBLISH, { input: { type: 'bookings.created', data: { id: 'x' }, expiresAt: soon.toISOString(), deliverAt: new Date(soon.getTime() + 1).toISOString() } }),
      'BAD_USER_INPUT',
      'deliverAt',
    );
    expectError(await client.request(PUBLISH, { input: { type: 'bookings.created', data: { id: 'x' }, orderingKey: 'k'.repeat(201) } }), 'BAD_USER_INPUT', 'orderingKey');
    expect(await count()).toBe(before);
  });
});
