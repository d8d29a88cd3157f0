// Webhook rows and their headers and restrictions. Every function is scoped by account id: a row of another account
// is treated exactly as a missing one.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { DeliveryOrdering, HttpMethod } from '../generated/prisma/enums.js';
import { newId } from './ids.js';

type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export type WebhookValues = {
  name: string;
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  httpMethod: HttpMethod;
  sendData: boolean;
  rateLimitPerSecond: number | null;
  /** JSONata expression over the standard body, checked when saved; null: the standard body is sent. */
  transform: string | null;
  ordering: DeliveryOrdering;
  /** GET the url at create/enable and while failing (an HTTP webhook's only). */
  healthCheck: boolean;
  /** The webhook's own retry delays in ms (null: RETRY_SCHEDULE) and per-attempt timeout (null: DELIVERY_TIMEOUT). */
  retryScheduleMs: number[] | null;
  timeoutMs: number | null;
  headers: { name: string; value: string }[];
  restrictions: { dimension: string; targetId: string }[];
};

export const SECRET_GRACE_PERIOD_MS = 24 * 60 * 60 * 1000;

export class WebhookLimitError extends Error {}

/** The webhook if `scope` (the caller's account and reach, see schema/scope.ts) covers it, else null. */
export function findLiveWebhook(prisma: Tx, scope: Prisma.WebhookWhereInput, webhookId: string) {
  return prisma.webhook.findFirst({ where: { id: webhookId, deletedAt: null, AND: [scope] } });
}

/** Creates a webhook; counts the account's webhooks under a row lock on the account so the limit holds under races. */
export async function insertWebhook(prisma: PrismaClient, accountId: string, values: WebhookValues, secret: string) {
  return prisma.$transaction(async (tx) => {
    const [account] = await tx.$queryRaw<{ max_webhooks: number | null }[]>`
      select max_webhooks from accounts where id = ${accountId}::uuid for update`;
    if (account?.max_webhooks != null) {
      const count = await tx.webhook.count({ where: { accountId, deletedAt: null } });
      if (count >= account.max_webhooks) throw new WebhookLimitError(`This account may have at most ${account.max_webhooks} webhooks.`);
    }
    const id = newId();
    return tx.webhook.create({
      data: {
        id,
        accountId,
        name: values.name,
        url: values.url,
        description: values.description,
        events: values.events,
        active: values.active,
        httpMethod: values.httpMethod,
        sendData: values.sendData,
        rateLimitPerSecond: values.rateLimitPerSecond,
        transform: values.transform,
        ordering: values.ordering,
        healthCheck: values.healthCheck,
        // Checked at create (health-sweep.ts): due at once, in a worker process.
        healthCheckDueAt: values.healthCheck && values.active ? new Date() : null,
        retryScheduleMs: values.retryScheduleMs ?? Prisma.DbNull,
        timeoutMs: values.timeoutMs,
        secret,
        headers: { create: values.headers.map((header, position) => ({ id: newId(), position, ...header })) },
        restrictions: { create: values.restrictions.map((restriction) => ({ id: newId(), ...restriction })) },
      },
    });
  });
}

export type WebhookChanges = Partial<Omit<WebhookValues, 'headers' | 'restrictions' | 'retryScheduleMs'>> & {
  headers?: WebhookValues['headers'];
  restrictions?: WebhookValues['restrictions'];
  retryScheduleMs?: number[] | null;
  failureCount?: number;
  disabledReason?: string | null;
  failingSince?: Date | null;
  disablingNoticeAt?: Date | null;
  healthCheckDueAt?: Date | null;
};

/**
 * What re-enabling a webhook writes: a new start (CONTRACT.md, setWebhookActive: "re-enabling resets failureCount";
 * a failing streak counts from the enable), and a health check now if it has them.
 */
export function enableChanges(healthCheck: boolean) {
  return { active: true, failureCount: 0, disabledReason: null, failingSince: null, disablingNoticeAt: null, ...(healthCheck ? { healthCheckDueAt: new Date() } : {}) };
}

/** Applies the given changes; headers and restrictions, when given, replace the old ones whole. */
export async function updateWebhookRow(prisma: PrismaClient, webhookId: string, changes: WebhookChanges) {
  const { headers, restrictions, ...fields } = changes;
  return prisma.$transaction(async (tx) => {
    if (headers) {
      await tx.webhookHeader.deleteMany({ where: { webhookId } });
      await tx.webhookHeader.createMany({ data: headers.map((header, position) => ({ id: newId(), webhookId, position, ...header })) });
    }
    if (restrictions) await replaceRestrictions(tx, webhookId, restrictions);
    const { retryScheduleMs, ...rest } = fields;
    const schedule = retryScheduleMs === undefined ? {} : { retryScheduleMs: retryScheduleMs ?? Prisma.DbNull };
    return tx.webhook.update({ where: { id: webhookId }, data: { ...rest, ...schedule, updatedAt: new Date() } });
  });
}

export async function replaceRestrictions(tx: Tx, webhookId: string, restrictions: WebhookValues['restrictions']) {
  await tx.webhookRestriction.deleteMany({ where: { webhookId } });
  await tx.webhookRestriction.createMany({ data: restrictions.map((restriction) => ({ id: newId(), webhookId, ...restriction })) });
}

export function softDeleteWebhook(prisma: PrismaClient, webhookId: string) {
  return prisma.webhook.update({
    where: { id: webhookId },
    data: { deletedAt: new Date(), active: false, disabledReason: 'deleted' },
  });
}

/** Re-enables a webhook (enableChanges). Disabling goes through the engine, which announces it (engine.webhookChanged). */
export function enableWebhookRow(prisma: PrismaClient, webhook: { id: string; healthCheck: boolean }) {
  return prisma.webhook.update({ where: { id: webhook.id }, data: { ...enableChanges(webhook.healthCheck), updatedAt: new Date() } });
}

/** The old secret keeps signing, beside the new one, for the grace period (Standard Webhooks key rotation). */
export function rotateSecretRow(prisma: PrismaClient, webhook: { id: string; secret: string }, newSecret: string, now = new Date()) {
  return prisma.webhook.update({
    where: { id: webhook.id },
    data: {
      secret: newSecret,
      previousSecret: webhook.secret,
      previousSecretExpiresAt: new Date(now.getTime() + SECRET_GRACE_PERIOD_MS),
    },
  });
}
