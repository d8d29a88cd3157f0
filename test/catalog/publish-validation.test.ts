// Data checked against its type's schema at publish, restrictions and context refs by the catalog's dimensions, and
// a Channex-style property restriction filtering every category, against real PostgreSQL and real receivers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { GraphqlClient, GraphqlResult } from '../../src/sdk/client.js';
import {
  AddWebhookRestrictionDocument,
  ContextDimensionsDocument,
  CreateWebhookDocument,
  EventTypesDocument,
  PublishEventDocument,
  SetWebhookRestrictionsDocument,
  UpdateWebhookDocument,
} from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { snapshotTables } from '../helpers/db-snapshot.js';
import { createWebhook, publish, waitUntil } from '../helpers/delivery.js';
import { expectError } from '../helpers/graphql.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

async function expectRefused(app: TestApp, request: () => Promise<GraphqlResult<unknown>>, field: string, path?: string) {
  const before = await snapshotTables(app.db.pool);
  const result = await request();
  const error = expectError(result, 'BAD_USER_INPUT', field);
  if (path !== undefined) expect(error.extensions?.['path']).toBe(path);
  expect(await snapshotTables(app.db.pool)).toEqual(before);
  return error;
}

describe('anny (the default catalog)', () => {
  let app: TestApp;
  let client: GraphqlClient;
  beforeAll(async () => {
    app = await startTestApp();
    ({ client } = await app.newAccount());
    await createWebhook(client, { name: 'all', url: 'http://127.0.0.1:9/all', events: ['*'], active: false });
  });
  afterAll(() => app?.stop());

  it.each([
    ['no id', { resource: { id: 'r1' } }, '/id', 'data.id is required but missing.'],
    ['an id that is an object', { id: { value: 1 } }, '/id', 'data.id must be a string or an integer, not an object.'],
    ['a resource id that is a list', { id: 'b1', resource: { id: ['18'] } }, '/resource/id', 'data.resource.id must be a string or an integer, not a list.'],
  ])('bookings.created with %s: refused at its path, nothing written', async (_name, data, path, sentence) => {
    const error = await expectRefused(app, () => client.request(PublishEventDocument, { input: { type: 'bookings.created', data } }), 'data', path);
    expect(error.message).toBe(`The data does not fit the schema of bookings.created: ${sentence}`);
  });

  it("Hookstream's own types cannot be published by the platform", async () => {
    const error = await expectRefused(app, () => client.request(PublishEventDocument, { input: { type: 'hookstream.webhook.disabled', data: { webhookId: 'wh_1', reason: 'x' } } }), 'type');
    expect(error.message).toMatch(/one of Hookstream's own events/);
  });

  it.each([
    ['a dimension the catalog lacks', [{ dimension: 'property', id: 'p1' }], /"property" is not a context dimension of this platform's catalog \(it has "resource", "resource_group"/],
    ['both type and dimension', [{ type: 'RESOURCE' as const, dimension: 'resource', id: 'r1' }], /either "type" or "dimension", not both/],
    ['neither type nor dimension', [{ id: 'r1' }], /Give the dimension/],
  ])('context with %s: refused on context', async (_name, context, message) => {
    const error = await expectRefused(app, () => client.request(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'b1' }, context } }), 'context');
    expect(error.message).toMatch(message);
  });

  it('context by type or by dimension alike', async () => {
    for (const context of [[{ type: 'RESOURCE' as const, id: 'r1' }], [{ dimension: 'resource_group', id: 'g1' }]]) {
      const { publishEvent } = await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'b1' }, context } });
      expect(publishEvent.event.type).toBe('bookings.created');
    }
  });

  it('restrictions by dimension, answered with anny\'s type beside it', async () => {
    const { createWebhook: created } = await client.data(CreateWebhookDocument, {
      input: { name: 'desk', url: 'http://127.0.0.1:9/desk', events: ['bookings.*'], restrictions: [{ dimension: 'resource', targetId: '18' }, { type: 'SERVICE_GROUP', targetId: 'spa' }] },
    });
    expect(created.webhook.restrictions.map(({ type, dimension, targetId }) => ({ type, dimension, targetId }))).toEqual([
      { type: 'RESOURCE', dimension: 'resource', targetId: '18' },
      { type: 'SERVICE_GROUP', dimension: 'service_group', targetId: 'spa' },
    ]);
    const input = { name: 'orders', url: 'http://127.0.0.1:9/o', events: ['orders.*'] };
    await expectRefused(app, () => client.request(CreateWebhookDocument, { input: { ...input, events: ['bookings.*'], restrictions: [{ dimension: 'property', targetId: 'p' }] } }), 'restrictions');
    await expectRefused(app, () => client.request(CreateWebhookDocument, { input: { ...input, restrictions: [{ dimension: 'resource', targetId: 'r' }] } }), 'restrictions');
    await expectRefused(app, () => client.request(CreateWebhookDocument, { input: { ...input, events: ['bookings.*'], restrictions: [{ type: 'RESOURCE', dimension: 'resource', targetId: 'r' }] } }), 'restrictions');
    await expectRefused(app, () => client.request(CreateWebhookDocument, { input: { ...input, events: ['bookings.*'], restrictions: [{ targetId: 'r' }] } }), 'restrictions');
    await expectRefused(app, () => client.request(AddWebhookRestrictionDocument, { input: { webhookId: created.webhook.id, dimension: 'room', targetId: 'r' } }), 'dimension');
    await expectRefused(app, () => client.request(AddWebhookRestrictionDocument, { input: { webhookId: created.webhook.id, targetId: 'r' } }), 'dimension');
    await expectRefused(app, () => client.request(UpdateWebhookDocument, { input: { id: created.webhook.id, events: ['orders.created'] } }), 'events');
  });

  it('contextDimensions lists the five, bookings only', async () => {
    const { contextDimensions } = await client.data(ContextDimensionsDocument);
    expect(contextDimensions.map(({ name, categories, path }) => ({ name, categories, path }))).toEqual([
      { name: 'resource', categories: ['bookings'], path: 'resource.id' },
      { name: 'resource_group', categories: ['bookings'], path: null },
      { name: 'resource_category', categories: ['bookings'], path: null },
      { name: 'service', categories: ['bookings'], path: 'service.id' },
      { name: 'service_group', categories: ['bookings'], path: null },
    ]);
  });
});

