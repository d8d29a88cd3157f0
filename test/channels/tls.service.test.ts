// HTTPS deliveries through the real service (CONTRACT.md, "Channels": TLS 1.2 or newer and a certificate that
// verifies): HTTPS receivers on loopback with certificates from a test CA that the app's channels trust (the channel
// seam's `ca`, the in-process stand-in for NODE_EXTRA_CA_CERTS) under a made-up host name (its `lookup`). A valid
// certificate is delivered and signed; an untrusted one, one for another host and a TLS 1.1-only server fail the
// attempt with a TLS error in the call history.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { staticLookup } from '../helpers/attempt.js';
import { attemptsOf, createWebhook, onlyDelivery, publish, waitForDelivery } from '../helpers/delivery.js';
import { createTestCa, startHttpsReceiver, type HttpsReceiver } from '../helpers/tls.js';

const HOST = 'secure.hotel.test';

let app: TestApp;
const servers: Record<'valid' | 'untrusted' | 'wrongHost' | 'tls11', HttpsReceiver> = {} as never;

beforeAll(async () => {
  const ca = createTestCa();
  servers.valid = await startHttpsReceiver(ca.issue([HOST]));
  servers.untrusted = await startHttpsReceiver(createTestCa('Nobody Trusts This CA').issue([HOST]));
  servers.wrongHost = await startHttpsReceiver(ca.issue(['elsewhere.hotel.test']));
  servers.tls11 = await startHttpsReceiver({ ...ca.issue([HOST]), tls11Only: true });
  app = await startTestApp({ WORKER_POLL_INTERVAL: '100ms' }, undefined, { channels: { ca: ca.cert, lookup: staticLookup({ [HOST]: '127.0.0.1' }) } });
});
afterAll(async () => {
  await app?.stop();
  await Promise.all(Object.values(servers).map((server) => server?.close()));
});

describe.concurrent('HTTPS through the service', () => {
  it('delivers to a certificate that verifies, signed', async () => {
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: 'https', url: servers.valid.urlFor(HOST), events: ['orders.*'] });
    const event = await publish(client, { type: 'orders.created', data: { id: 'o-tls' } });
    await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['SUCCEEDED']);
    const [request] = servers.valid.requests;
    const header = (name: string) => String(request!.headers[name]);
    expect(new Webhook(webhook.secret).verify(request!.body, { 'webhook-id': header('webhook-id'), 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') })).toMatchObject({
      event: 'orders.created',
    });
  });

  const failures: [string, 'untrusted' | 'wrongHost' | 'tls11', RegExp][] = [
    ['an untrusted certificate', 'untrusted', /^TLS: certificate not trusted/],
    ['a certificate for another host', 'wrongHost', /^TLS: certificate does not match the host/],
    ['a server that speaks only TLS 1.1', 'tls11', /^TLS: the server does not offer TLS 1\.2 or newer/],
  ];
  it.each(failures)('fails the attempt as TLS against %s', async (_name, server, error) => {
    const { client } = await app.newAccount();
    await createWebhook(client, { name: server, url: servers[server].urlFor(HOST), events: ['orders.*'], retrySchedule: [] });
    const event = await publish(client, { type: 'orders.created', data: { id: `o-${server}` } });
    const delivery = await waitForDelivery(app.db.pool, (await onlyDelivery(app.db.pool, event.rawId)).id, ['FAILED']);
    const [attempt] = await attemptsOf(app.db.pool, delivery.id);
    expect(attempt).toMatchObject({ response_status: null, error: expect.stringMatching(error) });
    expect(servers[server].requests).toHaveLength(0);
  });
});
