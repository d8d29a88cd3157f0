// EGRESS_PROXY_URL through the real service (CONTRACT.md: "send every HTTP attempt through this HTTP(S) proxy …;
// target checks still apply"): a real forward proxy on loopback sees every attempt and health check, and a target
// whose name resolves to a private address when it is sent (DNS rebinding: it was public when the webhook was saved)
// is refused before anything reaches the proxy. Private targets are not allowed here; names get made-up DNS answers
// (the API's resolver for the URL policy, the channel seam's for attempts), and the proxy routes them to the receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_DNS, type TestApp } from '../helpers/app.js';
import { staticLookup } from '../helpers/attempt.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { attemptsOf, createWebhook, onlyDelivery, publish, waitForDelivery, waitUntil } from '../helpers/delivery.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const PUBLIC = 'hooks.hotel.example';
const REBOUND = 'rebound.hotel.example';
const PUBLIC_ADDRESS = '93.184.216.34';

let app: TestApp;
let proxy: ConnectProxy;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  proxy = await startConnectProxy({ route: () => ({ host: '127.0.0.1', port: receiver.port }) });
  // Both names are public when a webhook is saved; at send time one of them leads into the private network.
  TEST_DNS[PUBLIC] = [PUBLIC_ADDRESS];
  TEST_DNS[REBOUND] = [PUBLIC_ADDRESS];
  app = await startTestApp(
    { EGRESS_PROXY_URL: proxy.url, ALLOW_PRIVATE_TARGETS: 'false', RETRY_SCHEDULE: '200ms,200ms', HEALTH_CHECK_INTERVAL: '1h', WORKER_POLL_INTERVAL: '100ms' },
    undefined,
    { channels: { lookup: staticLookup({ [PUBLIC]: PUBLIC_ADDRESS, [REBOUND]: '10.1.2.3' }) } },
  );
});
afterAll(async () => {
  await app?.stop();
  await proxy?.close();
  await receiver?.close();
});

describe('through the egress proxy', () => {
  it('sends every attempt and health check through the proxy', async () => {
    const { client } = await app.newAccount();
    receiver.replyToMethod['GET'] = { status: 200 };
    receiver.reply({ status: 500 }, { status: 500 });
    // Health checks at create and when the failing streak begins; the delivery's three attempts.
    await createWebhook(client, { name: 'behind the proxy', url: `http://${PUBLIC}/hook`, events: ['orders.*'], healthCheck: true });
    await waitUntil('the health check at create', () => proxy.seen.length >= 1);
    const event = await publish(client, { type: 'orders.created', data: { id: 'o-proxy' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['SUCCEEDED']);
    expect(delivery.attempt_count).toBe(3);
    await waitUntil('the health check of the failing streak', () => proxy.seen.filter((seen) => seen.method === 'GET').length >= 2);
    const forward = (method: string) => ({ kind: 'FORWARD', method, target: `${PUBLIC}:80`, url: `http://${PUBLIC}/hook` });
    const byMethod = (method: string) => proxy.seen.filter((seen) => seen.method === method);
    expect(byMethod('POST')).toEqual([forward('POST'), forward('POST'), forward('POST')]);
    expect(byMethod('GET')).toEqual([forward('GET'), forward('GET')]);
    // Everything the receiver got came through the proxy, with the target's own Host.
    await waitUntil('the receiver to have what the proxy forwarded', () => receiver.requests.length === proxy.seen.length);
    expect(new Set(receiver.requests.map((request) => request.headers.host))).toEqual(new Set([PUBLIC]));
  });

  it('still refuses a target that resolves to a private address, before the proxy sees it', async () => {
    const { client } = await app.newAccount();
    const seenBefore = proxy.seen.length;
    await createWebhook(client, { name: 'rebinding', url: `http://${REBOUND}/hook`, events: ['orders.*'], retrySchedule: [] });
    const event = await publish(client, { type: 'orders.created', data: { id: 'o-rebound' } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);
    const [attempt] = await attemptsOf(app.db.pool, delivery.id);
    expect(attempt!.error).toMatch(new RegExp(`^blocked target: ${REBOUND.replace(/\./g, '\\.')} resolves to`));
    expect(proxy.seen.slice(seenBefore)).toEqual([]);
  });
});
