// Events: publishEvent (the platform's entry point), the event node and the event list.
import type { Context } from '../context.js';
import type { EventModel } from '../db/event.js';
import type { PublishInput } from '../delivery/engine.js';
import { HookstreamError, badInput, notFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { CLOCK_SLACK_MS } from '../db/history.js';
import { uuid7Floor } from '../db/ids.js';
import { checkConnectionArgsFirst, cursorCreatedAt } from './connection-args.js';
import { countDeliveryList, DeliveryConnection, deliveryHistoryFilter, loadDeliveryPage, ownsDelivery } from './delivery.js';
import { checkNodeUuid, parseGlobalId } from './global-id.js';
import { historyLoaders } from './history-loaders.js';
import { deliveryScope, eventScope } from './scope.js';
import { checkPublishRequest, type PublishRequest } from '../publishing/publish-input.js';
import { RestrictionTypeEnum, resolveTotalCount } from './webhook.js';


export const EventRef = builder.prismaNode('Event', {
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id: checkNodeUuid(id), AND: [eventScope(ctx)] }),
  fields: (t) => ({
    type: t.exposeString('type'),
    data: t.field({
      type: 'JSON',
      nullable: true,
      description: 'null once archived',
      resolve: async (event, _args, ctx) => {
        // An event just published carries its data (publishEvent's answer); any other is read from its body table.
        const known = event as { data?: unknown; archived?: boolean };
        if (known.archived === false && known.data !== undefined) return known.data;
        const loaders = historyLoaders(ctx);
        return (await loaders.isArchived(event.id)) ? null : loaders.eventData(event.id);
      },
    }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    deliveries: checkConnectionArgsFirst(
      t.prismaConnection(
        {
          type: 'Delivery',
          cursor: 'id',
          totalCount: (event, _args, ctx) => countDeliveryList(ctx, deliveryHistoryFilter(ctx, null, { eventId: event.id })),
          resolve: (query, event, _args, ctx) => loadDeliveryPage(ctx, query, deliveryHistoryFilter(ctx, null, { eventId: event.id })),
        },
        DeliveryConnection,
      ),
      (id, ctx) => ownsDelivery(ctx)(id),
    ),
  }),
});

const EventConnection = builder.connectionObject(
  {
    type: EventRef,
    name: 'EventConnection',
    fields: (t) => ({ totalCount: t.int({ resolve: (connection) => resolveTotalCount(connection) }) }),
  },
  { name: 'EventEdge' },
);

const eventCreatedAt = (ctx: Context) =>
  cursorCreatedAt(ctx, 'Event', async (id) =>
    (await ctx.db.prisma.event.findFirst({ where: { id, AND: [eventScope(ctx)] }, select: { createdAt: true } }))?.createdAt ?? null);

/**
 * The events list's `where`: the caller's reach, the type, and `since`/`until` on createdAt — with the id bounded by
 * the same times widened by the clock slack (db/history.ts), which prunes the partitions outside them.
 */
function eventWhere(ctx: Context, args: { type?: string | null; since?: Date | null; until?: Date | null }): Prisma.EventWhereInput {
  if (args.since && args.until && args.since > args.until) throw badInput('since', '"since" must not be after "until".');
  const ids = {
    ...(args.since ? { gte: uuid7Floor(new Date(args.since.getTime() - CLOCK_SLACK_MS)) } : {}),
    ...(args.until ? { lt: uuid7Floor(new Date(args.until.getTime() + CLOCK_SLACK_MS)) } : {}),
  };
  return {
    AND: [eventScope(ctx), ...(args.since || args.until ? [{ id: ids }] : [])],
    ...(args.type != null ? { type: args.type } : {}),
    ...(args.since || args.until ? { createdAt: { ...(args.since ? { gte: args.since } : {}), ...(args.until ? { lt: args.until } : {}) } } : {}),
  };
}

builder.queryFields((t) => ({
  events: checkConnectionArgsFirst(
    t.prismaConnection(
      {
        type: 'Event',
        cursor: 'id',
        args: {
          type: t.arg.string(),
          since: t.arg({ type: 'DateTime', description: 'Published at or after' }),
          until: t.arg({ type: 'DateTime', description: 'Published before' }),
        },
        totalCount: (_connection, args, ctx) => ctx.db.prisma.event.count({ where: eventWhere(ctx, args) }),
        // Newest first by id (ids are time): Prisma's own cursor on the one sort key is a bounded range of the
        // (account_id, id) index, at any depth.
        resolve: (query, _root, args, ctx) => ctx.db.prisma.event.findMany({ ...query, where: eventWhere(ctx, args), orderBy: { id: 'desc' } }),
      },
      EventConnection,
    ),
    async (id, ctx) => (await eventCreatedAt(ctx)(id)) !== null,
  ),
  event: t.prismaField({
    type: 'Event',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = parseGlobalId(String(args.id), 'Event', 'id');
      const event = await ctx.db.prisma.event.findFirst({ ...query, where: { id, AND: [eventScope(ctx)] } });
      if (!event) throw notFound('Event');
      return event;
    },
  }),
}));

