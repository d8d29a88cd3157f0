// Accounts and their API keys. Only the hash of a key is ever stored.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { formatApiKey, hashApiKey } from '../domain/api-key.js';
import { newId } from './ids.js';
import type { Queryable } from './queryable.js';

export type AccountSummary = { id: string; name: string; maxWebhooks: number | null };

export async function createAccount(prisma: PrismaClient, input: { name: string; maxWebhooks?: number | null }) {
  const apiKey = formatApiKey(randomBytes(32));
  const account = await prisma.account.create({
    data: { id: newId(), name: input.name, maxWebhooks: input.maxWebhooks ?? null, apiKeyHash: hashApiKey(apiKey) },
  });
  return { account, apiKey };
}

export async function rotateAccountKey(prisma: PrismaClient, accountId: string) {
  const apiKey = formatApiKey(randomBytes(32));
  const account = await prisma.account.update({ where: { id: accountId }, data: { apiKeyHash: hashApiKey(apiKey) } });
  return { account, apiKey };
}

/** The accounts of these API keys, by key hash: plain SQL as a prepared statement, no ORM work. */
async function findAccountsByKeyHashes(pool: Queryable, hashes: readonly string[]): Promise<Map<string, AccountSummary>> {
  const { rows } = await pool.query<AccountSummary & { hash: string }>({
    name: 'accounts-by-api-key-hashes',
    text: 'select api_key_hash as hash, id, name, max_webhooks as "maxWebhooks" from accounts where api_key_hash = any($1::text[])',
    values: [hashes],
  });
  return new Map(rows.map(({ hash, ...account }) => [hash, account]));
}

export type ApiKeyLookup = (apiKey: string) => Promise<AccountSummary | null>;

/**
 * Every request authenticates, against the database each time (a rotated key stops working at once), but not one
 * statement each: the keys of the requests that arrive together are looked up together, one statement while the
 * one before it runs (the read-side twin of publishing's group commit).
 */
export function createApiKeyLookup(pool: Queryable): ApiKeyLookup {
  let waiting = new Map<string, { resolve: (account: AccountSummary | null) => void; reject: (error: unknown) => void }[]>();
  let scheduled = false;
  let running = false;

  const flush = async () => {
    scheduled = false;
    if (running || waiting.size === 0) return;
    running = true;
    const batch = waiting;
    waiting = new Map();
    try {
      const accounts = await findAccountsByKeyHashes(pool, [...batch.keys()]);
      for (const [hash, callers] of batch) for (const caller of callers) caller.resolve(accounts.get(hash) ?? null);
    } catch (error) {
      for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
    } finally {
      running = false;
      if (waiting.size > 0) void flush();
    }
  };

  return (apiKey) =>
    new Promise((resolve, reject) => {
      const hash = hashApiKey(apiKey);
      waiting.set(hash, [...(waiting.get(hash) ?? []), { resolve, reject }]);
      if (!scheduled && !running) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
}

/** Which of these account ids exist. */
export async function findExistingAccountIds(pool: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ id: string }>({ name: 'existing-account-ids', text: 'select id from accounts where id = any($1::uuid[])', values: [ids] });
  return new Set(rows.map((row) => row.id));
}
