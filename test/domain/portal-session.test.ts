// The pure rules of portal sessions: the token, the lifetime bounds, and how far a session made by another reaches.
import { describe, expect, it } from 'vitest';
import { ACCOUNT_SCOPE, formatPortalToken, hashPortalToken, isPortalToken, isScopeWithin, narrowScope, portalUrl, type AccessScope } from '../../src/domain/portal-session.js';

const NOW = new Date('2026-01-15T12:00:00.000Z');
const inHours = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

describe('tokens', () => {
  it('are hsp_ and 32 random bytes in base64url; the hash is SHA-256 hex', () => {
    const token = formatPortalToken(new Uint8Array(32).fill(7));
    expect(token).toMatch(/^hsp_[A-Za-z0-9_-]{43}$/);
    expect(isPortalToken(token)).toBe(true);
    expect(isPortalToken('hsk_abc')).toBe(false);
    expect(hashPortalToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashPortalToken(token)).not.toBe(hashPortalToken(formatPortalToken(new Uint8Array(32).fill(8))));
    expect(() => formatPortalToken(new Uint8Array(16))).toThrow(/32 random bytes/);
  });

  it('the console link carries the token in the fragment', () => {
    expect(portalUrl('https://hooks.example.com/', 'hsp_x')).toBe('https://hooks.example.com/console#session=hsp_x');
    expect(portalUrl('http://localhost:4000', null)).toBe('http://localhost:4000/console');
  });
});

describe('isScopeWithin', () => {
  it.each([
    { inner: null, outer: null, within: true },
    { inner: ['a'], outer: null, within: true },
    { inner: null, outer: ['a'], within: false },
    { inner: ['a'], outer: ['a', 'b'], within: true },
    { inner: ['a', 'c'], outer: ['a', 'b'], within: false },
    { inner: [], outer: ['a'], within: true },
  ])('$inner within $outer: $within', ({ inner, outer, within }) => {
    expect(isScopeWithin(inner, outer)).toBe(within);
  });
});

describe('narrowScope', () => {
  const session: AccessScope = { webhookIds: ['a', 'b'], readOnly: false, expiresAt: inHours(2) };
  const readOnlySession: AccessScope = { webhookIds: null, readOnly: true, expiresAt: inHours(2) };
  it.each([
    { name: 'API key, defaults', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 3600, webhookIds: null, readOnly: false }, expected: { ok: true, webhookIds: null, readOnly: false, expiresAt: inHours(1) } },
    { name: 'API key, some webhooks, deduplicated', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 60, webhookIds: ['x', 'x', 'y'], readOnly: true }, expected: { ok: true, webhookIds: ['x', 'y'], readOnly: true, expiresAt: new Date(NOW.getTime() + 60_000) } },
    { name: 'session: inherits its webhooks', parent: session, request: { ttlSeconds: 600, webhookIds: null, readOnly: false }, expected: { ok: true, webhookIds: ['a', 'b'], readOnly: false, expiresAt: new Date(NOW.getTime() + 600_000) } },
    { name: 'session: fewer webhooks', parent: session, request: { ttlSeconds: 600, webhookIds: ['b'], readOnly: false }, expected: { ok: true, webhookIds: ['b'], readOnly: false, expiresAt: new Date(NOW.getTime() + 600_000) } },
    { name: 'session: ends no later than itself', parent: session, request: { ttlSeconds: 2_592_000, webhookIds: null, readOnly: false }, expected: { ok: true, webhookIds: ['a', 'b'], readOnly: false, expiresAt: inHours(2) } },
    { name: 'read-only session: read-only children', parent: readOnlySession, request: { ttlSeconds: 60, webhookIds: null, readOnly: false }, expected: { ok: true, webhookIds: null, readOnly: true, expiresAt: new Date(NOW.getTime() + 60_000) } },
    { name: 'session: a webhook beyond it', parent: session, request: { ttlSeconds: 60, webhookIds: ['a', 'c'], readOnly: false }, expected: { ok: false, reason: 'WEBHOOK_OUT_OF_SCOPE', webhookId: 'c' } },
    { name: 'no webhooks', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 60, webhookIds: [], readOnly: false }, expected: { ok: false, reason: 'NO_WEBHOOKS' } },
    { name: 'too many webhooks', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 60, webhookIds: Array.from({ length: 101 }, (_, i) => `w${i}`), readOnly: false }, expected: { ok: false, reason: 'TOO_MANY_WEBHOOKS' } },
    { name: 'ttl 0', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 0, webhookIds: null, readOnly: false }, expected: { ok: false, reason: 'TTL_OUT_OF_RANGE' } },
    { name: 'ttl over 30 days', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 2_592_001, webhookIds: null, readOnly: false }, expected: { ok: false, reason: 'TTL_OUT_OF_RANGE' } },
    { name: 'ttl not whole', parent: ACCOUNT_SCOPE, request: { ttlSeconds: 1.5, webhookIds: null, readOnly: false }, expected: { ok: false, reason: 'TTL_OUT_OF_RANGE' } },
  ])('$name', ({ parent, request, expected }) => {
    expect(narrowScope(parent, request, NOW)).toEqual(expected);
  });
});
