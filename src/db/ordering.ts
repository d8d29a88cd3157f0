// SQL of ordered delivery (CONTRACT.md, "The booking's timeline"): the deliveries of one webhook and ordering key
// form a line, numbered by `sequence`; only its head has a job, the others are `held`. Publishing appends to a line,
// finishing a delivery hands its turn to the next. Both take the key's row in delivery_sequences first, always in
// (webhook, key) order, so that they never miss each other (a delivery held just as its predecessor finished) and
// never deadlock. Each statement after that lock reads afresh (READ COMMITTED), which is why they are separate.
import type { Queryable } from './queryable.js';

export type OrderingKey = { webhookId: string; orderingKey: string };

const keyOf = (key: OrderingKey) => `${key.webhookId}\u0000${key.orderingKey}`;

/** Each key once, in the one order every transaction locks them in. */
export function sortedKeys(keys: Iterable<OrderingKey>): OrderingKey[] {
  const unique = new Map<string, OrderingKey>();
  for (const key of keys) unique.set(keyOf(key), key);
  return [...unique.values()].sort((a, b) => (a.webhookId === b.webhookId ? (a.orderingKey < b.orderingKey ? -1 : a.orderingKey > b.orderingKey ? 1 : 0) : a.webhookId < b.webhookId ? -1 : 1));
}

/**
 * Takes `count` sequences per key (locking each key's row for the rest of the transaction); returns the first of
 * each key's new run, by `webhookId\0orderingKey`.
 */
export async function allocateSequences(client: Queryable, runs: readonly (OrderingKey & { count: number })[]): Promise<Map<string, number>> {
  if (runs.length === 0) return new Map();
  const sorted = sortedKeys(runs);
  const countOf = new Map(runs.map((run) => [keyOf(run), run.count]));
  const { rows } = await client.query<{ webhook_id: string; ordering_key: string; last_sequence: number }>({
    name: 'allocate-sequences',
    text: `insert into delivery_sequences (webhook_id, ordering_key, last_sequence)
           select * from unnest($1::uuid[], $2::text[], $3::int[]) as k(webhook_id, ordering_key, n) order by 1, 2
           on conflict (webhook_id, ordering_key) do update set last_sequence = delivery_sequences.last_sequence + excluded.last_sequence
           returning webhook_id, ordering_key, last_sequence`,
    values: [sorted.map((k) => k.webhookId), sorted.map((k) => k.orderingKey), sorted.map((k) => countOf.get(keyOf(k))!)],
  });
  return new Map(rows.map((row) => [keyOf({ webhookId: row.webhook_id, orderingKey: row.ordering_key }), row.last_sequence - countOf.get(keyOf({ webhookId: row.webhook_id, orderingKey: row.ordering_key }))! + 1]));
}

/** Locks the keys' rows (taken in order) without changing them; keys never published have none, and need none. */
export async function lockKeys(client: Queryable, keys: readonly OrderingKey[]): Promise<void> {
  if (keys.length === 0) return;
  const sorted = sortedKeys(keys);
  await client.query({
    name: 'lock-ordering-keys',
    text: `select 1 from delivery_sequences s
             join unnest($1::uuid[], $2::text[]) as k(webhook_id, ordering_key) using (webhook_id, ordering_key)
            order by s.webhook_id, s.ordering_key
              for update of s`,
    values: [sorted.map((k) => k.webhookId), sorted.map((k) => k.orderingKey)],
  });
}

