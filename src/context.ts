// The request context: who is calling (authenticated once per request or per graphql-ws connection) and the
// services a resolver may use. Resolvers never reach for globals.
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { AccountSummary } from './db/account.js';
import { findAccountByApiKey } from './db/account.js';
import { parseBearerToken } from './domain/api-key.js';
import { unauthenticated } from './errors.js';
import type { Logger } from './logger.js';
import type { Services } from './services.js';

export type Context = {
  account: AccountSummary;
  config: Config;
  db: Database;
  log: Logger;
  services: Services;
};

export type ServerDeps = Omit<Context, 'account'>;

/** Resolves `Authorization: Bearer <key>` to an account, or throws UNAUTHENTICATED. */
export async function authenticate(deps: ServerDeps, authorization: string | null | undefined): Promise<Context> {
  const apiKey = parseBearerToken(authorization);
  if (!apiKey) throw unauthenticated();
  const account = await findAccountByApiKey(deps.db.pool, apiKey);
  if (!account) throw unauthenticated('The API key is not valid.');
  return { ...deps, account };
}
