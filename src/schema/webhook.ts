// Webhooks: the node, its restrictions, the list and every management mutation (CONTRACT.md, "GraphQL schema").
import { randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import {
  enableChanges,
  enableWebhookRow,
  findLiveWebhook,
  insertWebhook,
  replaceRestrictions,
  rotateSecretRow,
  softDeleteWebhook,
  updateWebhookRow,
  WebhookLimitError,
  type WebhookChanges,
} from '../db/webhook.js';
import { newId } from '../db/ids.js';
import { generateWebhookSecret } from '../domain/signature.js';
import { RESTRICTION_TYPES, restrictionTypeOfDimension } from '../domain/restriction-type.js';
import { HookstreamError, badInput, notFound } from '../errors.js';
import { DeliveryOrdering as DeliveryOrderingValues, HttpMethod as HttpMethodValues } from '../generated/prisma/enums.js';
import { channelOf } from '../domain/webhook-channel.js';
import { formatDuration } from '../domain/durations.js';
import { builder } from './builder.js';
import { checkConnectionArgsFirst } from './connection-args.js';
import { checkNodeUuid, parseGlobalId } from './global-id.js';
import { webhookScope } from './scope.js';
import {
  validateDescription,
  validateEvents,
  validateHeaders,
  validateHealthCheck,
  validateName,
  validateRateLimit,
  validateRestrictions,
  validateRetrySchedule,
  validateTimeout,
  validateTransform,
  validateUrl,
} from './webhook-input.js';

/** The reason an account admin's disable gives (Webhook.disabledReason, the hookstream.webhook.disabled event). */
const ADMIN_DISABLE_REASON = 'disabled by an account admin';

export const HttpMethodEnum = builder.enumType('HttpMethod', { values: Object.values(HttpMethodValues) });
export const DeliveryOrderingEnum = builder.enumType('DeliveryOrdering', {
  values: Object.values(DeliveryOrderingValues),
  description:
    'NONE: deliveries go as they come. PER_KEY: deliveries of one ordering key are attempted strictly in publish order, each after the one before has finished. LATEST_PER_KEY: as PER_KEY, and a queued delivery never attempted is SUPERSEDED when a newer event of its key arrives.',
});
export const WebhookChannelEnum = builder.enumType('WebhookChannel', { values: ['HTTP', 'EMAIL'] as const });
export const RestrictionTypeEnum = builder.enumType('RestrictionType', {
  values: RESTRICTION_TYPES,
  description: "anny's five context dimensions, each the dimension of its name in lower case (RESOURCE_GROUP: `resource_group`); other catalogs' dimensions are named by `dimension`.",
});

type HealthShape = { ok: boolean; checkedAt: Date; responseStatus: number | null; error: string | null };

export const WebhookHealthRef = builder.objectRef<HealthShape>('WebhookHealth').implement({
  description: "The last health check: a GET of the webhook's url (no body, no signature); 2xx is healthy.",
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    checkedAt: t.expose('checkedAt', { type: 'DateTime' }),
    responseStatus: t.exposeInt('responseStatus', { nullable: true, description: 'The HTTP status, or null when no answer came.' }),
    error: t.exposeString('error', { nullable: true, description: 'Null when healthy; otherwise e.g. `HTTP 500`, `timeout after 15000 ms`, `TLS: …`.' }),
  }),
});

export const RestrictionRef = builder.prismaNode('WebhookRestriction', {
  name: 'Restriction',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id: checkNodeUuid(id), webhook: webhookScope(ctx) }),
  fields: (t) => ({
    type: t.field({
      type: RestrictionTypeEnum,
      nullable: true,
      description: "The dimension as one of anny's five; null for any other dimension.",
      resolve: (restriction) => restrictionTypeOfDimension(restriction.dimension),
    }),
    dimension: t.exposeString('dimension', { description: 'The context dimension it filters by, e.g. `resource` or `property`.' }),
    targetId: t.exposeString('targetId'),
  }),
});

