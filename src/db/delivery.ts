// SQL of the delivery engine's worker side: loading a batch of deliveries for their attempts, recording the outcomes
// of many attempts in one statement, disabling webhooks, failing what they had queued, and the manual actions' rows.
// Deliveries and attempts are time-partitioned, their bodies in tables of their own (docs/partitioning.md); a delivery
// is archived once its id is below the purge watermark (history_watermarks), whether or not its body partition has
// been detached yet.
import { CLOCK_SLACK_MS } from './history.js';
import { uuid7Floor } from './ids.js';
import type { Queryable } from './queryable.js';
import type { DeliveryStatusValue, Notification } from './notifications.js';

export type AttemptTrigger = 'AUTOMATIC' | 'MANUAL';

export type DeliveryForAttempt = {
  id: string;
  account_id: string;
  status: DeliveryStatusValue;
  attempt_count: number;
  automatic_attempts: number;
  next_attempt_trigger: AttemptTrigger;
  archived: boolean;
  body: string | null;
  body_transformed: boolean;
  event_id: string;
  event_type: string;
  ordering_key: string | null;
  sequence: number | null;
  expires_at: Date | null;
  /** An ordered webhook: a delivery of the same key with a lower sequence is still waiting or retrying. */
  blocked_by_earlier: boolean;
  /** LATEST_PER_KEY: a newer delivery of the same key exists. */
  superseded_by_newer: boolean;
  webhook_id: string;
  ordering: 'NONE' | 'PER_KEY' | 'LATEST_PER_KEY';
  url: string;
  http_method: 'POST' | 'PUT' | 'PATCH';
  transform: string | null;
  active: boolean;
  deleted_at: Date | null;
  /** Encrypted (secret-box); the worker decrypts. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  rate_limit_per_second: number | null;
  /** Values encrypted. */
  headers: { name: string; value: string }[];
  /** The W3C traceparent of the publish that made the delivery (null: made while tracing was off). */
  trace_parent: string | null;
  /** The webhook's own delays before each retry (ms), or null: RETRY_SCHEDULE. */
  retry_schedule_ms: number[] | null;
  /** The webhook's own per-attempt timeout (ms), or null: DELIVERY_TIMEOUT. */
  timeout_ms: number | null;
  /** The webhook was in a failing streak (or had failures counted) when this was loaded: a success may end it. */
  webhook_failing: boolean;
};

/** The purge watermark, as a subquery: ids below it are archived. */
const ARCHIVED_BEFORE = `(select purged_before from history_watermarks where name = 'bodies')`;

/**
 * The smallest and largest of some ids. A batch's ids are a few seconds of time: bounding the partition key by them
 * (scalar parameters, unlike `= any($array)`) lets PostgreSQL prune, when it starts the statement, every partition
 * outside that range — the day or two of bodies a batch touches, not all 120.
 */
function idRange(ids: readonly string[]): [string, string] {
  let low = ids[0]!;
  let high = ids[0]!;
  for (const id of ids) {
    if (id < low) low = id;
    if (id > high) high = id;
  }
  return [low, high];
}

/** The deliveries of a batch of jobs with what their attempts need of the webhook (and their bodies), in one query. */
export async function loadDeliveriesForAttempt(client: Queryable, deliveryIds: readonly string[]): Promise<DeliveryForAttempt[]> {
  if (deliveryIds.length === 0) return [];
  const { rows } = await client.query<DeliveryForAttempt>({
    name: 'deliveries-for-attempt',
    text: `select d.id, d.account_id, d.status, d.attempt_count, d.automatic_attempts, d.next_attempt_trigger,
            d.id < ${ARCHIVED_BEFORE} as archived, b.body, d.body_transformed, d.event_id, d.event_type, d.trace_parent,
            d.ordering_key, d.sequence, d.expires_at,
            (w.ordering <> 'NONE' and d.ordering_key is not null and exists (
               select 1 from deliveries e
                where e.webhook_id = d.webhook_id and e.ordering_key = d.ordering_key and e.sequence < d.sequence
                  and e.status in ('PENDING', 'RETRYING'))) as blocked_by_earlier,
            (w.ordering = 'LATEST_PER_KEY' and d.ordering_key is not null and exists (
               select 1 from deliveries n
                where n.webhook_id = d.webhook_id and n.ordering_key = d.ordering_key and n.sequence > d.sequence)) as superseded_by_newer,
            w.id as webhook_id, w.ordering, w.url, w.http_method, w.transform, w.active, w.deleted_at, w.secret, w.previous_secret,
            w.previous_secret_expires_at, w.rate_limit_per_second, w.retry_schedule_ms, w.timeout_ms,
            (w.failing_since is not null or w.failure_count > 0) as webhook_failing,
            coalesce((select json_agg(json_build_object('name', h.name, 'value', h.value) order by h.position)
                        from webhook_headers h where h.webhook_id = w.id), '[]'::json) as headers
       from deliveries d join webhooks w on w.id = d.webhook_id
       left join delivery_bodies b on b.delivery_id = d.id and b.delivery_id between $2 and $3
      where d.id = any($1::uuid[]) and d.id between $2 and $3`,
    values: [deliveryIds, ...idRange(deliveryIds)],
  });
  return rows;
}

