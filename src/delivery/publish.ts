// publishEvent: validate, find the matching webhooks, and write the event, one delivery per webhook and one attempt
// job per delivery in a single transaction. Once this returns, every delivery is durable and queued.
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Config } from '../config.js';
import { withTransaction } from '../db/client.js';
import type { NewDelivery } from '../db/delivery.js';
import { findActiveWebhooks, findEventByIdempotencyKey, insertEventWithDeliveries, type EventRow } from '../db/event.js';
import { newId } from '../db/ids.js';
import type { Catalog, ContextRef } from '../catalog/catalog.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import { enqueueAttempts } from './jobs.js';

export type PublishInput = {
  accountId: string;
  type: string;
  data: unknown;
  occurredAt: Date;
  idempotencyKey: string | null;
  context: readonly ContextRef[] | null;
};

export type PublishResult = { event: EventRow; deliveryCount: number; duplicate: boolean };

export type PublishDeps = { pool: pg.Pool; boss: PgBoss; config: Config; catalog: Pick<Catalog, 'matches' | 'passesRestrictions'>; wakeWorkers?: () => void };

/** Assumes validated input (see schema/event.ts). */
export async function publishEvent(deps: PublishDeps, input: PublishInput): Promise<PublishResult> {
  // Read before the transaction opens, so that it holds its connection only for the writes (read committed either
  // way: a webhook changed meanwhile is seen as it was a moment earlier).
  const webhooks = await findActiveWebhooks(deps.pool, input.accountId);
  const eventId = newId();
  const createdAt = new Date();
  const deliveries: NewDelivery[] = webhooks
    .filter((webhook) => deps.catalog.matches(webhook.events, input.type))
    .filter((webhook) => deps.catalog.passesRestrictions({ eventType: input.type, restrictions: webhook.restrictions, context: input.context, data: input.data }))
    .map((webhook) => ({
      id: newId(),
      accountId: input.accountId,
      webhookId: webhook.id,
      eventId,
      eventType: input.type,
      body: buildWebhookBody({
        eventType: input.type,
        eventId,
        webhookId: webhook.id,
        triggeredAt: createdAt,
        occurredAt: input.occurredAt,
        data: input.data,
        sendData: webhook.send_data,
      }),
    }));
  const result = await withTransaction(deps.pool, async (client) => {
    const event = await insertEventWithDeliveries(client, { id: eventId, ...input, createdAt }, deliveries);
    if (!event) return null; // the idempotency key was used before: answer with the first event, send nothing
    await queueFirstAttempts(deps, client, deliveries);
    return { event, deliveryCount: deliveries.length, duplicate: false };
  });
  if (result) {
    if (result.deliveryCount > 0) deps.wakeWorkers?.();
    return result;
  }
  const existing = await findEventByIdempotencyKey(deps.pool, input.accountId, input.idempotencyKey!);
  if (!existing) throw new Error('idempotency conflict without an existing event');
  const { delivery_count: deliveryCount, ...event } = existing;
  return { event, deliveryCount, duplicate: true };
}

/** The first attempt's job of each delivery, and the PENDING notifications, on the caller's transaction. */
export async function queueFirstAttempts(deps: Pick<PublishDeps, 'boss'>, client: pg.PoolClient, deliveries: readonly NewDelivery[]): Promise<void> {
  await enqueueAttempts(
    deps.boss,
    client,
    deliveries.map((delivery) => ({ deliveryId: delivery.id, attemptNumber: 1, automaticAttempts: 0, trigger: 'AUTOMATIC' as const })),
    deliveries.map((d) => ({ id: d.id, accountId: d.accountId, webhookId: d.webhookId, status: 'PENDING' as const })),
  );
}
