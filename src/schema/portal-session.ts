// Portal sessions (CONTRACT.md): createPortalSession gives a platform a short-lived token and a console link for one
// of its accounts, optionally limited to some webhooks and read-only; revokePortalSession ends one; `portalSession`
// says what the current request's session is (the console reads it to know what it may offer).
import { randomBytes } from 'node:crypto';
import { callerLogFields, type Context } from '../context.js';
import { findPortalSession, insertPortalSession, revokePortalSessionRow, type PortalSessionRecord } from '../db/portal-session.js';
import { formatPortalToken, isScopeWithin, MAX_SESSION_WEBHOOKS, narrowScope, PORTAL_SESSION_TTL, portalUrl } from '../domain/portal-session.js';
import { publicId } from '../domain/public-id.js';
import { badInput, notFound } from '../errors.js';
import { endWatchedSession } from '../portal/session-watch.js';
import { builder } from './builder.js';
import { parseGlobalId } from './global-id.js';
import { webhookScope } from './scope.js';

/** A session row; `token` only as createPortalSession made it (only its hash is stored). */
type PortalSessionShape = PortalSessionRecord & { token?: string };

/**
 * The session with this id if the caller may see it: its account's, and reaching no webhook beyond the caller's
 * (an API key and an account-wide session see them all). Anything else answers as missing.
 */
async function loadVisibleSession(ctx: Context, sessionId: string): Promise<PortalSessionRecord> {
  const session = await findPortalSession(ctx.db.pool, ctx.account.id, sessionId);
  if (!session || !isScopeWithin(session.webhookIds.length > 0 ? session.webhookIds : null, ctx.scope.webhookIds)) throw notFound('PortalSession');
  return session;
}

export const PortalSessionRef = builder.objectRef<PortalSessionShape>('PortalSession');

builder.node(PortalSessionRef, {
  description: 'A short-lived bearer token for the console, scoped to this account (optionally to some webhooks, optionally read-only).',
  id: { resolve: (session) => session.id },
  loadOne: (id, ctx) => loadVisibleSession(ctx, id),
  fields: (t) => ({
    token: t.string({
      nullable: true,
      description: 'The bearer token: returned only by createPortalSession, never again (only its hash is stored).',
      resolve: (session) => session.token ?? null,
    }),
    url: t.string({
      description: 'The console link that signs in with this session (`<PUBLIC_URL>/console#session=<token>`); without the token after create.',
      resolve: (session, _args, ctx) => portalUrl(ctx.config.publicUrl, session.token ?? null),
    }),
    expiresAt: t.field({ type: 'DateTime', resolve: (session) => session.expiresAt }),
    readOnly: t.exposeBoolean('readOnly'),
    revoked: t.boolean({ resolve: (session) => session.revokedAt !== null }),
    webhookIds: t.idList({
      nullable: true,
      description: 'The webhooks it reaches; null: the whole account.',
      resolve: (session) => (session.webhookIds.length > 0 ? session.webhookIds.map((id) => publicId('Webhook', id)) : null),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (session) => session.createdAt }),
  }),
});

const PortalSessionInput = builder.inputType('PortalSessionInput', {
  fields: (t) => ({
    ttlSeconds: t.int({ defaultValue: PORTAL_SESSION_TTL.defaultSeconds, description: `Lifetime, ${PORTAL_SESSION_TTL.minSeconds}–${PORTAL_SESSION_TTL.maxSeconds} seconds.` }),
    webhookIds: t.idList({ description: `Only these webhooks (at most ${MAX_SESSION_WEBHOOKS}); unset: the whole account.` }),
    readOnly: t.boolean({ defaultValue: false, description: 'true: every mutation answers UNAUTHENTICATED.' }),
  }),
});

builder.queryField('portalSession', (t) =>
  t.field({
    type: PortalSessionRef,
    nullable: true,
    description: 'The portal session this request authenticated with; null with the API key.',
    resolve: (_root, _args, ctx) => (ctx.session ? loadVisibleSession(ctx, ctx.session.id) : null),
  }),
);

builder.mutationFields((t) => ({
  createPortalSession: t.field({
    type: PortalSessionRef,
    description:
      'A console session for this account. Made by a portal session, it reaches no further than that one: its webhooks (by default all of them), read-only if it is, and ending no later.',
    args: { input: t.arg({ type: PortalSessionInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const webhookIds = input.webhookIds ? input.webhookIds.map((id) => parseGlobalId(String(id), 'Webhook', 'webhookIds')) : null;
      const narrowed = narrowScope(ctx.scope, { ttlSeconds: input.ttlSeconds ?? PORTAL_SESSION_TTL.defaultSeconds, webhookIds, readOnly: input.readOnly ?? false }, new Date());
      if (!narrowed.ok) {
        switch (narrowed.reason) {
          case 'TTL_OUT_OF_RANGE':
            throw badInput('ttlSeconds', `"ttlSeconds" must be a whole number from ${PORTAL_SESSION_TTL.minSeconds} to ${PORTAL_SESSION_TTL.maxSeconds}.`);
          case 'NO_WEBHOOKS':
            throw badInput('webhookIds', '"webhookIds" must name at least one webhook; leave it out for the whole account.');
          case 'TOO_MANY_WEBHOOKS':
            throw badInput('webhookIds', `"webhookIds" may name at most ${MAX_SESSION_WEBHOOKS} webhooks.`);
          case 'WEBHOOK_OUT_OF_SCOPE':
            throw notFound('Webhook');
        }
      }
      // Each named webhook must be one the caller reaches now (live, its account's, in its scope).
      if (narrowed.webhookIds && webhookIds) {
        const found = await ctx.db.prisma.webhook.count({ where: { id: { in: [...narrowed.webhookIds] }, AND: [webhookScope(ctx)] } });
        if (found !== narrowed.webhookIds.length) throw notFound('Webhook');
      }
      const token = formatPortalToken(randomBytes(32));
      const session = await insertPortalSession(ctx.db.pool, {
        accountId: ctx.account.id,
        token,
        webhookIds: narrowed.webhookIds,
        readOnly: narrowed.readOnly,
        expiresAt: narrowed.expiresAt,
      });
      ctx.log.info(
        { ...callerLogFields(ctx), createdSessionId: publicId('PortalSession', session.id), webhooks: narrowed.webhookIds?.length ?? 'all', readOnly: session.readOnly, expiresAt: session.expiresAt },
        'portal session created',
      );
      return { ...session, token };
    },
  }),
  revokePortalSession: t.field({
    type: PortalSessionRef,
    description: 'Ends a portal session now: its next request is refused, its open subscriptions close.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const sessionId = parseGlobalId(String(args.id), 'PortalSession', 'id');
      await loadVisibleSession(ctx, sessionId);
      const revoked = await revokePortalSessionRow(ctx.db.pool, ctx.account.id, sessionId);
      if (!revoked) throw notFound('PortalSession');
      endWatchedSession(ctx.db.pool, sessionId);
      ctx.log.info({ ...callerLogFields(ctx), revokedSessionId: publicId('PortalSession', sessionId) }, 'portal session revoked');
      return revoked;
    },
  }),
}));
