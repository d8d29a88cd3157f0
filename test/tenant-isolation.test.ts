// CONTRACT.md, "Accounts and API keys": an account sees and touches only its own webhooks; another account's ID
// answers exactly as a missing one (NOT_FOUND). Account B tries everything on account A's webhooks; each answer must
// equal, field for field, the answer for a well-formed ID of a row that does not exist, and A's rows must not move.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddWebhookRestrictionDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  NodeDetailsDocument,
  RemoveWebhookRestrictionDocument,
  RotateWebhookSecretDocument,
  SetWebhookActiveDocument,
  SetWebhookRestrictionsDocument,
  UpdateWebhookDocument,
  ViewerDocument,
  WebhookDocument,
  WebhooksDocument,
} from '../src/sdk/generated.js';
import type { GraphqlClient, GraphqlResult } from '../src/sdk/client.js';
import { snapshotTables } from './helpers/db-snapshot.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { expectError, globalId, missingId, withoutPath } from './helpers/graphql.js';

let app: TestApp;
let clientA: GraphqlClient;
let clientB: GraphqlClient;
let accountIdA: string;
let webhookA: string;
let restrictionA: string;
let webhookB: string;
/** A's webhook as A saw it right after creating it. */
let createdA: { updatedAt: string; url: string; name: string };

beforeAll(async () => {
  app = await startTestApp();
  const a = await app.newAccount({ name: 'Account A' });
  const b = await app.newAccount({ name: 'Account B' });
  clientA = a.client;
  clientB = b.client;
  accountIdA = a.accountId;
  const created = await clientA.data(CreateWebhookDocument, {
    input: {
      name: 'A hook',
      url: 'http://127.0.0.1:9/a',
      events: ['bookings.*'],
      headers: [{ name: 'Authorization', value: 'Bearer a-secret' }],
      restrictions: [{ type: 'RESOURCE', targetId: 'room-a' }],
    },
  });
  webhookA = created.createWebhook.webhook.id;
  createdA = created.createWebhook.webhook;
  restrictionA = created.createWebhook.webhook.restrictions[0]!.id;
  await clientA.data(CreateWebhookDocument, { input: { name: 'A second', url: 'http://127.0.0.1:9/a2', events: ['*'] } });
  webhookB = (await clientB.data(CreateWebhookDocument, { input: { name: 'B hook', url: 'http://127.0.0.1:9/b', events: ['orders.*'] } })).createWebhook.webhook.id;
});
afterAll(() => app?.stop());

type Attempt = {
  name: string;
  /** Runs the operation as B against `id` (of a Webhook, or of a Restriction for restriction operations). */
  run: (id: string) => Promise<GraphqlResult<unknown>>;
  target: () => string;
  missing: () => string;
};

const onWebhook = { target: () => webhookA, missing: () => missingId('Webhook') };
const attempts: Attempt[] = [
  { name: 'webhook(id)', run: (id) => clientB.request(WebhookDocument, { id }), ...onWebhook },
  { name: 'node(id) of a Webhook', run: (id) => clientB.request(NodeDetailsDocument, { id }), ...onWebhook },
  { name: 'node(id) of a Restriction', run: (id) => clientB.request(NodeDetailsDocument, { id }), target: () => restrictionA, missing: () => missingId('Restriction') },
  { name: 'node(id) of an Account', run: (id) => clientB.request(NodeDetailsDocument, { id }), target: () => globalId('Account', accountIdA), missing: () => missingId('Account') },
  { name: 'updateWebhook', run: (id) => clientB.request(UpdateWebhookDocument, { input: { id, name: 'Taken over', url: 'http://127.0.0.1:9/b' } }), ...onWebhook },
  { name: 'deleteWebhook', run: (id) => clientB.request(DeleteWebhookDocument, { id }), ...onWebhook },
  { name: 'setWebhookActive(false)', run: (id) => clientB.request(SetWebhookActiveDocument, { id, active: false }), ...onWebhook },
  { name: 'setWebhookActive(true)', run: (id) => clientB.request(SetWebhookActiveDocument, { id, active: true }), ...onWebhook },
  { name: 'rotateWebhookSecret', run: (id) => clientB.request(RotateWebhookSecretDocument, { id }), ...onWebhook },
  {
    name: 'addWebhookRestriction',
    run: (id) => clientB.request(AddWebhookRestrictionDocument, { input: { webhookId: id, type: 'SERVICE', targetId: 'b-service' } }),
    ...onWebhook,
  },
  // The same restriction A already has: a CONFLICT here would tell B that the webhook exists.
  {
    name: 'addWebhookRestriction of an existing restriction',
    run: (id) => clientB.request(AddWebhookRestrictionDocument, { input: { webhookId: id, type: 'RESOURCE', targetId: 'room-a' } }),
    ...onWebhook,
  },
  { name: 'removeWebhookRestriction', run: (id) => clientB.request(RemoveWebhookRestrictionDocument, { id }), target: () => restrictionA, missing: () => missingId('Restriction') },
  {
    name: 'setWebhookRestrictions',
    run: (id) => clientB.request(SetWebhookRestrictionsDocument, { webhookId: id, restrictions: [{ type: 'SERVICE', targetId: 'b-service' }] }),
    ...onWebhook,
  },
  { name: 'setWebhookRestrictions([])', run: (id) => clientB.request(SetWebhookRestrictionsDocument, { webhookId: id, restrictions: [] }), ...onWebhook },
];

