// Issue 7: property-based tests (fast-check) of the pure domain rules. The table-driven tests beside this file pin
// known cases; these look for the inputs nobody thought of. A failure prints the seed and the shrunk counterexample.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/domain/backoff.js';
import { parseDuration, parseDurationList } from '../../src/domain/durations.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { checkCustomHeader } from '../../src/domain/header-policy.js';
import { takeToken, type Bucket } from '../../src/domain/rate-limit.js';
import type { ContextRef, Restriction } from '../../src/domain/restrictions.js';
import { createSecretBox } from '../../src/domain/secret-box.js';
import { generateWebhookSecret, signPayload } from '../../src/domain/signature.js';
import { checkWebhookUrl, isPublicAddress } from '../../src/domain/target-policy.js';

const RUNS = { numRuns: 300 };
const strict = { requireHttps: false, allowPrivateTargets: false };

// The default catalog (anny): matching and restrictions as publish applies them.
const catalog = loadCatalog('anny');
const eventMatches = (patterns: readonly string[], type: string) => catalog.matches(patterns, type);
const passesRestrictions = (check: { eventType: string; restrictions: readonly Restriction[]; context?: readonly ContextRef[] | null | undefined; data: unknown }) =>
  catalog.passesRestrictions({ ...check, context: check.context ?? null });
const categoryOf = (type: string) => catalog.eventType(type)?.category ?? '';
const platformType = fc.constantFrom(...catalog.eventTypes.filter((info) => !info.operational).map((info) => info.name));
const catalogType = fc.constantFrom(...catalog.eventTypes.map((info) => info.name));
const operationalType = fc.constantFrom(...catalog.eventTypes.filter((info) => info.operational).map((info) => info.name));
const bookingType = fc.constantFrom(...catalog.eventTypes.filter((info) => info.category === 'bookings').map((info) => info.name));
const nonBookingType = fc.oneof(
  fc.constantFrom(...catalog.eventTypes.filter((info) => info.category !== 'bookings').map((info) => info.name)),
  fc.string(), // not in the catalog at all
);
const RESTRICTION_DIMENSIONS = catalog.dimensions.map((dimension) => dimension.name);

describe('eventMatches', () => {
  it('`*` matches every type of the platform, and none of Hookstream\'s own', () => {
    fc.assert(fc.property(platformType, (type) => eventMatches(['*'], type)), RUNS);
    fc.assert(fc.property(operationalType, (type) => !eventMatches(['*'], type)), RUNS);
  });

  it('a type matches itself and its category wildcard', () => {
    fc.assert(
      fc.property(catalogType, (type) => eventMatches([type], type) && eventMatches([`${categoryOf(type)}.*`], type)),
      RUNS,
    );
  });

  it('never matches a type of another category, by name or by wildcard', () => {
    fc.assert(
      fc.property(catalogType, catalogType, (subscribed, published) => {
        fc.pre(categoryOf(subscribed) !== categoryOf(published));
        return !eventMatches([subscribed], published) && !eventMatches([`${categoryOf(subscribed)}.*`], published);
      }),
      RUNS,
    );
  });

  it('a wildcard covers exactly the types of its category (`book.*` never covers `bookings.created`)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('book', 'bookings', 'hookstream', 'hookstream.webhook')), catalogType, (prefix, type) => {
        fc.pre(prefix !== '');
        return eventMatches([`${prefix}.*`], type) === (categoryOf(type) === prefix);
      }),
      RUNS,
    );
  });

  it('a list matches when one of its patterns does; the empty list matches nothing', () => {
    const pattern = fc.oneof(catalogType, catalogType.map((type) => `${categoryOf(type)}.*`), fc.constant('*'), fc.string());
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 6 }), catalogType, (patterns, type) =>
        eventMatches(patterns, type) === patterns.some((one) => eventMatches([one], type)),
      ),
      RUNS,
    );
  });
});

