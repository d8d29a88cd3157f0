// Every webhook management mutation and query of issue 3, over real HTTP against a real database: what each answers,
// and what it leaves in the tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddWebhookRestrictionDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  EventTypesDocument,
  NodeDetailsDocument,
  RemoveWebhookRestrictionDocument,
  RotateWebhookSecretDocument,
  SetWebhookActiveDocument,
  SetWebhookRestrictionsDocument,
  UpdateWebhookDocument,
  ViewerDocument,
  WebhookDocument,
  WebhooksDocument,
  type CreateWebhookInput,
  type WebhooksQuery,
} from '../src/sdk/generated.js';
import { createSecretBox, parseSecretKey } from '../src/domain/secret-box.js';
import type { GraphqlClient } from '../src/sdk/client.js';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from './helpers/app.js';
import { expectError, globalId, rawId } from './helpers/graphql.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.stop());

const HOUR_MS = 3_600_000;
/** Secrets and header values are encrypted at rest with the run's key: read them as the service does. */
const secretBox = createSecretBox(parseSecretKey(TEST_SECRET_KEY));
const SECRET_PATTERN = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

function expectSecret(secret: string | null | undefined): string {
  const match = SECRET_PATTERN.exec(secret ?? '');
  expect(match, `not a whsec_<base64> secret: ${secret}`).not.toBeNull();
  expect(Buffer.from(match![1]!, 'base64').length).toBeGreaterThanOrEqual(24);
  return secret!;
}

const minimalInput = (name = 'Front desk', extra: Partial<CreateWebhookInput> = {}): CreateWebhookInput => ({
  name,
  url: 'http://127.0.0.1:9/hook',
  events: ['bookings.created'],
  ...extra,
});

async function createWebhook(client: GraphqlClient, input: CreateWebhookInput = minimalInput()) {
  return (await client.data(CreateWebhookDocument, { input })).createWebhook;
}

async function webhookRow(id: string) {
  const { rows } = await app.db.pool.query(
    `select name, url, secret, previous_secret, previous_secret_expires_at, failure_count, active, disabled_reason,
            deleted_at, updated_at, description, events, http_method, send_data
       from webhooks where id = $1`,
    [rawId(id, 'Webhook')],
  );
  return rows[0];
}

/** The stored headers, values decrypted; no value may be stored as plain text. */
async function headerRows(id: string) {
  const { rows } = await app.db.pool.query<{ position: number; name: string; value: string }>(
    'select position, name, value from webhook_headers where webhook_id = $1 order by position',
    [rawId(id, 'Webhook')],
  );
  return rows.map((row) => {
    const value = secretBox.decrypt(row.value);
    expect(row.value).not.toBe(value);
    return { ...row, value };
  });
}