export type AttemptRecord = {
  id: string;
  deliveryId: string;
  webhookId: string;
  number: number;
  trigger: AttemptTrigger;
  startedAt: Date;
  durationMs: number | null;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  requestHeaders: Record<string, string> | null;
  succeeded: boolean;
  /** False when the endpoint was never tried (the webhook's own transform failed): not one of its failures. */
  countsForWebhook: boolean;
  /** The body this attempt sent, when the webhook's transform made it: it becomes the delivery's body. */
  transformedBody: string | null;
  /** The delivery after this attempt. */
  status: DeliveryStatusValue;
  /** RETRYING: the next attempt this long after the outcome is recorded. */
  retryDelayMs: number | null;
  failureReason: string | null;
  automaticAttempts: number;
};

export type WebhookCount = { id: string; failure_count: number; active: boolean };

export type RecordedAttempts = {
  /** Webhooks whose consecutive-failure count changed, as they are now: for the disable decision. */
  webhooks: WebhookCount[];
  /** Deliveries now RETRYING, with when (and when they expire): their retry jobs are due then. */
  retrying: { id: string; next_attempt_at: Date; expires_at: Date | null }[];
};

/**
 * The outcomes of many attempts in one statement (atomic on its own, one round trip): the attempt rows (a non-empty
 * response body in attempt_bodies), each delivery's new state (a transformed body replacing its body), and each
 * webhook's consecutive-failure count (reset by a success, plus the failures after
 * the batch's last success). An attempt number recorded before (a job re-run after a crash) writes nothing and is
 * not counted. A delivery that finished meanwhile by other means (its webhook was disabled or deleted while the
 * attempt was in flight, failing it) keeps that end unless this attempt succeeded: it was delivered.
 */