describe('passesRestrictions', () => {
  const restrictionType = fc.constantFrom(...RESTRICTION_DIMENSIONS);
  const id = fc.oneof(fc.constantFrom('r1', 'r2', 's1', '42'), fc.string({ minLength: 1, maxLength: 8 }));
  const restriction: fc.Arbitrary<Restriction> = fc.record({ dimension: restrictionType, targetId: id });
  const contextRef: fc.Arbitrary<ContextRef> = fc.record({ dimension: restrictionType, id });
  const context = fc.option(fc.array(contextRef, { maxLength: 4 }), { nil: undefined });
  const data = fc.oneof(
    fc.jsonValue(),
    fc.record({ resource: fc.record({ id: fc.oneof(id, fc.integer()) }), service: fc.record({ id: fc.oneof(id, fc.integer()) }) }, { requiredKeys: [] }),
  );
  const eventType = fc.oneof(bookingType, nonBookingType);

  it('no restrictions: every event passes, whatever its context or data', () => {
    fc.assert(fc.property(eventType, context, data, (type, refs, payload) => passesRestrictions({ eventType: type, restrictions: [], context: refs, data: payload })), RUNS);
  });

  it('events other than bookings.* pass any restrictions', () => {
    fc.assert(
      fc.property(nonBookingType, fc.array(restriction, { maxLength: 5 }), context, data, (type, restrictions, refs, payload) =>
        passesRestrictions({ eventType: type, restrictions, context: refs, data: payload }),
      ),
      RUNS,
    );
  });

  it('adding a restriction to a non-empty set never turns a pass into a fail (the empty set is "no filter")', () => {
    fc.assert(
      fc.property(bookingType, fc.array(restriction, { minLength: 1, maxLength: 5 }), restriction, context, data, (type, restrictions, extra, refs, payload) => {
        const before = passesRestrictions({ eventType: type, restrictions, context: refs, data: payload });
        const after = passesRestrictions({ eventType: type, restrictions: [...restrictions, extra], context: refs, data: payload });
        return !before || after;
      }),
      RUNS,
    );
  });

  it('adding a restriction that matches the event always makes it pass', () => {
    fc.assert(
      fc.property(bookingType, fc.array(restriction, { maxLength: 5 }), fc.array(contextRef, { minLength: 1, maxLength: 4 }), fc.nat(), (type, restrictions, refs, pick) => {
        const ref = refs[pick % refs.length]!;
        return passesRestrictions({ eventType: type, restrictions: [...restrictions, { dimension: ref.dimension, targetId: ref.id }], context: refs, data: {} });
      }),
      RUNS,
    );
  });

  it('a booking event passes when a context ref equals a restriction, and the order of restrictions does not matter', () => {
    fc.assert(
      fc.property(bookingType, fc.array(restriction, { maxLength: 5 }), restriction, fc.array(contextRef, { maxLength: 3 }), (type, others, chosen, refs) => {
        const context = [...refs, { dimension: chosen.dimension, id: chosen.targetId }];
        const restrictions = [...others, chosen];
        const passes = passesRestrictions({ eventType: type, restrictions, context, data: {} });
        return passes && passesRestrictions({ eventType: type, restrictions: [...restrictions].reverse(), context, data: {} }) === passes;
      }),
      RUNS,
    );
  });

  it('without context, data.resource.id / data.service.id decide, numbers and strings alike', () => {
    fc.assert(
      fc.property(bookingType, fc.integer({ min: 0, max: 10_000 }), fc.boolean(), (type, numericId, asNumber) => {
        const payload = { resource: { id: asNumber ? numericId : String(numericId) } };
        const matching = passesRestrictions({ eventType: type, restrictions: [{ dimension: 'resource', targetId: String(numericId) }], data: payload });
        const other = passesRestrictions({ eventType: type, restrictions: [{ dimension: 'resource', targetId: `x${numericId}` }], data: payload });
        const wrongType = passesRestrictions({ eventType: type, restrictions: [{ dimension: 'service', targetId: String(numericId) }], data: payload });
        return matching && !other && !wrongType;
      }),
      RUNS,
    );
  });
});