describe('createWebhook', () => {
  it('stores every field and returns the webhook with a fresh whsec_ secret', async () => {
    const { client } = await app.newAccount();
    const payload = await createWebhook(client, {
      name: '  Spa bookings  ',
      url: 'https://public.example/hooks/spa?x=1',
      events: ['bookings.created', 'bookings.*', 'bookings.created', 'invoices.finalised'],
      description: 'Sends spa bookings to the front desk system',
      active: false,
      httpMethod: 'PUT',
      headers: [
        { name: 'Authorization', value: 'Bearer receiver-token' },
        { name: 'X-Tenant', value: 'acme' },
      ],
      sendData: false,
      restrictions: [
        { type: 'SERVICE', targetId: 'massage-60' },
        { type: 'RESOURCE_GROUP', targetId: 'spa-rooms' },
      ],
    });
    const secret = expectSecret(payload.secret);
    const webhook = payload.webhook;
    expect(webhook).toMatchObject({
      name: 'Spa bookings',
      url: 'https://public.example/hooks/spa?x=1',
      events: ['bookings.created', 'bookings.*', 'invoices.finalised'],
      description: 'Sends spa bookings to the front desk system',
      active: false,
      httpMethod: 'PUT',
      headerNames: ['Authorization', 'X-Tenant'],
      sendData: false,
      failureCount: 0,
    });
    expect(webhook.restrictions.map(({ type, targetId }) => ({ type, targetId }))).toEqual([
      { type: 'SERVICE', targetId: 'massage-60' },
      { type: 'RESOURCE_GROUP', targetId: 'spa-rooms' },
    ]);
    expect(Date.parse(webhook.createdAt)).toBeGreaterThan(Date.now() - 60_000);

    const row = await webhookRow(webhook.id);
    expect(row.secret).not.toContain(secret.slice('whsec_'.length));
    expect(secretBox.decrypt(row.secret)).toBe(secret);
    expect(row.previous_secret).toBeNull();
    expect(row.http_method).toBe('PUT');
    expect(await headerRows(webhook.id)).toEqual([
      { position: 0, name: 'Authorization', value: 'Bearer receiver-token' },
      { position: 1, name: 'X-Tenant', value: 'acme' },
    ]);
  });

  it('applies the contract defaults when optional fields are left out', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client);
    expect(webhook).toMatchObject({
      description: null,
      active: true,
      disabledReason: null,
      failureCount: 0,
      httpMethod: 'POST',
      headerNames: [],
      sendData: true,
      restrictions: [],
    });
  });

  it('gives every webhook its own secret, and no other operation ever returns it', async () => {
    const { client } = await app.newAccount();
    const first = await createWebhook(client);
    const second = await createWebhook(client, minimalInput('Second'));
    expect(expectSecret(first.secret)).not.toBe(expectSecret(second.secret));

    const id = first.webhook.id;
    const updated = await client.data(UpdateWebhookDocument, { input: { id, name: 'Renamed' } });
    expect(updated.updateWebhook.secret).toBeNull();
    const disabled = await client.data(SetWebhookActiveDocument, { id, active: false });
    expect(disabled.setWebhookActive.secret).toBeNull();
    // The Webhook type has no field that could leak it.
    const fields = (await client.data(WebhookDocument, { id })).webhook;
    expect(JSON.stringify(fields)).not.toContain(first.secret!);
  });
});

describe('updateWebhook', () => {
  it('changes only the fields given', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client, {
      ...minimalInput('Original'),
      description: 'kept',
      headers: [{ name: 'X-Keep', value: '1' }],
      restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }],
    });
    const before = await webhookRow(webhook.id);

    const renamed = (await client.data(UpdateWebhookDocument, { input: { id: webhook.id, name: 'Renamed' } })).updateWebhook.webhook;
    expect(renamed).toMatchObject({ ...webhook, name: 'Renamed', updatedAt: renamed.updatedAt });
    expect(Date.parse(renamed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(webhook.updatedAt));
    const after = await webhookRow(webhook.id);
    expect({ ...after, name: before.name, updated_at: before.updated_at }).toEqual(before);

    const moved = (
      await client.data(UpdateWebhookDocument, {
        input: { id: webhook.id, url: 'https://public.example/new', events: ['bookings.*', 'orders.created'], httpMethod: 'PATCH', sendData: false },
      })
    ).updateWebhook.webhook;
    expect(moved).toMatchObject({
      name: 'Renamed',
      url: 'https://public.example/new',
      events: ['bookings.*', 'orders.created'],
      httpMethod: 'PATCH',
      sendData: false,
      description: 'kept',
      headerNames: ['X-Keep'],
      restrictions: webhook.restrictions,
    });
  });

  it('clears the description when it is given as null', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client, { ...minimalInput(), description: 'to be cleared' });
    const updated = (await client.data(UpdateWebhookDocument, { input: { id: webhook.id, description: null } })).updateWebhook.webhook;
    expect(updated.description).toBeNull();
    expect(updated.name).toBe(webhook.name);
  });

  it('replaces headers and restrictions whole when they are given', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client, {
      ...minimalInput(),
      headers: [
        { name: 'X-One', value: '1' },
        { name: 'X-Two', value: '2' },
      ],
      restrictions: [
        { type: 'RESOURCE', targetId: 'room-1' },
        { type: 'SERVICE', targetId: 'yoga' },
      ],
    });
    const updated = (
      await client.data(UpdateWebhookDocument, {
        input: { id: webhook.id, headers: [{ name: 'X-Three', value: '3' }], restrictions: [{ type: 'SERVICE_GROUP', targetId: 'wellness' }] },
      })
    ).updateWebhook.webhook;
    expect(updated.headerNames).toEqual(['X-Three']);
    expect(updated.restrictions.map(({ type, targetId }) => ({ type, targetId }))).toEqual([{ type: 'SERVICE_GROUP', targetId: 'wellness' }]);
    expect(await headerRows(webhook.id)).toEqual([{ position: 0, name: 'X-Three', value: '3' }]);
    // Stored by dimension (the catalog's name for it); the API still answers anny's type beside it.
    expect(updated.restrictions.map(({ dimension }) => dimension)).toEqual(['service_group']);
    const { rows } = await app.db.pool.query('select dimension, target_id from webhook_restrictions where webhook_id = $1', [rawId(webhook.id, 'Webhook')]);
    expect(rows).toEqual([{ dimension: 'service_group', target_id: 'wellness' }]);

    const cleared = (await client.data(UpdateWebhookDocument, { input: { id: webhook.id, headers: [], restrictions: [] } })).updateWebhook.webhook;
    expect(cleared.headerNames).toEqual([]);
    expect(cleared.restrictions).toEqual([]);
    expect(await headerRows(webhook.id)).toEqual([]);
  });

  it('may move events away from bookings when the same update clears the restrictions', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client, { ...minimalInput(), restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] });
    const updated = (await client.data(UpdateWebhookDocument, { input: { id: webhook.id, events: ['orders.created'], restrictions: [] } })).updateWebhook.webhook;
    expect(updated.events).toEqual(['orders.created']);
    expect(updated.restrictions).toEqual([]);
  });
});

