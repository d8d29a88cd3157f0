// Helpers of the delivery engine's tests: wait for a condition in the database or at a receiver, read deliveries,
// attempts and pg-boss jobs straight from SQL, and create webhooks / publish events through the typed SDK.
import { createServer } from 'node:net';
import type pg from 'pg';
import { expect } from 'vitest';
import type { GraphqlClient } from '../../src/sdk/client.js';
import { CreateWebhookDocument, PublishEventDocument, type CreateWebhookInput, type PublishEventInput } from '../../src/sdk/generated.js';
import { isUuid } from '../../src/db/ids.js';
import { rawId } from './graphql.js';
import type { ReceivedRequest } from './receiver.js';
import { publicId } from '../../src/domain/public-id.js';

/** Polls `check` until it returns a value other than undefined/false/null; fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export type DeliveryRow = {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'EXPIRED' | 'SUPERSEDED';
  attempt_count: number;
  next_attempt_at: Date | null;
  last_response_status: number | null;
  delivered_at: Date | null;
  manual_retries: number;
  failure_reason: string | null;
  archived: boolean;
  body: string | null;
  ordering_key: string | null;
  sequence: number | null;
  held: boolean;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

export type AttemptRow = {
  number: number;
  trigger: 'AUTOMATIC' | 'MANUAL';
  started_at: Date;
  duration_ms: number | null;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  request_headers: Record<string, string> | null;
};

/**
 * A delivery row as the tests read it: its columns, its body (a table of its own in the time-partitioned history) and
 * whether it is archived (below the purge watermark).
 */
export const DELIVERY_ROW_SQL = `select d.*, b.body, d.id < (select purged_before from history_watermarks where name = 'bodies') as archived
   from deliveries d left join delivery_bodies b on b.delivery_id = d.id`;

export async function deliveryRow(pool: pg.Pool, deliveryId: string): Promise<DeliveryRow> {
  const { rows } = await pool.query<DeliveryRow>(`${DELIVERY_ROW_SQL} where d.id = $1`, [deliveryId]);
  if (!rows[0]) throw new Error(`no delivery ${deliveryId}`);
  return rows[0];
}

export async function deliveriesOfEvent(pool: pg.Pool, eventId: string): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(`${DELIVERY_ROW_SQL} where d.event_id = $1 order by d.id`, [eventId]);
  return rows;
}

export async function deliveriesOfWebhook(pool: pg.Pool, webhookId: string): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(`${DELIVERY_ROW_SQL} where d.webhook_id = $1 order by d.id`, [webhookId]);
  return rows;
}

export async function attemptsOf(pool: pg.Pool, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await pool.query<AttemptRow>(
    `select a.number, a.trigger, a.started_at, a.duration_ms, a.response_status, b.response_body, a.error, a.request_headers
       from delivery_attempts a left join attempt_bodies b on b.delivery_id = a.delivery_id and b.number = a.number
      where a.delivery_id = $1 order by a.number`,
    [deliveryId],
  );
  return rows;
}

/** Waits until the delivery is in one of `statuses` (and `extra` holds), and returns its row. */
export function waitForDelivery(pool: pg.Pool, deliveryId: string, statuses: DeliveryRow['status'][], extra: (row: DeliveryRow) => boolean = () => true, timeoutMs = 20_000): Promise<DeliveryRow> {
  return waitUntil(
    `delivery ${deliveryId} to be ${statuses.join('|')}`,
    async () => {
      const row = await deliveryRow(pool, deliveryId);
      return statuses.includes(row.status) && extra(row) ? row : undefined;
    },
    timeoutMs,
  );
}

export type JobRow = { id: string; name: string; state: string; data: { deliveryId: string; attemptNumber: number }; start_after: Date; created_on: Date };

/** Both lanes of the attempt queue: first attempts, and retries / scheduled / manual attempts. */
export const ATTEMPT_QUEUES = ['delivery_attempt', 'delivery_retry'];

/**
 * The attempt jobs of these deliveries that are still in pg-boss's table: waiting, active, or failed for good
 * (a job is deleted once its attempt is recorded).
 */
export async function attemptJobs(pool: pg.Pool, deliveryIds: readonly string[]): Promise<JobRow[]> {
  const { rows } = await pool.query<JobRow>(
    `select id, name, state::text as state, data, start_after, created_on from pgboss.job
      where name = any($2::text[]) and data->>'deliveryId' = any($1::text[])
      order by created_on, (data->>'attemptNumber')::int`,
    [deliveryIds, ATTEMPT_QUEUES],
  );
  return rows;
}


export type Counts = { events: number; deliveries: number; attempts: number; jobs: number };

/** Rows of everything a publish writes: a refused publish must leave these unchanged. */
export async function countRows(pool: pg.Pool): Promise<Counts> {
  const { rows } = await pool.query<Counts>(
    `select (select count(*)::int from events) as events,
            (select count(*)::int from deliveries) as deliveries,
            (select count(*)::int from delivery_attempts) as attempts,
            (select count(*)::int from pgboss.job where name in ('delivery_attempt', 'delivery_retry')) as jobs`,
  );
  return rows[0]!;
}

export type CreatedWebhook = { id: string; rawId: string; secret: string };

export async function createWebhook(client: GraphqlClient, input: CreateWebhookInput): Promise<CreatedWebhook> {
  const { createWebhook: created } = await client.data(CreateWebhookDocument, { input });
  return { id: created.webhook.id, rawId: rawId(created.webhook.id, 'Webhook'), secret: created.secret! };
}

export type Published = { id: string; rawId: string; createdAt: string; deliveryCount: number; duplicate: boolean };

export async function publish(client: GraphqlClient, input: PublishEventInput): Promise<Published> {
  const { publishEvent } = await client.data(PublishEventDocument, { input });
  return {
    id: publishEvent.event.id,
    rawId: rawId(publishEvent.event.id, 'Event'),
    createdAt: publishEvent.event.createdAt,
    deliveryCount: publishEvent.deliveryCount,
    duplicate: publishEvent.duplicate,
  };
}

/** The single delivery of an event (fails unless there is exactly one). */
export async function onlyDelivery(pool: pg.Pool, eventId: string): Promise<DeliveryRow> {
  const rows = await deliveriesOfEvent(pool, eventId);
  expect(rows, `deliveries of event ${eventId}`).toHaveLength(1);
  return rows[0]!;
}

/** Requests that carried this webhook-id (the delivery's id). */
export const requestsFor = (requests: readonly ReceivedRequest[], deliveryId: string) => {
  // The header carries the public ID (`dlv_…`); tests hold either that or the row's UUID.
  const wireId = isUuid(deliveryId) ? publicId('Delivery', deliveryId) : deliveryId;
  return requests.filter((request) => request.headers['webhook-id'] === wireId);
};

/** A loopback port with nothing listening on it: connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Duration between two instants in ms. */
export const msBetween = (from: Date | string, to: Date | string) => new Date(to).getTime() - new Date(from).getTime();

/** A promise and the function that resolves it: hold a receiver's answer (Reply.release) until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