// ---- URL policy ----------------------------------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });
/** A private, loopback, link-local, CGNAT or unspecified IPv4 address. */
const privateIpv4: fc.Arbitrary<[number, number, number, number]> = fc.oneof(
  fc.tuple(fc.constant(127), octet, octet, octet),
  fc.tuple(fc.constant(10), octet, octet, octet),
  fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
  fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
  fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
  fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), octet, octet),
  fc.tuple(fc.constant(0), octet, octet, octet),
);
type Encoding = 'dotted' | 'decimal' | 'hex' | 'octal' | 'octal-padded' | 'short' | 'mapped' | 'mapped-hex' | 'mapped-full';
const ENCODINGS: readonly Encoding[] = ['dotted', 'decimal', 'hex', 'octal', 'octal-padded', 'short', 'mapped', 'mapped-hex', 'mapped-full'];

/** The host part of a URL naming this IPv4 address in one of the forms a URL parser or a socket accepts. */
function encodeIpv4([a, b, c, d]: readonly number[], encoding: Encoding): string {
  const value = ((a! << 24) >>> 0) + (b! << 16) + (c! << 8) + d!;
  const hex16 = (high: number, low: number) => ((high << 8) + low).toString(16);
  switch (encoding) {
    case 'dotted':
      return `${a}.${b}.${c}.${d}`;
    case 'decimal':
      return String(value);
    case 'hex':
      return `0x${value.toString(16)}`;
    case 'octal':
      return [a, b, c, d].map((part) => `0${part!.toString(8)}`).join('.');
    case 'octal-padded':
      return [a, b, c, d].map((part) => `0${part!.toString(8).padStart(3, '0')}`).join('.');
    case 'short':
      return `${a}.${(b! << 16) + (c! << 8) + d!}`; // 127.1 style: the last part fills the remaining bytes
    case 'mapped':
      return `[::ffff:${a}.${b}.${c}.${d}]`;
    case 'mapped-hex':
      return `[::ffff:${hex16(a!, b!)}:${hex16(c!, d!)}]`;
    case 'mapped-full':
      return `[0:0:0:0:0:ffff:${hex16(a!, b!)}:${hex16(c!, d!)}]`;
  }
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

describe('URL policy', () => {
  const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.webUrl(), fc.webUrl().map((url) => url.replace('https:', 'http:')));

  it('checkWebhookUrl never throws, whatever the text or the policy', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), fc.boolean(), (text, requireHttps, allowPrivateTargets) => {
        const check = checkWebhookUrl(text, { requireHttps, allowPrivateTargets });
        return typeof check.ok === 'boolean';
      }),
      { numRuns: 1000 },
    );
  });

  it('an accepted URL (private targets refused) names a public address or a host name that is not localhost', () => {
    const ipv4Url = fc.tuple(octet, octet, octet, octet, fc.constantFrom(...ENCODINGS)).map(([a, b, c, d, encoding]) => `http://${encodeIpv4([a, b, c, d], encoding)}:8080/hook`);
    const ipv6Url = fc.ipV6().map((address) => `https://[${address}]/hook`);
    const nameUrl = fc.domain().map((name) => `https://${name}/hook`);
    fc.assert(
      fc.property(fc.oneof(ipv4Url, ipv6Url, nameUrl, fc.webUrl(), fc.string()), (text) => {
        const check = checkWebhookUrl(text, strict);
        if (!check.ok) return true;
        const host = hostOf(check.url);
        if (isIP(host) !== 0) return isPublicAddress(host);
        return host !== 'localhost' && !host.endsWith('.localhost') && host.replace(/\.$/, '') !== 'localhost';
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses private addresses in every encoding: dotted, decimal, hex, octal, short, IPv4-mapped IPv6', () => {
    fc.assert(
      fc.property(privateIpv4, fc.constantFrom(...ENCODINGS), fc.constantFrom('http', 'https'), (address, encoding, scheme) => {
        const check = checkWebhookUrl(`${scheme}://${encodeIpv4(address, encoding)}:8443/path`, strict);
        return !check.ok;
      }),
      { numRuns: 1000 },
    );
  });

  it('the encodings really denote the address (so that the refusals above mean something)', () => {
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), fc.constantFrom(...ENCODINGS), (address, encoding) => {
        const url = new URL(`http://${encodeIpv4(address, encoding)}/`);
        const host = hostOf(url);
        const dotted = address.join('.');
        return encoding.startsWith('mapped') ? isPublicAddress(host) === isPublicAddress(dotted) && isIP(host) === 6 : host === dotted;
      }),
      RUNS,
    );
  });

  it('isPublicAddress agrees between an IPv4 address and its ::ffff: mapping, in both spellings', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const parts = address.split('.').map(Number);
        const hex = `::ffff:${((parts[0]! << 8) + parts[1]!).toString(16)}:${((parts[2]! << 8) + parts[3]!).toString(16)}`;
        const expected = isPublicAddress(address);
        return isPublicAddress(`::ffff:${address}`) === expected && isPublicAddress(hex) === expected;
      }),
      { numRuns: 2000 },
    );
  });

  it('every private IPv4 address is refused, as itself and mapped', () => {
    fc.assert(fc.property(privateIpv4, (address) => !isPublicAddress(address.join('.')) && !isPublicAddress(`::ffff:${address.join('.')}`)), RUNS);
  });
});

