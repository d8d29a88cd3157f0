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
  insertDeliveries,
  insertEventsWithDeliveries,
  publishEventsAtOnce,
  type CandidateWebhook,
  type EventModel,
  eventModelOf,
  type EventRow,
  type NewDelivery,
  type NewEvent,
} from '../db/event.js';
import { allocateSequences, findBusyKeys, lockActiveWebhooks, orderingKeyId, supersedeHeld, type OrderingKey } from '../db/ordering.js';
import type { Queryable } from '../db/queryable.js';
import { newId } from '../db/ids.js';
import { DELIVERY_CHANNEL, deliveryNotifications, notify, type DeliveryChange } from '../db/notifications.js';
import type { Catalog, ContextRef } from '../catalog/catalog.js';
import { publicId } from '../domain/public-id.js';
import { buildWebhookBody } from '../domain/webhook-body.js';
import type { DeliveryQueue, NewJob } from '../queue/queue.js';
import { isTracingOn, startPublishSpan, type PublishSpan } from '../telemetry/index.js';

export type PublishInput = {
  accountId: string;
  type: string;
  data: unknown;
  occurredAt: Date;
  idempotencyKey: string | null;
  context: readonly ContextRef[] | null;
  /** The key ordered webhooks keep the order of (publishEvent's orderingKey, else the catalog's); null: none. */
  orderingKey?: string | null;
  /** No attempt before this time. */
  deliverAt?: Date | null;
  /** Not succeeded by then: EXPIRED. */
  expiresAt?: Date | null;
};

export type PublishResult = { event: EventModel; deliveryCount: number; duplicate: boolean };

