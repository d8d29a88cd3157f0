// SQL of the delivery engine: creating deliveries, loading one for an attempt, recording the attempt's outcome.
import type { Queryable } from '../delivery/jobs.js';
import type { SecretBox } from '../domain/secret-box.js';
import { DELIVERY_CHANNEL } from './notifications.js';

export type NewDelivery = { id: string; accountId: string; webhookId: string; eventId: string; eventType: string; body: string };

export type DeliveryForAttempt = {
  id: string;
  account_id: string;
  status: 'PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED';
  attempt_count: number;
  archived: boolean;
  body: string | null;
  webhook_id: string;
  url: string;
  http_method: 'POST' | 'PUT' | 'PATCH';
  active: boolean;
  deleted_at: Date | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  rate_limit_per_second: number | null;
  headers: { name: string; value: string }[];
};

/** Secrets and header values come back decrypted, for signing and sending only. */
export async function loadDeliveryForAttempt(client: Queryable, deliveryId: string, box: SecretBox): Promise<DeliveryForAttempt | null> {
  const { rows } = await client.query<DeliveryForAttempt>({
    name: 'delivery-for-attempt',
    text: `select d.id, d.account_id, d.status, d.attempt_count, d.archived, d.body,
            w.id as webhook_id, w.url, w.http_method, w.active, w.deleted_at, w.secret, w.previous_secret,
            w.previous_secret_expires_at, w.rate_limit_per_second,
            coalesce((select json_agg(json_build_object('name', h.name, 'value', h.value) order by h.position)
                        from webhook_headers h where h.webhook_id = w.id), '[]'::json) as headers
       from deliveries d join webhooks w on w.id = d.webhook_id
      where d.id = $1`,
    values: [deliveryId],
  });
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    secret: box.decrypt(row.secret),
    previous_secret: row.previous_secret === null ? null : box.decrypt(row.previous_secret),
    headers: row.headers.map((header) => ({ name: header.name, value: box.decrypt(header.value) })),
  };
}

export type AttemptRecord = {
  id: string;
  deliveryId: string;
  number: number;
  trigger: 'AUTOMATIC' | 'MANUAL';
  startedAt: Date;
  durationMs: number | null;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  requestHeaders: Record<string, string> | null;
};

/** Returns false when this attempt number was already recorded (a job re-run after a crash): nothing is written. */
export async function insertAttempt(client: Queryable, attempt: AttemptRecord): Promise<boolean> {
  const { rowCount } = await client.query(
    `insert into delivery_attempts (id, delivery_id, number, trigger, started_at, duration_ms, response_status, response_body, error, request_headers)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
     on conflict (delivery_id, number) do nothing`,
    [attempt.id, attempt.deliveryId, attempt.number, attempt.trigger, attempt.startedAt, attempt.durationMs, attempt.responseStatus, attempt.responseBody, attempt.error, attempt.requestHeaders ? JSON.stringify(attempt.requestHeaders) : null],
  );
  return rowCount === 1;
}

export async function markDeliveryRetrying(client: Queryable, deliveryId: string, attemptNumber: number, responseStatus: number | null, nextAttemptAt: Date, reason: string): Promise<void> {
  await client.query(
    `update deliveries set status = 'RETRYING', attempt_count = $2, last_response_status = $3, next_attempt_at = $4,
            failure_reason = $5, updated_at = now()
      where id = $1`,
    [deliveryId, attemptNumber, responseStatus, nextAttemptAt, reason],
  );
}

export async function markDeliveryFailed(client: Queryable, deliveryId: string, reason: string, attempt?: { number: number; responseStatus: number | null }): Promise<void> {
  await client.query(
    `update deliveries set status = 'FAILED', failure_reason = $2, next_attempt_at = null, updated_at = now(),
            attempt_count = coalesce($3, attempt_count), last_response_status = coalesce($4, last_response_status)
      where id = $1`,
    [deliveryId, reason, attempt?.number ?? null, attempt?.responseStatus ?? null],
  );
}

/**
 * Counts one more consecutive failure; disables the webhook when it reaches the threshold (or at once, for 410 Gone).
 * Returns whether this call disabled it, and whether the webhook is still active (another attempt, or an admin, may
 * have disabled it while this one was in flight).
 */