// ---- Retry-After and durations ------------------------------------------------------------------------------------

describe('parseRetryAfter', () => {
  const now = new Date('2025-06-01T12:00:00Z');

  it('never throws and is never negative, whatever the header says', () => {
    const header = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^\s*\d{1,400}\s*$/), fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()));
    fc.assert(
      fc.property(fc.option(header, { nil: undefined }), fc.date({ min: new Date(0), max: new Date('2200-01-01'), noInvalidDate: true }), (value, clock) => {
        const ms = parseRetryAfter(value, clock);
        return ms === null || (Number.isFinite(ms) && ms >= 0 && Number.isInteger(ms));
      }),
      { numRuns: 1000 },
    );
  });

  it('whole seconds n → n × 1000 ms, with surrounding whitespace', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.constantFrom('', ' ', '\t'), (seconds, space) => parseRetryAfter(`${space}${seconds}${space}`, now) === seconds * 1000),
      RUNS,
    );
  });

  it('an HTTP-date is the time until it (0 once past)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1971, 0, 1) / 1000, max: Date.UTC(9999, 0, 1) / 1000 }), (epochSeconds) => {
        const at = new Date(epochSeconds * 1000);
        return parseRetryAfter(at.toUTCString(), now) === Math.max(0, at.getTime() - now.getTime());
      }),
      RUNS,
    );
  });
});

