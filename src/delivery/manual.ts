// The account admin's manual actions: retry one delivery, replay a webhook's failed deliveries, send a test event.
// Each goes through the same queue and worker as any delivery; a manual attempt waits in the `later` lane, which the
// workers take first, so that it is not queued behind a backlog of first attempts.
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { lockDeliveryForRetry, lockFailedDeliveries, markManualRetry } from '../db/delivery.js';
import { insertEventsWithDeliveries, type NewDelivery } from '../db/event.js';
import { newId } from '../db/ids.js';
import { deliveryNotifications, notify } from '../db/notifications.js';
import { publicId } from '../domain/public-id.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import type { DeliveryQueue } from '../queue/queue.js';

export type ManualDeps = { pool: pg.Pool; queue: DeliveryQueue; wakeLocal: () => void };

export class DeliveryStateError extends Error {
  constructor(
    readonly reason: 'NOT_FOUND' | 'ARCHIVED' | 'IN_PROGRESS' | 'WEBHOOK_INACTIVE',
    message: string,
  ) {
    super(message);
  }
}

/** Re-queues a finished (SUCCEEDED or FAILED) delivery for one MANUAL attempt. */
export async function retryDelivery(deps: ManualDeps, accountId: string, deliveryId: string): Promise<void> {
  await withTransaction(deps.pool, async (client) => {
    const delivery = await lockDeliveryForRetry(client, accountId, deliveryId);
    if (!delivery) throw new DeliveryStateError('NOT_FOUND', 'Delivery not found');
    if (delivery.archived) throw new DeliveryStateError('ARCHIVED', 'This delivery is archived: its payload was purged after the retention period.');
    if (delivery.status !== 'SUCCEEDED' && delivery.status !== 'FAILED') {
      throw new DeliveryStateError('IN_PROGRESS', `This delivery is ${delivery.status}: only a SUCCEEDED or FAILED delivery can be retried.`);
    }
    // The job would only find the webhook inactive and fail the delivery unsent: refuse now, changing nothing, as
    // replayFailedDeliveries and sendTestEvent do.
    if (delivery.webhook_deleted) throw new DeliveryStateError('WEBHOOK_INACTIVE', 'The webhook of this delivery was deleted.');
    if (!delivery.webhook_active) throw new DeliveryStateError('WEBHOOK_INACTIVE', 'The webhook of this delivery is disabled: enable it before retrying.');
    await requeue(deps, client, accountId, [{ id: deliveryId, attemptCount: delivery.attempt_count, webhookId: delivery.webhook_id }]);
  });
  deps.wakeLocal();
}

/** Re-queues every FAILED, unarchived delivery of the webhook created since `since`; returns how many. */
export async function replayFailedDeliveries(deps: ManualDeps, accountId: string, webhookId: string, since: Date): Promise<number> {
  const count = await withTransaction(deps.pool, async (client) => {
    const rows = await lockFailedDeliveries(client, accountId, webhookId, since);
    await requeue(deps, client, accountId, rows.map((row) => ({ id: row.id, attemptCount: row.attempt_count, webhookId })));
    return rows.length;
  });
  if (count > 0) deps.wakeLocal();
  return count;
}

async function requeue(deps: ManualDeps, client: pg.PoolClient, accountId: string, deliveries: { id: string; attemptCount: number; webhookId: string }[]) {
  if (deliveries.length === 0) return;
  await markManualRetry(client, deliveries.map((d) => d.id));
  await deps.queue.enqueue(client, deliveries.map((d) => ({ deliveryId: d.id, attemptNumber: d.attemptCount + 1, lane: 'later' as const })));
  await notify(client, [
    { channel: deps.queue.wakeChannel, payload: '' },
    ...deliveryNotifications(deliveries.map((d) => ({ id: d.id, accountId, webhookId: d.webhookId, status: 'PENDING' as const }))),
  ]);
}

/** Publishes a `webhook.test` event to this one webhook (whatever it subscribes to) and returns the delivery id. */
export async function sendTestEvent(deps: ManualDeps, accountId: string, webhook: { id: string; sendData: boolean }): Promise<string> {
  const eventId = newId();
  const now = new Date();
  // The IDs in the test event's data are the ones the API shows, as everywhere on the wire.
  const data = { id: publicId('Event', eventId), message: 'This is a test event sent from Hookstream.', webhookId: publicId('Webhook', webhook.id) };
  const delivery: NewDelivery = {
    id: newId(),
    accountId,
    webhookId: webhook.id,
    eventId,
    eventType: 'webhook.test',
    createdAt: now,
    nextAttemptAt: now,
    expiresAt: null,
    orderingKey: null,
    sequence: null,
    held: false,
    body: buildWebhookBody({
      eventType: 'webhook.test',
      eventId: publicId('Event', eventId),
      webhookId: publicId('Webhook', webhook.id),
      triggeredAt: now,
      occurredAt: now,
      data,
      sendData: webhook.sendData,
    }),
  };
  await withTransaction(deps.pool, async (client) => {
    const [event] = await insertEventsWithDeliveries(
      client,
      [{ id: eventId, accountId, type: 'webhook.test', dataJson: JSON.stringify(data), context: null, occurredAt: now, idempotencyKey: null, createdAt: now }],
      [delivery],
    );
    if (!event) throw new Error('test event was not inserted');
    await deps.queue.enqueue(client, [{ deliveryId: delivery.id, attemptNumber: 1, lane: 'later' }]);
    await notify(client, [
      { channel: deps.queue.wakeChannel, payload: '' },
      ...deliveryNotifications([{ id: delivery.id, accountId, webhookId: webhook.id, status: 'PENDING' }]),
    ]);
  });
  deps.wakeLocal();
  return delivery.id;
}