describe('deleteWebhook', () => {
  it('removes the webhook from every read: webhook(id), node(id), the list, totalCount and webhookCount', async () => {
    const { client } = await app.newAccount();
    const kept = await createWebhook(client, minimalInput('Kept'));
    const doomed = await createWebhook(client, minimalInput('Doomed'));
    expect((await client.data(ViewerDocument)).viewer.webhookCount).toBe(2);

    const deleted = await client.data(DeleteWebhookDocument, { id: doomed.webhook.id });
    expect(deleted.deleteWebhook.deletedId).toBe(doomed.webhook.id);

    expectError(await client.request(WebhookDocument, { id: doomed.webhook.id }), 'NOT_FOUND');
    expectError(await client.request(NodeDetailsDocument, { id: doomed.webhook.id }), 'NOT_FOUND');
    const list = await client.data(WebhooksDocument, { first: 10 });
    expect(list.webhooks.edges.map((edge) => edge.node.id)).toEqual([kept.webhook.id]);
    expect(list.webhooks.totalCount).toBe(1);
    expect((await client.data(ViewerDocument)).viewer.webhookCount).toBe(1);

    // A second delete, and every other mutation, find nothing.
    expectError(await client.request(DeleteWebhookDocument, { id: doomed.webhook.id }), 'NOT_FOUND');
    expectError(await client.request(UpdateWebhookDocument, { input: { id: doomed.webhook.id, name: 'Back' } }), 'NOT_FOUND');
    expectError(await client.request(RotateWebhookSecretDocument, { id: doomed.webhook.id }), 'NOT_FOUND');

    // Soft delete: the row stays for the delivery history, marked deleted and inactive.
    const row = await webhookRow(doomed.webhook.id);
    expect(row.deleted_at).toBeInstanceOf(Date);
    expect(row.active).toBe(false);
  });
});

