// Portal session rows. Only the hash of a token is stored; a session is live while it is neither revoked nor expired,
// and both are checked by PostgreSQL's clock on every lookup. Rows are mapped to camelCase here, at the edge.
import type { Queryable } from './queryable.js';
import { hashPortalToken } from '../domain/portal-session.js';
import type { AccountSummary } from './account.js';
import { newId } from './ids.js';

export type PortalSessionRecord = {
  id: string;
  accountId: string;
  /** Empty: the whole account. */
  webhookIds: string[];
  readOnly: boolean;
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
};

const COLUMNS = `id, account_id as "accountId", coalesce(webhook_ids, '{}')::text[] as "webhookIds", read_only as "readOnly",
  expires_at as "expiresAt", revoked_at as "revokedAt", created_at as "createdAt"`;

export async function insertPortalSession(
  pool: Queryable,
  values: { accountId: string; token: string; webhookIds: readonly string[] | null; readOnly: boolean; expiresAt: Date },
): Promise<PortalSessionRecord> {
  const { rows } = await pool.query<PortalSessionRecord>(
    `insert into portal_sessions (id, account_id, token_hash, webhook_ids, read_only, expires_at)
     values ($1, $2, $3, $4::uuid[], $5, $6) returning ${COLUMNS}`,
    [newId(), values.accountId, hashPortalToken(values.token), values.webhookIds ?? [], values.readOnly, values.expiresAt],
  );
  return rows[0]!;
}

/** Every request with a portal token authenticates here: one prepared statement, the session and its account. */
export async function findLiveSessionByToken(pool: Queryable, token: string): Promise<{ account: AccountSummary; session: PortalSessionRecord } | null> {
  const { rows } = await pool.query<PortalSessionRecord & { accountName: string; maxWebhooks: number | null }>({
    name: 'portal-session-by-token',
    text: `select s.id, s.account_id as "accountId", coalesce(s.webhook_ids, '{}')::text[] as "webhookIds", s.read_only as "readOnly",
                  s.expires_at as "expiresAt", s.revoked_at as "revokedAt", s.created_at as "createdAt",
                  a.name as "accountName", a.max_webhooks as "maxWebhooks"
             from portal_sessions s join accounts a on a.id = s.account_id
            where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()`,
    values: [hashPortalToken(token)],
  });
  const row = rows[0];
  if (!row) return null;
  const { accountName, maxWebhooks, ...session } = row;
  return { account: { id: session.accountId, name: accountName, maxWebhooks }, session };
}

/** Still usable (neither revoked nor expired)? Asked again and again while a subscription of the session is open. */
export async function isSessionLive(pool: Queryable, sessionId: string): Promise<boolean> {
  const { rows } = await pool.query<{ live: boolean }>({
    name: 'portal-session-live',
    text: 'select revoked_at is null and expires_at > now() as live from portal_sessions where id = $1',
    values: [sessionId],
  });
  return rows[0]?.live === true;
}

export async function findPortalSession(pool: Queryable, accountId: string, sessionId: string): Promise<PortalSessionRecord | null> {
  const { rows } = await pool.query<PortalSessionRecord>(`select ${COLUMNS} from portal_sessions where id = $1 and account_id = $2`, [sessionId, accountId]);
  return rows[0] ?? null;
}

/** Revokes once: the first revocation's time is kept. Returns the row as it now is. */
export async function revokePortalSessionRow(pool: Queryable, accountId: string, sessionId: string): Promise<PortalSessionRecord | null> {
  const { rows } = await pool.query<PortalSessionRecord>(
    `update portal_sessions set revoked_at = coalesce(revoked_at, now()) where id = $1 and account_id = $2 returning ${COLUMNS}`,
    [sessionId, accountId],
  );
  return rows[0] ?? null;
}
