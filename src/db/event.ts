// SQL of publishing: the webhooks events may go to, and events with their deliveries written many at a time, into the
// time-partitioned history (docs/partitioning.md): the metadata rows, and the data and bodies in tables of their own.
import type { ContextRef, Restriction } from '../catalog/catalog.js';
import type { Queryable } from './queryable.js';

export type EventRow = {
  id: string;
  account_id: string;
  type: string;
  data: unknown;
  context: unknown;
  archived: boolean;
  occurred_at: Date;
  created_at: Date;
  idempotency_key: string | null;
};

/** The row in the shape of the Prisma model, so GraphQL resolves it without reading it again (its data included). */
export const eventModelOf = (row: EventRow) => ({
  id: row.id,
  accountId: row.account_id,
  type: row.type,
  data: row.data as never,
  context: row.context as never,
  archived: row.archived,
  occurredAt: row.occurred_at,
  createdAt: row.created_at,
  idempotencyKey: row.idempotency_key,
});

export type EventModel = ReturnType<typeof eventModelOf>;

/** The events that first used these idempotency keys, with how many deliveries each made. */
export async function findEventsByIdempotencyKeys(client: Queryable, keys: readonly { accountId: string; idempotencyKey: string }[]) {
  if (keys.length === 0) return [];
  // `archived`: its data is gone (the partition that held it was detached).
  const { rows } = await client.query<EventRow & { delivery_count: number }>({
    name: 'events-by-idempotency-keys',
    text: `select e.id, e.account_id, e.type, b.data, e.context, b.event_id is null as archived, e.occurred_at, e.created_at, e.idempotency_key,
                  (select count(*)::int from deliveries d where d.event_id = e.id) as delivery_count
             from unnest($1::uuid[], $2::text[]) as k(account_id, idempotency_key)
             join event_idempotency_keys i on i.account_id = k.account_id and i.idempotency_key = k.idempotency_key
             join events e on e.id = i.event_id
             left join event_bodies b on b.event_id = e.id`,
    values: [keys.map((key) => key.accountId), keys.map((key) => key.idempotencyKey)],
  });
  return rows;
}

export type CandidateWebhook = {
  id: string;
  account_id: string;
  events: string[];
  send_data: boolean;
  restrictions: Restriction[];
};

/** Active webhooks of these accounts with their restrictions, in one query. */
export async function findActiveWebhooks(client: Queryable, accountIds: readonly string[]): Promise<CandidateWebhook[]> {
  const { rows } = await client.query<CandidateWebhook>({
    name: 'active-webhooks-of-accounts',
    text: `select w.id, w.account_id, w.events, w.send_data,
            coalesce((select json_agg(json_build_object('dimension', r.dimension, 'targetId', r.target_id))
                        from webhook_restrictions r where r.webhook_id = w.id), '[]'::json) as restrictions
       from webhooks w
      where w.account_id = any($1::uuid[]) and w.active and w.deleted_at is null`,
    values: [accountIds],
  });
  return rows;
}

export type NewEvent = {
  id: string;
  accountId: string;
  type: string;
  /** `data` serialised once: stored as is, and spliced into every delivery body. */
  dataJson: string;
  context: readonly ContextRef[] | null;
  occurredAt: Date;
  idempotencyKey: string | null;
  createdAt: Date;
};

export type NewDelivery = { id: string; accountId: string; webhookId: string; eventId: string; eventType: string; body: string; createdAt: Date };

/**
 * Events and their deliveries in one statement (one round trip for a whole batch): an event's deliveries are written
 * only if the event was, not when its idempotency key was seen before. Not check-then-insert: the key's primary key
 * decides (event_idempotency_keys: a partitioned events table cannot hold that unique index), so concurrent
 * duplicates wait for the first to commit and then write nothing. Each event's data and each delivery's body go to
 * their body tables in the same statement. Returns the events written.
 */
export async function insertEventsWithDeliveries(client: Queryable, events: readonly NewEvent[], deliveries: readonly NewDelivery[]): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const { rows } = await client.query<EventRow>({
    name: 'insert-events-with-deliveries',
    text: `with input as (
       select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[], $6::timestamptz[], $7::text[], $8::timestamptz[])
              as t(id, account_id, type, data, context, occurred_at, idempotency_key, created_at)
     ), key as (
       insert into event_idempotency_keys (account_id, idempotency_key, event_id)
       select account_id, idempotency_key, id from input where idempotency_key is not null
       on conflict do nothing
       returning event_id
     ), accepted as (
       select * from input where idempotency_key is null or id in (select event_id from key)
     ), event as (
       insert into events (id, account_id, type, context, occurred_at, idempotency_key, created_at)
       select id, account_id, type, context, occurred_at, idempotency_key, created_at from accepted
     ), event_body as (
       insert into event_bodies (event_id, data) select id, data from accepted
     ), delivery_input as (
       select * from unnest($9::uuid[], $10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::text[], $15::timestamptz[])
              as t(id, account_id, webhook_id, event_id, event_type, body, created_at)
        where t.event_id in (select id from accepted)
     ), delivery as (
       insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
       select id, account_id, webhook_id, event_id, event_type, 'PENDING', created_at, created_at, created_at from delivery_input
     ), delivery_body as (
       insert into delivery_bodies (delivery_id, body) select id, body from delivery_input
     )
     select id, account_id, type, data, context, false as archived, occurred_at, created_at, idempotency_key from accepted`,
    values: [
      events.map((e) => e.id),
      events.map((e) => e.accountId),
      events.map((e) => e.type),
      events.map((e) => e.dataJson),
      events.map((e) => (e.context ? JSON.stringify(e.context) : null)),
      events.map((e) => e.occurredAt),
      events.map((e) => e.idempotencyKey),
      events.map((e) => e.createdAt),
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.accountId),
      deliveries.map((d) => d.webhookId),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.eventType),
      deliveries.map((d) => d.body),
      deliveries.map((d) => d.createdAt),
    ],
  });
  return rows;
}
