// A portal session ends when it expires or is revoked: its next request (HTTP, SSE or a new graphql-ws connection) is
// refused with UNAUTHENTICATED, and what it has open closes: a graphql-ws connection with 4401, an SSE stream ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphqlClient } from '../src/sdk/client.js';
import { CreatePortalSessionDocument, CreateWebhookDocument, DeliveryUpdatedDocument, RevokePortalSessionDocument, ViewerDocument, WebhooksDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError } from './helpers/graphql.js';
import { openSse } from './helpers/sse.js';
import { collect, createWsClient, waitUntil } from './helpers/ws-client.js';

let app: TestApp;
let owner: GraphqlClient;

beforeAll(async () => {
  app = await startTestApp();
  owner = (await app.newAccount({ name: 'Lifetime Spa' })).client;
  await owner.data(CreateWebhookDocument, { input: { name: 'desk', url: 'https://hooks.example.com/in', events: ['bookings.*'] } });
});
afterAll(async () => {
  await app?.stop();
});

async function newSession(ttlSeconds: number) {
  return (await owner.data(CreatePortalSessionDocument, { input: { ttlSeconds } })).createPortalSession;
}

/** A session's graphql-ws connection with a subscription open on it, and how (and when) it closed. */
async function openWs(token: string) {
  const closed: { code: number | null; at: number | null } = { code: null, at: null };
  const ws = createWsClient(app.url, token, (event) => {
    closed.code ??= event.code;
    closed.at ??= Date.now();
  });
  const subscription = collect(ws, DeliveryUpdatedDocument, {});
  return { ws, subscription, closed };
}

const openSubscriptions = async () => (await app.metrics.subscribers.get()).values[0]?.value ?? 0;

describe('expiry', () => {
  it('ends the session on time: requests are refused, the open graphql-ws connection and SSE stream close', async () => {
    const session = await newSession(2);
    const client = app.client(session.token);
    expect((await client.data(ViewerDocument)).viewer.name).toBe('Lifetime Spa');
    const live = await openWs(session.token!);
    const sse = await openSse(app.url, session.token, DeliveryUpdatedDocument, {});
    expect(sse.status).toBe(200);
    await waitUntil(async () => (await openSubscriptions()) === 2, 10_000, 'both subscriptions to open');

    await waitUntil(() => live.closed.code !== null && sse.ended, 15_000, 'the session’s connections to close at its expiry');
    const expiredAt = new Date(session.expiresAt).getTime();
    console.log(`graphql-ws closed ${live.closed.at! - expiredAt} ms after expiresAt`);
    expect(live.closed.code).toBe(4401);
    expect(live.closed.at!).toBeGreaterThanOrEqual(expiredAt);
    await waitUntil(async () => (await openSubscriptions()) === 0, 10_000, 'no subscription left open');

    const refused = await client.request(WebhooksDocument, { first: 1 });
    expect(refused.status).toBe(401);
    expectError(refused, 'UNAUTHENTICATED');
    const again = await openSse(app.url, session.token, DeliveryUpdatedDocument, {});
    expect(again.status).toBe(401);
    const reconnect = await openWs(session.token!);
    await waitUntil(() => reconnect.closed.code !== null, 10_000, 'a new connection to be refused');
    expect(reconnect.closed.code).toBe(4401);
    await live.ws.dispose();
    await reconnect.ws.dispose();
  });
});

describe('revocation', () => {
  it('ends the session at once: requests are refused, the open graphql-ws connection and SSE stream close', async () => {
    const session = await newSession(3600);
    const other = await newSession(3600);
    const client = app.client(session.token);
    const live = await openWs(session.token!);
    const untouched = await openWs(other.token!);
    const sse = await openSse(app.url, session.token, DeliveryUpdatedDocument, {});
    await waitUntil(async () => (await openSubscriptions()) === 3, 10_000, 'the subscriptions to open');

    const revokedAt = Date.now();
    const { revokePortalSession } = await owner.data(RevokePortalSessionDocument, { id: session.id });
    expect(revokePortalSession).toMatchObject({ id: session.id, revoked: true });
    // The very next request is refused: the session is read from the database on every request.
    const refused = await client.request(ViewerDocument);
    expect(refused.status).toBe(401);
    expectError(refused, 'UNAUTHENTICATED');

    await waitUntil(() => live.closed.code !== null && sse.ended, 15_000, 'the revoked session’s connections to close');
    console.log(`graphql-ws closed ${live.closed.at! - revokedAt} ms after the revocation`);
    expect(live.closed.code).toBe(4401);
    // Another session of the same account is not affected.
    expect(untouched.closed.code).toBeNull();
    expect(untouched.subscription.done).toBe(false);
    await waitUntil(async () => (await openSubscriptions()) === 1, 10_000, 'only the other session’s subscription left');

    // Revoking twice changes nothing; a revoked session still reads as revoked.
    expect((await owner.data(RevokePortalSessionDocument, { id: session.id })).revokePortalSession.revoked).toBe(true);
    await live.ws.dispose();
    await untouched.ws.dispose();
  });

  it('closes what the session has open in another api process too (it rechecks the session every second)', async () => {
    const second = await startTestApp({}, app.config.databaseUrl);
    try {
      const session = await newSession(3600);
      const closed: { code: number | null } = { code: null };
      const ws = createWsClient(second.url, session.token, (event) => (closed.code ??= event.code));
      collect(ws, DeliveryUpdatedDocument, {});
      await waitUntil(async () => ((await second.metrics.subscribers.get()).values[0]?.value ?? 0) === 1, 10_000, 'the subscription on the second process');
      const revokedAt = Date.now();
      await owner.data(RevokePortalSessionDocument, { id: session.id });
      await waitUntil(() => closed.code !== null, 15_000, 'the second process to close the revoked session’s connection');
      console.log(`the other process closed it ${Date.now() - revokedAt} ms after the revocation`);
      expect(closed.code).toBe(4401);
      await ws.dispose();
    } finally {
      await second.stop();
    }
  });

  it('a session may revoke itself', async () => {
    const session = await newSession(3600);
    const client = app.client(session.token);
    expect((await client.data(RevokePortalSessionDocument, { id: session.id })).revokePortalSession.revoked).toBe(true);
    expectError(await client.request(ViewerDocument), 'UNAUTHENTICATED');
  });
});