describe('Sirvoy', () => {
  let app: TestApp;
  let client: GraphqlClient;
  const booking = loadCatalog('sirvoy').eventType('booking.new')!.example;
  beforeAll(async () => {
    app = await startTestApp({ HOOKSTREAM_CATALOG: 'sirvoy' });
    ({ client } = await app.newAccount());
  });
  afterAll(() => app?.stop());

  it('eventTypes carries version, schema and the page\'s example', async () => {
    const { eventTypes } = await client.data(EventTypesDocument);
    const created = eventTypes.find((type) => type.name === 'booking.new')!;
    expect(created).toMatchObject({ category: 'booking', version: '2.0', deprecated: false, operational: false, supportsRestrictions: true, example: booking });
    expect((created.schema as { required: string[] }).required).toEqual(['event', 'propertyId', 'bookingId']);
    expect(eventTypes.filter((type) => type.operational).map((type) => type.name)).toHaveLength(5);
  });

  it.each([
    ['a bookingId as a string', { ...booking, bookingId: '26006' }, '/bookingId', 'data.bookingId must be an integer, not the string "26006".'],
    ['no propertyId', Object.fromEntries(Object.entries(booking).filter(([key]) => key !== 'propertyId')), '/propertyId', 'data.propertyId is required but missing.'],
    ['a room without its RoomId', { ...booking, rooms: [{ RoomName: '101' }] }, '/rooms/0/RoomId', 'data.rooms[0].RoomId is required but missing.'],
  ])('booking.new with %s: BAD_USER_INPUT on data with the path; nothing written', async (_name, data, path, sentence) => {
    const error = await expectRefused(app, () => client.request(PublishEventDocument, { input: { type: 'booking.new', data } }), 'data', path);
    expect(error.message).toBe(`The data does not fit the schema of booking.new: ${sentence}`);
  });

  it('a property restriction: Restriction.type is null beyond anny\'s five', async () => {
    const { createWebhook: created } = await client.data(CreateWebhookDocument, {
      input: { name: 'hotel 1', url: 'http://127.0.0.1:9/h1', events: ['booking.*'], restrictions: [{ dimension: 'property', targetId: '1' }] },
    });
    expect(created.webhook.restrictions.map(({ type, dimension, targetId }) => ({ type, dimension, targetId }))).toEqual([{ type: null, dimension: 'property', targetId: '1' }]);
    // anny's types name dimensions this catalog lacks.
    await expectRefused(app, () => client.request(SetWebhookRestrictionsDocument, { webhookId: created.webhook.id, restrictions: [{ type: 'RESOURCE', targetId: '1' }] }), 'restrictions');
  });
});

