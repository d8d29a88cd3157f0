// Every statement Hookstream runs in the platform's own PostgreSQL: the install (table, indexes, hookstream_publish)
// and the drainer's claim / mark / count / prune. Rows are mapped to OutboxRow here, at the edge.
import type { Queryable } from '../db/queryable.js';
import type { OutboxPublishResult, OutboxRow } from './publish-port.js';

export const OUTBOX_TABLE = 'hookstream_outbox';
/** NOTIFY channel of hookstream_publish: sent on the platform's transaction, so delivered only when it commits. */
export const OUTBOX_CHANNEL = 'hookstream_outbox';
/**
 * Rows with an order key are hashed into this many slots; one drainer at a time holds a slot (an advisory lock) and
 * publishes its rows in id order. Baked into the table's generated column, so every drainer agrees on it.
 */
export const OUTBOX_SLOT_COUNT = 64;
/** First key of the slots' two-key advisory locks ('hkso'), apart from any lock the platform takes itself. */
export const OUTBOX_LOCK_NAMESPACE = 0x686b736f;
/** Longest error text kept in a row's error column. */
const MAX_ERROR_LENGTH = 2_000;

/**
 * The install script: idempotent (run it again: nothing changes), one transaction's worth. `create or replace`
 * keeps the function's identity and grants; `set search_path from current` pins the schema the table was made in,
 * so the function finds it whatever search_path its caller has.
 *
 * The order key of a row is its ordering_key, or data->>'id' when that is null: the catalog's default ordering key
 * (Hookstream orders deliveries by it), so rows of one booking are drained in order even when the platform passes
 * no key. A row with neither has no order and is drained by whichever worker is free (FOR UPDATE SKIP LOCKED).
 */
export function outboxInstallSql(): string {
  return `-- Hookstream outbox: publish events from the platform's own transaction (PostgreSQL 12 or newer).
-- Idempotent: applying it again changes nothing. Apply it in one transaction.

create table if not exists ${OUTBOX_TABLE} (
  id bigserial primary key,
  account_id text not null,
  type text not null,
  data jsonb not null,
  idempotency_key text,
  context jsonb,
  ordering_key text,
  deliver_at timestamptz,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  error text,
  attempts integer not null default 0,
  slot smallint generated always as (
    case when coalesce(ordering_key, data ->> 'id') is null then null
         else mod(mod(hashtextextended(account_id || ':' || coalesce(ordering_key, data ->> 'id'), 0), ${OUTBOX_SLOT_COUNT}) + ${OUTBOX_SLOT_COUNT}, ${OUTBOX_SLOT_COUNT})::smallint
    end
  ) stored
);

comment on table ${OUTBOX_TABLE} is 'Events for Hookstream, written by hookstream_publish() in the platform''s own transactions and moved into Hookstream by its worker role.';
comment on column ${OUTBOX_TABLE}.idempotency_key is 'Null: Hookstream uses ''outbox:<id>'', so a row is published exactly once.';
comment on column ${OUTBOX_TABLE}.published_at is 'When Hookstream accepted the row (set only after it answered).';
comment on column ${OUTBOX_TABLE}.error is 'Why Hookstream refused the row (validation); the row is kept and skipped. Set it back to null to try again.';
comment on column ${OUTBOX_TABLE}.attempts is 'Times a worker tried to publish the row.';
comment on column ${OUTBOX_TABLE}.slot is 'Hash of the order key (ordering_key, else data->>''id''): rows of one slot are published in id order.';

-- What the drainer claims: rows neither published nor refused, per slot in id order.
create index if not exists ${OUTBOX_TABLE}_pending_idx on ${OUTBOX_TABLE} (slot, id) where published_at is null and error is null;
-- Refused rows, for the backlog's count.
create index if not exists ${OUTBOX_TABLE}_failed_idx on ${OUTBOX_TABLE} (id) where published_at is null and error is not null;
-- Pruning of published rows.
create index if not exists ${OUTBOX_TABLE}_published_idx on ${OUTBOX_TABLE} (published_at) where published_at is not null;

create or replace function hookstream_publish(
  account_id text,
  type text,
  data jsonb,
  idempotency_key text default null,
  context jsonb default null,
  ordering_key text default null,
  deliver_at timestamptz default null
) returns bigint
language plpgsql
set search_path from current
as $hookstream$
declare
  outbox_id bigint;
begin
  insert into ${OUTBOX_TABLE} (account_id, type, data, idempotency_key, context, ordering_key, deliver_at)
  values (hookstream_publish.account_id, hookstream_publish.type, hookstream_publish.data, hookstream_publish.idempotency_key,
          hookstream_publish.context, hookstream_publish.ordering_key, hookstream_publish.deliver_at)
  returning id into outbox_id;
  -- An empty payload: PostgreSQL folds the notifications of one transaction into one, delivered on commit.
  perform pg_notify('${OUTBOX_CHANNEL}', '');
  return outbox_id;
end
$hookstream$;

comment on function hookstream_publish(text, text, jsonb, text, jsonb, text, timestamptz) is 'Queues a Hookstream event in the caller''s transaction; returns the outbox row id.';
`;
}

