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
  ordering: 'NONE' | 'PER_KEY' | 'LATEST_PER_KEY';
  restrictions: Restriction[];
};

/** Active webhooks of these accounts with their restrictions, in one query. */
export async function findActiveWebhooks(client: Queryable, accountIds: readonly string[]): Promise<CandidateWebhook[]> {
  const { rows } = await client.query<CandidateWebhook>({
    name: 'active-webhooks-of-accounts',
    text: `select w.id, w.account_id, w.events, w.send_data, w.ordering,
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

export type NewDelivery = {
  id: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  body: string;
  createdAt: Date;
  /** When the first attempt is due: now, or publishEvent's deliverAt. */
  nextAttemptAt: Date;
  expiresAt: Date | null;
  /** An ordered webhook's: its line and place in it, and whether it waits (without a job) behind the one before. */
  orderingKey: string | null;
  sequence: number | null;
  held: boolean;
  /** The publish span's W3C traceparent, which the delivery's attempt spans link to; absent while tracing is off. */
  traceParent?: string | null;
};

const DELIVERY_INSERT = `insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, next_attempt_at, expires_at,
                              ordering_key, sequence, held, trace_parent, created_at, updated_at)`;
const DELIVERY_SELECT = `select t.id, t.account_id, t.webhook_id, t.event_id, t.event_type, 'PENDING', t.next_attempt_at, t.expires_at,
              t.ordering_key, t.sequence, t.held, t.trace_parent, t.created_at, t.created_at`;
/** The rows of deliveryValues(), as parameters from `$first` on. */
function deliveryRows(first: number): string {
  const types = ['uuid', 'uuid', 'uuid', 'uuid', 'text', 'text', 'timestamptz', 'timestamptz', 'timestamptz', 'text', 'int', 'bool', 'text'];
  return `unnest(${types.map((type, index) => `$${first + index}::${type}[]`).join(', ')})
              as t(id, account_id, webhook_id, event_id, event_type, body, created_at, next_attempt_at, expires_at, ordering_key, sequence, held, trace_parent)`;
}

function deliveryValues(deliveries: readonly NewDelivery[]): unknown[] {
  return [
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.accountId),
    deliveries.map((d) => d.webhookId),
    deliveries.map((d) => d.eventId),
    deliveries.map((d) => d.eventType),
    deliveries.map((d) => d.body),
    deliveries.map((d) => d.createdAt),
    deliveries.map((d) => d.nextAttemptAt),
    deliveries.map((d) => d.expiresAt),
    deliveries.map((d) => d.orderingKey),
    deliveries.map((d) => d.sequence),
    deliveries.map((d) => d.held),
    // Tracing off: one null instead of an array of them (unnest pads a missing array with nulls).
    deliveries.some((d) => d.traceParent) ? deliveries.map((d) => d.traceParent ?? null) : null,
  ];
}

/**
 * The CTEs that write a batch of events and their deliveries (parameters $1–$21): the idempotency keys first — their
 * primary key decides, not a check-then-insert (event_idempotency_keys: a partitioned events table cannot hold that
 * unique index), so concurrent duplicates wait for the first to commit and then write nothing — then the events
 * accepted, their data, their deliveries (`delivery`, returning each) and the deliveries' bodies. An event's deliveries
 * are written only if the event was. `accepted` holds the events written.
 */
const EVENTS_WITH_DELIVERIES = `input as (
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
       select * from ${deliveryRows(9)}
        where t.event_id in (select id from accepted)
     ), delivery as (
       ${DELIVERY_INSERT}
       ${DELIVERY_SELECT}
         from delivery_input t
       returning id, account_id, webhook_id, event_id, next_attempt_at, created_at
     ), delivery_body as (
       insert into delivery_bodies (delivery_id, body) select id, body from delivery_input
     )`;

const ACCEPTED_EVENT_COLUMNS = 'a.id, a.account_id, a.type, a.data, a.context, false as archived, a.occurred_at, a.created_at, a.idempotency_key';

function eventValues(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.id),
    events.map((e) => e.accountId),
    events.map((e) => e.type),
    events.map((e) => e.dataJson),
    events.map((e) => (e.context ? JSON.stringify(e.context) : null)),
    events.map((e) => e.occurredAt),
    events.map((e) => e.idempotencyKey),
    events.map((e) => e.createdAt),
  ];
}

/**
 * Events and their deliveries in one statement (one round trip for a whole batch), on the caller's transaction (which
 * writes the jobs). Returns the events written.
 */
export async function insertEventsWithDeliveries(client: Queryable, events: readonly NewEvent[], deliveries: readonly NewDelivery[]): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const { rows } = await client.query<EventRow>({
    name: 'insert-events-with-deliveries',
    text: `with ${EVENTS_WITH_DELIVERIES}
     select ${ACCEPTED_EVENT_COLUMNS} from accepted a`,
    values: [...eventValues(events), ...deliveryValues(deliveries)],
  });
  return rows;
}

/**
 * The whole of a batch of unordered events in one statement, its own commit: the events (idempotent per account and
 * key), their deliveries, each delivery's first job (due now, or at its deliverAt), and the notifications that wake
 * the workers and tell subscribers — one round trip, where a transaction around the same writes takes five while
 * holding its locks. `jobInsertCte` is the queue's (src/queue/queue.ts). Returns the events written, each with how
 * many deliveries it made.
 */
export async function publishEventsAtOnce(
  client: Queryable,
  events: readonly NewEvent[],
  deliveries: readonly NewDelivery[],
  channels: { wake: string; deliveries: string },
  jobInsertCte: (name: string, source: string) => string,
): Promise<(EventRow & { delivery_count: number })[]> {
  if (events.length === 0) return [];
  const { rows } = await client.query<EventRow & { delivery_count: number }>({
    name: 'publish-events-at-once',
    text: `with ${EVENTS_WITH_DELIVERIES}, first_attempt as (
       select id as delivery_id, 1 as attempt_number,
              case when next_attempt_at > created_at then 'later' else 'now' end as lane,
              case when next_attempt_at > created_at then next_attempt_at end as run_at
         from delivery
     ), ${jobInsertCte('job', 'first_attempt')}, notified as (
       -- Subscribers learn of each new delivery (PENDING), many to a payload; workers everywhere wake once.
       select count(*)::int as sent from (
         select pg_notify($23, payload) from (
           select json_agg(json_build_object('id', id, 'accountId', account_id, 'webhookId', webhook_id, 'status', 'PENDING'))::text as payload
             from (select d.*, (row_number() over ()) / 40 as chunk from delivery d) numbered group by chunk
         ) changes
         union all
         select pg_notify($22, '') where exists (select 1 from job)
       ) x
     )
     select ${ACCEPTED_EVENT_COLUMNS}, (select count(*)::int from delivery d where d.event_id = a.id) as delivery_count,
            (select sent from notified) as notified
       from accepted a`,
    values: [...eventValues(events), ...deliveryValues(deliveries), channels.wake, channels.deliveries],
  });
  return rows;
}

/** Deliveries of events written before (in the same transaction): ordered ones, once their sequences are known. */
export async function insertDeliveries(client: Queryable, deliveries: readonly NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await client.query({
    name: 'insert-deliveries',
    text: `with delivery_input as (select * from ${deliveryRows(1)}), delivery as (
             ${DELIVERY_INSERT}
             ${DELIVERY_SELECT}
               from delivery_input t
           )
           insert into delivery_bodies (delivery_id, body) select id, body from delivery_input`,
    values: deliveryValues(deliveries),
  });
}
