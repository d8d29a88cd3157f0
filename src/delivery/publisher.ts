// Publishing with group commit: concurrent publishes wait for the transaction under way and then go together in the
// next one — one read of their accounts' webhooks, one statement for all their events and deliveries, one for their
// jobs, one NOTIFY — so that the database's work per event shrinks as load grows, while a lone publish is written at
// once. Every caller is answered with its own event; a batch that fails is retried one group at a time, so that one
// caller's fault (or an all-or-nothing `publishEvents` group) never fails the others.
import type pg from 'pg';
import { withTransaction } from '../db/client.js';
import {
  findActiveWebhooks,
  findEventsByIdempotencyKeys,
  insertEventsWithDeliveries,
  type CandidateWebhook,
  type EventModel,
  eventModelOf,
  type NewDelivery,
  type NewEvent,
} from '../db/event.js';
import { newId } from '../db/ids.js';
import { deliveryNotifications, notify } from '../db/notifications.js';
import type { Catalog, ContextRef } from '../catalog/catalog.js';
import { publicId } from '../domain/public-id.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import type { DeliveryQueue } from '../queue/queue.js';

export type PublishInput = {
  accountId: string;
  type: string;
  data: unknown;
  occurredAt: Date;
  idempotencyKey: string | null;
  context: readonly ContextRef[] | null;
};

export type PublishResult = { event: EventModel; deliveryCount: number; duplicate: boolean };

export type Publisher = {
  /** Publishes events that succeed or fail together (one publishEvent is a group of one). Answers in input order. */
  publish(group: readonly PublishInput[]): Promise<PublishResult[]>;
  /** Waits for the transactions under way. */
  drain(): Promise<void>;
};

export type PublisherDeps = {
  pool: pg.Pool;
  /** Which webhooks an event goes to: their event patterns and restrictions, read by the platform's catalog. */
  catalog: Pick<Catalog, 'matches' | 'passesRestrictions'>;
  queue: DeliveryQueue;
  /** Wakes this process's workers at once (other processes are woken by NOTIFY). */
  wakeLocal: () => void;
  /** Most events written by one transaction. */
  maxBatchEvents?: number;
  /** Transactions in flight at once: one writing while the next batch forms. */
  maxConcurrentFlushes?: number;
};

type Pending = { group: readonly PublishInput[]; resolve: (results: PublishResult[]) => void; reject: (error: unknown) => void };

/** One event of a batch, with what publishing it produced. */
type Prepared = { input: PublishInput; event: NewEvent; deliveries: NewDelivery[]; leader: Prepared | null };

