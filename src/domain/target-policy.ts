/**
 * Where webhooks may send: the server-side request forgery guard. A webhook URL is chosen by an
 * account admin, so without this check Hookstream could be made to call the cloud metadata
 * service or an internal admin port. CONTRACT.md: `ALLOW_PRIVATE_TARGETS` (default false) allows
 * "webhook URLs that resolve to loopback/private/link-local addresses"; `REQUIRE_HTTPS` refuses
 * `http://`. The URL is checked when saved (checkWebhookUrl) and the resolved addresses again on
 * every attempt (checkResolvedAddresses), because DNS answers can change after the check.
 */
import ipaddr from 'ipaddr.js';

export interface TargetPolicy {
  readonly requireHttps: boolean;
  readonly allowPrivateTargets: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };
export type AddressCheck = { ok: true } | { ok: false; address: string | null; reason: string };

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/**
 * Cloud instance-metadata endpoints (AWS, GCP, Azure use 169.254.169.254; AWS's IPv6 one is
 * fd00:ec2::254). Both already fall in refused ranges; naming them keeps them refused even if
 * the range rules are loosened, and gives a clearer reason.
 */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set(
  ['169.254.169.254', 'fd00:ec2::254'].map((ip) => ipaddr.parse(ip).toNormalizedString()),
);
/** Host names of metadata services that resolve to them without looking like an IP literal. */
const METADATA_HOST_NAMES: readonly string[] = ['metadata.google.internal'];

/** RFC 4291 §2.4: global unicast is 2000::/3; ipaddr.js calls every unlisted address 'unicast'. */
const GLOBAL_UNICAST_V6: [IPv6, number] = ipaddr.IPv6.parseCIDR('2000::/3');
/** RFC 6052 §2.1: the well-known NAT64 prefix, with the IPv4 address in the last 32 bits. */
const NAT64_WELL_KNOWN: [IPv6, number] = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** Why the IPv4 address in two 16-bit IPv6 groups is refused, or null if it is public. */
function refuseEmbeddedV4(high: number | undefined, low: number | undefined): string | null {
  const h = high ?? 0;
  const l = low ?? 0;
  const refusal = refuseV4(new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]));
  return refusal === null ? null : `embedded IPv4 ${refusal}`;
}

/** Why an IPv4 address is refused, or null if it is public. */
function refuseV4(address: IPv4): string | null {
  const range = address.range();
  // Only plain unicast is public: private (RFC 1918), loopback, link-local, CGNAT, multicast,
  // broadcast, unspecified, reserved/documentation, and the as112/amt anycast services are not
  // places a customer's endpoint lives.
  return range === 'unicast' ? null : range;
}

/** Why an IPv6 address is refused, or null if it is public. */
function refuseV6(address: IPv6): string | null {
  const parts = address.parts;
  const range = address.range();
  switch (range) {
    // Forms that carry an IPv4 address, which is where the packets end up: judge that address.
    case 'ipv4Mapped': // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
    case 'rfc6145': // ::ffff:0:a.b.c.d (RFC 6145)
      return refuseEmbeddedV4(parts[6], parts[7]);
    case 'rfc6052': {
      // Only the /96 well-known prefix puts the IPv4 address in the last 32 bits; the local-use
      // 64:ff9b:1::/48 (RFC 8215) is, as its name says, local.
      if (!address.match(NAT64_WELL_KNOWN)) return range;
      return refuseEmbeddedV4(parts[6], parts[7]);
    }
    case '6to4': // 2002:AABB:CCDD::/48 (RFC 3056 §2)
      return refuseEmbeddedV4(parts[1], parts[2]);
    case 'unicast':
      // Outside 2000::/3 'unicast' means unassigned, or the deprecated IPv4-compatible ::a.b.c.d.
      return address.match(GLOBAL_UNICAST_V6) ? null : 'not global unicast';
    default:
      // loopback, unspecified, linkLocal, uniqueLocal, multicast, teredo, reserved, …
      return range;
  }
}

/** Why `ip` is refused as a target, or null if it is a public address. Unparseable text is refused. */
function refuseAddress(ip: string): string | null {
  // ipaddr.js also reads shorthand like '127.1' or '0x7f.1'; those are refused or accepted by
  // the address they denote, which is what a socket would connect to.
  if (!ipaddr.isValid(ip)) return 'not an IP address';
  const address = ipaddr.parse(ip);
  if (METADATA_ADDRESSES.has(address.toNormalizedString())) return 'cloud metadata service';
  return address.kind() === 'ipv4' ? refuseV4(address as IPv4) : refuseV6(address as IPv6);
}

/** True for an address on the public internet; false for loopback, private, link-local, etc. */
export function isPublicAddress(ip: string): boolean {
  return refuseAddress(ip) === null;
}

/** `localhost` and `*.localhost` always resolve to loopback (RFC 6761 §6.3). */
function isRefusedHostName(hostName: string): boolean {
  return hostName === 'localhost' || hostName.endsWith('.localhost') || METADATA_HOST_NAMES.includes(hostName);
}

/**
 * Whether `url` may be saved as a webhook URL. The WHATWG URL parser has already lowercased the
 * host and turned decimal/octal/hex IPv4 forms (`http://2130706433/`, `http://0177.0.0.1/`) into
 * dotted quads, so what we check is what a socket would connect to.
 */
export function checkWebhookUrl(url: string, { requireHttps, allowPrivateTargets }: TargetPolicy): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: 'URL must use http or https' };
  }
  if (requireHttps && parsed.protocol !== 'https:') {
    return { ok: false, reason: 'URL must use https' };
  }
  // Credentials in a URL end up in logs and call history; use a custom Authorization header.
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'URL must not contain a user name or password' };
  }
  if (parsed.hostname === '') {
    return { ok: false, reason: 'URL must have a host' };
  }
  if (allowPrivateTargets) return { ok: true, url: parsed };

  // A fully qualified `localhost.` is the same host as `localhost`.
  const hostName = parsed.hostname.replace(/\.$/, '');
  if (isRefusedHostName(hostName)) {
    return { ok: false, reason: `host "${hostName}" is not allowed` };
  }
  const literal = hostName.startsWith('[') && hostName.endsWith(']') ? hostName.slice(1, -1) : hostName;
  if (ipaddr.isValid(literal)) {
    const refusal = refuseAddress(literal);
    if (refusal !== null) {
      return { ok: false, reason: `address ${literal} is not a public address (${refusal})` };
    }
  }
  return { ok: true, url: parsed };
}

/**
 * Whether the addresses a host name resolved to may be called: the first refused one and why,
 * or ok. Every address must pass, since the HTTP client may connect to any of them.
 */
export function checkResolvedAddresses(
  addresses: readonly string[],
  { allowPrivateTargets }: Pick<TargetPolicy, 'allowPrivateTargets'>,
): AddressCheck {
  if (addresses.length === 0) return { ok: false, address: null, reason: 'host resolved to no addresses' };
  if (allowPrivateTargets) return { ok: true };
  for (const address of addresses) {
    const refusal = refuseAddress(address);
    if (refusal !== null) {
      return { ok: false, address, reason: `address ${address} is not a public address (${refusal})` };
    }
  }
  return { ok: true };
}