describe('setWebhookActive', () => {
  it('disabling sets disabledReason; re-enabling clears it and resets failureCount', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client);

    const disabled = (await client.data(SetWebhookActiveDocument, { id: webhook.id, active: false })).setWebhookActive.webhook;
    expect(disabled.active).toBe(false);
    expect(disabled.disabledReason).toEqual(expect.any(String));
    expect(disabled.disabledReason!.length).toBeGreaterThan(0);

    // As if the delivery engine had counted failed attempts.
    await app.db.pool.query('update webhooks set failure_count = 4 where id = $1', [rawId(webhook.id, 'Webhook')]);
    expect((await client.data(WebhookDocument, { id: webhook.id })).webhook?.failureCount).toBe(4);

    const enabled = (await client.data(SetWebhookActiveDocument, { id: webhook.id, active: true })).setWebhookActive.webhook;
    expect(enabled).toMatchObject({ active: true, disabledReason: null, failureCount: 0 });
    expect((await webhookRow(webhook.id)).failure_count).toBe(0);
  });
});

describe('rotateWebhookSecret', () => {
  it('returns a new secret and keeps the old one, valid for about 24 hours', async () => {
    const { client } = await app.newAccount();
    const created = await createWebhook(client);
    const oldSecret = expectSecret(created.secret);

    const storedOld = (await webhookRow(created.webhook.id)).secret;
    const startedAt = Date.now();
    const rotated = (await client.data(RotateWebhookSecretDocument, { id: created.webhook.id })).rotateWebhookSecret;
    const newSecret = expectSecret(rotated.secret);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.webhook.id).toBe(created.webhook.id);

    const row = await webhookRow(created.webhook.id);
    expect(secretBox.decrypt(row.secret)).toBe(newSecret);
    expect(row.previous_secret).toBe(storedOld);
    expect(secretBox.decrypt(row.previous_secret)).toBe(oldSecret);
    const expiresAt = (row.previous_secret_expires_at as Date).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(startedAt + 24 * HOUR_MS - 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 24 * HOUR_MS + 60_000);

    // Rotating again retires the first secret: only the one before the latest keeps signing.
    const again = expectSecret((await client.data(RotateWebhookSecretDocument, { id: created.webhook.id })).rotateWebhookSecret.secret);
    const rowAgain = await webhookRow(created.webhook.id);
    expect(secretBox.decrypt(rowAgain.secret)).toBe(again);
    expect(rowAgain.previous_secret).toBe(row.secret);
    expect(secretBox.decrypt(rowAgain.previous_secret)).toBe(newSecret);
  });
});

