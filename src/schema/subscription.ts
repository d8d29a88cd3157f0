// Live updates: every status change of the caller's deliveries, and changes of its webhooks. Changes arrive from any
// process through NOTIFY (ids only); each is filtered by the subscriber's reach (its account and, for a portal
// session, its webhooks) and loaded scoped to it, so no caller ever receives another's items, whatever ID it passes.
// A portal session's subscriptions end when the session expires or is revoked (src/portal/session-watch.ts).
import { queryFromInfo } from '@pothos/plugin-prisma';
import { filter, pipe } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { DeliveryChange, WebhookChange } from '../db/notifications.js';
import { notFound } from '../errors.js';
import { builder } from './builder.js';
import { DeliveryRef } from './delivery.js';
import { parseGlobalId } from './global-id.js';
import { deliveryScope, reachesWebhook, webhookScope } from './scope.js';
import { endWhenSessionEnds } from '../portal/session-watch.js';
import { WebhookRef } from './webhook.js';

async function ownWebhookId(ctx: Context, globalId: string | number | null | undefined, field: string): Promise<string | null> {
  if (globalId == null) return null;
  const id = parseGlobalId(String(globalId), 'Webhook', field);
  const found = await ctx.db.prisma.webhook.count({ where: { id, AND: [webhookScope(ctx)] } });
  if (!found) throw notFound('Webhook');
  return id;
}

/**
 * Counts open subscriptions for /metrics, however they end. Not an async generator: a generator's return() waits in
 * line behind the pending next(), which waits for the next change — so a client that went away (SSE abort,
 * graphql-ws complete) would stay subscribed, and counted, until some change arrived. return() here ends it at once.
 */
function counted<T>(ctx: Context, source: AsyncIterable<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const gauge = ctx.services.metrics?.subscribers;
  let open = true;
  const close = () => {
    if (open) gauge?.dec();
    open = false;
  };
  gauge?.inc();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) close();
        return result;
      } catch (error) {
        close();
        throw error;
      }
    },
    async return(value?: unknown) {
      close();
      await iterator.return?.(value);
      return { done: true, value: value as T };
    },
    async throw(error?: unknown) {
      close();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}

/** The caller's account's changes on a topic, of one webhook when `webhookId` is given, counted for /metrics. */
function accountChanges<Topic extends 'delivery' | 'webhook'>(
  ctx: Context,
  topic: Topic,
  webhookId: string | null,
  webhookIdOf: (change: TopicChange<Topic>) => string,
) {
  const changes = pipe(
    // (One topic argument, no id: the typed overloads do not narrow over a generic topic.)
    ctx.services.pubSub.subscribe(...([topic] as [never])) as AsyncIterable<TopicChange<Topic>>,
    filter((change: TopicChange<Topic>) => reachesWebhook(ctx, change.accountId, webhookIdOf(change)) && (webhookId === null || webhookIdOf(change) === webhookId)),
  );
  return counted(ctx, endWhenSessionEnds(ctx, changes));
}

type TopicChange<Topic extends 'delivery' | 'webhook'> = Topic extends 'delivery' ? DeliveryChange : WebhookChange;

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  deliveryUpdated: t.field({
    type: DeliveryRef,
    description: "Every status change of this account's deliveries (optionally of one webhook): PENDING on creation, each attempt's outcome, manual retries.",
    args: { webhookId: t.arg.id() },
    subscribe: async (_root, args, ctx) =>
      accountChanges(ctx, 'delivery', await ownWebhookId(ctx, args.webhookId, 'webhookId'), (change) => change.webhookId),
    resolve: async (change, _args, ctx, info) => {
      // Loaded with the subscriber's own selection, so that Pothos reads every field from this row...
      const query = queryFromInfo({ context: ctx, info, typeName: 'Delivery' });
      const delivery = await ctx.db.prisma.delivery.findFirst({ ...query, where: { id: change.id, AND: [deliveryScope(ctx)] } });
      if (!delivery) throw notFound('Delivery');
      // ...and with the status as this change set it: the row may already have moved on (PENDING → SUCCEEDED in ms).
      (delivery as { status: string }).status = change.status;
      return delivery;
    },
  }),
  webhookUpdated: t.field({
    type: WebhookRef,
    description: 'Changes of this account\'s webhooks (optionally one): created, updated, disabled, re-enabled, secret rotated.',
    args: { id: t.arg.id() },
    subscribe: async (_root, args, ctx) => accountChanges(ctx, 'webhook', await ownWebhookId(ctx, args.id, 'id'), (change) => change.id),
    resolve: async (change, _args, ctx) => {
      const webhook = await ctx.db.prisma.webhook.findFirst({ where: { id: change.id, accountId: ctx.account.id } });
      if (!webhook) throw notFound('Webhook');
      return webhook;
    },
  }),
}));
