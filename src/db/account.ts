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

/** Every request authenticates: plain SQL as a prepared statement, one round trip, no ORM work. */
export async function findAccountByApiKey(pool: Queryable, apiKey: string): Promise<AccountSummary | null> {
  const { rows } = await pool.query<AccountSummary>({
    name: 'account-by-api-key',
    text: 'select id, name, max_webhooks as "maxWebhooks" from accounts where api_key_hash = $1',
    values: [hashApiKey(apiKey)],
  });
  return rows[0] ?? null;
}
