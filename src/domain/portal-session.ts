// Portal sessions (CONTRACT.md, "Accounts and API keys"): a short-lived bearer token for the console, scoped to one
// account, optionally to some of its webhooks, optionally read-only. These are the pure rules: the token's form and
// hash, the bounds of its lifetime, and how far the scope of a session made by another session may reach.
import { createHash } from 'node:crypto';

/** Beside API keys (`hsk_…`), so that one look at a bearer token says which it is. */
export const PORTAL_TOKEN_PREFIX = 'hsp_';

export const PORTAL_SESSION_TTL = Object.freeze({ minSeconds: 1, maxSeconds: 2_592_000, defaultSeconds: 3600 });

/** How many webhooks one session may name; more is an account-wide session's job. */
export const MAX_SESSION_WEBHOOKS = 100;

/** `randomBytes` must be at least 32 bytes from a CSPRNG. */
export function formatPortalToken(randomBytes: Uint8Array): string {
  if (randomBytes.length < 32) throw new Error('a portal token needs at least 32 random bytes');
  return PORTAL_TOKEN_PREFIX + Buffer.from(randomBytes).toString('base64url');
}

export function isPortalToken(token: string): boolean {
  return token.startsWith(PORTAL_TOKEN_PREFIX);
}

/** As for API keys, a fast hash is right: the token is 256 random bits, nothing to brute-force. */
export function hashPortalToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What a caller may reach. `webhookIds: null` is the whole account; an API key is the whole account, never expiring. */
export type AccessScope = Readonly<{ webhookIds: readonly string[] | null; readOnly: boolean; expiresAt: Date | null }>;

export const ACCOUNT_SCOPE: AccessScope = Object.freeze({ webhookIds: null, readOnly: false, expiresAt: null });

/** True when every webhook `inner` reaches is one `outer` reaches. */
export function isScopeWithin(inner: readonly string[] | null, outer: readonly string[] | null): boolean {
  if (outer === null) return true;
  if (inner === null) return false;
  const allowed = new Set(outer);
  return inner.every((id) => allowed.has(id));
}

export type SessionRequest = { ttlSeconds: number; webhookIds: readonly string[] | null; readOnly: boolean };

export type NarrowedScope =
  | { ok: true; webhookIds: readonly string[] | null; readOnly: boolean; expiresAt: Date }
  | { ok: false; reason: 'TTL_OUT_OF_RANGE' | 'NO_WEBHOOKS' | 'TOO_MANY_WEBHOOKS' }
  | { ok: false; reason: 'WEBHOOK_OUT_OF_SCOPE'; webhookId: string };

/**
 * The scope of a new session made by a caller of scope `parent`. A session never reaches beyond the one that made it:
 * its webhooks must be the parent's (unnamed, it gets the parent's), it is read-only if the parent is, and it ends
 * no later than the parent does (a longer ttlSeconds is cut to the parent's end). Webhook IDs are deduplicated.
 */
export function narrowScope(parent: AccessScope, request: SessionRequest, now: Date): NarrowedScope {
  const { ttlSeconds } = request;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < PORTAL_SESSION_TTL.minSeconds || ttlSeconds > PORTAL_SESSION_TTL.maxSeconds) {
    return { ok: false, reason: 'TTL_OUT_OF_RANGE' };
  }
  let webhookIds: readonly string[] | null = parent.webhookIds;
  if (request.webhookIds !== null) {
    if (request.webhookIds.length === 0) return { ok: false, reason: 'NO_WEBHOOKS' };
    const unique = [...new Set(request.webhookIds)];
    if (unique.length > MAX_SESSION_WEBHOOKS) return { ok: false, reason: 'TOO_MANY_WEBHOOKS' };
    const outside = unique.find((id) => !isScopeWithin([id], parent.webhookIds));
    if (outside !== undefined) return { ok: false, reason: 'WEBHOOK_OUT_OF_SCOPE', webhookId: outside };
    webhookIds = unique;
  }
  const requestedEnd = new Date(now.getTime() + ttlSeconds * 1000);
  const expiresAt = parent.expiresAt && parent.expiresAt < requestedEnd ? parent.expiresAt : requestedEnd;
  return { ok: true, webhookIds, readOnly: parent.readOnly || request.readOnly, expiresAt };
}

/** The console address a session opens: the token rides in the fragment, which browsers never send to a server. */
export function portalUrl(publicUrl: string, token: string | null): string {
  const base = `${publicUrl.replace(/\/+$/, '')}/console`;
  return token === null ? base : `${base}#session=${token}`;
}
