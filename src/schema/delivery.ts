// Deliveries and their attempts: the call history, its filters, per-webhook stats and the manual actions.
import type { Context } from '../context.js';
import type { RetryRefusal } from '../delivery/engine.js';
import { HookstreamError, badInput, notFound } from '../errors.js';
import { AttemptTrigger as AttemptTriggerValues, DeliveryStatus as DeliveryStatusValues } from '../generated/prisma/enums.js';
import { countDeliveries, listDeliveryIds, type DeliveryHistoryFilter } from '../db/history.js';
import { builder } from './builder.js';
import { checkConnectionArgsFirst, cursorCreatedAt } from './connection-args.js';
import { checkNodeUuid, parseGlobalId } from './global-id.js';
import { historyLoaders } from './history-loaders.js';
import { deliveryScope, isWebhookScoped } from './scope.js';
import { loadOwnWebhook, resolveTotalCount, WebhookRef } from './webhook.js';

export const DeliveryStatusEnum = builder.enumType('DeliveryStatus', { values: Object.values(DeliveryStatusValues) });
export const AttemptTriggerEnum = builder.enumType('AttemptTrigger', { values: Object.values(AttemptTriggerValues) });

const DeliveryAttemptRef = builder.prismaObject('DeliveryAttempt', {
  description: 'One HTTP call of a delivery.',
  fields: (t) => ({
    number: t.exposeInt('number'),
    trigger: t.expose('trigger', { type: AttemptTriggerEnum }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    responseStatus: t.exposeInt('responseStatus', { nullable: true }),
    responseBody: t.string({
      nullable: true,
      description: 'The first 64 KiB; null once archived.',
      resolve: async (attempt, _args, ctx) => {
        const loaders = historyLoaders(ctx);
        if (await loaders.isArchived(attempt.deliveryId)) return null;
        // Only non-empty bodies are stored: an answer (a status) without a row was an empty body; no answer, none.
        return (await loaders.attemptBody(attempt.deliveryId, attempt.number)) ?? (attempt.responseStatus !== null ? '' : null);
      },
    }),
    error: t.exposeString('error', { nullable: true, description: 'timeout, connection refused, DNS, TLS, blocked target, HTTP status…' }),
    requestHeaders: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The headers sent, custom header values redacted.',
      resolve: (attempt) => attempt.requestHeaders,
    }),
  }),
});