/** Of these keys, those whose line has a delivery still waiting or retrying (so a new one must queue behind it). */
export async function findBusyKeys(client: Queryable, keys: readonly OrderingKey[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await client.query<{ webhook_id: string; ordering_key: string }>({
    name: 'busy-ordering-keys',
    text: `select distinct d.webhook_id, d.ordering_key
             from deliveries d
             join unnest($1::uuid[], $2::text[]) as k(webhook_id, ordering_key) on d.webhook_id = k.webhook_id and d.ordering_key = k.ordering_key
            where d.status in ('PENDING', 'RETRYING')`,
    values: [keys.map((k) => k.webhookId), keys.map((k) => k.orderingKey)],
  });
  return new Set(rows.map((row) => keyOf({ webhookId: row.webhook_id, orderingKey: row.ordering_key })));
}

export const orderingKeyId = keyOf;

type EndedRow = { id: string; account_id: string; webhook_id: string };

/**
 * LATEST_PER_KEY: the held deliveries of these keys below `belowSequence` are stale (a newer event of the key
 * arrived) and end SUPERSEDED, never sent. Held ones only: they have no job and are certainly not in flight.
 */
export async function supersedeHeld(client: Queryable, lines: readonly (OrderingKey & { belowSequence: number })[]): Promise<EndedRow[]> {
  if (lines.length === 0) return [];
  const { rows } = await client.query<EndedRow>({
    name: 'supersede-held',
    text: `update deliveries d set status = 'SUPERSEDED', held = false, next_attempt_at = null,
                  failure_reason = 'superseded by a newer event of its key', updated_at = now()
             from unnest($1::uuid[], $2::text[], $3::int[]) as k(webhook_id, ordering_key, below)
            where d.webhook_id = k.webhook_id and d.ordering_key = k.ordering_key and d.sequence < k.below
              and d.held and d.status = 'PENDING'
           returning d.id, d.account_id, d.webhook_id`,
    values: [lines.map((k) => k.webhookId), lines.map((k) => k.orderingKey), lines.map((k) => k.belowSequence)],
  });
  return rows;
}

export type ReleasedDelivery = { id: string; account_id: string; webhook_id: string; attempt_count: number; next_attempt_at: Date | null };

/**
 * Hands each key's turn on: where no delivery of the line is waiting or retrying with a job, the held one with the
 * lowest sequence is released. Its job is the caller's to queue. Call with the keys locked (lockKeys).
 */
export async function releaseNext(client: Queryable, keys: readonly OrderingKey[]): Promise<ReleasedDelivery[]> {
  if (keys.length === 0) return [];
  const { rows } = await client.query<ReleasedDelivery>({
    name: 'release-next-of-keys',
    text: `update deliveries d set held = false, updated_at = now()
             from (select distinct on (n.webhook_id, n.ordering_key) n.id
                     from deliveries n
                     join unnest($1::uuid[], $2::text[]) as k(webhook_id, ordering_key) on n.webhook_id = k.webhook_id and n.ordering_key = k.ordering_key
                    where n.held and n.status = 'PENDING'
                      and not exists (select 1 from deliveries u
                                       where u.webhook_id = n.webhook_id and u.ordering_key = n.ordering_key
                                         and not u.held and u.status in ('PENDING', 'RETRYING'))
                    order by n.webhook_id, n.ordering_key, n.sequence) head
            where d.id = head.id
           returning d.id, d.account_id, d.webhook_id, d.attempt_count, d.next_attempt_at`,
    values: [keys.map((k) => k.webhookId), keys.map((k) => k.orderingKey)],
  });
  return rows;
}

/**
 * Holds deliveries that found an earlier delivery of their key unfinished — if that is still so now that the keys
 * are locked. Returns the ids it held; the others may go at once (their predecessor finished meanwhile).
 */
export async function holdDeliveries(client: Queryable, deliveryIds: readonly string[]): Promise<Set<string>> {
  if (deliveryIds.length === 0) return new Set();
  const { rows } = await client.query<{ id: string }>({
    name: 'hold-deliveries',
    text: `update deliveries d set held = true, updated_at = now()
            where d.id = any($1::uuid[]) and d.status in ('PENDING', 'RETRYING')
              and exists (select 1 from deliveries e
                           where e.webhook_id = d.webhook_id and e.ordering_key = d.ordering_key and e.sequence < d.sequence
                             and e.status in ('PENDING', 'RETRYING'))
           returning d.id`,
    values: [deliveryIds],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * Of these webhooks, the ones still active — each row share-locked until commit, so that a webhook disabled at this
 * moment waits for the new deliveries to commit and then fails them with its queued ones (a held delivery written
 * after that would have no job and nobody to end it).
 */
export async function lockActiveWebhooks(client: Queryable, webhookIds: readonly string[]): Promise<Set<string>> {
  if (webhookIds.length === 0) return new Set();
  const { rows } = await client.query<{ id: string }>({
    name: 'lock-active-webhooks',
    text: 'select id from webhooks where id = any($1::uuid[]) and active and deleted_at is null order by id for share',
    values: [[...new Set(webhookIds)].sort()],
  });
  return new Set(rows.map((row) => row.id));
}