export const WebhookRef = builder.prismaNode('Webhook', {
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id: checkNodeUuid(id), AND: [webhookScope(ctx)] }),
  fields: (t) => ({
    name: t.exposeString('name'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    events: t.exposeStringList('events'),
    active: t.exposeBoolean('active'),
    disabledReason: t.exposeString('disabledReason', { nullable: true }),
    failureCount: t.exposeInt('failureCount', { description: 'Consecutive failed attempts; reset by a success or by re-enabling.' }),
    httpMethod: t.expose('httpMethod', { type: HttpMethodEnum }),
    headerNames: t.stringList({
      description: 'Names of the custom headers; their values are write-only.',
      select: { headers: { select: { name: true }, orderBy: { position: 'asc' } } },
      resolve: (webhook) => webhook.headers.map((header) => header.name),
    }),
    sendData: t.exposeBoolean('sendData'),
    rateLimitPerSecond: t.exposeInt('rateLimitPerSecond', {
      nullable: true,
      description: 'Most requests a second sent to this endpoint; null: no limit.',
    }),
    restrictions: t.relation('restrictions', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    transform: t.exposeString('transform', { nullable: true, description: 'JSONata expression over the standard body; its result is what is signed and sent.' }),
    ordering: t.expose('ordering', { type: DeliveryOrderingEnum }),
    channel: t.field({ type: WebhookChannelEnum, description: 'From the url: mailto: is EMAIL, anything else HTTP.', select: { url: true }, resolve: (webhook) => channelOf(webhook.url) }),
    healthCheck: t.exposeBoolean('healthCheck', { description: 'GET the url at create and re-enable and, while failing, every HEALTH_CHECK_INTERVAL.' }),
    health: t.field({
      type: WebhookHealthRef,
      nullable: true,
      description: 'The last health check; null until checked.',
      select: { healthOk: true, healthCheckedAt: true, healthResponseStatus: true, healthError: true },
      resolve: (webhook) =>
        webhook.healthCheckedAt && webhook.healthOk !== null
          ? { ok: webhook.healthOk, checkedAt: webhook.healthCheckedAt, responseStatus: webhook.healthResponseStatus, error: webhook.healthError }
          : null,
    }),
    failingSince: t.expose('failingSince', {
      type: 'DateTime',
      nullable: true,
      description: 'When the current failing streak began (its first failed attempt since the webhook was created, enabled or last succeeded); null: not failing.',
    }),
    retrySchedule: t.stringList({
      nullable: true,
      description: "This webhook's own delays before each retry (durations); null: the service's RETRY_SCHEDULE.",
      select: { retryScheduleMs: true },
      resolve: (webhook) => (Array.isArray(webhook.retryScheduleMs) ? (webhook.retryScheduleMs as number[]).map(formatDuration) : null),
    }),
    timeout: t.string({
      nullable: true,
      description: "This webhook's own per-attempt timeout (a duration); null: the service's DELIVERY_TIMEOUT.",
      select: { timeoutMs: true },
      resolve: (webhook) => (webhook.timeoutMs === null ? null : formatDuration(webhook.timeoutMs)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const WebhookConnection = builder.connectionObject(
  {
    type: WebhookRef,
    name: 'WebhookConnection',
    fields: (t) => ({
      totalCount: t.int({ resolve: (connection) => resolveTotalCount(connection) }),
    }),
  },
  { name: 'WebhookEdge' },
);

/** Pothos hands the total count to a shared connection object as a value or a thunk. */
export function resolveTotalCount(connection: object): number | Promise<number> {
  const { totalCount } = connection as { totalCount?: number | (() => number | Promise<number>) };
  return typeof totalCount === 'function' ? totalCount() : (totalCount ?? 0);
}

builder.queryFields((t) => ({
  webhooks: checkConnectionArgsFirst(
    t.prismaConnection(
      {
        type: 'Webhook',
        cursor: 'id',
        args: { active: t.arg.boolean({ description: 'Only active (true) or only inactive (false) webhooks.' }) },
        totalCount: (_connection, args, ctx) =>
          ctx.db.prisma.webhook.count({ where: webhookListWhere(ctx, args.active) }),
        resolve: (query, _root, args, ctx) =>
          ctx.db.prisma.webhook.findMany({
            ...query,
            where: webhookListWhere(ctx, args.active),
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          }),
      },
      WebhookConnection,
    ),
    async (id, ctx) => (await findLiveWebhook(ctx.db.prisma, webhookScope(ctx), id)) !== null,
  ),
  webhook: t.prismaField({
    type: 'Webhook',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = parseGlobalId(String(args.id), 'Webhook', 'id');
      const webhook = await ctx.db.prisma.webhook.findFirst({ ...query, where: { id, AND: [webhookScope(ctx)] } });
      if (!webhook) throw notFound('Webhook');
      return webhook;
    },
  }),
}));

function webhookListWhere(ctx: Context, active: boolean | null | undefined) {
  return { AND: [webhookScope(ctx), active == null ? {} : { active }] };
}

// ---- inputs -------------------------------------------------------------------------------------------------

const HeaderInput = builder.inputType('HeaderInput', {
  description: 'A custom header sent with every request, e.g. an Authorization header the receiver expects.',
  fields: (t) => ({
    name: t.string({ required: true }),
    value: t.string({ required: true }),
  }),
});

const RestrictionItemInput = builder.inputType('RestrictionItemInput', {
  description: 'One restriction: exactly one of `type` (anny\'s five) or `dimension` (any of the catalog\'s contextDimensions), and the id to allow.',
  fields: (t) => ({
    type: t.field({ type: RestrictionTypeEnum }),
    dimension: t.string({ description: 'A context dimension of the catalog, e.g. `property`.' }),
    targetId: t.string({ required: true }),
  }),
});

const RestrictionInput = builder.inputType('RestrictionInput', {
  fields: (t) => ({
    webhookId: t.id({ required: true }),
    type: t.field({ type: RestrictionTypeEnum }),
    dimension: t.string({ description: 'A context dimension of the catalog, e.g. `property`.' }),
    targetId: t.string({ required: true }),
  }),
});

const TRANSFORM_DESCRIPTION = 'JSONata expression over the standard body `{event, event_id, webhook_id, triggered_at, occurred_at, data}`; its result is what is signed and sent. Empty: the standard body.';

const CreateWebhookInput = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters' }),
    url: t.string({ required: true, description: 'http(s), checked against ALLOW_PRIVATE_TARGETS and REQUIRE_HTTPS; or mailto: with 1–5 addresses (the EMAIL channel)' }),
    events: t.stringList({ required: true, description: 'catalog types, `category.*` wildcards, or `*`' }),
    description: t.string(),
    active: t.boolean({ defaultValue: true }),
    httpMethod: t.field({ type: HttpMethodEnum, defaultValue: 'POST' }),
    headers: t.field({ type: [HeaderInput] }),
    sendData: t.boolean({ defaultValue: true, description: 'false: the `data` object shrinks to { id }' }),
    restrictions: t.field({ type: [RestrictionItemInput] }),
    transform: t.string({ description: TRANSFORM_DESCRIPTION }),
    rateLimitPerSecond: t.int({ description: 'Most requests a second to this endpoint; unset: no limit.' }),
    ordering: t.field({ type: DeliveryOrderingEnum, defaultValue: 'NONE' }),
    healthCheck: t.boolean({ defaultValue: false, description: 'GET the url at create/enable and while failing; 2xx = healthy. HTTP webhooks only.' }),
    retrySchedule: t.stringList({ description: "This webhook's own delays before each retry (durations such as `30s`), within RETRY_SCHEDULE: at most as many, none longer than its longest. Empty: no retries." }),
    timeout: t.string({ description: "This webhook's own per-attempt timeout (a duration), at most DELIVERY_TIMEOUT." }),
  }),
});

const UpdateWebhookInput = builder.inputType('UpdateWebhookInput', {
  description: 'The webhook id and any field of CreateWebhookInput; headers and restrictions, when given, replace the old ones.',
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    url: t.string(),
    events: t.stringList(),
    description: t.string(),
    active: t.boolean(),
    httpMethod: t.field({ type: HttpMethodEnum }),
    headers: t.field({ type: [HeaderInput] }),
    sendData: t.boolean(),
    restrictions: t.field({ type: [RestrictionItemInput] }),
    transform: t.string({ description: `${TRANSFORM_DESCRIPTION} null or empty removes it.` }),
    rateLimitPerSecond: t.int(),
    ordering: t.field({ type: DeliveryOrderingEnum }),
    healthCheck: t.boolean(),
    retrySchedule: t.stringList({ description: 'null: back to RETRY_SCHEDULE.' }),
    timeout: t.string({ description: 'null: back to DELIVERY_TIMEOUT.' }),
  }),
});

