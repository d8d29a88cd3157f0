// DISABLE_AFTER_FAILING_FOR (CONTRACT.md; Sirvoy removes a webhook "after a week of failures … after a final
// notification"): a periodic check in worker processes, one at a time (an advisory lock; a process that finds it
// taken skips its turn). A webhook whose attempts have failed without a success between since its streak began gets
// `hookstream.webhook.disabling` a lead time before (domain/webhook-lifecycle.ts) and is disabled, with
// `hookstream.webhook.disabled`, when the time is up — each in the transaction that records it, so once per streak.
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { disableWebhooks, failQueuedDeliveries } from '../db/delivery.js';
import { deliveryNotifications, notify, webhookNotifications } from '../db/notifications.js';
import { lockLongFailingWebhooks, markDisablingNotices } from '../db/webhook-lifecycle.js';
import { formatDuration } from '../domain/durations.js';
import { publicId } from '../domain/public-id.js';
import { decideFailingFor, disablingNoticeLeadMs } from '../domain/webhook-lifecycle.js';
import type { Logger } from '../logger.js';
import { disabledEvent, disablingEvent, type AboutWebhook } from './operational-events.js';
import type { PublishInput, Publisher } from './publisher.js';

const FAILING_FOR_LOCK = 0x686f6f70; // "hoop"
const BATCH = 500;

export type FailingForDeps = { pool: pg.Pool; publishWithin: Publisher['writeWithin']; log: Logger };

/** The reason a DISABLE_AFTER_FAILING_FOR disable gives (Webhook.disabledReason and the event's `reason`). */
export const failingForReason = (failingForMs: number, failingSince: Date) => `failing for ${formatDuration(failingForMs)} without a success (since ${failingSince.toISOString()})`;

/** One pass: final notices and disables that are due. Returns how many of each, and whether events went out. */
export async function checkLongFailingWebhooks(deps: FailingForDeps, failingForMs: number, now = new Date()): Promise<{ noticed: number; disabled: number; deliveries: number }> {
  return withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [FAILING_FOR_LOCK]);
    if (!rows[0]?.locked) return { noticed: 0, disabled: 0, deliveries: 0 };
    const noticeFrom = new Date(now.getTime() - failingForMs + disablingNoticeLeadMs(failingForMs));
    const candidates = await lockLongFailingWebhooks(client, noticeFrom, BATCH);
    const events: PublishInput[] = [];
    const noticed: string[] = [];
    const disables: (AboutWebhook & { reason: string })[] = [];
    for (const webhook of candidates) {
      const failingSince = webhook.failing_since!;
      const step = decideFailingFor({ failingSince, noticeSentAt: webhook.disabling_notice_at }, failingForMs, now);
      // The notice goes first, also when a late check does both at once.
      if (step.notice) {
        events.push(disablingEvent(webhook, failingSince, step.disableAt, now));
        noticed.push(webhook.id);
      }
      if (step.disable) {
        const reason = failingForReason(failingForMs, failingSince);
        disables.push({ ...webhook, reason });
        events.push(disabledEvent(webhook, reason, null, now));
      }
    }
    await markDisablingNotices(client, noticed);
    const disabled = await disableWebhooks(client, disables);
    const failedQueued = await failQueuedDeliveries(client, disabled.map((webhook) => webhook.id), 'webhook disabled');
    const published = await deps.publishWithin(client, events);
    await notify(client, [
      ...deliveryNotifications(failedQueued.map((row) => ({ id: row.id, accountId: row.account_id, webhookId: row.webhook_id, status: 'FAILED' as const }))),
      ...webhookNotifications(disabled.map((webhook) => ({ id: webhook.id, accountId: webhook.account_id }))),
    ]);
    for (const webhook of disables) deps.log.warn({ webhookId: publicId('Webhook', webhook.id), reason: webhook.reason }, 'webhook disabled: failing for too long');
    return { noticed: noticed.length, disabled: disabled.length, deliveries: published.deliveryCount };
  });
}