export const DeliveryRef = builder.prismaNode('Delivery', {
  id: { field: 'id' },
  // Select only what a query asks for: a history page must not drag every payload (up to 256 KiB each) along.
  select: { id: true },
  findUnique: (id, ctx) => ({ id: checkNodeUuid(id), AND: [deliveryScope(ctx)] }),
  fields: (t) => ({
    webhook: t.relation('webhook'),
    event: t.relation('event'),
    eventType: t.exposeString('eventType'),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    lastResponseStatus: t.exposeInt('lastResponseStatus', { nullable: true }),
    failureReason: t.exposeString('failureReason', { nullable: true, description: 'Why the last attempt failed, or why the delivery was not sent.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    manualRetries: t.exposeInt('manualRetries'),
    archived: t.boolean({
      description: 'Older than RETENTION_DAYS: payload and response bodies purged, retry and replay refused.',
      resolve: (delivery, _args, ctx) => historyLoaders(ctx).isArchived(delivery.id),
    }),
    payload: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The exact body sent (the same bytes on every attempt); null once archived.',
      resolve: async (delivery, _args, ctx) => {
        const loaders = historyLoaders(ctx);
        if (await loaders.isArchived(delivery.id)) return null;
        const body = await loaders.deliveryBody(delivery.id);
        return body === null ? null : (JSON.parse(body) as unknown);
      },
    }),
    attempts: t.relation('attempts', { query: { orderBy: { number: 'asc' } } }),
    orderingKey: t.exposeString('orderingKey', { nullable: true, description: "An ordered webhook's: the key whose deliveries go one after another." }),
    sequence: t.exposeInt('sequence', { nullable: true, description: 'Its place among the deliveries of its webhook and ordering key: 1, 2, 3… in publish order.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'Not succeeded by then: EXPIRED.' }),
  }),
});

export const DeliveryConnection = builder.connectionObject(
  {
    type: DeliveryRef,
    name: 'DeliveryConnection',
    fields: (t) => ({ totalCount: t.int({ resolve: (connection) => resolveTotalCount(connection) }) }),
  },
  { name: 'DeliveryEdge' },
);

const DeliveryFilter = builder.inputType('DeliveryFilter', {
  fields: (t) => ({
    webhookId: t.id(),
    eventId: t.id(),
    status: t.field({ type: [DeliveryStatusEnum] }),
    eventType: t.string(),
    since: t.field({ type: 'DateTime', description: 'Created at or after' }),
    until: t.field({ type: 'DateTime', description: 'Created before' }),
  }),
});

type DeliveryFilterValue = {
  webhookId?: string | number | null;
  eventId?: string | number | null;
  status?: ('PENDING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'EXPIRED' | 'SUPERSEDED')[] | null;
  eventType?: string | null;
  since?: Date | null;
  until?: Date | null;
};

/** The webhooks a list may show: the intersection of every limit given (null: no limit, all of the account's). */
function intersectWebhooks(...limits: (readonly string[] | null)[]): readonly string[] | null {
  let result: readonly string[] | null = null;
  for (const limit of limits) if (limit) result = result ? result.filter((id) => limit.includes(id)) : [...new Set(limit)];
  return result;
}

/**
 * What a delivery list may show and asks for, for db/history.ts: always the caller's account and reach (scope.ts),
 * then `parent` (a webhook's or an event's list), then each filter given.
 */
export function deliveryHistoryFilter(
  ctx: Context,
  filter: DeliveryFilterValue | null | undefined,
  parent: { webhookId?: string; eventId?: string } = {},
): DeliveryHistoryFilter {
  const filterWebhook = filter?.webhookId != null ? parseGlobalId(String(filter.webhookId), 'Webhook', 'webhookId') : null;
  const filterEvent = filter?.eventId != null ? parseGlobalId(String(filter.eventId), 'Event', 'eventId') : null;
  if (filter?.since && filter.until && filter.since > filter.until) throw badInput('since', '"since" must not be after "until".');
  const eventIds = new Set([parent.eventId, filterEvent].filter((id): id is string => id != null));
  const webhookIds = intersectWebhooks(ctx.scope.webhookIds, parent.webhookId ? [parent.webhookId] : null, filterWebhook ? [filterWebhook] : null);
  return {
    accountId: ctx.account.id,
    // Two different events (a parent and a filter) match nothing: an empty webhook list says so.
    webhookIds: eventIds.size > 1 ? [] : webhookIds,
    eventId: [...eventIds][0] ?? null,
    statuses: filter?.status ?? null,
    eventType: filter?.eventType ?? null,
    since: filter?.since ?? null,
    until: filter?.until ?? null,
  };
}

type PothosPageQuery = { cursor?: { id?: unknown }; skip?: number; take?: number };

/**
 * One page of a delivery list, as Pothos asks for it (`take` rows, one more than the page to tell whether there is a
 * next; negative backwards from `cursor`): the ids from db/history.ts's ordered index scans, then the rows with what
 * the query selects (webhook, event, attempts…) by their primary keys, newest first.
 */
export async function loadDeliveryPage<Q extends PothosPageQuery>(ctx: Context, query: Q, filter: DeliveryHistoryFilter) {
  const { cursor, skip: _skip, take = 20, ...selection } = query;
  const ids = await listDeliveryIds(ctx.db.pool, filter, {
    cursor: typeof cursor?.id === 'string' ? cursor.id : null,
    direction: take >= 0 ? 'older' : 'newer',
    limit: Math.abs(take),
  });
  if (ids.length === 0) return [];
  const rows = await ctx.db.prisma.delivery.findMany({ ...(selection as object), where: { id: { in: ids } } });
  const position = new Map(ids.map((id, index) => [id, index]));
  return rows.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
}

/** totalCount: the sum of the exact counts by status. */
export async function countDeliveryList(ctx: Context, filter: DeliveryHistoryFilter): Promise<number> {
  let total = 0;
  for (const count of (await countDeliveries(ctx.db.pool, filter)).values()) total += count;
  return total;
}

export const deliveryCreatedAt = (ctx: Context) =>
  cursorCreatedAt(ctx, 'Delivery', async (id) =>
    (await ctx.db.prisma.delivery.findFirst({ where: { id, AND: [deliveryScope(ctx)] }, select: { createdAt: true } }))?.createdAt ?? null);

export const ownsDelivery = (ctx: Context) => async (id: string) => (await deliveryCreatedAt(ctx)(id)) !== null;

builder.queryFields((t) => ({
  deliveries: checkConnectionArgsFirst(
    t.prismaConnection(
      {
        type: 'Delivery',
        cursor: 'id',
        args: { filter: t.arg({ type: DeliveryFilter }) },
        totalCount: (_connection, args, ctx) => countDeliveryList(ctx, deliveryHistoryFilter(ctx, args.filter)),
        resolve: (query, _root, args, ctx) => loadDeliveryPage(ctx, query, deliveryHistoryFilter(ctx, args.filter)),
      },
      DeliveryConnection,
    ),
    (id, ctx) => ownsDelivery(ctx)(id),
  ),
  delivery: t.prismaField({
    type: 'Delivery',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = parseGlobalId(String(args.id), 'Delivery', 'id');
      const delivery = await ctx.db.prisma.delivery.findFirst({ ...query, where: { id, AND: [deliveryScope(ctx)] } });
      if (!delivery) throw notFound('Delivery');
      return delivery;
    },
  }),
}));

// ---- per-webhook history and stats ----------------------------------------------------------------------------

type WebhookStats = { total: number; succeeded: number; failed: number; pending: number; retrying: number; expired: number; superseded: number };

const WebhookStatsRef = builder.objectRef<WebhookStats>('WebhookStats').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    pending: t.exposeInt('pending'),
    retrying: t.exposeInt('retrying'),
    expired: t.exposeInt('expired'),
    superseded: t.exposeInt('superseded', { description: 'Never sent: a newer event of their key came first (LATEST_PER_KEY).' }),
    successRate: t.float({
      nullable: true,
      description: 'succeeded / (succeeded + failed); null while nothing has finished.',
      resolve: (stats) => (stats.succeeded + stats.failed === 0 ? null : stats.succeeded / (stats.succeeded + stats.failed)),
    }),
  }),
});