// ---- payloads -----------------------------------------------------------------------------------------------

type WebhookPayloadShape = { webhookId: string; secret: string | null };

const WebhookPayload = builder.objectRef<WebhookPayloadShape>('WebhookPayload').implement({
  fields: (t) => ({
    webhook: t.prismaField({
      type: 'Webhook',
      resolve: (query, payload, _args, ctx) => ctx.db.prisma.webhook.findUniqueOrThrow({ ...query, where: { id: payload.webhookId } }),
    }),
    secret: t.string({
      nullable: true,
      description: 'The signing secret: returned only by createWebhook and rotateWebhookSecret, never again.',
      resolve: (payload) => payload.secret,
    }),
  }),
});

const DeleteWebhookPayload = builder.objectRef<{ deletedId: string }>('DeleteWebhookPayload').implement({
  fields: (t) => ({ deletedId: t.exposeID('deletedId') }),
});

// ---- mutations ----------------------------------------------------------------------------------------------

/** The caller's live webhook by global id, or NOT_FOUND (missing, deleted, beyond its scope and another account's alike). */
export async function loadOwnWebhook(ctx: Context, globalId: string | number, field: string) {
  const id = parseGlobalId(String(globalId), 'Webhook', field);
  const webhook = await findLiveWebhook(ctx.db.prisma, webhookScope(ctx), id);
  if (!webhook) throw notFound('Webhook');
  return webhook;
}