/** Serialises concurrent installs (two `create table if not exists` at once can fail on the catalog's unique index). */
export async function lockInstall(client: Queryable): Promise<void> {
  await client.query('select pg_advisory_xact_lock($1::int, $2::int)', [OUTBOX_LOCK_NAMESPACE, -1]);
}

/** What is waiting: per slot (null: rows without an order key), how many rows. */
export async function findPendingSlots(client: Queryable): Promise<{ slot: number | null; rows: number }[]> {
  const { rows } = await client.query<{ slot: number | null; rows: number }>(
    `select slot, count(*)::int as rows from ${OUTBOX_TABLE} where published_at is null and error is null group by slot`,
  );
  return rows;
}

/** Takes the slot for this transaction; false when another drainer holds it. */
export async function tryLockSlot(client: Queryable, slot: number): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1::int, $2::int) as locked', [OUTBOX_LOCK_NAMESPACE, slot]);
  return rows[0]?.locked === true;
}

type OutboxRecord = {
  id: string;
  account_id: string;
  type: string;
  data: unknown;
  idempotency_key: string | null;
  context: unknown;
  ordering_key: string | null;
  deliver_at: Date | null;
  created_at: Date;
  attempts: number;
};

const COLUMNS = 'id, account_id, type, data, idempotency_key, context, ordering_key, deliver_at, created_at, attempts';

/**
 * The oldest rows of a slot whose advisory lock the caller holds. Plain FOR UPDATE, not SKIP LOCKED: skipping a row
 * that something else has locked would publish the rows behind it first.
 */
export async function claimSlotRows(client: Queryable, slot: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await client.query<OutboxRecord>(
    `select ${COLUMNS} from ${OUTBOX_TABLE}
      where slot = $1 and published_at is null and error is null
      order by id limit $2 for update`,
    [slot, limit],
  );
  return rows.map(toOutboxRow);
}

/** Rows without an order key: any drainer takes any of them, skipping those another one has claimed. */
export async function claimUnorderedRows(client: Queryable, limit: number): Promise<OutboxRow[]> {
  const { rows } = await client.query<OutboxRecord>(
    `select ${COLUMNS} from ${OUTBOX_TABLE}
      where slot is null and published_at is null and error is null
      order by id limit $1 for update skip locked`,
    [limit],
  );
  return rows.map(toOutboxRow);
}

/** Records Hookstream's answers: published, or refused with its error. */
export async function markRows(client: Queryable, rows: readonly OutboxRow[], results: readonly OutboxPublishResult[]): Promise<void> {
  await client.query(
    `update ${OUTBOX_TABLE} o
        set published_at = case when r.ok then clock_timestamp() end,
            error = case when r.ok then null else r.error end,
            attempts = o.attempts + 1
       from unnest($1::bigint[], $2::boolean[], $3::text[]) as r(id, ok, error)
      where o.id = r.id`,
    [rows.map((row) => row.id), results.map((result) => result.ok), results.map((result) => (result.ok ? null : result.error.slice(0, MAX_ERROR_LENGTH)))],
  );
}

/** Counts a try that got no answer (Hookstream unreachable): the rows stay pending. */
export async function countFailedTry(client: Queryable, ids: readonly string[]): Promise<void> {
  await client.query(`update ${OUTBOX_TABLE} set attempts = attempts + 1 where id = any($1::bigint[]) and published_at is null`, [ids]);
}

export type OutboxBacklog = { pending: number; failed: number; oldestPendingAt: Date | null };

/** pending: rows still to publish; failed: rows Hookstream refused (kept, skipped, waiting for the platform). */
export async function countBacklog(client: Queryable): Promise<OutboxBacklog> {
  const { rows } = await client.query<OutboxBacklog>(
    `select count(*) filter (where error is null)::int as pending,
            count(*) filter (where error is not null)::int as failed,
            min(created_at) filter (where error is null) as "oldestPendingAt"
       from ${OUTBOX_TABLE} where published_at is null`,
  );
  return rows[0]!;
}

/** Deletes up to `limit` rows published before `before`; returns how many. */
export async function prunePublished(client: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await client.query(
    `delete from ${OUTBOX_TABLE} where id in (
       select id from ${OUTBOX_TABLE} where published_at is not null and published_at < $1 order by published_at limit $2)`,
    [before, limit],
  );
  return rowCount ?? 0;
}

function toOutboxRow(record: OutboxRecord): OutboxRow {
  return {
    id: record.id,
    accountId: record.account_id,
    type: record.type,
    data: record.data,
    // The row is the idempotency key unless the platform chose its own.
    idempotencyKey: record.idempotency_key ?? `outbox:${record.id}`,
    context: record.context,
    orderingKey: record.ordering_key,
    deliverAt: record.deliver_at,
    occurredAt: record.created_at,
    attempts: record.attempts,
  };
}