builder.prismaObjectFields(WebhookRef, (t) => ({
  deliveries: checkConnectionArgsFirst(
    t.prismaConnection(
      {
        type: 'Delivery',
        cursor: 'id',
        args: { filter: t.arg({ type: DeliveryFilter }) },
        totalCount: (webhook, args, ctx) => countDeliveryList(ctx, deliveryHistoryFilter(ctx, args.filter, { webhookId: webhook.id })),
        resolve: (query, webhook, args, ctx) => loadDeliveryPage(ctx, query, deliveryHistoryFilter(ctx, args.filter, { webhookId: webhook.id })),
      },
      DeliveryConnection,
    ),
    (id, ctx) => ownsDelivery(ctx)(id),
  ),
  stats: t.field({
    type: WebhookStatsRef,
    args: { since: t.arg({ type: 'DateTime' }) },
    description: 'Delivery counts by status, from the maintained counts (exact; one statement).',
    resolve: async (webhook, args, ctx) => {
      const counts = await countDeliveries(ctx.db.pool, {
        accountId: ctx.account.id,
        webhookIds: [webhook.id],
        eventId: null,
        statuses: ['SUCCEEDED', 'FAILED', 'PENDING', 'RETRYING', 'EXPIRED', 'SUPERSEDED'],
        eventType: null,
        since: args.since ?? null,
        until: null,
      });
      const count = (status: string) => counts.get(status) ?? 0;
      const stats = {
        succeeded: count('SUCCEEDED'),
        failed: count('FAILED'),
        pending: count('PENDING'),
        retrying: count('RETRYING'),
        expired: count('EXPIRED'),
        superseded: count('SUPERSEDED'),
      };
      return { ...stats, total: Object.values(stats).reduce((sum, value) => sum + value, 0) };
    },
  }),
}));

// ---- manual actions ------------------------------------------------------------------------------------------

const ReplayPayload = builder.objectRef<{ count: number }>('ReplayPayload').implement({
  fields: (t) => ({ count: t.exposeInt('count', { description: 'How many FAILED deliveries were queued again.' }) }),
});

function refusalError(refusal: RetryRefusal): HookstreamError {
  if (refusal.reason === 'NOT_FOUND') return notFound('Delivery');
  if (refusal.reason === 'ARCHIVED') return new HookstreamError('ARCHIVED', refusal.message);
  return new HookstreamError('CONFLICT', refusal.message);
}

builder.mutationFields((t) => ({
  retryDelivery: t.prismaField({
    type: 'Delivery',
    description: 'Sends a SUCCEEDED or FAILED delivery once more, now (trigger MANUAL).',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = parseGlobalId(String(args.id), 'Delivery', 'id');
      // The engine checks the account; a session limited to some webhooks must reach the delivery too.
      if (isWebhookScoped(ctx) && !(await ctx.db.prisma.delivery.count({ where: { id, AND: [deliveryScope(ctx)] } }))) throw notFound('Delivery');
      const refusal = await ctx.services.engine.retry(ctx.account.id, id);
      if (refusal) throw refusalError(refusal);
      return ctx.db.prisma.delivery.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  replayFailedDeliveries: t.field({
    type: ReplayPayload,
    description: 'Queues again every FAILED delivery of the webhook created since the given time.',
    args: { webhookId: t.arg.id({ required: true }), since: t.arg({ type: 'DateTime', required: true }) },
    resolve: async (_root, args, ctx) => {
      const webhook = await loadOwnWebhook(ctx, args.webhookId, 'webhookId');
      if (!webhook.active) throw badInput('webhookId', 'This webhook is disabled: enable it before replaying its deliveries.');
      return { count: await ctx.services.engine.replay(ctx.account.id, webhook.id, args.since) };
    },
  }),
  sendTestEvent: t.prismaField({
    type: 'Delivery',
    description: 'Sends a `webhook.test` event to this webhook through the normal pipeline.',
    args: { webhookId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const webhook = await loadOwnWebhook(ctx, args.webhookId, 'webhookId');
      if (!webhook.active) throw badInput('webhookId', 'This webhook is disabled: enable it before sending a test event.');
      const id = await ctx.services.engine.sendTest(ctx.account.id, webhook);
      return ctx.db.prisma.delivery.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));
