// SQL of publishing: the event row (idempotent per account and key) and the webhooks it may go to.
import type { Queryable } from '../delivery/jobs.js';
import type { ContextRef, Restriction } from '../domain/restrictions.js';

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

/** The row in the shape of the Prisma model, so GraphQL resolves it without reading it again. */
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

export async function findEventByIdempotencyKey(client: Queryable, accountId: string, idempotencyKey: string) {
  const { rows } = await client.query<EventRow & { delivery_count: number }>(
    `select e.id, e.account_id, e.type, e.data, e.context, e.archived, e.occurred_at, e.created_at, e.idempotency_key,
            (select count(*)::int from deliveries d where d.event_id = e.id) as delivery_count
       from events e where e.account_id = $1 and e.idempotency_key = $2`,
    [accountId, idempotencyKey],
  );
  return rows[0] ?? null;
}

export type CandidateWebhook = {
  id: string;
  events: string[];
  send_data: boolean;
  restrictions: Restriction[];
};

/** Active webhooks of the account with their restrictions, in one query. */
export async function findActiveWebhooks(client: Queryable, accountId: string): Promise<CandidateWebhook[]> {
  const { rows } = await client.query<CandidateWebhook>({
    name: 'active-webhooks',
    text: `select w.id, w.events, w.send_data,
            coalesce((select json_agg(json_build_object('dimension', r.dimension, 'targetId', r.target_id))
                        from webhook_restrictions r where r.webhook_id = w.id), '[]'::json) as restrictions
       from webhooks w
      where w.account_id = $1 and w.active and w.deleted_at is null`,
    values: [accountId],
  });
  return rows;
}

/**
 * The event and its deliveries in one statement (one round trip): the deliveries are written only if the event was
 * (not when its idempotency key was seen before). Not check-then-insert: the unique index decides, so concurrent
 * duplicates wait for the first to commit and then write nothing. Returns the event row, or null for a duplicate key. `createdAt`
 * comes from the caller because the delivery bodies carry it as `triggered_at` and are built before the insert.
 */
export async function insertEventWithDeliveries(
  client: Queryable,
  event: { id: string; accountId: string; type: string; data: unknown; context: readonly ContextRef[] | null; occurredAt: Date; idempotencyKey: string | null; createdAt: Date },
  deliveries: readonly { id: string; webhookId: string; body: string }[],
): Promise<EventRow | null> {
  const { rows } = await client.query<EventRow>({
    name: 'insert-event-with-deliveries',
    text: `with event as (
       insert into events (id, account_id, type, data, context, occurred_at, idempotency_key, created_at)
       values ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8)
       on conflict (account_id, idempotency_key) do nothing
       returning id, account_id, type, data, context, archived, occurred_at, created_at, idempotency_key
     ), delivery as (
       insert into deliveries (id, account_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at, updated_at)
       select t.id, $2, t.webhook_id, $1, $3, t.body, 'PENDING', $8, $8, $8
         from unnest($9::uuid[], $10::uuid[], $11::text[]) as t(id, webhook_id, body)
        where exists (select 1 from event)
     )
     select * from event`,
    values: [
      event.id, event.accountId, event.type, JSON.stringify(event.data), event.context ? JSON.stringify(event.context) : null,
      event.occurredAt, event.idempotencyKey, event.createdAt,
      deliveries.map((d) => d.id), deliveries.map((d) => d.webhookId), deliveries.map((d) => d.body),
    ],
  });
  return rows[0] ?? null;
}
