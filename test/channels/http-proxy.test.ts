// EGRESS_PROXY_URL: every HTTP attempt goes through the proxy, and the target policy still judges the real target
// before anything is sent. The targets have public-looking names with made-up public DNS answers on Hookstream's
// side (so ALLOW_PRIVATE_TARGETS=false lets them through); the proxy routes those names to the loopback receivers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpChannel, type HttpChannel } from '../../src/delivery/channels/http.js';
import { checkHealth } from '../../src/delivery/health-check.js';
import { prepareAttempt, staticLookup } from '../helpers/attempt.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createTestCa, startHttpsReceiver, type HttpsReceiver } from '../helpers/tls.js';

const PLAIN_HOST = 'hooks.example.com';
const SECURE_HOST = 'secure.example.com';
const UNTRUSTED_HOST = 'untrusted.example.com';
/** example.com's long-standing public address: passes the policy, and nothing in this test could reach it directly. */
const PUBLIC_ADDRESS = '93.184.216.34';

const lookup = staticLookup({ [PLAIN_HOST]: PUBLIC_ADDRESS, [SECURE_HOST]: PUBLIC_ADDRESS, [UNTRUSTED_HOST]: PUBLIC_ADDRESS, 'internal.example.com': '10.1.2.3', 'metadata.example.com': '169.254.169.254', localhost: '127.0.0.1' });

let receiver: Receiver;
let secure: HttpsReceiver;
let untrusted: HttpsReceiver;
let proxy: ConnectProxy;
let channel: HttpChannel;

beforeAll(async () => {
  const ca = createTestCa();
  receiver = await startReceiver();
  secure = await startHttpsReceiver(ca.issue([SECURE_HOST]));
  untrusted = await startHttpsReceiver(createTestCa('Nobody Trusts This CA').issue([UNTRUSTED_HOST]));
  const ports: Record<string, number> = { [PLAIN_HOST]: receiver.port, [SECURE_HOST]: secure.port, [UNTRUSTED_HOST]: untrusted.port };
  proxy = await startConnectProxy({ route: (host, port) => ({ host: '127.0.0.1', port: ports[host] ?? port }) });
  channel = createHttpChannel({ allowPrivateTargets: false, connectionsPerOrigin: 2, timeoutMs: 5_000, egressProxyUrl: proxy.url, lookup, ca: ca.cert });
});
afterAll(async () => {
  await channel?.close();
  await proxy?.close();
  await receiver?.close();
  await secure?.close();
  await untrusted?.close();
});