export async function recordWebhookFailure(
  client: Queryable,
  webhookId: string,
  disableAfter: number,
  disableNowReason: string | null,
): Promise<{ disabled: boolean; active: boolean }> {
  const { rows } = await client.query<{ disabled: boolean; active: boolean }>(
    `with before as (
       select id, active, (active and ($3::text is not null or failure_count + 1 >= $2)) as disabling
         from webhooks where id = $1 for update
     )
     update webhooks w set
        failure_count = w.failure_count + 1,
        active = case when b.disabling then false else w.active end,
        disabled_reason = case when b.disabling
                               then coalesce($3::text, 'disabled after ' || (w.failure_count + 1) || ' consecutive failed attempts')
                               else w.disabled_reason end,
        updated_at = case when b.disabling then now() else w.updated_at end
       from before b
      where w.id = b.id
      returning b.disabling as disabled, w.active`,
    [webhookId, disableAfter, disableNowReason],
  );
  return { disabled: rows[0]?.disabled ?? false, active: rows[0]?.active ?? false };
}

/** A disabled webhook's queued deliveries fail (their jobs find them FAILED and do nothing). Returns their ids. */
export async function failQueuedDeliveries(client: Queryable, webhookId: string, reason: string): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `update deliveries set status = 'FAILED', failure_reason = $2, next_attempt_at = null, updated_at = now()
      where webhook_id = $1 and status in ('PENDING', 'RETRYING')
      returning id`,
    [webhookId, reason],
  );
  return rows.map((row) => row.id);
}

/**
 * Counts one attempt against the webhook's per-second limit; returns the start of the next second when this one is
 * full (the attempt must wait in the queue until then), or null when it may be sent now.
 */
export async function takeRateSlot(client: Queryable, webhookId: string, perSecond: number): Promise<Date | null> {
  const { rows } = await client.query<{ count: number; next_window: Date }>(
    `insert into webhook_rate_windows (webhook_id, window_start, count) values ($1, date_trunc('second', clock_timestamp()), 1)
     on conflict (webhook_id, window_start) do update set count = webhook_rate_windows.count + 1
     returning count, window_start + interval '1 second' as next_window`,
    [webhookId],
  );
  const row = rows[0];
  return row && row.count > perSecond ? row.next_window : null;
}

export async function deleteOldRateWindows(client: Queryable): Promise<void> {
  await client.query(`delete from webhook_rate_windows where window_start < now() - interval '1 minute'`);
}

/**
 * Deliveries waiting (PENDING/RETRYING) with no attempt job that could still run them: created, retry or active.
 * Only those overdue by `graceMs` are considered, so that a job committing right now is never doubled.
 */
export async function findStuckDeliveries(client: Queryable, partition: string, graceMs: number, limit: number) {
  const { rows } = await client.query<{ id: string; attempt_count: number; account_id: string; webhook_id: string }>(
    `select d.id, d.attempt_count, d.account_id, d.webhook_id
       from deliveries d
      where d.status in ('PENDING', 'RETRYING')
        and coalesce(d.next_attempt_at, d.updated_at) < now() - $1 * interval '1 millisecond'
        and not exists (select 1 from pgboss.${partition} j
                         where j.data->>'deliveryId' = d.id::text and j.state < 'completed')
      order by d.updated_at
      limit $2`,
    [graceMs, limit],
  );
  return rows;
}

/**
 * The whole of a successful attempt in one statement (atomic on its own, one round trip): the attempt row, the
 * delivery's SUCCEEDED, the webhook's failure count reset, and the change notification. Nothing is written when the
 * attempt number was recorded before (a job re-run after a crash). Returns whether it was recorded.
 */
export async function recordSuccessfulAttempt(client: Queryable, attempt: AttemptRecord & { responseStatus: number }, change: { accountId: string; webhookId: string }): Promise<boolean> {
  const { rowCount } = await client.query({
    name: 'record-successful-attempt',
    text: `with attempt as (
       insert into delivery_attempts (id, delivery_id, number, trigger, started_at, duration_ms, response_status, response_body, error, request_headers)
       values ($1, $2, $3, $4, $5, $6, $7, $8, null, $9::jsonb)
       on conflict (delivery_id, number) do nothing
       returning delivery_id
     ), delivery as (
       update deliveries set status = 'SUCCEEDED', attempt_count = $3, last_response_status = $7, delivered_at = now(),
              next_attempt_at = null, failure_reason = null, updated_at = now()
        where id = (select delivery_id from attempt)
       returning id
     ), webhook as (
       update webhooks set failure_count = 0
        where id = $10 and failure_count <> 0 and exists (select 1 from delivery)
       returning id
     )
     select pg_notify($11, json_build_object('id', d.id, 'accountId', $12::text, 'webhookId', $10::text, 'status', 'SUCCEEDED')::text)
       from delivery d`,
    values: [
      attempt.id, attempt.deliveryId, attempt.number, attempt.trigger, attempt.startedAt, attempt.durationMs, attempt.responseStatus,
      attempt.responseBody, attempt.requestHeaders ? JSON.stringify(attempt.requestHeaders) : null, change.webhookId, DELIVERY_CHANNEL, change.accountId,
    ],
  });
  return rowCount === 1;
}