describe("account B on account A's webhooks", () => {
  it.each(attempts)('$name: NOT_FOUND, the same answer as for a missing ID, and nothing changes', async ({ run, target, missing }) => {
    const before = await snapshotTables(app.db.pool);
    const foreign = await run(target());
    const absent = await run(missing());
    expect(await snapshotTables(app.db.pool)).toEqual(before);

    const foreignError = expectError(foreign, 'NOT_FOUND');
    expect(foreignError.extensions).toEqual({ code: 'NOT_FOUND' });
    expect(withoutPath(foreignError)).toEqual(withoutPath(absent.errors?.[0]));
    expect(foreign.data).toEqual(absent.data);
    expect(foreign.status).toBe(absent.status);
    expect(absent.errors).toHaveLength(1);
  });

  it("B's list holds only B's webhook, and its counts ignore A's", async () => {
    const listB = (await clientB.data(WebhooksDocument, { first: 100 })).webhooks;
    expect(listB.edges.map((edge) => edge.node.id)).toEqual([webhookB]);
    expect(listB.totalCount).toBe(1);
    expect((await clientB.data(WebhooksDocument, { first: 100, active: true })).webhooks.totalCount).toBe(1);
    expect((await clientB.data(ViewerDocument)).viewer).toMatchObject({ name: 'Account B', webhookCount: 1 });
  });

  it("B cannot page with a cursor taken from A's list", async () => {
    const listA = (await clientA.data(WebhooksDocument, { first: 1 })).webhooks;
    expect(listA.totalCount).toBe(2);
    const cursorA = listA.edges[0]!.cursor;
    const result = await clientB.request(WebhooksDocument, { first: 10, after: cursorA });
    expectError(result, 'BAD_USER_INPUT', 'after');
    expect(result.data).toBeNull();
    expectError(await clientB.request(WebhooksDocument, { last: 10, before: cursorA }), 'BAD_USER_INPUT', 'before');
    // A can use it.
    expect((await clientA.data(WebhooksDocument, { first: 10, after: cursorA })).webhooks.edges).toHaveLength(1);
  });

  it("A's webhook is exactly as it was after all of B's attempts", async () => {
    const webhook = (await clientA.data(WebhookDocument, { id: webhookA })).webhook;
    expect(webhook).toMatchObject({
      name: 'A hook',
      url: 'http://127.0.0.1:9/a',
      active: true,
      disabledReason: null,
      headerNames: ['Authorization'],
      restrictions: [{ id: restrictionA, type: 'RESOURCE', targetId: 'room-a' }],
    });
    expect(webhook!.updatedAt).toBe(createdA.updatedAt);
    const { rows } = await app.db.pool.query('select previous_secret from webhooks where account_id = $1', [accountIdA]);
    expect(rows.map((row) => row.previous_secret)).toEqual([null, null]);
  });

  it("and the other way round: A cannot see or change B's webhook", async () => {
    expectError(await clientA.request(WebhookDocument, { id: webhookB }), 'NOT_FOUND');
    expectError(await clientA.request(DeleteWebhookDocument, { id: webhookB }), 'NOT_FOUND');
    expect((await clientB.data(WebhookDocument, { id: webhookB })).webhook?.name).toBe('B hook');
  });
});
