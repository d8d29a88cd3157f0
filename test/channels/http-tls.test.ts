// HTTPS attempts need TLS 1.2+ and a certificate that verifies (CONTRACT.md "Channels"). Real HTTPS receivers on
// loopback with certificates from a test CA the channel trusts through its `ca` option (the in-process stand-in for
// NODE_EXTRA_CA_CERTS, which Node reads only at start-up; http-extra-ca.test.ts shows that variable at work).
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpChannel, type HttpChannel } from '../../src/delivery/channels/http.js';
import { prepareAttempt, staticLookup } from '../helpers/attempt.js';
import { createTestCa, startHttpsReceiver, type HttpsReceiver } from '../helpers/tls.js';

const HOST = 'receiver.hookstream.test';
const lookup = staticLookup({ [HOST]: '127.0.0.1' });

let trusting: HttpChannel;
let defaultStore: HttpChannel;
const servers: Record<'valid' | 'untrusted' | 'wrongHost' | 'expired' | 'tls11', HttpsReceiver> = {} as never;

beforeAll(async () => {
  const ca = createTestCa();
  const stranger = createTestCa('Nobody Trusts This CA');
  servers.valid = await startHttpsReceiver(ca.issue([HOST]));
  servers.untrusted = await startHttpsReceiver(stranger.issue([HOST]));
  servers.wrongHost = await startHttpsReceiver(ca.issue(['elsewhere.hookstream.test']));
  servers.expired = await startHttpsReceiver(ca.issue([HOST], { notBefore: new Date(Date.now() - 30 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }));
  servers.tls11 = await startHttpsReceiver({ ...ca.issue([HOST]), tls11Only: true });
  // The loopback receivers are reached through a made-up DNS answer, so private targets are allowed here.
  trusting = createHttpChannel({ allowPrivateTargets: true, connectionsPerOrigin: 2, timeoutMs: 5_000, lookup, ca: ca.cert });
  defaultStore = createHttpChannel({ allowPrivateTargets: true, connectionsPerOrigin: 2, timeoutMs: 5_000, lookup });
});
afterAll(async () => {
  await trusting?.close();
  await defaultStore?.close();
  await Promise.all(Object.values(servers).map((server) => server.close()));
});

describe('HTTPS attempts', () => {
  it('succeed against a certificate that verifies', async () => {
    const outcome = await trusting.send(prepareAttempt({ url: servers.valid.urlFor(HOST) }));
    expect(outcome).toMatchObject({ kind: 'success', status: 200 });
    expect(servers.valid.requests).toHaveLength(1);
    console.log(`HTTPS attempt with a fresh handshake took ${outcome.durationMs} ms`);
  });

  it('fail as TLS when the CA is not trusted (Node’s default store does not hold the test CA)', async () => {
    const outcome = await defaultStore.send(prepareAttempt({ url: servers.valid.urlFor(HOST) }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'TLS: certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
  });

  it('fail as TLS when the certificate comes from an unknown CA', async () => {
    const outcome = await trusting.send(prepareAttempt({ url: servers.untrusted.urlFor(HOST) }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'TLS: certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
    expect(servers.untrusted.requests).toHaveLength(0);
  });

  it('fail as TLS when the certificate names another host', async () => {
    const outcome = await trusting.send(prepareAttempt({ url: servers.wrongHost.urlFor(HOST) }));
    expect(outcome.kind).toBe('failure');
    expect(outcome.kind === 'failure' && outcome.error).toMatch(/^TLS: certificate does not match the host \(.*receiver\.hookstream\.test.*elsewhere\.hookstream\.test/);
    expect(servers.wrongHost.requests).toHaveLength(0);
  });

  it('fail as TLS when the certificate has expired', async () => {
    const outcome = await trusting.send(prepareAttempt({ url: servers.expired.urlFor(HOST) }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'TLS: certificate expired (CERT_HAS_EXPIRED)' });
  });

  it('fail as TLS against a server that speaks only TLS 1.1', async () => {
    // First, that the server really speaks TLS 1.1 to a client that allows it: the failure below is the version's.
    const protocol = await new Promise<string | null>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: servers.tls11.port, servername: HOST, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false }, () => {
        resolve(socket.getProtocol());
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(protocol).toBe('TLSv1.1');

    const outcome = await trusting.send(prepareAttempt({ url: servers.tls11.urlFor(HOST) }));
    expect(outcome.kind).toBe('failure');
    expect(outcome.kind === 'failure' && outcome.error).toMatch(/^TLS: the server does not offer TLS 1\.2 or newer/);
    expect(servers.tls11.requests).toHaveLength(0);
    console.log(`TLS 1.1 outcome: ${outcome.kind === 'failure' ? outcome.error : ''}`);
  });
});