// ---- publishEvent ---------------------------------------------------------------------------------------------

const ContextRefInput = builder.inputType('ContextRefInput', {
  description: "An entity the event concerns (a resource, a service, a property…): one of the catalog's context dimensions, by `dimension` or, for anny's five, `type` (exactly one), and its id.",
  fields: (t) => ({
    type: t.field({ type: RestrictionTypeEnum }),
    dimension: t.string({ description: 'A context dimension of the catalog, e.g. `property`.' }),
    id: t.string({ required: true }),
  }),
});

const PublishEventInput = builder.inputType('PublishEventInput', {
  fields: (t) => ({
    type: t.string({ required: true, description: 'A catalog type' }),
    data: t.field({ type: 'JSON', required: true, description: 'The full entity as it is now: a JSON object' }),
    occurredAt: t.field({ type: 'DateTime', description: 'Default: now' }),
    idempotencyKey: t.string({ description: 'Same key within an account: the first event is returned, nothing new is sent' }),
    context: t.field({ type: [ContextRefInput], description: "The entity's resources, services, property… (the catalog's dimensions); without it, each dimension's default place in data." }),
    orderingKey: t.string({ description: "What ordered webhooks keep in order (e.g. the booking's id); default: the catalog's ordering key of the type." }),
    deliverAt: t.field({ type: 'DateTime', description: 'No attempt before this time (reminders).' }),
    expiresAt: t.field({ type: 'DateTime', description: 'Not after this time: a delivery not yet succeeded by then becomes EXPIRED.' }),
  }),
});

const PublishEventPayload = builder
  .objectRef<{ event: EventModel; deliveryCount: number; duplicate: boolean }>('PublishEventPayload')
  .implement({
    fields: (t) => ({
      // The event as publish wrote it; only relations asked for (its deliveries) are loaded.
      event: t.field({ type: EventRef, resolve: (payload) => payload.event }),
      deliveryCount: t.exposeInt('deliveryCount', { description: 'Deliveries created: one per matching active webhook.' }),
      duplicate: t.exposeBoolean('duplicate', { description: 'True when the idempotency key was seen before: nothing new was sent.' }),
    }),
  });


/** One publishEvent input, checked (src/publishing/publish-input.ts) and turned into the engine's. */
function validatePublishInput(ctx: Context, input: PublishRequest, prefix = ''): PublishInput {
  return checkPublishRequest({ catalog: ctx.services.catalog, maxPayloadBytes: ctx.config.maxPayloadBytes }, ctx.account.id, input, prefix);
}

export const MAX_EVENTS_PER_CALL = 100;

const PublishEventsPayload = builder.objectRef<{ results: { event: EventModel; deliveryCount: number; duplicate: boolean }[] }>('PublishEventsPayload').implement({
  fields: (t) => ({
    results: t.field({ type: [PublishEventPayload], description: 'One per input, in input order.', resolve: (payload) => payload.results }),
  }),
});

builder.mutationFields((t) => ({
  publishEvent: t.field({
    type: PublishEventPayload,
    description: 'Publishes a domain event: every matching active webhook of the account gets a signed delivery.',
    args: { input: t.arg({ type: PublishEventInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.services.engine.publish(validatePublishInput(ctx, input)),
  }),
  publishEvents: t.field({
    type: PublishEventsPayload,
    description: `Publishes up to ${MAX_EVENTS_PER_CALL} events in one transaction, all or nothing: a bad item fails the whole call, naming \`inputs.N.field\`.`,
    args: { inputs: t.arg({ type: [PublishEventInput], required: true }) },
    resolve: async (_root, { inputs }, ctx) => {
      if (inputs.length > MAX_EVENTS_PER_CALL) throw badInput('inputs', `"inputs" may hold at most ${MAX_EVENTS_PER_CALL} events.`);
      const validated = inputs.map((input, index) => validatePublishInput(ctx, input, `inputs.${index}.`));
      return { results: await ctx.services.engine.publishMany(validated) };
    },
  }),
}));
