// The account admin's manual actions: retry one delivery, replay a webhook's failed deliveries, send a test event.
// Each goes through the same queue and worker as any delivery.
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import { newId } from '../db/ids.js';
import { insertEventWithDeliveries } from '../db/event.js';
import { publicId } from '../domain/public-id.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import { enqueueAttempts } from './jobs.js';
import { queueFirstAttempts, type PublishDeps } from './publish.js';

export type ManualDeps = Pick<PublishDeps, 'pool' | 'boss' | 'wakeWorkers'>;

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
    const { rows } = await client.query<{ status: string; archived: boolean; attempt_count: number; webhook_id: string; webhook_active: boolean; webhook_deleted: boolean }>(
      `select d.status, d.archived, d.attempt_count, d.webhook_id, w.active as webhook_active, w.deleted_at is not null as webhook_deleted
         from deliveries d join webhooks w on w.id = d.webhook_id
        where d.id = $1 and d.account_id = $2 for update of d`,
      [deliveryId, accountId],
    );
    const delivery = rows[0];
    if (!delivery) throw new DeliveryStateError('NOT_FOUND', 'Delivery not found');
    if (delivery.archived) throw new DeliveryStateError('ARCHIVED', 'This delivery is archived: its payload was purged after the retention period.');
    if (delivery.status !== 'SUCCEEDED' && delivery.status !== 'FAILED') {
      throw new DeliveryStateError('IN_PROGRESS', `This delivery is ${delivery.status}: only a SUCCEEDED or FAILED delivery can be retried.`);
    }
    // The job would only find the webhook inactive and fail the delivery unsent: refuse now, changing nothing, as
    // replayFailedDeliveries and sendTestEvent do.
    if (delivery.webhook_deleted) throw new DeliveryStateError('WEBHOOK_INACTIVE', 'The webhook of this delivery was deleted.');
    if (!delivery.webhook_active) throw new DeliveryStateError('WEBHOOK_INACTIVE', 'The webhook of this delivery is disabled: enable it before retrying.');
    await requeue(deps, client, [{ id: deliveryId, attemptCount: delivery.attempt_count, webhookId: delivery.webhook_id }], accountId);
  });
  deps.wakeWorkers?.();
}

/** Re-queues every FAILED, unarchived delivery of the webhook created since `since`; returns how many. */
export async function replayFailedDeliveries(deps: ManualDeps, accountId: string, webhookId: string, since: Date): Promise<number> {
  const count = await withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ id: string; attempt_count: number }>(
      `select id, attempt_count from deliveries
        where webhook_id = $1 and account_id = $2 and status = 'FAILED' and not archived and created_at >= $3
        order by created_at for update`,
      [webhookId, accountId, since],
    );
    await requeue(deps, client, rows.map((row) => ({ id: row.id, attemptCount: row.attempt_count, webhookId })), accountId);
    return rows.length;
  });
  if (count > 0) deps.wakeWorkers?.();
  return count;
}

async function requeue(deps: ManualDeps, client: pg.PoolClient, deliveries: { id: string; attemptCount: number; webhookId: string }[], accountId: string) {
  if (deliveries.length === 0) return;
  await client.query(
    `update deliveries set status = 'PENDING', manual_retries = manual_retries + 1, next_attempt_at = now(),
            failure_reason = null, updated_at = now()
      where id = any($1::uuid[])`,
    [deliveries.map((d) => d.id)],
  );
  await enqueueAttempts(
    deps.boss,
    client,
    deliveries.map((d) => ({ deliveryId: d.id, attemptNumber: d.attemptCount + 1, automaticAttempts: 0, trigger: 'MANUAL' as const })),
    deliveries.map((d) => ({ id: d.id, accountId, webhookId: d.webhookId, status: 'PENDING' as const })),
  );
}

/** Publishes a `webhook.test` event to this one webhook (whatever it subscribes to) and returns the delivery id. */
export async function sendTestEvent(deps: ManualDeps, accountId: string, webhook: { id: string; sendData: boolean }): Promise<string> {
  const deliveryId = await withTransaction(deps.pool, async (client) => {
    const eventId = newId();
    const now = new Date();
    const data = { id: eventId, message: 'This is a test event sent from Hookstream.', webhookId: webhook.id };
    const delivery = {
      id: newId(),
      accountId,
      webhookId: webhook.id,
      eventId,
      eventType: 'webhook.test',
      body: buildWebhookBody({ eventType: 'webhook.test', eventId: publicId('Event', eventId), webhookId: publicId('Webhook', webhook.id), triggeredAt: now, occurredAt: now, data, sendData: webhook.sendData }),
    };
    const event = await insertEventWithDeliveries(
      client,
      { id: eventId, accountId, type: 'webhook.test', data, context: null, occurredAt: now, idempotencyKey: null, createdAt: now },
      [delivery],
    );
    if (!event) throw new Error('test event was not inserted');
    await queueFirstAttempts(deps, client, [delivery]);
    return delivery.id;
  });
  deps.wakeWorkers?.();
  return deliveryId;
}
