import { describe, expect, it } from 'vitest';
import { MAX_MAILTO_ADDRESSES, parseMailtoUrl } from '../../src/domain/mailto.js';

describe('parseMailtoUrl accepts', () => {
  it.each([
    ['mailto:ops@example.com', ['ops@example.com']],
    ['mailto:a@example.com,b@example.org', ['a@example.com', 'b@example.org']],
    ['MAILTO:Front.Desk@Hotel.Example', ['Front.Desk@hotel.example']], // scheme and domain are case-insensitive
    ['mailto:a@example.com, b@example.com', ['a@example.com', 'b@example.com']], // a space after a comma, as people type
    ['mailto:ops%40example.com', ['ops@example.com']], // RFC 6068 percent-encoding
    ['mailto:first+tag@sub.example.co.uk', ['first+tag@sub.example.co.uk']],
    ["mailto:o'brien@example.ie", ["o'brien@example.ie"]],
    ['mailto:x@münchen.de', ['x@münchen.de']], // internationalised domain, checked as xn--mnchen-3ya.de
    ['mailto:x@xn--mnchen-3ya.de', ['x@xn--mnchen-3ya.de']],
    ['  mailto:ops@example.com  ', ['ops@example.com']],
    [`mailto:${Array.from({ length: MAX_MAILTO_ADDRESSES }, (_, i) => `u${i}@example.com`).join(',')}`, Array.from({ length: 5 }, (_, i) => `u${i}@example.com`)],
  ])('%s', (url, addresses) => {
    expect(parseMailtoUrl(url)).toEqual({ ok: true, addresses, canonicalUrl: `mailto:${addresses.join(',')}` });
  });
});

describe('parseMailtoUrl refuses, with a reason for a person', () => {
  it.each([
    ['https://example.com', 'starts with "mailto:"'],
    ['mailto:', 'at least one e-mail address'],
    ['mailto:   ', 'at least one e-mail address'],
    ['mailto:ops@example.com?subject=hi', 'no "?subject="'],
    ['mailto:ops@example.com#x', 'no "?subject="'],
    [`mailto:${Array.from({ length: 6 }, (_, i) => `u${i}@example.com`).join(',')}`, 'at most 5 addresses, got 6'],
    ['mailto:a@example.com,,b@example.com', 'address 2 is empty'],
    ['mailto:a@example.com,', 'address 2 is empty'],
    ['mailto:a%ZZ@example.com', 'broken %-escape'],
    ['mailto:ops.example.com', 'has no "@"'],
    ['mailto:a@b@example.com', 'more than one "@"'],
    ['mailto:@example.com', 'nothing before the "@"'],
    ['mailto:ops@', 'nothing after the "@"'],
    ['mailto:ops@localhost', 'not a full domain name'],
    ['mailto:ops@10.0.0.1', 'an IP address?'],
    ['mailto:ops@[10.0.0.1]', 'address literals'],
    ['mailto:ops@-bad.example', 'not a valid domain name'],
    ['mailto:ops@exa_mple.com', 'not a valid domain name'],
    ['mailto:ops@example..com', 'not a valid domain name'],
    ['mailto:.ops@example.com', 'start or end with a dot'],
    ['mailto:o..ps@example.com', 'two in a row'],
    ['mailto:"ops"@example.com', 'quoted local parts'],
    ['mailto:o(p)s@example.com', 'character mail systems do not accept'],
    ['mailto:Ops <ops@example.com>', 'contains a space'],
    ['mailto:<ops@example.com>', 'without a name or <…>'],
    [`mailto:${'x'.repeat(65)}@example.com`, 'longer than 64 characters'],
    [`mailto:ops@${'a'.repeat(64)}.com`, 'not a valid domain name'],
    ['mailto:ops@example.com,OPS@EXAMPLE.COM', 'listed twice'],
  ])('%s', (url, reason) => {
    const result = parseMailtoUrl(url);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});
