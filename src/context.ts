// The request context: who is calling (authenticated once per request or per graphql-ws connection), what it may
// reach, and the services a resolver may use. Resolvers never reach for globals.
//
// A caller is the account's API key (the whole account) or a portal session (CONTRACT.md, "Accounts and API keys"):
// its scope is put here once and applied in a few central places (src/schema/scope.ts: the webhook, delivery and
// event `where`s and the subscription filters; src/portal/session-rules.ts: what a session may not run at all; src/portal/session-watch.ts: ending its live subscriptions).
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { AccountSummary } from './db/account.js';
import { findLiveSessionByToken } from './db/portal-session.js';
import { parseBearerToken } from './domain/api-key.js';
import { ACCOUNT_SCOPE, isPortalToken, type AccessScope } from './domain/portal-session.js';
import { publicId } from './domain/public-id.js';
import { unauthenticated } from './errors.js';
import type { Logger } from './logger.js';
import type { Services } from './services.js';

/** The portal session a request authenticated with. */
export type SessionGrant = Readonly<{ id: string; webhookIds: readonly string[] | null; readOnly: boolean; expiresAt: Date }>;

export type Context = {
  account: AccountSummary;
  /** Null for the account's API key. */
  session: SessionGrant | null;
  /** What the caller may reach: the whole account (API key, account-wide session) or some webhooks. */
  scope: AccessScope;
  config: Config;
  db: Database;
  log: Logger;
  services: Services;
};

export type ServerDeps = Omit<Context, 'account' | 'session' | 'scope'>;

/**
 * Resolves `Authorization: Bearer <key or portal token>` to a caller, or throws UNAUTHENTICATED. A portal session is
 * looked up by PostgreSQL's clock on every call, so an expired or revoked one is refused at once.
 */
export async function authenticate(deps: ServerDeps, authorization: string | null | undefined): Promise<Context> {
  const token = parseBearerToken(authorization);
  if (!token) throw refuse(deps, unauthenticated());
  if (isPortalToken(token)) {
    const found = await findLiveSessionByToken(deps.db.pool, token);
    if (!found) throw refuse(deps, unauthenticated('The portal session is not valid: it has expired, was revoked, or never existed.'));
    const webhookIds = found.session.webhookIds.length > 0 ? Object.freeze([...found.session.webhookIds]) : null;
    const session: SessionGrant = Object.freeze({ id: found.session.id, webhookIds, readOnly: found.session.readOnly, expiresAt: found.session.expiresAt });
    return { ...deps, account: found.account, session, scope: Object.freeze({ webhookIds, readOnly: session.readOnly, expiresAt: session.expiresAt }) };
  }
  const account = await deps.services.findAccountByApiKey(token);
  if (!account) throw refuse(deps, unauthenticated('The API key is not valid.'));
  return { ...deps, account, session: null, scope: ACCOUNT_SCOPE };
}

/** A refused credential is the caller's mistake: logged at info, never as an error. */
function refuse(deps: ServerDeps, error: ReturnType<typeof unauthenticated>) {
  deps.log.info({ code: error.code }, `refused: ${error.message}`);
  return error;
}

/** How a caller is named in log lines: the account and, for a portal session, the session, in their public IDs. */
export function callerLogFields(ctx: Pick<Context, 'account' | 'session'>): Record<string, string> {
  return { accountId: publicId('Account', ctx.account.id), ...(ctx.session ? { portalSessionId: publicId('PortalSession', ctx.session.id) } : {}) };
}