export async function recordAttempts(
  client: Queryable,
  records: readonly AttemptRecord[],
  notifications: readonly Notification[] = [],
  /** The flush's jobs, completed in the same statement (the queue's CTE: queue.ts jobCompleteCte). */
  completing?: { jobIds: readonly string[]; cte: (name: string, ids: string) => string },
): Promise<RecordedAttempts> {
  if (records.length === 0) return { webhooks: [], retrying: [] };
  const { rows } = await client.query<{ webhooks: WebhookCount[]; retrying: { id: string; next_attempt_at: string; expires_at: string | null }[] }>({
    name: completing ? 'record-attempts-completing' : 'record-attempts',
    text: `with input as (
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::"AttemptTrigger"[], $6::timestamptz[], $7::int[], $8::int[],
                            $9::text[], $10::text[], $11::jsonb[], $12::bool[], $13::"DeliveryStatus"[], $14::int[], $15::text[], $16::int[],
                            $19::bool[], $20::text[])
              with ordinality as t(attempt_id, delivery_id, webhook_id, number, trigger, started_at, duration_ms, response_status,
                                   response_body, error, request_headers, succeeded, status, retry_delay_ms, failure_reason, automatic_attempts,
                                   counts_for_webhook, transformed_body, ord)
     ), attempt as (
       insert into delivery_attempts (delivery_id, number, trigger, started_at, duration_ms, response_status, error, request_headers)
       select delivery_id, number, trigger, started_at, duration_ms, response_status, error, request_headers from input
       on conflict (delivery_id, number) do nothing
       returning delivery_id, number
     ), recorded as (
       select i.* from input i join attempt a on a.delivery_id = i.delivery_id and a.number = i.number
     ), attempt_body as (
       insert into attempt_bodies (delivery_id, number, response_body)
       -- Never below the purge watermark, where the day's partition may be gone (a late attempt of an archived delivery).
       select delivery_id, number, response_body from recorded where response_body <> '' and delivery_id >= ${ARCHIVED_BEFORE}
     ), transformed as (
       -- An upsert, not an UPDATE … FROM: inserts are routed to their one partition, where an UPDATE joined to the
       -- batch would open every partition of the table on every flush.
       insert into delivery_bodies (delivery_id, body)
       select delivery_id, transformed_body from recorded where transformed_body is not null and delivery_id >= ${ARCHIVED_BEFORE}
       on conflict (delivery_id) do update set body = excluded.body
     ), delivery as (
       update deliveries d set
              status = case when r.succeeded or d.status in ('PENDING', 'RETRYING') then r.status else d.status end,
              next_attempt_at = case when r.succeeded or d.status in ('PENDING', 'RETRYING') then now() + r.retry_delay_ms * interval '1 millisecond' end,
              failure_reason = case when r.succeeded or d.status in ('PENDING', 'RETRYING') then r.failure_reason else d.failure_reason end,
              attempt_count = r.number, last_response_status = r.response_status, automatic_attempts = r.automatic_attempts,
              delivered_at = case when r.succeeded then now() else d.delivered_at end,
              body_transformed = d.body_transformed or r.transformed_body is not null,
              next_attempt_trigger = 'AUTOMATIC', updated_at = now()
         from recorded r
        where d.id = r.delivery_id and d.id between $21 and $22
       returning d.id, d.status, d.next_attempt_at, d.expires_at
     ), counted as (
       select webhook_id, bool_or(succeeded) as any_success,
              count(*) filter (where not succeeded and ord > coalesce(last_success, 0))::int as failures_after
         from (select r.*, max(ord) filter (where succeeded) over (partition by webhook_id) as last_success from recorded r where counts_for_webhook) x
        group by webhook_id
     ), webhook as (
       update webhooks w set failure_count = (case when c.any_success then 0 else w.failure_count end) + c.failures_after
         from counted c
        where w.id = c.webhook_id and (c.failures_after > 0 or w.failure_count <> 0)
       returning w.id, w.failure_count, w.active
     ), notified as (
       -- The changes' notifications in the same statement: sent if and only if it commits.
       select count(*)::int as sent from (select pg_notify(c, p) from unnest($17::text[], $18::text[]) as n(c, p)) x
     )${completing ? `, ${completing.cte('completed', '$23')}` : ''}
     -- One row whose two subqueries are always evaluated (a join with an empty side could skip the notifications).
     select coalesce((select json_agg(webhook) from webhook), '[]'::json) as webhooks,
            coalesce((select json_agg(json_build_object('id', id, 'next_attempt_at', next_attempt_at, 'expires_at', expires_at))
                        from delivery where status = 'RETRYING'), '[]'::json) as retrying,
            (select sent from notified) as sent`,
    values: [
      records.map((r) => r.id),
      records.map((r) => r.deliveryId),
      records.map((r) => r.webhookId),
      records.map((r) => r.number),
      records.map((r) => r.trigger),
      records.map((r) => r.startedAt),
      records.map((r) => r.durationMs),
      records.map((r) => r.responseStatus),
      records.map((r) => r.responseBody),
      records.map((r) => r.error),
      records.map((r) => (r.requestHeaders ? JSON.stringify(r.requestHeaders) : null)),
      records.map((r) => r.succeeded),
      records.map((r) => r.status),
      records.map((r) => r.retryDelayMs),
      records.map((r) => r.failureReason),
      records.map((r) => r.automaticAttempts),
      notifications.map((n) => n.channel),
      notifications.map((n) => n.payload),
      records.map((r) => r.countsForWebhook),
      records.map((r) => r.transformedBody),
      ...idRange(records.map((r) => r.deliveryId)),
      ...(completing ? [completing.jobIds] : []),
    ],
  });
  const row = rows[0];
  return {
    webhooks: row?.webhooks ?? [],
    retrying: (row?.retrying ?? []).map((delivery) => ({
      id: delivery.id,
      next_attempt_at: new Date(delivery.next_attempt_at),
      expires_at: delivery.expires_at === null ? null : new Date(delivery.expires_at),
    })),
  };
}

export type EndedDelivery = { id: string; account_id: string; webhook_id: string; status: DeliveryStatusValue; ordering_key: string | null };

/** Ends deliveries unsent (FAILED: their webhook went away; EXPIRED; SUPERSEDED). Returns those it changed. */
export async function endDeliveries(client: Queryable, ends: readonly { deliveryId: string; status: 'FAILED' | 'EXPIRED' | 'SUPERSEDED'; reason: string }[]): Promise<EndedDelivery[]> {
  if (ends.length === 0) return [];
  const { rows } = await client.query<EndedDelivery>(
    `update deliveries d set status = f.status, failure_reason = f.reason, next_attempt_at = null, held = false, updated_at = now()
       from unnest($1::uuid[], $2::"DeliveryStatus"[], $3::text[]) as f(id, status, reason)
      where d.id = f.id and d.status in ('PENDING', 'RETRYING')
     returning d.id, d.account_id, d.webhook_id, d.status, d.ordering_key`,
    [ends.map((f) => f.deliveryId), ends.map((f) => f.status), ends.map((f) => f.reason)],
  );
  return rows;
}