describe('restrictions', () => {
  it('addWebhookRestriction adds one; the same one again is CONFLICT and changes nothing', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client);
    const added = (await client.data(AddWebhookRestrictionDocument, { input: { webhookId: webhook.id, type: 'RESOURCE', targetId: 'room-7' } }))
      .addWebhookRestriction.webhook;
    expect(added.restrictions.map(({ type, targetId }) => ({ type, targetId }))).toEqual([{ type: 'RESOURCE', targetId: 'room-7' }]);
    rawId(added.restrictions[0]!.id, 'Restriction');

    const duplicate = await client.request(AddWebhookRestrictionDocument, { input: { webhookId: webhook.id, type: 'RESOURCE', targetId: ' room-7 ' } });
    expectError(duplicate, 'CONFLICT');
    // Same target id, other type: a different restriction.
    const otherType = (await client.data(AddWebhookRestrictionDocument, { input: { webhookId: webhook.id, type: 'SERVICE', targetId: 'room-7' } }))
      .addWebhookRestriction.webhook;
    expect(otherType.restrictions).toHaveLength(2);
    const { rows } = await app.db.pool.query('select count(*)::int as n from webhook_restrictions where webhook_id = $1', [rawId(webhook.id, 'Webhook')]);
    expect(rows[0].n).toBe(2);
  });

  it('removeWebhookRestriction removes exactly that one', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client, {
      ...minimalInput(),
      restrictions: [
        { type: 'RESOURCE', targetId: 'room-1' },
        { type: 'RESOURCE', targetId: 'room-2' },
      ],
    });
    const [first, second] = webhook.restrictions;
    const after = (await client.data(RemoveWebhookRestrictionDocument, { id: first!.id })).removeWebhookRestriction.webhook;
    expect(after.id).toBe(webhook.id);
    expect(after.restrictions).toEqual([second]);
    expectError(await client.request(RemoveWebhookRestrictionDocument, { id: first!.id }), 'NOT_FOUND');
    expectError(await client.request(NodeDetailsDocument, { id: first!.id }), 'NOT_FOUND');
  });

  it('setWebhookRestrictions replaces them all, folds duplicates, and [] clears them', async () => {
    const { client } = await app.newAccount();
    const { webhook } = await createWebhook(client, { ...minimalInput(), restrictions: [{ type: 'RESOURCE', targetId: 'room-1' }] });
    const replaced = (
      await client.data(SetWebhookRestrictionsDocument, {
        webhookId: webhook.id,
        restrictions: [
          { type: 'SERVICE', targetId: 'massage' },
          { type: 'RESOURCE_CATEGORY', targetId: 'suites' },
          { type: 'SERVICE', targetId: 'massage' },
        ],
      })
    ).setWebhookRestrictions.webhook;
    expect(replaced.restrictions.map(({ type, targetId }) => ({ type, targetId }))).toEqual([
      { type: 'SERVICE', targetId: 'massage' },
      { type: 'RESOURCE_CATEGORY', targetId: 'suites' },
    ]);
    expect(replaced.restrictions.map((restriction) => restriction.id)).not.toContain(webhook.restrictions[0]!.id);

    const cleared = (await client.data(SetWebhookRestrictionsDocument, { webhookId: webhook.id, restrictions: [] })).setWebhookRestrictions.webhook;
    expect(cleared.restrictions).toEqual([]);
    const { rows } = await app.db.pool.query('select count(*)::int as n from webhook_restrictions where webhook_id = $1', [rawId(webhook.id, 'Webhook')]);
    expect(rows[0].n).toBe(0);
  });
});

describe('webhooks list', () => {
  it('filters by active and counts what the filter keeps', async () => {
    const { client } = await app.newAccount();
    const active = [await createWebhook(client, minimalInput('A1')), await createWebhook(client, minimalInput('A2'))];
    const inactive = [
      await createWebhook(client, minimalInput('I1', { active: false })),
      await createWebhook(client, minimalInput('I2')),
      await createWebhook(client, minimalInput('I3')),
    ];
    await client.data(SetWebhookActiveDocument, { id: inactive[1]!.webhook.id, active: false });
    await client.data(UpdateWebhookDocument, { input: { id: inactive[2]!.webhook.id, active: false } });

    const onlyActive = (await client.data(WebhooksDocument, { first: 50, active: true })).webhooks;
    expect(new Set(onlyActive.edges.map((edge) => edge.node.id))).toEqual(new Set(active.map((payload) => payload.webhook.id)));
    expect(onlyActive.totalCount).toBe(2);
    const onlyInactive = (await client.data(WebhooksDocument, { first: 50, active: false })).webhooks;
    expect(new Set(onlyInactive.edges.map((edge) => edge.node.id))).toEqual(new Set(inactive.map((payload) => payload.webhook.id)));
    expect(onlyInactive.edges.every((edge) => !edge.node.active)).toBe(true);
    expect(onlyInactive.totalCount).toBe(3);
    expect((await client.data(WebhooksDocument, { first: 1 })).webhooks.totalCount).toBe(5);
  });

  it('pages forward with first/after, newest first, visiting every webhook exactly once', async () => {
    const { client } = await app.newAccount();
    const created: string[] = [];
    for (let index = 0; index < 7; index += 1) created.push((await createWebhook(client, minimalInput(`Hook ${index}`))).webhook.id);

    const visited: string[] = [];
    const pageSizes: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const connection: WebhooksQuery['webhooks'] = (await client.data(WebhooksDocument, { first: 3, after })).webhooks;
      expect(connection.totalCount).toBe(7);
      pageSizes.push(connection.edges.length);
      visited.push(...connection.edges.map((edge) => edge.node.id));
      expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(visited).toEqual([...created].reverse());
  });

  it('pages backward with last/before', async () => {
    const { client } = await app.newAccount();
    const created: string[] = [];
    for (let index = 0; index < 5; index += 1) created.push((await createWebhook(client, minimalInput(`Hook ${index}`))).webhook.id);
    const newestFirst = [...created].reverse();

    const lastPage = (await client.data(WebhooksDocument, { last: 2 })).webhooks;
    expect(lastPage.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(3));
    expect(lastPage.pageInfo.hasPreviousPage).toBe(true);
    const previous = (await client.data(WebhooksDocument, { last: 2, before: lastPage.pageInfo.startCursor })).webhooks;
    expect(previous.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(1, 3));
  });

  it('answers an empty list for an account without webhooks', async () => {
    const { client } = await app.newAccount();
    const empty = (await client.data(WebhooksDocument, { first: 10 })).webhooks;
    expect(empty).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });
});

