// The outbound HTTP dispatcher: one undici Agent per process (keep-alive pools per origin), or with EGRESS_PROXY_URL
// one undici ProxyAgent, with the TLS rules every HTTPS attempt obeys (TLS 1.2+, a certificate that verifies).
//
// Direct connections resolve host names through a checked lookup: the address that was checked is the address
// connected to, so a DNS answer that changes between the check and the connection (rebinding) cannot reach a private
// network. Through a proxy the proxy resolves the name, so the target is resolved and checked here before each request
// (checkTargetHost); see the note there on what that can and cannot guarantee.
import { lookup as systemLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { checkResolvedAddresses, isPublicAddress } from '../../domain/target-policy.js';

export const BLOCKED_TARGET_CODE = 'EHOOKSTREAM_BLOCKED';

export class BlockedTargetError extends Error {
  readonly code = BLOCKED_TARGET_CODE;
}

/** `dns.lookup` with `all: true`: every address of a name. Tests hand in made-up answers through this. */
export type LookupFunction = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export type HttpAgentOptions = {
  allowPrivateTargets: boolean;
  /** Sockets per origin (undici `connections`). */
  connectionsPerOrigin: number;
  /** The longest an attempt may take (DELIVERY_TIMEOUT): connect, headers and body timeouts. */
  timeoutMs: number;
  /** EGRESS_PROXY_URL: every request goes through this HTTP(S) proxy. */
  egressProxyUrl?: string | undefined;
  /** Name resolution; default the system resolver (`dns.lookup`). */
  lookup?: LookupFunction | undefined;
  /**
   * CA certificates (PEM) to trust besides Node's bundled roots. In production leave it unset: Node then uses its
   * default store, which includes NODE_EXTRA_CA_CERTS. Setting it replaces that store with the bundled roots plus
   * these, so NODE_EXTRA_CA_CERTS no longer applies (Node 20 has no API to read those certificates back).
   */
  ca?: string | readonly string[] | undefined;
};

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

const defaultLookup: LookupFunction = (hostname, options, callback) => systemLookup(hostname, options, callback);

/** A `net.connect` lookup that refuses names resolving to addresses the target policy forbids. */
export function createCheckedLookup(allowPrivateTargets: boolean, resolve: LookupFunction = defaultLookup) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const check = checkResolvedAddresses(addresses.map((entry) => entry.address), { allowPrivateTargets });
      if (!check.ok) return callback(new BlockedTargetError(`blocked target: ${hostname} resolves to ${check.reason}`), '');
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      const [first] = addresses;
      return first ? callback(null, first.address, first.family) : callback(new BlockedTargetError(`blocked target: ${hostname} has no address`), '');
    });
  };
}

/**
 * Throws BlockedTargetError when a request to `hostname` must not be made: a literal address that is not public, or
 * (when `resolveNames`) a name any of whose addresses is not public. DNS failures are thrown as the resolver gave them.
 *
 * With a proxy this is the only check, and it is a check of intent, not a pin: the proxy resolves the name again
 * itself, so a name whose answer flips from public to private between our lookup and the proxy's (DNS rebinding,
 * a TTL of 0) can still reach whatever the proxy can reach. What it guarantees: literal private addresses and names
 * that resolve privately are never sent to the proxy, and the proxy's single egress address is the only source
 * receivers see. What closes the rebinding gap is the proxy's own policy (deny private and link-local ranges, e.g.
 * Squid `acl to_localnet dst …` + `http_access deny to_localnet`, or smokescreen's default deny list), which an
 * operator running an egress proxy for allow-listing should set.
 */
export async function checkTargetHost(
  hostname: string,
  options: { allowPrivateTargets: boolean; resolveNames: boolean; lookup?: LookupFunction | undefined; signal?: AbortSignal | undefined },
): Promise<void> {
  if (options.allowPrivateTargets) return;
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw new BlockedTargetError(`blocked target: ${host} is not a public address`);
    return;
  }
  if (!options.resolveNames) return;
  const resolve = options.lookup ?? defaultLookup;
  // dns.lookup cannot be cancelled; on the attempt's timeout we stop waiting for it.
  const addresses = await new Promise<LookupAddress[]>((resolvePromise, reject) => {
    const onAbort = () => reject(options.signal?.reason);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    resolve(host, { all: true }, (error, answer) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolvePromise(answer);
    });
  });
  const check = checkResolvedAddresses(addresses.map((entry) => entry.address), { allowPrivateTargets: false });
  if (!check.ok) throw new BlockedTargetError(`blocked target: ${host} resolves to ${check.reason}`);
}

/**
 * TLS for every HTTPS target (CONTRACT.md "Channels"; Sirvoy: "TLS version 1.2 or higher … Ensure your HTTPS
 * certificate is valid"). rejectUnauthorized is Node's default; it is spelled out so nobody turns it off by accident.
 */
export function buildTargetTls(ca: HttpAgentOptions['ca']): ConnectionOptions {
  const extra = ca === undefined ? [] : typeof ca === 'string' ? [ca] : [...ca];
  return {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ...(extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {}),
  };
}

/** The process's one outbound dispatcher: direct with a checked lookup, or through EGRESS_PROXY_URL. */
export function createHttpDispatcher(options: HttpAgentOptions): Dispatcher {
  const targetTls = buildTargetTls(options.ca);
  const common = {
    connections: options.connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  };
  if (options.egressProxyUrl) {
    return new ProxyAgent({
      ...common,
      uri: options.egressProxyUrl,
      // HTTPS targets go through a CONNECT tunnel, TLS end to end with the target (requestTls); plain HTTP targets as
      // absolute-URI requests, the form every forward proxy accepts (Squid, for one, refuses CONNECT to port 80).
      proxyTunnel: false,
      requestTls: { ...targetTls, timeout: options.timeoutMs },
      proxyTls: { minVersion: 'TLSv1.2', timeout: options.timeoutMs },
    });
  }
  return new Agent({
    ...common,
    connect: { ...targetTls, timeout: options.timeoutMs, lookup: createCheckedLookup(options.allowPrivateTargets, options.lookup) as never },
  });
}