/**
 * Tells the engine the webhook changed: every process's `webhookUpdated` subscribers hear of it, and a webhook that
 * stopped receiving (`failQueued`: disabled or deleted) fails its waiting deliveries now.
 */
async function announceChange(ctx: Context, webhookId: string, secret: string | null, failQueued?: string): Promise<WebhookPayloadShape> {
  await ctx.services.engine.webhookChanged(ctx.account.id, webhookId, failQueued ? { failQueued } : {});
  return { webhookId, secret };
}

/** Custom header values are often credentials: stored encrypted, like secrets. */
const sealHeaders = (ctx: Context, headers: { name: string; value: string }[]) =>
  headers.map((header) => ({ name: header.name, value: ctx.services.secretBox.encrypt(header.value) }));

const newSecret = () => generateWebhookSecret(randomBytes(32));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WebhookPayload,
    args: { input: t.arg({ type: CreateWebhookInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { catalog, transforms } = ctx.services;
      const events = validateEvents(catalog, input.events);
      const sendData = input.sendData ?? true;
      const url = await validateUrl(input.url, ctx.config, ctx.services);
      const values = {
        name: validateName(input.name),
        url,
        description: validateDescription(input.description),
        events,
        active: input.active ?? true,
        httpMethod: input.httpMethod ?? 'POST',
        sendData,
        rateLimitPerSecond: validateRateLimit(input.rateLimitPerSecond),
        ordering: input.ordering ?? 'NONE',
        healthCheck: validateHealthCheck(input.healthCheck ?? false, url),
        retryScheduleMs: validateRetrySchedule(input.retrySchedule, ctx.config),
        timeoutMs: validateTimeout(input.timeout, ctx.config),
        headers: sealHeaders(ctx, validateHeaders(input.headers)),
        restrictions: validateRestrictions(catalog, input.restrictions, events),
        transform: await validateTransform(input.transform, { events, sendData }, catalog, transforms),
      };
      const secret = newSecret();
      try {
        const webhook = await insertWebhook(ctx.db.prisma, ctx.account.id, values, ctx.services.secretBox.encrypt(secret));
        return await announceChange(ctx, webhook.id, secret);
      } catch (error) {
        if (error instanceof WebhookLimitError) throw new HookstreamError('LIMIT_EXCEEDED', error.message);
        throw error;
      }
    },
  }),

  updateWebhook: t.field({
    type: WebhookPayload,
    args: { input: t.arg({ type: UpdateWebhookInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const webhook = await loadOwnWebhook(ctx, input.id, 'id');
      const changes: WebhookChanges = {};
      if (input.name != null) changes.name = validateName(input.name);
      if (input.url != null) changes.url = await validateUrl(input.url, ctx.config, ctx.services);
      if (input.description !== undefined) changes.description = validateDescription(input.description);
      const { catalog, transforms } = ctx.services;
      if (input.events != null) changes.events = validateEvents(catalog, input.events);
      if (input.healthCheck != null) changes.healthCheck = input.healthCheck;
      const healthCheck = validateHealthCheck(changes.healthCheck ?? webhook.healthCheck, changes.url ?? webhook.url);
      // Disabling goes through the engine below, which announces it; enabling starts afresh here (and is checked).
      const disabling = input.active === false && webhook.active;
      if (input.active === true) Object.assign(changes, enableChanges(healthCheck));
      // A check is due whenever there is something new to check: health checks turned on, or another url.
      if (healthCheck && (changes.healthCheck === true || (changes.url !== undefined && changes.url !== webhook.url))) changes.healthCheckDueAt = new Date();
      if (input.retrySchedule !== undefined) changes.retryScheduleMs = validateRetrySchedule(input.retrySchedule, ctx.config);
      if (input.timeout !== undefined) changes.timeoutMs = validateTimeout(input.timeout, ctx.config);
      if (input.httpMethod != null) changes.httpMethod = input.httpMethod;
      if (input.sendData != null) changes.sendData = input.sendData;
      if (input.rateLimitPerSecond !== undefined) changes.rateLimitPerSecond = validateRateLimit(input.rateLimitPerSecond);
      if (input.ordering != null) changes.ordering = input.ordering;
      if (input.headers != null) changes.headers = sealHeaders(ctx, validateHeaders(input.headers));
      const events = changes.events ?? webhook.events;
      if (input.restrictions != null) {
        changes.restrictions = validateRestrictions(catalog, input.restrictions, events);
      } else if (changes.events) {
        // The restrictions it keeps must still filter some event it subscribes to.
        const kept = await ctx.db.prisma.webhookRestriction.findMany({ where: { webhookId: webhook.id }, select: { dimension: true }, distinct: ['dimension'] });
        for (const { dimension } of kept) {
          const problem = catalog.checkRestrictionDimension(dimension, events);
          if (problem) throw badInput('events', `This webhook has restrictions on "${dimension}" that would filter nothing: ${problem}. Keep such an event, or clear the restrictions in the same update.`);
        }
      }
      // A transform is checked against every type the webhook will subscribe to, whichever of the two changed.
      if (input.transform !== undefined || changes.events || changes.sendData != null) {
        const transform = input.transform !== undefined ? input.transform : webhook.transform;
        const checked = await validateTransform(transform, { events, sendData: changes.sendData ?? webhook.sendData, id: webhook.id }, catalog, transforms);
        if (input.transform !== undefined) changes.transform = checked;
      }
      await updateWebhookRow(ctx.db.prisma, webhook.id, changes);
      if (disabling) {
        await ctx.services.engine.webhookChanged(ctx.account.id, webhook.id, { disable: ADMIN_DISABLE_REASON });
        return { webhookId: webhook.id, secret: null };
      }
      return announceChange(ctx, webhook.id, null, input.active === false ? 'webhook disabled' : undefined);
    },
  }),

  deleteWebhook: t.field({
    type: DeleteWebhookPayload,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const webhook = await loadOwnWebhook(ctx, args.id, 'id');
      await softDeleteWebhook(ctx.db.prisma, webhook.id);
      await announceChange(ctx, webhook.id, null, 'webhook deleted');
      return { deletedId: String(args.id) };
    },
  }),

  setWebhookActive: t.field({
    type: WebhookPayload,
    description: 'Enables or disables a webhook; re-enabling resets failureCount and the failing streak, and runs a health check if it has them.',
    args: { id: t.arg.id({ required: true }), active: t.arg.boolean({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const webhook = await loadOwnWebhook(ctx, args.id, 'id');
      if (!args.active) {
        // The engine disables it and announces that (hookstream.webhook.disabled) in one transaction, if it was active.
        await ctx.services.engine.webhookChanged(ctx.account.id, webhook.id, { disable: ADMIN_DISABLE_REASON, failQueued: 'webhook disabled' });
        return { webhookId: webhook.id, secret: null };
      }
      await enableWebhookRow(ctx.db.prisma, webhook);
      return announceChange(ctx, webhook.id, null);
    },
  }),

  rotateWebhookSecret: t.field({
    type: WebhookPayload,
    description: 'Issues a new signing secret; the old one keeps signing, beside it, for 24 hours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const webhook = await loadOwnWebhook(ctx, args.id, 'id');
      const secret = newSecret();
      // The old secret moves to previous_secret as stored (encrypted); the new one is encrypted here.
      await rotateSecretRow(ctx.db.prisma, webhook, ctx.services.secretBox.encrypt(secret));
      return announceChange(ctx, webhook.id, secret);
    },
  }),

  addWebhookRestriction: t.field({
    type: WebhookPayload,
    args: { input: t.arg({ type: RestrictionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const webhook = await loadOwnWebhook(ctx, input.webhookId, 'webhookId');
      const dimensionField = input.type != null && input.dimension == null ? 'type' : 'dimension';
      const [restriction] = validateRestrictions(ctx.services.catalog, [{ type: input.type, dimension: input.dimension, targetId: input.targetId }], webhook.events, 'targetId', dimensionField);
      if (!restriction) throw badInput('targetId', '"targetId" is required.');
      const existing = await ctx.db.prisma.webhookRestriction.findFirst({ where: { webhookId: webhook.id, ...restriction } });
      if (existing) throw new HookstreamError('CONFLICT', 'This webhook already has that restriction.');
      await ctx.db.prisma.webhookRestriction.create({ data: { id: newId(), webhookId: webhook.id, ...restriction } }).catch((error: { code?: string }) => {
        if (error.code === 'P2002') throw new HookstreamError('CONFLICT', 'This webhook already has that restriction.');
        throw error;
      });
      return announceChange(ctx, webhook.id, null);
    },
  }),

  removeWebhookRestriction: t.field({
    type: WebhookPayload,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = parseGlobalId(String(args.id), 'Restriction', 'id');
      const restriction = await ctx.db.prisma.webhookRestriction.findFirst({
        where: { id, webhook: webhookScope(ctx) },
      });
      if (!restriction) throw notFound('Restriction');
      await ctx.db.prisma.webhookRestriction.delete({ where: { id } });
      return announceChange(ctx, restriction.webhookId, null);
    },
  }),

  setWebhookRestrictions: t.field({
    type: WebhookPayload,
    description: 'Replaces all of a webhook\'s restrictions; an empty list removes them.',
    args: {
      webhookId: t.arg.id({ required: true }),
      restrictions: t.arg({ type: [RestrictionItemInput], required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const webhook = await loadOwnWebhook(ctx, args.webhookId, 'webhookId');
      const restrictions = validateRestrictions(ctx.services.catalog, args.restrictions, webhook.events);
      await ctx.db.prisma.$transaction((tx) => replaceRestrictions(tx, webhook.id, restrictions));
      return announceChange(ctx, webhook.id, null);
    },
  }),
}));
