// The caller's own account (`viewer`). Accounts are created by the operator's CLI, never over GraphQL.
import { builder } from './builder.js';
import { webhookScope } from './scope.js';

export const AccountRef = builder.prismaNode('Account', {
  id: { field: 'id' },
  // `node(id)` answers only for the caller's own account.
  findUnique: (id, ctx) => ({ id: ctx.account.id === id ? id : '00000000-0000-0000-0000-000000000000' }),
  fields: (t) => ({
    name: t.exposeString('name'),
    maxWebhooks: t.exposeInt('maxWebhooks', { nullable: true, description: 'Most webhooks this account may have; null: no limit.' }),
    // Counted within the caller's reach: a portal session limited to some webhooks counts only those.
    webhookCount: t.relationCount('webhooks', { where: (_args, ctx) => webhookScope(ctx) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'Account',
    description: 'The account that the API key belongs to.',
    resolve: (query, _root, _args, ctx) => ctx.db.prisma.account.findUniqueOrThrow({ ...query, where: { id: ctx.account.id } }),
  }),
);