/** Disables webhooks that are still active; returns those this call disabled. */
export async function disableWebhooks(client: Queryable, webhooks: readonly { id: string; reason: string }[]) {
  if (webhooks.length === 0) return [];
  const { rows } = await client.query<{ id: string; account_id: string }>(
    `update webhooks w set active = false, disabled_reason = d.reason, updated_at = now()
       from unnest($1::uuid[], $2::text[]) as d(id, reason)
      where w.id = d.id and w.active
     returning w.id, w.account_id`,
    [webhooks.map((w) => w.id), webhooks.map((w) => w.reason)],
  );
  return rows;
}

/** A webhook that stops receiving fails its queued deliveries (their jobs find them FAILED and do nothing). */
export async function failQueuedDeliveries(client: Queryable, webhookIds: readonly string[], reason: string) {
  if (webhookIds.length === 0) return [];
  const { rows } = await client.query<{ id: string; account_id: string; webhook_id: string }>(
    `update deliveries set status = 'FAILED', failure_reason = $2, next_attempt_at = null, held = false, updated_at = now()
      where webhook_id = any($1::uuid[]) and status in ('PENDING', 'RETRYING')
      returning id, account_id, webhook_id`,
    [webhookIds, reason],
  );
  return rows;
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

export type WaitingDelivery = { id: string; account_id: string; webhook_id: string; attempt_count: number; next_attempt_trigger: AttemptTrigger };

/**
 * Deliveries waiting (PENDING/RETRYING) whose next attempt is overdue by `graceMs`: candidates for the reconciler.
 * Read account by account, so that each lookup is a range of the (account_id, status, id) index in each partition
 * (the waiting rows only) rather than a scan of the whole history.
 */
export async function findOverdueDeliveries(client: Queryable, graceMs: number, limit: number): Promise<WaitingDelivery[]> {
  const { rows } = await client.query<WaitingDelivery>(
    `select d.id, d.account_id, d.webhook_id, d.attempt_count, d.next_attempt_trigger
       from accounts a
       cross join lateral (
         select d.id, d.account_id, d.webhook_id, d.attempt_count, d.next_attempt_trigger, d.updated_at
           from deliveries d
          where d.account_id = a.id and d.status in ('PENDING', 'RETRYING') and not d.held
            and coalesce(d.next_attempt_at, d.updated_at) < now() - $1 * interval '1 millisecond'
          order by d.updated_at
          limit $2) as d
      order by d.updated_at
      limit $2`,
    [graceMs, limit],
  );
  return rows;
}

export type RetryCandidate = { status: DeliveryStatusValue; archived: boolean; attempt_count: number; webhook_id: string; webhook_active: boolean; webhook_deleted: boolean };

/** The delivery a manual retry is about, locked for the rest of the transaction; null when missing or not the account's. */
export async function lockDeliveryForRetry(client: Queryable, accountId: string, deliveryId: string): Promise<RetryCandidate | null> {
  const { rows } = await client.query<RetryCandidate>(
    `select d.status, d.id < ${ARCHIVED_BEFORE} as archived, d.attempt_count, d.webhook_id, w.active as webhook_active,
            w.deleted_at is not null as webhook_deleted
       from deliveries d join webhooks w on w.id = d.webhook_id
      where d.id = $1 and d.account_id = $2 for update of d`,
    [deliveryId, accountId],
  );
  return rows[0] ?? null;
}

/** Every FAILED, unarchived delivery of the webhook created since `since`, locked, oldest first. */
export async function lockFailedDeliveries(client: Queryable, accountId: string, webhookId: string, since: Date) {
  // The id bound (the time less the clock slack of db/history.ts) prunes the partitions before `since`.
  const { rows } = await client.query<{ id: string; attempt_count: number }>(
    `select id, attempt_count from deliveries
      where webhook_id = $1 and account_id = $2 and status = 'FAILED' and created_at >= $3
        and id >= greatest(${ARCHIVED_BEFORE}, $4::uuid)
      order by id for update`,
    [webhookId, accountId, since, uuid7Floor(new Date(since.getTime() - CLOCK_SLACK_MS))],
  );
  return rows;
}

/** Marks deliveries waiting for one more attempt triggered by an account admin. */
export async function markManualRetry(client: Queryable, deliveryIds: readonly string[]): Promise<void> {
  await client.query(
    `update deliveries set status = 'PENDING', manual_retries = manual_retries + 1, next_attempt_at = now(),
            next_attempt_trigger = 'MANUAL', failure_reason = null, updated_at = now()
      where id = any($1::uuid[])`,
    [deliveryIds],
  );
}
