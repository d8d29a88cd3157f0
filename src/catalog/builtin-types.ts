// The event types every catalog has, whatever the platform's file says: `webhook.test` (sendTestEvent) and the
// operational events Hookstream publishes itself into an account's pipeline (CONTRACT.md, "Operational events").
// A catalog file may not define these names or their categories; the loader appends them.
import type { CatalogFileEventType } from './catalog-file.js';

const WEBHOOK_ID = { type: 'string', minLength: 1, description: 'The webhook, as the API names it.' };
const DELIVERY_ID = { type: 'string', minLength: 1, description: 'The delivery, as the API and the webhook-id header name it.' };

/** The data of an operational event: the webhook's ID always, the delivery's where there is one. */
function operationalSchema(required: string[], extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    required: ['webhookId', ...required],
    properties: {
      webhookId: WEBHOOK_ID,
      webhookName: { type: 'string' },
      url: { type: 'string' },
      deliveryId: DELIVERY_ID,
      eventType: { type: 'string', description: 'The type of the event the delivery carries.' },
      error: { type: ['string', 'null'], description: 'What the last attempt ran into.' },
      responseStatus: { type: ['integer', 'null'] },
      ...extra,
    },
  };
}

const exampleWebhook = { webhookId: 'wh_01jf7q2c3d4e5f6g7h8j9k0mnp', webhookName: 'Front desk', url: 'https://example.com/hooks' };

export const WEBHOOK_TEST_TYPE: CatalogFileEventType = {
  name: 'webhook.test',
  category: 'webhook',
  description: 'A test event sent on request to check an endpoint.',
  deprecated: false,
  schema: {
    type: 'object',
    required: ['id', 'webhookId'],
    properties: { id: { type: 'string', minLength: 1 }, message: { type: 'string' }, webhookId: WEBHOOK_ID },
  },
  example: { id: 'evt_01jf7q2c3d4e5f6g7h8j9k0mnq', message: 'This is a test event sent from Hookstream.', webhookId: exampleWebhook.webhookId },
};

export const OPERATIONAL_TYPES: readonly CatalogFileEventType[] = Object.freeze([
  {
    name: 'hookstream.webhook.failing',
    category: 'hookstream',
    description: 'A webhook\'s attempt failed: the first failure since it was created, enabled or last succeeded.',
    deprecated: false,
    schema: operationalSchema([], { failingSince: { type: 'string', format: 'date-time' } }),
    example: { ...exampleWebhook, deliveryId: 'dlv_01jf7q2c3d4e5f6g7h8j9k0mnr', eventType: 'bookings.created', error: 'HTTP 503', responseStatus: 503, failingSince: '2026-12-01T10:00:00.000Z' },
  },
  {
    name: 'hookstream.webhook.disabling',
    category: 'hookstream',
    description: 'The final notice: a webhook failing for DISABLE_AFTER_FAILING_FOR is about to be disabled.',
    deprecated: false,
    schema: operationalSchema([], { failingSince: { type: 'string', format: 'date-time' }, disableAt: { type: 'string', format: 'date-time' } }),
    example: { ...exampleWebhook, failingSince: '2026-11-24T10:00:00.000Z', disableAt: '2026-12-01T10:00:00.000Z' },
  },
  {
    name: 'hookstream.webhook.disabled',
    category: 'hookstream',
    description: 'A webhook was disabled, with the reason.',
    deprecated: false,
    schema: operationalSchema(['reason'], { reason: { type: 'string', minLength: 1 } }),
    example: { ...exampleWebhook, reason: '5 consecutive failed attempts' },
  },
  {
    name: 'hookstream.webhook.recovered',
    category: 'hookstream',
    description: 'A failing webhook succeeded again.',
    deprecated: false,
    schema: operationalSchema([]),
    example: { ...exampleWebhook, deliveryId: 'dlv_01jf7q2c3d4e5f6g7h8j9k0mns', eventType: 'bookings.updated' },
  },
  {
    name: 'hookstream.delivery.exhausted',
    category: 'hookstream',
    description: 'A delivery made every scheduled attempt and failed them all.',
    deprecated: false,
    schema: operationalSchema(['deliveryId'], { attemptCount: { type: 'integer', minimum: 1 } }),
    example: { ...exampleWebhook, deliveryId: 'dlv_01jf7q2c3d4e5f6g7h8j9k0mnt', eventType: 'bookings.created', error: 'connection refused', responseStatus: null, attemptCount: 8 },
  },
]);

/** Names and categories a platform's file may not use: these types are Hookstream's. */
export const RESERVED_CATEGORIES: ReadonlySet<string> = new Set([WEBHOOK_TEST_TYPE.category, 'hookstream']);
