// Seeds call history straight into the database (no jobs, no HTTP): hundreds of events and deliveries in a few
// statements, with chosen created_at values, statuses and event types, so that the history queries can be checked
// against plain SQL.
import type pg from 'pg';
import { newId } from '../../src/db/ids.js';

export type DeliveryStatus = 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED';

export type SeedEvent = { id: string; type: string; createdAt: Date };
export type SeedDelivery = { id: string; webhookId: string; eventId: string; eventType: string; status: DeliveryStatus; createdAt: Date };

export async function insertEvents(pool: pg.Pool, accountId: string, events: readonly SeedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await pool.query(
    `insert into events (id, account_id, type, data, occurred_at, created_at)
     select id, $1, type, jsonb_build_object('id', id::text), created_at, created_at
       from unnest($2::uuid[], $3::text[], $4::timestamptz[]) as t(id, type, created_at)`,
    [accountId, events.map((event) => event.id), events.map((event) => event.type), events.map((event) => event.createdAt)],
  );
}

export async function insertDeliveries(pool: pg.Pool, accountId: string, deliveries: readonly SeedDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await pool.query(
    `insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, delivered_at, body, created_at, updated_at)
     select id, $1, webhook_id, event_id, event_type, status::"DeliveryStatus",
            case when status in ('PENDING') then 0 else 1 end,
            case when status = 'SUCCEEDED' then created_at end,
            '{}', created_at, created_at
       from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
         as t(id, webhook_id, event_id, event_type, status, created_at)`,
    [
      accountId,
      deliveries.map((delivery) => delivery.id),
      deliveries.map((delivery) => delivery.webhookId),
      deliveries.map((delivery) => delivery.eventId),
      deliveries.map((delivery) => delivery.eventType),
      deliveries.map((delivery) => delivery.status),
      deliveries.map((delivery) => delivery.createdAt),
    ],
  );
}

/** A delivery for each webhook and event pair given, created `createdAt`, in the given status; returns them. */
export function planDeliveries(
  rows: readonly { webhookId: string; event: SeedEvent; status: DeliveryStatus; createdAt: Date }[],
): SeedDelivery[] {
  return rows.map((row) => ({ id: newId(), webhookId: row.webhookId, eventId: row.event.id, eventType: row.event.type, status: row.status, createdAt: row.createdAt }));
}
