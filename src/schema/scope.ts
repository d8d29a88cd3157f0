// The caller's reach as Prisma `where`s, applied in the few central places that load rows: the webhook loaders and
// list, the delivery `where`, the event `where`, node(id), and the subscription filters. Always the caller's account;
// for a portal session scoped to some webhooks, only those webhooks, their deliveries, and the events that reached
// them. Beyond it everything answers as missing (NOT_FOUND), exactly as another account's rows do.
import type { Context } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';

type Reach = Pick<Context, 'account' | 'scope'>;

/** Live (not deleted) webhooks the caller may reach. */
export function webhookScope(ctx: Reach): Prisma.WebhookWhereInput {
  const ids = ctx.scope.webhookIds;
  return { accountId: ctx.account.id, deletedAt: null, ...(ids ? { id: { in: [...ids] } } : {}) };
}

/** Deliveries the caller may reach: those of its webhooks (deleted webhooks' history included, for the whole account). */
export function deliveryScope(ctx: Reach): Prisma.DeliveryWhereInput {
  const ids = ctx.scope.webhookIds;
  return { accountId: ctx.account.id, ...(ids ? { webhookId: { in: [...ids] } } : {}) };
}

/** Events the caller may reach: for a webhook-scoped session, those with a delivery to one of its webhooks. */
export function eventScope(ctx: Reach): Prisma.EventWhereInput {
  const ids = ctx.scope.webhookIds;
  return { accountId: ctx.account.id, ...(ids ? { deliveries: { some: { webhookId: { in: [...ids] } } } } : {}) };
}

/** Whether a change of this account's webhook may reach the caller (subscription filters). */
export function reachesWebhook(ctx: Reach, accountId: string, webhookId: string): boolean {
  return accountId === ctx.account.id && (ctx.scope.webhookIds === null || ctx.scope.webhookIds.includes(webhookId));
}

/** True for a caller limited to some webhooks. */
export const isWebhookScoped = (ctx: Reach): boolean => ctx.scope.webhookIds !== null;
