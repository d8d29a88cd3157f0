// Seeds call history straight into the database (no jobs, no HTTP): hundreds of events and deliveries in a few
// statements, with chosen created_at values, statuses and event types, so that the history queries can be checked
// against plain SQL. Rows are what the engine writes: the metadata rows and their bodies, and ids made at the row's
// created_at (UUIDv7; the history is partitioned, ordered and time-filtered by them, docs/partitioning.md).
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';

export type DeliveryStatus = 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED';

export type SeedEvent = { id: string; type: string; createdAt: Date };
export type SeedDelivery = { id: string; webhookId: string; eventId: string; eventType: string; status: DeliveryStatus; createdAt: Date };

let sequence = 0;

/** Partitions for the times of the rows seeded (the service creates them from now on; seeds go back in time). */
async function createPartitionsFor(pool: pg.Pool, times: readonly Date[]): Promise<void> {
  const ms = times.map((time) => time.getTime());
  await pool.query('select hookstream_create_history_partitions($1, $2)', [new Date(Math.min(...ms)), new Date(Math.max(...ms) + 1)]);
}

/** A UUIDv7 of the millisecond `at`, each one greater than the one before within that millisecond (as the engine's are). */
export function idAt(at: Date): string {
  sequence = (sequence + 1) & 0x7ffffff;
  return uuidv7({ msecs: at.getTime(), seq: sequence });
}

export async function insertEvents(pool: pg.Pool, accountId: string, events: readonly SeedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await createPartitionsFor(pool, events.map((event) => event.createdAt));
  await pool.query(
    `with input as (select * from unnest($2::uuid[], $3::text[], $4::timestamptz[]) as t(id, type, created_at)),
          event as (insert into events (id, account_id, type, occurred_at, created_at) select id, $1, type, created_at, created_at from input)
     insert into event_bodies (event_id, data) select id, jsonb_build_object('id', id::text) from input`,
    [accountId, events.map((event) => event.id), events.map((event) => event.type), events.map((event) => event.createdAt)],
  );
}

export async function insertDeliveries(pool: pg.Pool, accountId: string, deliveries: readonly SeedDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await createPartitionsFor(pool, deliveries.map((delivery) => delivery.createdAt));
  await pool.query(
    `with input as (select * from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
                      as t(id, webhook_id, event_id, event_type, status, created_at)),
          delivery as (
            insert into deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, delivered_at, created_at, updated_at)
            select id, $1, webhook_id, event_id, event_type, status::"DeliveryStatus",
                   case when status in ('PENDING') then 0 else 1 end,
                   case when status = 'SUCCEEDED' then created_at end,
                   created_at, created_at
              from input)
     insert into delivery_bodies (delivery_id, body) select id, '{}' from input`,
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
  return rows.map((row) => ({ id: idAt(row.createdAt), webhookId: row.webhookId, eventId: row.event.id, eventType: row.event.type, status: row.status, createdAt: row.createdAt }));
}
