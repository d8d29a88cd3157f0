import { describe, expect, it } from 'vitest';
import { checkCustomHeader, checkCustomHeaders } from '../../src/domain/header-policy.js';

describe('checkCustomHeader', () => {
  it.each([
    ['Authorization', 'Bearer abc.def'],
    ['X-Api-Key', 'k'],
    ['x-tenant', ''],
    ["!#$%&'*+.^_`|~", 'v'],
    ['A'.repeat(256), 'v'],
    ['X-Long', 'v'.repeat(4096)],
    ['X-Tabbed', 'a\tb c'],
    ['X-Latin1', 'café'],
    ['Webhook', 'not the reserved prefix'],
    ['X-Webhook-Source', 'prefix only counts at the start'],
  ])('allows %j: %j', (name, value) => {
    expect(checkCustomHeader(name, value)).toEqual({ ok: true });
  });

  it.each([
    ['', 'v', /empty/],
    ['A'.repeat(257), 'v', /longer than 256/],
    ['X Space', 'v', /not a valid HTTP field name/],
    ['X-Colon:', 'v', /not a valid HTTP field name/],
    ['X-Ünicode', 'v', /not a valid HTTP field name/],
    ['X-Paren()', 'v', /not a valid HTTP field name/],
    ['Host', 'evil.example', /cannot be overridden/],
    ['content-length', '1', /cannot be overridden/],
    ['Content-Type', 'text/plain', /cannot be overridden/],
    ['Content-Encoding', 'gzip', /cannot be overridden/],
    ['TRANSFER-ENCODING', 'chunked', /cannot be overridden/],
    ['Connection', 'close', /cannot be overridden/],
    ['Keep-Alive', 'timeout=5', /cannot be overridden/],
    ['Upgrade', 'websocket', /cannot be overridden/],
    ['TE', 'trailers', /cannot be overridden/],
    ['Expect', '100-continue', /cannot be overridden/],
    ['webhook-signature', 'v1,forged', /cannot be overridden/],
    ['Webhook-Id', 'x', /cannot be overridden/],
    ['WEBHOOK-anything', 'x', /cannot be overridden/],
    ['X-Long', 'v'.repeat(4097), /longer than 4096/],
    ['X-Inject', 'a\r\nHost: evil', /line break or NUL/],
    ['X-Inject', 'a\nb', /line break or NUL/],
    ['X-Inject', 'a\rb', /line break or NUL/],
    ['X-Nul', 'a\0b', /line break or NUL/],
    ['X-Ctl', 'a\x01b', /control character/],
    ['X-Del', 'a\x7fb', /control character/],
    ['X-Emoji', 'a🙂', /outside Latin-1/],
  ])('refuses %j: %j', (name, value, reason) => {
    const check = checkCustomHeader(name, value);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe('checkCustomHeaders', () => {
  it.each<[string, { name: string; value: string }[], RegExp | null]>([
    ['an empty list', [], null],
    ['distinct headers', [{ name: 'Authorization', value: 'Bearer x' }, { name: 'X-Tenant', value: '1' }], null],
    ['a name given twice, case-insensitively', [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }], /more than once/],
    ['one bad header among good ones', [{ name: 'X-A', value: '1' }, { name: 'Host', value: 'h' }], /cannot be overridden/],
  ])('%s', (_name, headers, reason) => {
    const check = checkCustomHeaders(headers);
    if (reason === null) {
      expect(check).toEqual({ ok: true });
    } else {
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).toMatch(reason);
    }
  });
});
