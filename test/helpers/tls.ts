// A test certificate authority and HTTPS receivers on loopback, made at test time with node-forge: certificates that
// verify, that come from a CA nobody trusts, that name another host, that have expired, and a server that speaks only
// TLS 1.1. Keys come from node:crypto (native, fast); forge builds and signs the X.509 certificates.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export type KeyAndCert = { key: string; cert: string };

export type TestCa = KeyAndCert & {
  /** A server certificate for `hosts` (DNS names or IP addresses) signed by this CA. */
  issue(hosts: readonly string[], validity?: { notBefore?: Date; notAfter?: Date }): KeyAndCert;
};

function newKeyPair(): { privatePem: string; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function newCertificate(publicKey: forge.pki.PublicKey, commonName: string, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the high bit clear.
  cert.serialNumber = `0${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

const DAY = 86_400_000;

/** A new CA (self-signed root). */
export function createTestCa(name = 'Hookstream Test CA'): TestCa {
  const { privatePem, publicKey } = newKeyPair();
  const caKey = forge.pki.privateKeyFromPem(privatePem);
  const caCert = newCertificate(publicKey, name, new Date(Date.now() - DAY), new Date(Date.now() + 30 * DAY));
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(caKey, forge.md.sha256.create());

  return {
    key: privatePem,
    cert: forge.pki.certificateToPem(caCert),
    issue(hosts, validity = {}) {
      const leaf = newKeyPair();
      const cert = newCertificate(
        leaf.publicKey,
        hosts[0] ?? 'localhost',
        validity.notBefore ?? new Date(Date.now() - DAY),
        validity.notAfter ?? new Date(Date.now() + 7 * DAY),
      );
      cert.setIssuer(caCert.subject.attributes);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        // RFC 6125: clients match the subjectAltName, never the common name.
        { name: 'subjectAltName', altNames: hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host })) },
        { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ]);
      cert.sign(caKey, forge.md.sha256.create());
      return { key: leaf.privatePem, cert: forge.pki.certificateToPem(cert) };
    },
  };
}

export type HttpsReceiver = {
  port: number;
  /** `https://<host>:<port>/hook`: pass the name the certificate is (or is not) for. */
  urlFor(host: string): string;
  requests: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: string }[];
  close(): Promise<void>;
};

export type HttpsReceiverOptions = KeyAndCert & {
  /** Speak only TLS 1.1: OpenSSL 3 allows it only at security level 0. */
  tls11Only?: boolean;
  status?: number;
};

/** An HTTPS receiver on 127.0.0.1 answering every request with `status` (200). */
export async function startHttpsReceiver(options: HttpsReceiverOptions): Promise<HttpsReceiver> {
  const requests: HttpsReceiver['requests'] = [];
  const server: Server = createHttpsServer(
    {
      key: options.key,
      cert: options.cert,
      ...(options.tls11Only ? { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(options.status ?? 200).end('ok');
      });
    },
  );
  // Handshake failures are what these servers are for; they are not errors of the test.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    urlFor: (host) => `https://${host}:${port}/hook`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
