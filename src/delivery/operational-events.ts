// The operational events Hookstream publishes into an account's own pipeline (CONTRACT.md, "Operational events"),
// built as ordinary publish inputs so that they match, fan out, sign and retry like any event. Their data follows
// the schemas of catalog/builtin-types.ts, with public IDs. The ordering key is the webhook's ID, so that a webhook
// with `ordering: PER_KEY` receives one webhook's events in the order they happened (failing, disabling, disabled).
import { publicId } from '../domain/public-id.js';
import { OPERATIONAL_CATEGORY } from '../domain/event-match.js';
import type { PublishInput } from './publisher.js';

export const OPERATIONAL_TYPES = Object.freeze({
  failing: `${OPERATIONAL_CATEGORY}.webhook.failing`,
  disabling: `${OPERATIONAL_CATEGORY}.webhook.disabling`,
  disabled: `${OPERATIONAL_CATEGORY}.webhook.disabled`,
  recovered: `${OPERATIONAL_CATEGORY}.webhook.recovered`,
  exhausted: `${OPERATIONAL_CATEGORY}.delivery.exhausted`,
} as const);

/** The webhook an event is about. */
export type AboutWebhook = { id: string; account_id: string; name: string; url: string };

/** The attempt behind a transition, where there is one. */
export type AboutAttempt = { deliveryId: string; eventType: string; error: string | null; responseStatus: number | null };

function input(webhook: AboutWebhook, type: string, data: Record<string, unknown>, now: Date): PublishInput {
  const webhookId = publicId('Webhook', webhook.id);
  return {
    accountId: webhook.account_id,
    type,
    data: { webhookId, webhookName: webhook.name, url: webhook.url, ...data },
    occurredAt: now,
    idempotencyKey: null,
    context: null,
    orderingKey: webhookId,
  };
}

const attemptData = (attempt: AboutAttempt) => ({
  deliveryId: publicId('Delivery', attempt.deliveryId),
  eventType: attempt.eventType,
  error: attempt.error,
  responseStatus: attempt.responseStatus,
});

export function failingEvent(webhook: AboutWebhook, attempt: AboutAttempt, failingSince: Date, now = new Date()): PublishInput {
  return input(webhook, OPERATIONAL_TYPES.failing, { ...attemptData(attempt), failingSince: failingSince.toISOString() }, now);
}

export function recoveredEvent(webhook: AboutWebhook, attempt: Pick<AboutAttempt, 'deliveryId' | 'eventType'>, now = new Date()): PublishInput {
  return input(webhook, OPERATIONAL_TYPES.recovered, { deliveryId: publicId('Delivery', attempt.deliveryId), eventType: attempt.eventType }, now);
}

export function disabledEvent(webhook: AboutWebhook, reason: string, attempt: AboutAttempt | null, now = new Date()): PublishInput {
  return input(webhook, OPERATIONAL_TYPES.disabled, { ...(attempt ? attemptData(attempt) : {}), reason }, now);
}

export function disablingEvent(webhook: AboutWebhook, failingSince: Date, disableAt: Date, now = new Date()): PublishInput {
  return input(webhook, OPERATIONAL_TYPES.disabling, { failingSince: failingSince.toISOString(), disableAt: disableAt.toISOString() }, now);
}

export function exhaustedEvent(webhook: AboutWebhook, attempt: AboutAttempt & { attemptCount: number }, now = new Date()): PublishInput {
  return input(webhook, OPERATIONAL_TYPES.exhausted, { ...attemptData(attempt), attemptCount: attempt.attemptCount }, now);
}