describe('a deprecated type', () => {
  let app: TestApp;
  beforeAll(async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hookstream-deprecated-')), 'catalog.json');
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
    writeFileSync(path, JSON.stringify({ eventTypes: [
      { name: 'stay.created', category: 'stay', description: 'A stay was booked.', schema, example: { id: 's1' } },
      { name: 'stay.booked', category: 'stay', description: 'Old name of stay.created.', deprecated: true, schema, example: { id: 's1' } },
    ] }));
    app = await startTestApp({ HOOKSTREAM_CATALOG: path });
  });
  afterAll(() => app?.stop());

  it('is still accepted, checked against its schema like any other', async () => {
    const { client } = await app.newAccount();
    const { eventTypes } = await client.data(EventTypesDocument);
    expect(eventTypes.find((type) => type.name === 'stay.booked')?.deprecated).toBe(true);
    expect((await publish(client, { type: 'stay.booked', data: { id: 's1' } })).deliveryCount).toBe(0);
    await expectRefused(app, () => client.request(PublishEventDocument, { input: { type: 'stay.booked', data: { id: 1 } } }), 'data', '/id');
  });
});

describe('Channex: a property restriction filters every category', () => {
  let app: TestApp;
  let propertyHook: Receiver;
  let globalHook: Receiver;
  const catalog = loadCatalog('channex');
  beforeAll(async () => {
    [app, propertyHook, globalHook] = await Promise.all([startTestApp({ HOOKSTREAM_CATALOG: 'channex' }), startReceiver(), startReceiver()]);
  });
  afterAll(async () => {
    await app?.stop();
    await propertyHook?.close();
    await globalHook?.close();
  });

  it('a property webhook receives only its property\'s events, of every category; a global one receives all', async () => {
    const { client } = await app.newAccount();
    const mine = '716305c4-561a-4561-a187-7f5b8aeb5920';
    const other = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
    await createWebhook(client, { name: 'property webhook', url: propertyHook.url, events: ['*'], restrictions: [{ dimension: 'property', targetId: mine }] });
    await createWebhook(client, { name: 'global webhook', url: globalHook.url, events: ['*'] });
    const types = catalog.eventTypes.filter((type) => !['webhook', 'hookstream'].includes(type.category));
    expect(new Set(types.map((type) => type.category))).toEqual(new Set(['ari', 'booking', 'message', 'review', 'channel']));
    for (const type of types) {
      for (const property of [mine, other]) {
        const published = await publish(client, { type: type.name, data: { ...type.example, property_id: property } });
        expect(published.deliveryCount, `${type.name} of ${property === mine ? 'mine' : 'another'}`).toBe(property === mine ? 2 : 1);
      }
    }
    // Context, when given, decides over data: a booking of the other property in data, but of mine by context.
    await publish(client, { type: 'booking', data: { ...catalog.eventType('booking')!.example, property_id: other }, context: [{ dimension: 'property', id: mine }] });
    const received = await propertyHook.waitFor(types.length + 1);
    await globalHook.waitFor(types.length * 2 + 1);
    await waitUntil('no stray delivery', async () => propertyHook.requests.length === types.length + 1);
    const bodies = received.map((request) => JSON.parse(request.body) as { event: string; data: { property_id: string } });
    // (Deliveries are unordered here: the one that context sent to this property may arrive among the others.)
    expect(bodies.filter((body) => body.data.property_id !== mine)).toHaveLength(1);
    expect(new Set(bodies.map((body) => body.event))).toEqual(new Set(types.map((type) => type.name)));
  });
});