describe('parseDuration / parseDurationList', () => {
  const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const unit = fc.constantFrom(...(Object.keys(UNIT_MS) as (keyof typeof UNIT_MS)[]));
  const amount = fc.integer({ min: 0, max: 100_000 });

  it('"<n><unit>" → n × the unit, in whole milliseconds', () => {
    fc.assert(fc.property(amount, unit, (n, u) => parseDuration(`${n}${u}`) === n * UNIT_MS[u]), RUNS);
  });

  it('round-trips a list of milliseconds, written in any unit that divides them, with spaces around entries', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(amount, unit, fc.constantFrom('', ' ')), { maxLength: 8 }), (entries) => {
        const text = entries.map(([n, u, space]) => `${space}${n}${u}${space}`).join(',');
        const expected = entries.map(([n, u]) => n * UNIT_MS[u]);
        expect(parseDurationList(text)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('a decimal amount of seconds is the rounded milliseconds', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), (ms) => parseDuration(`${ms / 1000}s`) === ms), RUNS);
  });

  it('any other text either parses to a whole, non-negative number of ms or throws an Error naming it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^-?\d{0,30}(\.\d{0,5})?(ms|s|m|h|d|e3|)$/)), (text) => {
        try {
          const ms = parseDuration(text);
          return Number.isSafeInteger(ms) && ms >= 0;
        } catch (error) {
          return error instanceof Error && error.message.includes(JSON.stringify(text));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- signatures, secrets at rest, headers, rate limits ------------------------------------------------------------

describe('signPayload', () => {
  const secretBytes = fc.uint8Array({ minLength: 24, maxLength: 64 });
  const body = fc.oneof(fc.string({ unit: 'binary' }), fc.json(), fc.string({ unit: 'grapheme' }));
  const msgId = fc.string({ minLength: 1, maxLength: 40 }).filter((id) => id.trim() !== '');

  it('verifies with the standardwebhooks package for any body and id, with each of several secrets', () => {
    fc.assert(
      fc.property(secretBytes, secretBytes, body, msgId, (bytesA, bytesB, payload, id) => {
        const [current, previous] = [generateWebhookSecret(bytesA), generateWebhookSecret(bytesB)];
        const timestampSeconds = Math.floor(Date.now() / 1000);
        const signature = signPayload({ msgId: id, timestampSeconds, body: payload, secrets: [current, previous] });
        const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature };
        new Webhook(current).verify(payload, headers, { jsonParse: false });
        new Webhook(previous).verify(payload, headers, { jsonParse: false });
        // A secret that signed nothing does not verify.
        fc.pre(Buffer.compare(Buffer.from(bytesA), Buffer.from(bytesB)) !== 0);
        const alone = signPayload({ msgId: id, timestampSeconds, body: payload, secrets: [current] });
        expect(() => new Webhook(previous).verify(payload, { ...headers, 'webhook-signature': alone }, { jsonParse: false })).toThrow();
      }),
      RUNS,
    );
  });
});

describe('secret box', () => {
  const box = createSecretBox(Buffer.alloc(32, 7));

  it('decrypts what it encrypted; the stored form is tagged and does not contain the plain text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (plaintext) => {
        const stored = box.encrypt(plaintext);
        return stored.startsWith('enc:v1:') && box.decrypt(stored) === plaintext && (plaintext.length < 8 || !stored.includes(plaintext));
      }),
      RUNS,
    );
  });

  it('a changed character of the stored form is refused, never decrypted to something else', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.nat(), (plaintext, position) => {
        const stored = box.encrypt(plaintext);
        const index = 'enc:v1:'.length + (position % (stored.length - 'enc:v1:'.length));
        const replacement = stored[index] === 'A' ? 'B' : 'A';
        const tampered = stored.slice(0, index) + replacement + stored.slice(index + 1);
        try {
          return box.decrypt(tampered) === plaintext; // only a no-op change (base64url padding bits) may decrypt
        } catch {
          return true;
        }
      }),
      RUNS,
    );
  });
});

describe('checkCustomHeader', () => {
  it('never accepts a value with CR, LF or NUL, nor a name outside the HTTP token alphabet', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 40 }), (name, value) => {
        const check = checkCustomHeader(name, value);
        if (!check.ok) return true;
        return !/[\r\n\0]/.test(value) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('takeToken', () => {
  it('never allows more than capacity + refill over any run of requests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }), (capacity, gaps) => {
        const windowMs = 60_000;
        let bucket: Bucket | undefined;
        let now = 1_000_000;
        const start = now;
        let allowed = 0;
        for (const gap of gaps) {
          now += gap;
          const result = takeToken(bucket, capacity, windowMs, now);
          bucket = result.bucket;
          if (result.allowed) allowed += 1;
          else if (!(result.retryAfterMs > 0)) return false;
        }
        return allowed <= capacity + ((now - start) * capacity) / windowMs + 1e-9;
      }),
      RUNS,
    );
  });
});