describe('node(id)', () => {
  it('loads a Webhook, a Restriction and the caller\'s Account by global ID', async () => {
    const { client, accountId } = await app.newAccount({ name: 'Node Spa', maxWebhooks: 9 });
    const { webhook } = await createWebhook(client, { ...minimalInput('Noded'), restrictions: [{ type: 'SERVICE_GROUP', targetId: 'wellness' }] });

    expect((await client.data(NodeDetailsDocument, { id: webhook.id })).node).toEqual({
      __typename: 'Webhook',
      id: webhook.id,
      name: 'Noded',
      url: webhook.url,
      active: true,
    });
    const restrictionId = webhook.restrictions[0]!.id;
    expect((await client.data(NodeDetailsDocument, { id: restrictionId })).node).toEqual({
      __typename: 'Restriction',
      id: restrictionId,
      type: 'SERVICE_GROUP',
      targetId: 'wellness',
    });
    const accountGlobalId = globalId('Account', accountId);
    expect((await client.data(NodeDetailsDocument, { id: accountGlobalId })).node).toEqual({
      __typename: 'Account',
      id: accountGlobalId,
      name: 'Node Spa',
      maxWebhooks: 9,
      webhookCount: 1,
    });
  });
});

describe('queries', () => {
  it('eventTypes lists the 17 types of anny, then webhook.test and the operational hookstream.* types; restrictions only for bookings', async () => {
    const { client } = await app.newAccount();
    const { eventTypes } = await client.data(EventTypesDocument);
    expect(eventTypes.map((eventType) => eventType.name)).toEqual([
      'bookings.created',
      'bookings.updated',
      'bookings.started',
      'bookings.ended',
      'bookings.checked-in',
      'bookings.checked-out',
      'bookings.deleted',
      'orders.created',
      'orders.updated',
      'orders.deleted',
      'invoices.created',
      'invoices.finalised',
      'invoices.updated',
      'invoices.deleted',
      'customers.created',
      'customers.updated',
      'customers.deleted',
      'webhook.test',
      'hookstream.webhook.failing',
      'hookstream.webhook.disabling',
      'hookstream.webhook.disabled',
      'hookstream.webhook.recovered',
      'hookstream.delivery.exhausted',
    ]);
    for (const eventType of eventTypes) {
      expect(eventType.operational).toBe(eventType.category === 'hookstream');
      expect(eventType.category).toBe(eventType.name.split('.')[0]);
      expect(eventType.supportsRestrictions).toBe(eventType.category === 'bookings');
      expect(eventType.description.length).toBeGreaterThan(0);
    }
  });

  it('viewer is the account of the API key', async () => {
    const { client, accountId } = await app.newAccount({ name: 'Viewer Spa', maxWebhooks: 3 });
    await createWebhook(client);
    expect((await client.data(ViewerDocument)).viewer).toEqual({ id: globalId('Account', accountId), name: 'Viewer Spa', maxWebhooks: 3, webhookCount: 1 });
    const unlimited = await app.newAccount({ maxWebhooks: null });
    expect((await unlimited.client.data(ViewerDocument)).viewer.maxWebhooks).toBeNull();
  });
});
