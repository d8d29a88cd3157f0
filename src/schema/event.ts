// Events: publishEvent (the platform's entry point), the event node and the event list.
import type { Context } from '../context.js';
import type { EventModel } from '../db/event.js';
import type { PublishInput } from '../delivery/engine.js';
import type { ContextRef } from '../catalog/catalog.js';
import { HookstreamError, badInput, notFound } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { CLOCK_SLACK_MS } from '../db/history.js';
import { uuid7Floor } from '../db/ids.js';
import { checkConnectionArgsFirst, cursorCreatedAt } from './connection-args.js';
import { countDeliveryList, DeliveryConnection, deliveryHistoryFilter, loadDeliveryPage, ownsDelivery } from './delivery.js';
import { checkNodeUuid, parseGlobalId } from './global-id.js';
import { historyLoaders } from './history-loaders.js';
import { eventScope } from './scope.js';
import { resolveDimension, type DimensionChoice } from './webhook-input.js';
import { RestrictionTypeEnum, resolveTotalCount } from './webhook.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const MAX_CONTEXT_REFS = 100;
export const MAX_DATA_DEPTH = 32;

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

function jsonDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value as object)) {
    deepest = Math.max(deepest, jsonDepth(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

type PublishEventArgs = {
  type: string;
  data?: unknown;
  occurredAt?: Date | null;
  idempotencyKey?: string | null;
  context?: (DimensionChoice & { id: string })[] | null;
};

/**
 * Checks one publishEvent input against the catalog and the limits, before anything is written, and turns it into
 * the engine's. `prefix` names where it sits (`inputs.3.` in publishEvents), so that every refusal names the exact
 * field.
 */
function validatePublishInput(ctx: Context, input: PublishEventArgs, prefix = ''): PublishInput {
  const field = (name: string) => `${prefix}${name}`;
  const { catalog } = ctx.services;
  const eventType = catalog.eventType(input.type);
  if (!eventType) throw badInput(field('type'), `"${input.type}" is not an event type of the catalog (see the eventTypes query).`);
  if (eventType.operational) throw badInput(field('type'), `"${input.type}" is one of Hookstream's own events: it publishes them itself.`);
  if (input.data === null || typeof input.data !== 'object' || Array.isArray(input.data)) {
    throw badInput(field('data'), '"data" must be a JSON object: the entity the event is about.');
  }
  const size = Buffer.byteLength(JSON.stringify(input.data), 'utf8');
  if (size > ctx.config.maxPayloadBytes) {
    throw new HookstreamError('PAYLOAD_TOO_LARGE', `"data" is ${size} bytes serialised; the limit is ${ctx.config.maxPayloadBytes} (MAX_PAYLOAD_BYTES).`, {
      field: field('data'),
      limit: ctx.config.maxPayloadBytes,
    });
  }
  if (jsonDepth(input.data, MAX_DATA_DEPTH) > MAX_DATA_DEPTH) throw badInput(field('data'), `"data" is nested more than ${MAX_DATA_DEPTH} levels deep.`);
  // The type's JSON Schema (compiled once, at start-up); deprecated types are checked and accepted like any other.
  const violation = catalog.validateData(input.type, input.data);
  if (violation) {
    throw new HookstreamError('BAD_USER_INPUT', `The data does not fit the schema of ${input.type}: ${violation.message}`, { field: field('data'), path: violation.path });
  }
  if (input.idempotencyKey != null && (input.idempotencyKey.length < 1 || input.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badInput(field('idempotencyKey'), `"idempotencyKey" must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
  }
  if (input.context && input.context.length > MAX_CONTEXT_REFS) throw badInput(field('context'), `"context" may hold at most ${MAX_CONTEXT_REFS} entries.`);
  const refs: ContextRef[] = [];
  for (const ref of input.context ?? []) {
    if (ref.id.length < 1 || ref.id.length > 200) throw badInput(field('context'), 'Each context "id" must be 1–200 characters.');
    refs.push({ dimension: resolveDimension(catalog, ref, field('context')), id: ref.id });
  }
  return {
    accountId: ctx.account.id,
    type: input.type,
    data: input.data,
    occurredAt: input.occurredAt ?? new Date(),
    idempotencyKey: input.idempotencyKey ?? null,
    context: refs.length > 0 ? refs : null,
  };
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
