// SQL of the endpoint's lifecycle (issue 14), all on `webhooks`: the state the recorder's flush reads and locks before
// it records attempts (to tell the transitions its outcomes make), the failing streak it writes, the rows the
// DISABLE_AFTER_FAILING_FOR check acts on, an admin's disable, and health checks claimed and recorded.
import type { Queryable } from './queryable.js';

/** What a flush (or a check) needs of a webhook to decide its transitions and describe them in an operational event. */
export type WebhookState = {
  id: string;
  account_id: string;
  name: string;
  url: string;
  active: boolean;
  deleted: boolean;
  failure_count: number;
  failing_since: Date | null;
  disabling_notice_at: Date | null;
  health_check: boolean;
};

const STATE_COLUMNS = `id, account_id, name, url, active, deleted_at is not null as deleted, failure_count, failing_since, disabling_notice_at, health_check`;

/**
 * These webhooks as they are, each row locked until commit, in one order (so two flushes never deadlock on them):
 * read before the flush's attempts are recorded, it is the state before the flush; the rows stay as read until the
 * flush writes them. `for no key update`, the lock the flush's own update takes anyway: it does not hold up the
 * foreign-key checks of deliveries being inserted for these webhooks meanwhile (publishing goes on).
 */
export async function lockWebhookStates(client: Queryable, webhookIds: readonly string[]): Promise<Map<string, WebhookState>> {
  if (webhookIds.length === 0) return new Map();
  const { rows } = await client.query<WebhookState>({
    name: 'lock-webhook-states',
    text: `select ${STATE_COLUMNS} from webhooks where id = any($1::uuid[]) order by id for no key update`,
    values: [[...new Set(webhookIds)].sort()],
  });
  return new Map(rows.map((row) => [row.id, row]));
}

export type StreakWrite = {
  webhookId: string;
  /** When the streak that runs now began; null: none runs. */
  failingSince: Date | null;
  /** A new streak began: its final notice has not gone out, and a webhook with health checks is checked now. */
  began: boolean;
};

/** Writes the streaks a flush began or ended. */
export async function writeStreaks(client: Queryable, streaks: readonly StreakWrite[]): Promise<void> {
  if (streaks.length === 0) return;
  await client.query({
    name: 'write-streaks',
    text: `update webhooks w set failing_since = s.failing_since,
              disabling_notice_at = case when s.began or s.failing_since is null then null else w.disabling_notice_at end,
              health_check_due_at = case when s.began and w.health_check then now() else w.health_check_due_at end
         from unnest($1::uuid[], $2::timestamptz[], $3::bool[]) as s(id, failing_since, began)
        where w.id = s.id`,
    values: [streaks.map((s) => s.webhookId), streaks.map((s) => s.failingSince), streaks.map((s) => s.began)],
  });
}

/**
 * Active webhooks failing since `failingSinceBefore` or earlier (due for their final notice or their disable), locked;
 * rows another process holds are skipped, not waited for.
 */
export async function lockLongFailingWebhooks(client: Queryable, failingSinceBefore: Date, limit: number): Promise<WebhookState[]> {
  const { rows } = await client.query<WebhookState>(
    `select ${STATE_COLUMNS} from webhooks
      where active and deleted_at is null and failing_since is not null and failing_since <= $1
      order by failing_since limit $2 for no key update skip locked`,
    [failingSinceBefore, limit],
  );
  return rows;
}

export async function markDisablingNotices(client: Queryable, webhookIds: readonly string[]): Promise<void> {
  if (webhookIds.length === 0) return;
  await client.query(`update webhooks set disabling_notice_at = now() where id = any($1::uuid[])`, [webhookIds]);
}

/** An account admin disables a webhook: the change and whether it was one (it was active), in one statement. */
export async function disableWebhookByAdmin(client: Queryable, webhookId: string, reason: string): Promise<WebhookState | null> {
  const { rows } = await client.query<WebhookState>(
    `update webhooks set active = false, disabled_reason = $2, updated_at = now()
      where id = $1 and active and deleted_at is null
     returning ${STATE_COLUMNS}`,
    [webhookId, reason],
  );
  return rows[0] ?? null;
}

export type ClaimedHealthCheck = {
  id: string;
  account_id: string;
  url: string;
  /** The due time the claim set (now + the interval): the result is written only if nobody asked again meanwhile. */
  claimed_due: Date;
  timeout_ms: number | null;
  /** Values encrypted. */
  headers: { name: string; value: string }[];
};

/**
 * Health checks that are due, claimed by this process: each is pushed an interval ahead (so that a process that dies
 * mid-check leaves it for later, not for never), and rows another process is claiming are skipped.
 */
export async function claimDueHealthChecks(client: Queryable, intervalMs: number, limit: number): Promise<ClaimedHealthCheck[]> {
  const { rows } = await client.query<ClaimedHealthCheck>({
    name: 'claim-due-health-checks',
    text: `with due as (
       select id from webhooks
        where health_check and deleted_at is null and health_check_due_at <= now()
        order by health_check_due_at limit $2 for no key update skip locked
     )
     update webhooks w set health_check_due_at = now() + $1 * interval '1 millisecond'
       from due where w.id = due.id
     returning w.id, w.account_id, w.url, w.health_check_due_at as claimed_due, w.timeout_ms,
               coalesce((select json_agg(json_build_object('name', h.name, 'value', h.value) order by h.position)
                           from webhook_headers h where h.webhook_id = w.id), '[]'::json) as headers`,
    values: [intervalMs, limit],
  });
  return rows;
}

export type HealthResult = {
  webhookId: string;
  /** The URL that was checked: a result for a URL changed meanwhile is dropped. */
  url: string;
  claimedDue: Date;
  ok: boolean;
  checkedAt: Date;
  responseStatus: number | null;
  error: string | null;
};

/**
 * Records health check results (Webhook.health). The next check is due an interval after this one while the webhook
 * is failing, and not at all otherwise — unless a new check was asked for meanwhile (its due time moved), which stands.
 */
export async function recordHealthResults(client: Queryable, results: readonly HealthResult[], intervalMs: number): Promise<{ id: string; account_id: string }[]> {
  if (results.length === 0) return [];
  const { rows } = await client.query<{ id: string; account_id: string }>({
    name: 'record-health-results',
    text: `update webhooks w set health_ok = r.ok, health_checked_at = r.checked_at, health_response_status = r.response_status, health_error = r.error,
              health_check_due_at = case when w.health_check_due_at is distinct from r.claimed_due then w.health_check_due_at
                                         when w.failing_since is not null then r.checked_at + $8 * interval '1 millisecond' end
         from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bool[], $5::timestamptz[], $6::int[], $7::text[])
              as r(id, url, claimed_due, ok, checked_at, response_status, error)
        where w.id = r.id and w.url = r.url and w.health_check
       returning w.id, w.account_id`,
    values: [
      results.map((r) => r.webhookId),
      results.map((r) => r.url),
      results.map((r) => r.claimedDue),
      results.map((r) => r.ok),
      results.map((r) => r.checkedAt),
      results.map((r) => r.responseStatus),
      results.map((r) => r.error),
      intervalMs,
    ],
  });
  return rows;
}