export type Publisher = {
  /** Publishes events that succeed or fail together (one publishEvent is a group of one). Answers in input order. */
  publish(group: readonly PublishInput[]): Promise<PublishResult[]>;
  /** Waits for the transactions under way. */
  drain(): Promise<void>;
  /**
   * Publishes on the caller's transaction, committed (or rolled back) with it: Hookstream's own events, written with
   * the change they tell of (the operational events, CONTRACT.md). The same writes as `publish`, without group
   * commit, and only for events some webhook takes; the caller wakes this process's workers after its commit (others
   * are woken by the NOTIFY it carries).
   */
  writeWithin(client: Queryable, inputs: readonly PublishInput[]): Promise<{ eventIds: string[]; deliveryCount: number }>;
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

/** A delivery of the batch before its place in its key's line is known (unordered ones: body and all). */
type PendingDelivery = Omit<NewDelivery, 'body'> & { latest: boolean; bodyAt: (sequence: number | null) => string };

/** One event of a batch, with what publishing it produced. */
type Prepared = { input: PublishInput; event: NewEvent; deliveries: PendingDelivery[]; leader: Prepared | null };

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

  type Written = Map<string, { row: EventRow; deliveryCount: number }>;

  /**
   * The common case, no ordered webhook among the deliveries: one statement, its own commit (writePrepared would
   * take a transaction of five round trips, holding its locks, for the same writes).
   */
  async function writeUnordered(leaders: readonly Prepared[]): Promise<Written> {
    const rows = await publishEventsAtOnce(
      deps.pool,
      leaders.map((p) => p.event),
      leaders.flatMap((p) => p.deliveries).map((d) => finish(d, null)),
      { wake: deps.queue.wakeChannel, deliveries: DELIVERY_CHANNEL },
      (name, source) => deps.queue.jobInsertCte(name, source),
    );
    return new Map(rows.map(({ delivery_count: deliveryCount, ...row }) => [row.id, { row, deliveryCount }]));
  }

  async function writeEvents(inputs: readonly PublishInput[], spans: BatchSpans): Promise<PublishResult[]> {
    // Read before the transaction opens, so that it holds its connection only for the writes (read committed either
    // way: a webhook changed meanwhile is seen as it was a moment earlier).
    const webhooks = groupByAccount(await findActiveWebhooks(deps.pool, [...new Set(inputs.map((input) => input.accountId))]));
    const prepared = prepareEvents(deps.catalog, inputs, webhooks);
    if (spans) keepTraceParents(prepared, spans);
    const leaders = prepared.filter((p) => p.leader === null);
    const deliveries = leaders.flatMap((p) => p.deliveries);
    const written = deliveries.some((d) => d.orderingKey !== null) ? await withTransaction(deps.pool, (client) => writePrepared(client, leaders)) : await writeUnordered(leaders);
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
      const first = written.get(leader.event.id);
      if (first) return { event: eventModelOf(first.row), deliveryCount: first.deliveryCount, duplicate: p.leader !== null };
      const earlier = firsts.get(`${p.input.accountId}\u0000${p.input.idempotencyKey}`);
      if (!earlier) throw new Error('idempotency conflict without an existing event');
      const { delivery_count: deliveryCount, ...event } = earlier;
      return { event: eventModelOf(event), deliveryCount, duplicate: true };
    });
    if (spans) endPublishSpans(prepared, results, spans);
    return results;
  }

  /**
   * The writes of one batch of new events on the caller's transaction: events and deliveries (ordered ones placed in
   * their lines), their first jobs, and the notifications (the workers' wake-up among them) that go out on commit.
   * Returns the events written, each with the deliveries it made; an event whose idempotency key was seen before is
   * not among them.
   */
  async function writePrepared(client: Queryable, leaders: readonly Prepared[]): Promise<Map<string, { row: EventRow; deliveryCount: number }>> {
    const deliveries = leaders.flatMap((p) => p.deliveries);
    const events = leaders.map((p) => p.event);
    let rows: EventRow[];
    let sent: NewDelivery[];
    let superseded: DeliveryChange[] = [];
    if (!deliveries.some((d) => d.orderingKey !== null)) {
      // The common case: events and deliveries in one statement.
      sent = deliveries.map((d) => finish(d, d.sequence));
      rows = await insertEventsWithDeliveries(client, events, sent);
      const writtenIds = new Set(rows.map((row) => row.id));
      sent = sent.filter((d) => writtenIds.has(d.eventId));
    } else {
      // Ordered deliveries take their places once their events are known to be new (no gaps in a line).
      rows = await insertEventsWithDeliveries(client, events, []);
      const writtenIds = new Set(rows.map((row) => row.id));
      ({ sent, superseded } = await placeInLines(client, deliveries.filter((d) => writtenIds.has(d.eventId))));
    }
    const now = Date.now();
    await deps.queue.enqueue(client, sent.flatMap((d) => firstJobs(d, now)));
    await notify(client, [
      ...(sent.length > 0 ? [{ channel: deps.queue.wakeChannel, payload: '' }] : []),
      ...deliveryNotifications([...sent.map((d) => ({ id: d.id, accountId: d.accountId, webhookId: d.webhookId, status: 'PENDING' as const })), ...superseded]),
    ]);
    const sentPerEvent = new Map<string, number>();
    for (const d of sent) sentPerEvent.set(d.eventId, (sentPerEvent.get(d.eventId) ?? 0) + 1);
    return new Map(rows.map((row) => [row.id, { row, deliveryCount: sentPerEvent.get(row.id) ?? 0 }]));
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
    async writeWithin(client, inputs) {
      if (inputs.length === 0) return { eventIds: [], deliveryCount: 0 };
      // Read on the caller's transaction: a webhook it has just disabled gets nothing.
      const webhooks = groupByAccount(await findActiveWebhooks(client, [...new Set(inputs.map((input) => input.accountId))]));
      // An event no webhook takes is not written: these are notices, and an account that subscribes to none of them
      // keeps an event list of its own events only (and pays no write per transition).
      const leaders = prepareEvents(deps.catalog, inputs, webhooks).filter((p) => p.leader === null && p.deliveries.length > 0);
      if (leaders.length === 0) return { eventIds: [], deliveryCount: 0 };
      const written = await writePrepared(client, leaders);
      return { eventIds: [...written.keys()], deliveryCount: [...written.values()].reduce((sum, event) => sum + event.deliveryCount, 0) };
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

/** A delivery with its place in its line (or none) and the body that place gives it. */
function finish(delivery: PendingDelivery, sequence: number | null): NewDelivery {
  const { latest: _latest, bodyAt, ...rest } = delivery;
  return { ...rest, sequence, body: bodyAt(sequence) };
}

/**
 * The jobs a new delivery starts with: its first attempt, due now or at its deliverAt — unless it is held behind
 * the one before it in its line, when it has none; a held one that expires gets a job at that moment instead, to
 * end it EXPIRED on time (and hand its line on).
 */
function firstJobs(delivery: NewDelivery, now: number): NewJob[] {
  const at = (runAt: Date): NewJob => ({ deliveryId: delivery.id, attemptNumber: 1, lane: 'later', runAt });
  if (delivery.held) return delivery.expiresAt ? [at(delivery.expiresAt)] : [];
  if (delivery.nextAttemptAt.getTime() > now) return [at(delivery.nextAttemptAt)];
  return [{ deliveryId: delivery.id, attemptNumber: 1, lane: 'now' }];
}

/**
 * Ordered deliveries join their lines: each takes the next sequence of its (webhook, key) — the key's row locked
 * until commit, so lines never interleave across transactions — and waits (held, no job) when the line has an
 * unfinished delivery before it. LATEST_PER_KEY lines drop their held, never-attempted deliveries: a newer event
 * of the key makes them stale.
 */
async function placeInLines(client: Queryable, all: readonly PendingDelivery[]): Promise<{ sent: NewDelivery[]; superseded: DeliveryChange[] }> {
  // A webhook disabled since it was read gets no ordered delivery: its queued ones are being failed right now.
  const active = await lockActiveWebhooks(client, all.filter((d) => d.orderingKey !== null).map((d) => d.webhookId));
  const deliveries = all.filter((d) => d.orderingKey === null || active.has(d.webhookId));
  const ordered = deliveries.filter((d) => d.orderingKey !== null);
  const runs = new Map<string, OrderingKey & { count: number }>();
  for (const d of ordered) {
    const key = { webhookId: d.webhookId, orderingKey: d.orderingKey! };
    const id = orderingKeyId(key);
    runs.set(id, { ...key, count: (runs.get(id)?.count ?? 0) + 1 });
  }
  const firstOf = await allocateSequences(client, [...runs.values()]);
  const busy = await findBusyKeys(client, [...runs.values()]);
  const nextOf = new Map(firstOf);
  const sent = deliveries.map((d) => {
    if (d.orderingKey === null) return finish(d, null);
    const id = orderingKeyId({ webhookId: d.webhookId, orderingKey: d.orderingKey });
    const sequence = nextOf.get(id)!;
    nextOf.set(id, sequence + 1);
    // The first of its key in this batch waits only for an unfinished one before the batch; the others wait for it.
    return { ...finish(d, sequence), held: busy.has(id) || sequence > firstOf.get(id)! };
  });
  await insertDeliveries(client, sent);
  const newest = [...runs.entries()]
    .filter(([, run]) => ordered.some((d) => d.latest && d.webhookId === run.webhookId && d.orderingKey === run.orderingKey))
    .map(([id, run]) => ({ webhookId: run.webhookId, orderingKey: run.orderingKey, belowSequence: nextOf.get(id)! - 1 }));
  const dropped = await supersedeHeld(client, newest);
  const droppedIds = new Set(dropped.map((row) => row.id));
  return {
    sent: sent.filter((d) => !droppedIds.has(d.id)),
    superseded: dropped.map((row) => ({ id: row.id, accountId: row.account_id, webhookId: row.webhook_id, status: 'SUPERSEDED' as const })),
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
          .map((webhook): PendingDelivery => {
            // An ordered webhook keeps the order of the event's key; an event without one goes unordered.
            const orderingKey = webhook.ordering === 'NONE' ? null : (input.orderingKey ?? null);
            return {
              id: newId(),
              accountId: input.accountId,
              webhookId: webhook.id,
              eventId,
              eventType: input.type,
              createdAt,
              nextAttemptAt: input.deliverAt && input.deliverAt > createdAt ? input.deliverAt : createdAt,
              expiresAt: input.expiresAt ?? null,
              orderingKey,
              sequence: null,
              held: false,
              latest: webhook.ordering === 'LATEST_PER_KEY',
              bodyAt: (sequence) =>
                buildWebhookBody({
                  eventType: input.type,
                  eventId: publicId('Event', eventId),
                  webhookId: publicId('Webhook', webhook.id),
                  triggeredAt: createdAt,
                  occurredAt: input.occurredAt,
                  data: input.data,
                  dataJson,
                  sendData: webhook.send_data,
                  sequence,
                }),
            };
          });
    const item: Prepared = { input, event, deliveries, leader };
    if (key !== null && !leader) byKey.set(key, item);
    return item;
  });
}
