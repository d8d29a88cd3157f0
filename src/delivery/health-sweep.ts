// When health checks run (CONTRACT.md, "Channels": `healthCheck: true` GETs the url at create and re-enable and, while
// the webhook is failing, every HEALTH_CHECK_INTERVAL). Every trigger only marks the webhook due
// (`health_check_due_at`): createWebhook, setWebhookActive and updateWebhook in the api, a failing streak's start in
// the recorder, the previous check while the streak lasts. Worker processes claim what is due and run the checks with
// their channel set's HTTP client (the same agent or proxy, TLS rules and target checks as deliveries); a claim moves
// the due time an interval on, so that each check runs in one process and one that dies mid-check leaves it for later.
// The api process never sends a request itself: it may run no workers, and a check marked due survives its restart.
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { notify, webhookNotifications } from '../db/notifications.js';
import { claimDueHealthChecks, recordHealthResults, type HealthResult } from '../db/webhook-lifecycle.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { Logger } from '../logger.js';
import type { HttpClient } from './channels/http-client.js';
import { checkHealth } from './health-check.js';

const BATCH = 20;

export type HealthSweepDeps = {
  pool: pg.Pool;
  client: HttpClient;
  secretBox: SecretBox;
  /** DELIVERY_TIMEOUT, or the webhook's own timeout. */
  timeoutMs: number;
  /** HEALTH_CHECK_INTERVAL. */
  intervalMs: number;
  log: Logger;
};

/** Runs the checks that are due (a batch of them, at once); returns how many ran. */
export async function runDueHealthChecks(deps: HealthSweepDeps): Promise<number> {
  const claimed = await claimDueHealthChecks(deps.pool, deps.intervalMs, BATCH);
  if (claimed.length === 0) return 0;
  const results = await Promise.all(
    claimed.map(async (webhook): Promise<HealthResult> => {
      // The webhook's custom headers go along (an Authorization header its receiver checks); no body, no signature.
      const headers = Object.fromEntries(webhook.headers.map((header) => [header.name, deps.secretBox.decrypt(header.value)]));
      const result = await checkHealth(webhook.url, { client: deps.client, timeoutMs: webhook.timeout_ms ?? deps.timeoutMs, headers });
      return { webhookId: webhook.id, url: webhook.url, claimedDue: webhook.claimed_due, ...result };
    }),
  );
  await withTransaction(deps.pool, async (client) => {
    const recorded = await recordHealthResults(client, results, deps.intervalMs);
    await notify(client, webhookNotifications(recorded.map((webhook) => ({ id: webhook.id, accountId: webhook.account_id }))));
  });
  deps.log.debug({ checks: results.length, unhealthy: results.filter((result) => !result.ok).length }, 'health checks');
  return results.length;
}
