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
import { isTracingOn, startPublishSpan, type PublishSpan } from '../telemetry/index.js';

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

/** A caller's group; `spans` (one per input) only while tracing is on. */
type Pending = { group: readonly PublishInput[]; spans: readonly PublishSpan[] | null; resolve: (results: PublishResult[]) => void; reject: (error: unknown) => void };

/** One publish span per input of a batch (null: tracing was off for that caller), or null when none has one. */
type BatchSpans = readonly (PublishSpan | null)[] | null;

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
      const spans: BatchSpans = batch.some((entry) => entry.spans) ? batch.flatMap((entry): (PublishSpan | null)[] => (entry.spans ? [...entry.spans] : entry.group.map(() => null))) : null;
      const results = await writeEvents(batch.flatMap((entry) => entry.group), spans);
      let offset = 0;
      for (const entry of batch) {
        entry.resolve(results.slice(offset, offset + entry.group.length));
        offset += entry.group.length;
      }
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // Someone's input broke the shared transaction: each group alone, so the error reaches only its own caller.
      await Promise.all(batch.map((entry) => writeEvents(entry.group, entry.spans).then(entry.resolve, entry.reject)));
    }
  }

  async function writeEvents(inputs: readonly PublishInput[], spans: BatchSpans): Promise<PublishResult[]> {
    // Read before the transaction opens, so that it holds its connection only for the writes (read committed either
    // way: a webhook changed meanwhile is seen as it was a moment earlier).
    const webhooks = groupByAccount(await findActiveWebhooks(deps.pool, [...new Set(inputs.map((input) => input.accountId))]));
    const prepared = prepareEvents(deps.catalog, inputs, webhooks);
    if (spans) keepTraceParents(prepared, spans);
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
    const results = prepared.map((p) => {
      const leader = p.leader ?? p;
      const row = written.get(leader.event.id);
      if (row) return { event: eventModelOf(row), deliveryCount: leader.deliveries.length, duplicate: p.leader !== null };
      const first = firsts.get(`${p.input.accountId}\u0000${p.input.idempotencyKey}`);
      if (!first) throw new Error('idempotency conflict without an existing event');
      const { delivery_count: deliveryCount, ...event } = first;
      return { event: eventModelOf(event), deliveryCount, duplicate: true };
    });
    if (spans) endPublishSpans(prepared, results, spans);
    return results;
  }

  return {
    publish(group) {
      if (group.length === 0) return Promise.resolve([]);
      // Started here, in the caller's context (a GraphQL operation's span is their parent): the batch is written from
      // whichever caller's turn flushes it. One span per event, not per batch: see endPublishSpans.
      const spans = isTracingOn() ? group.map((input) => startPublishSpan({ eventType: input.type, accountId: input.accountId })) : null;
      const written = new Promise<PublishResult[]>((resolve, reject) => {
        pending.push({ group, spans, resolve, reject });
        pump();
      });
      if (!spans) return written;
      return written.catch((error: unknown) => {
        for (const span of spans) span.fail(error);
        throw error;
      });
    },
    async drain() {
      while (flushes.size > 0 || pending.length > 0) await Promise.allSettled([...flushes]);
    },
  };
}

/** Every delivery keeps its publish span's traceparent (deliveries.trace_parent): its attempt spans link to it. */
function keepTraceParents(prepared: readonly Prepared[], spans: NonNullable<BatchSpans>): void {
  prepared.forEach((p, index) => {
    const traceParent = spans[index]?.traceParent ?? null;
    for (const delivery of p.deliveries) delivery.traceParent = traceParent;
  });
}

/**
 * Ends each event's span with the deliveries it created (none for a repeated idempotency key) and the size of the
 * transaction that wrote it. A span per event rather than one per batch with links: a batch mixes callers (other
 * requests, other accounts), so under its own caller's operation span each publish reads as that request's work,
 * with its own deliveries, and a trace holds no other tenant's events; `batch_size` tells that it went with others.
 */
function endPublishSpans(prepared: readonly Prepared[], results: readonly PublishResult[], spans: NonNullable<BatchSpans>): void {
  prepared.forEach((p, index) => {
    const result = results[index]!;
    const created = result.duplicate ? [] : p.deliveries.map((delivery) => delivery.id);
    spans[index]?.end({ deliveryCount: created.length, deliveryIds: created, duplicate: result.duplicate, eventId: result.event.id, batchSize: prepared.length });
  });
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