export function createPublisher(deps: PublisherDeps): Publisher {
  const maxBatchEvents = deps.maxBatchEvents ?? 200;
  const maxConcurrentFlushes = deps.maxConcurrentFlushes ?? 2;
  const pending: Pending[] = [];
  const flushes = new Set<Promise<void>>();

  function pump() {
    while (flushes.size < maxConcurrentFlushes && pending.length > 0) {
      const batch: Pending[] = [];
      let events = 0;
      while (pending.length > 0 && (batch.length === 0 || events + pending[0]!.group.length <= maxBatchEvents)) {
        const next = pending.shift()!;
        batch.push(next);
        events += next.group.length;
      }
      const flush = flushBatch(batch).finally(() => {
        flushes.delete(flush);
        pump();
      });
      flushes.add(flush);
    }
  }

  async function flushBatch(batch: Pending[]): Promise<void> {
    try {
      const results = await writeEvents(batch.flatMap((entry) => entry.group));
      let offset = 0;
      for (const entry of batch) {
        entry.resolve(results.slice(offset, offset + entry.group.length));
        offset += entry.group.length;
      }
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // Someone's input broke the shared transaction: each group alone, so the error reaches only its own caller.
      await Promise.all(batch.map((entry) => writeEvents(entry.group).then(entry.resolve, entry.reject)));
    }
  }

  async function writeEvents(inputs: readonly PublishInput[]): Promise<PublishResult[]> {
    // Read before the transaction opens, so that it holds its connection only for the writes (read committed either
    // way: a webhook changed meanwhile is seen as it was a moment earlier).
    const webhooks = groupByAccount(await findActiveWebhooks(deps.pool, [...new Set(inputs.map((input) => input.accountId))]));
    const prepared = prepareEvents(deps.catalog, inputs, webhooks);
    const leaders = prepared.filter((p) => p.leader === null);
    const deliveries = leaders.flatMap((p) => p.deliveries);
    const written = await withTransaction(deps.pool, async (client) => {
      const rows = await insertEventsWithDeliveries(client, leaders.map((p) => p.event), deliveries);
      const writtenIds = new Set(rows.map((row) => row.id));
      const sent = deliveries.filter((d) => writtenIds.has(d.eventId));
      await deps.queue.enqueue(client, sent.map((d) => ({ deliveryId: d.id, attemptNumber: 1, lane: 'now' as const })));
      await notify(client, [
        ...(sent.length > 0 ? [{ channel: deps.queue.wakeChannel, payload: '' }] : []),
        ...deliveryNotifications(sent.map((d) => ({ id: d.id, accountId: d.accountId, webhookId: d.webhookId, status: 'PENDING' as const }))),
      ]);
      return new Map(rows.map((row) => [row.id, row]));
    });
    if (deliveries.length > 0) deps.wakeLocal();

    // An idempotency key seen before (in an earlier batch, or by an earlier event of this one): answer with its event.
    const repeated = leaders.filter((p) => !written.has(p.event.id));
    const firsts = new Map(
      (await findEventsByIdempotencyKeys(deps.pool, repeated.map((p) => ({ accountId: p.input.accountId, idempotencyKey: p.input.idempotencyKey! })))).map((row) => [
        `${row.account_id}\u0000${row.idempotency_key}`,
        row,
      ]),
    );
    return prepared.map((p) => {
      const leader = p.leader ?? p;
      const row = written.get(leader.event.id);
      if (row) return { event: eventModelOf(row), deliveryCount: leader.deliveries.length, duplicate: p.leader !== null };
      const first = firsts.get(`${p.input.accountId}\u0000${p.input.idempotencyKey}`);
      if (!first) throw new Error('idempotency conflict without an existing event');
      const { delivery_count: deliveryCount, ...event } = first;
      return { event: eventModelOf(event), deliveryCount, duplicate: true };
    });
  }

  return {
    publish(group) {
      if (group.length === 0) return Promise.resolve([]);
      return new Promise<PublishResult[]>((resolve, reject) => {
        pending.push({ group, resolve, reject });
        pump();
      });
    },
    async drain() {
      while (flushes.size > 0 || pending.length > 0) await Promise.allSettled([...flushes]);
    },
  };
}

function groupByAccount(webhooks: CandidateWebhook[]): Map<string, CandidateWebhook[]> {
  const byAccount = new Map<string, CandidateWebhook[]>();
  for (const webhook of webhooks) byAccount.set(webhook.account_id, [...(byAccount.get(webhook.account_id) ?? []), webhook]);
  return byAccount;
}

/** Each event with its deliveries; a later event repeating an earlier one's idempotency key follows that one. */
function prepareEvents(catalog: PublisherDeps['catalog'], inputs: readonly PublishInput[], webhooksByAccount: Map<string, CandidateWebhook[]>): Prepared[] {
  const byKey = new Map<string, Prepared>();
  return inputs.map((input) => {
    const key = input.idempotencyKey === null ? null : `${input.accountId}\u0000${input.idempotencyKey}`;
    const leader = key === null ? null : (byKey.get(key) ?? null);
    const eventId = newId();
    const createdAt = new Date();
    const dataJson = JSON.stringify(input.data);
    const event: NewEvent = { id: eventId, accountId: input.accountId, type: input.type, dataJson, context: input.context, occurredAt: input.occurredAt, idempotencyKey: input.idempotencyKey, createdAt };
    const deliveries = leader
      ? []
      : (webhooksByAccount.get(input.accountId) ?? [])
          .filter((webhook) => catalog.matches(webhook.events, input.type))
          .filter((webhook) => catalog.passesRestrictions({ eventType: input.type, restrictions: webhook.restrictions, context: input.context, data: input.data }))
          .map((webhook): NewDelivery => ({
            id: newId(),
            accountId: input.accountId,
            webhookId: webhook.id,
            eventId,
            eventType: input.type,
            createdAt,
            body: buildWebhookBody({
              eventType: input.type,
              eventId: publicId('Event', eventId),
              webhookId: publicId('Webhook', webhook.id),
              triggeredAt: createdAt,
              occurredAt: input.occurredAt,
              data: input.data,
              dataJson,
              sendData: webhook.send_data,
            }),
          }));
    const item: Prepared = { input, event, deliveries, leader };
    if (key !== null && !leader) byKey.set(key, item);
    return item;
  });
}
