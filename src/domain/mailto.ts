/**
 * E-mail webhook URLs (CONTRACT.md, "Channels": `url: "mailto:a@example.com,b@example.com"`, 1–5 addresses).
 * RFC 6068 gives the `mailto:` syntax: comma-separated, percent-encoded addresses, optionally `?hfields`. We take
 * the addresses only — Hookstream writes the subject and body itself — and accept the dot-atom form of RFC 5322
 * §3.4.1 that every mail system delivers to; quoted local parts and address literals (`user@[10.0.0.1]`) are
 * refused as things no account admin means to type. Each refusal reads as a sentence for the person who typed it.
 */
import { domainToASCII } from 'node:url';

export const MAX_MAILTO_ADDRESSES = 5;

export type MailtoCheck =
  | { ok: true; addresses: readonly string[]; /** `mailto:` and the addresses, domains lower-cased. */ canonicalUrl: string }
  | { ok: false; reason: string };

/** RFC 5322 §3.2.3 atext: what a dot-atom local part may hold between its dots. */
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
/** RFC 1035 §2.3.1 (with RFC 1123's leading digits): letters, digits, inner hyphens. */
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 5321 §4.5.3.1.1 / .2: the local part and the domain's limits; §4.5.3.1.3 and RFC 3696 errata: a path of 256. */
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 253;
const MAX_ADDRESS = 254;

const SCHEME = /^mailto:/i;

/** Whether `url` is a usable `mailto:` webhook URL, and its addresses. */
export function parseMailtoUrl(url: string): MailtoCheck {
  const trimmed = url.trim();
  if (!SCHEME.test(trimmed)) return { ok: false, reason: 'an e-mail webhook URL starts with "mailto:"' };
  const list = trimmed.slice('mailto:'.length);
  if (list.includes('?') || list.includes('#')) {
    return { ok: false, reason: 'list only addresses after "mailto:" (no "?subject=" or other fields: Hookstream writes the message)' };
  }
  if (list.trim() === '') return { ok: false, reason: 'add at least one e-mail address after "mailto:"' };

  const parts = list.split(',');
  if (parts.length > MAX_MAILTO_ADDRESSES) {
    return { ok: false, reason: `at most ${MAX_MAILTO_ADDRESSES} addresses, got ${parts.length}` };
  }
  const addresses: string[] = [];
  const seen = new Set<string>();
  for (const [index, part] of parts.entries()) {
    let address: string;
    try {
      address = decodeURIComponent(part).trim();
    } catch {
      return { ok: false, reason: `address ${index + 1} has a broken %-escape` };
    }
    if (address === '') return { ok: false, reason: `address ${index + 1} is empty (two commas in a row, or one at the end?)` };
    const checked = checkEmailAddress(address);
    if (!checked.ok) return { ok: false, reason: `"${address}" is not an e-mail address: ${checked.reason}` };
    const key = checked.address.toLowerCase();
    if (seen.has(key)) return { ok: false, reason: `"${address}" is listed twice` };
    seen.add(key);
    addresses.push(checked.address);
  }
  return { ok: true, addresses, canonicalUrl: `mailto:${addresses.join(',')}` };
}

type AddressCheck = { ok: true; address: string } | { ok: false; reason: string };

/** One addr-spec (`local@domain`); the domain comes back lower-cased, an internationalised one as given. */
export function checkEmailAddress(address: string): AddressCheck {
  if (/\s/.test(address)) return { ok: false, reason: 'it contains a space' };
  if (address.includes('<') || address.includes('>')) return { ok: false, reason: 'give the bare address, without a name or <…>' };
  const at = address.lastIndexOf('@');
  if (at === -1) return { ok: false, reason: 'it has no "@"' };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.includes('@')) return { ok: false, reason: 'it has more than one "@"' };
  if (local === '') return { ok: false, reason: 'nothing before the "@"' };
  if (domain === '') return { ok: false, reason: 'nothing after the "@"' };
  if (local.startsWith('"')) return { ok: false, reason: 'quoted local parts are not supported' };
  if (local.length > MAX_LOCAL_PART) return { ok: false, reason: `the part before "@" is longer than ${MAX_LOCAL_PART} characters` };
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, reason: 'the part before "@" may not start or end with a dot, or hold two in a row' };
  }
  if (!local.split('.').every((atom) => ATEXT.test(atom))) {
    return { ok: false, reason: 'the part before "@" holds a character mail systems do not accept there' };
  }
  if (domain.startsWith('[')) return { ok: false, reason: 'address literals ([…]) are not supported; use a domain name' };

  // An internationalised domain (münchen.de) is checked in the ASCII form DNS uses (xn--mnchen-3ya.de).
  const asciiDomain = domainToASCII(domain.toLowerCase());
  if (asciiDomain === '') return { ok: false, reason: `"${domain}" is not a valid domain name` };
  if (asciiDomain.length > MAX_DOMAIN) return { ok: false, reason: `the domain is longer than ${MAX_DOMAIN} characters` };
  const labels = asciiDomain.split('.');
  if (labels.length < 2) return { ok: false, reason: `"${domain}" is not a full domain name (e.g. example.com)` };
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) {
    return { ok: false, reason: `"${domain}" is not a valid domain name` };
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return { ok: false, reason: `"${domain}" is not a domain name (an IP address?)` };
  const normalised = `${local}@${domain.toLowerCase()}`;
  if (`${local}@${asciiDomain}`.length > MAX_ADDRESS) return { ok: false, reason: `it is longer than ${MAX_ADDRESS} characters` };
  return { ok: true, address: normalised };
}