describe('through an egress proxy', () => {
  it('sends every HTTP attempt as an absolute-URI request and every HTTPS attempt through a CONNECT tunnel', async () => {
    const seenBefore = proxy.seen.length;
    const plainOutcomes = [];
    for (let i = 0; i < 3; i++) plainOutcomes.push(await channel.send(prepareAttempt({ url: `http://${PLAIN_HOST}/hook?n=${i}` })));
    const secureOutcome = await channel.send(prepareAttempt({ url: `https://${SECURE_HOST}/hook` }));

    expect(plainOutcomes.map((outcome) => outcome.kind)).toEqual(['success', 'success', 'success']);
    expect(secureOutcome).toMatchObject({ kind: 'success', status: 200 });
    expect(proxy.seen.slice(seenBefore)).toEqual([
      { kind: 'FORWARD', method: 'POST', target: `${PLAIN_HOST}:80`, url: `http://${PLAIN_HOST}/hook?n=0` },
      { kind: 'FORWARD', method: 'POST', target: `${PLAIN_HOST}:80`, url: `http://${PLAIN_HOST}/hook?n=1` },
      { kind: 'FORWARD', method: 'POST', target: `${PLAIN_HOST}:80`, url: `http://${PLAIN_HOST}/hook?n=2` },
      { kind: 'CONNECT', method: 'CONNECT', target: `${SECURE_HOST}:443` },
    ]);
    // The receivers got what was sent, TLS end to end with the target's certificate through the tunnel.
    expect(receiver.requests.map((request) => request.path)).toEqual(['/hook?n=0', '/hook?n=1', '/hook?n=2']);
    expect(receiver.requests[0]!.headers.host).toBe(PLAIN_HOST);
    expect(secure.requests).toHaveLength(1);
  });

  it.each([
    ['a name resolving to a private address', 'http://internal.example.com/hook', 'blocked target: internal.example.com resolves to address 10.1.2.3 is not a public address (private)'],
    ['a name resolving to the metadata service', 'https://metadata.example.com/latest', 'blocked target: metadata.example.com resolves to address 169.254.169.254 is not a public address (cloud metadata service)'],
    ['a literal private address', 'http://10.0.0.1/hook', 'blocked target: 10.0.0.1 is not a public address'],
    ['localhost', 'http://localhost/hook', 'blocked target: localhost resolves to address 127.0.0.1 is not a public address (loopback)'],
  ])('still refuses %s before the proxy sees anything', async (_name, url, error) => {
    const seenBefore = proxy.seen.length;
    const outcome = await channel.send(prepareAttempt({ url }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, error });
    expect(proxy.seen.length).toBe(seenBefore);
  });

  it('applies the TLS rules to the target inside the tunnel', async () => {
    const outcome = await channel.send(prepareAttempt({ url: `https://${UNTRUSTED_HOST}/hook` }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'TLS: certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
    expect(proxy.seen.at(-1)).toEqual({ kind: 'CONNECT', method: 'CONNECT', target: `${UNTRUSTED_HOST}:443` });
    expect(untrusted.requests).toHaveLength(0);
  });

  it('reports the proxy’s refusal to open a tunnel as the proxy’s', async () => {
    // Routed to a port nothing listens on: the proxy cannot connect and answers 502 to CONNECT.
    const noRoute = await startConnectProxy({ route: () => ({ host: '127.0.0.1', port: 1 }) });
    const viaBroken = createHttpChannel({ allowPrivateTargets: false, connectionsPerOrigin: 1, timeoutMs: 5_000, egressProxyUrl: noRoute.url, lookup });
    try {
      const outcome = await viaBroken.send(prepareAttempt({ url: `https://${SECURE_HOST}/hook` }));
      expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'proxy: refused to open a tunnel (HTTP 502)' });
      expect(noRoute.seen).toEqual([{ kind: 'CONNECT', method: 'CONNECT', target: `${SECURE_HOST}:443` }]);
    } finally {
      await viaBroken.close();
      await noRoute.close();
    }
  });

  it('reports a proxy that is down as the proxy’s refused connection', async () => {
    const down = await startConnectProxy();
    const url = down.url;
    await down.close();
    const viaDown = createHttpChannel({ allowPrivateTargets: false, connectionsPerOrigin: 1, timeoutMs: 5_000, egressProxyUrl: url, lookup });
    try {
      const outcome = await viaDown.send(prepareAttempt({ url: `http://${PLAIN_HOST}/hook` }));
      expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'proxy: connection refused' });
    } finally {
      await viaDown.close();
    }
  });

  it('carries health checks too, under the same target checks', async () => {
    const seenBefore = proxy.seen.length;
    const healthy = await checkHealth(`http://${PLAIN_HOST}/health`, { client: channel.client, timeoutMs: 5_000 });
    const refused = await checkHealth('http://internal.example.com/health', { client: channel.client, timeoutMs: 5_000 });
    expect(healthy).toMatchObject({ ok: true, responseStatus: 200, error: null });
    expect(refused).toMatchObject({ ok: false, responseStatus: null, error: expect.stringMatching(/^blocked target: internal\.example\.com/) });
    expect(proxy.seen.slice(seenBefore)).toEqual([{ kind: 'FORWARD', method: 'GET', target: `${PLAIN_HOST}:80`, url: `http://${PLAIN_HOST}/health` }]);
  });
});
