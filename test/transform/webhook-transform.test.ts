// A webhook's transform through the API: checked when saved (syntax, and a run over the example of each type it
// subscribes to), stored and returned, and previewed with previewTransform; refusals are BAD_USER_INPUT on
// `transform` and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { GraphqlClient, GraphqlResult } from '../../src/sdk/client.js';
import { CreateWebhookDocument, PreviewTransformDocument, UpdateWebhookDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { snapshotTables } from '../helpers/db-snapshot.js';
import { expectError } from '../helpers/graphql.js';

const SIRVOY_FLAT = '$merge([data, { "generatedAt": triggered_at }])';

let app: TestApp;
let client: GraphqlClient;
beforeAll(async () => {
  app = await startTestApp({ HOOKSTREAM_CATALOG: 'sirvoy', TRANSFORM_TIMEOUT: '300ms' });
  ({ client } = await app.newAccount());
});
afterAll(() => app?.stop());

async function expectRefused(request: () => Promise<GraphqlResult<unknown>>, field: string, message: RegExp) {
  const before = await snapshotTables(app.db.pool);
  const result = await request();
  const error = expectError(result, 'BAD_USER_INPUT', field);
  expect(error.message).toMatch(message);
  expect(await snapshotTables(app.db.pool)).toEqual(before);
}

const input = (overrides: Record<string, unknown> = {}) => ({ name: 'Sirvoy receiver', url: 'http://127.0.0.1:9/sirvoy', events: ['booking.*'], ...overrides });

describe('saving a transform', () => {
  it('stores a good one and returns it', async () => {
    const { createWebhook } = await client.data(CreateWebhookDocument, { input: input({ transform: SIRVOY_FLAT }) });
    expect(createWebhook.webhook.transform).toBe(SIRVOY_FLAT);
    const cleared = await client.data(UpdateWebhookDocument, { input: { id: createWebhook.webhook.id, transform: null } });
    expect(cleared.updateWebhook.webhook.transform).toBeNull();
  });

  it.each([
    ['not JSONata', 'data.', /^The transform is not a JSONata expression: /],
    ['failing on an example', '$error("no")', /^The transform fails on the example of booking\.new: transform failed.*no/],
    ['producing nothing for an example', 'data.nowhere', /^The transform fails on the example of booking\.new: transform produced nothing/],
  ])('refuses one %s', async (_name, transform, message) => {
    await expectRefused(() => client.request(CreateWebhookDocument, { input: input({ transform }) }), 'transform', message);
  });

  it('refuses a looping one within the time limit, and answers other requests meanwhile', async () => {
    const started = Date.now();
    const refused = expectRefused(() => client.request(CreateWebhookDocument, { input: input({ transform: '($f := function($n) { $f($n + 1) }; $f(0))' }) }), 'transform', /timed out after 300 ms/);
    const other = await client.request(PreviewTransformDocument, { transform: '{ "id": data.bookingId }', eventType: 'booking.new' });
    const otherMs = Date.now() - started;
    await refused;
    console.log(`looping transform refused after ${Date.now() - started} ms; a preview meanwhile answered after ${otherMs} ms`);
    expect(other.data?.previewTransform).toEqual({ id: 26006 });
  });

  it('checks the transform again when the events change, against the new types\' examples', async () => {
    const { createWebhook } = await client.data(CreateWebhookDocument, { input: input({ events: ['booking.new'], transform: '{ "room": data.rooms[0].RoomId }' }) });
    // The cancelled booking's example has no rooms: the transform would produce an empty body… which is still a body.
    const widened = await client.data(UpdateWebhookDocument, { input: { id: createWebhook.webhook.id, events: ['booking.*'] } });
    expect(widened.updateWebhook.webhook.events).toEqual(['booking.*']);
    const strict = await client.data(UpdateWebhookDocument, { input: { id: createWebhook.webhook.id, events: ['booking.new'], transform: 'data.rooms[0].RoomId' } });
    expect(strict.updateWebhook.webhook.transform).toBe('data.rooms[0].RoomId');
    await expectRefused(() => client.request(UpdateWebhookDocument, { input: { id: createWebhook.webhook.id, events: ['booking.*'] } }), 'transform', /example of booking\.cancelled: transform produced nothing/);
  });
});

describe('previewTransform', () => {
  const booking = loadCatalog('sirvoy').eventType('booking.new')!.example;

  it("Sirvoy's flat body from the standard body, over the type's example by default", async () => {
    const { previewTransform } = await client.data(PreviewTransformDocument, { transform: SIRVOY_FLAT, eventType: 'booking.new' });
    expect(previewTransform).toEqual({ ...booking, generatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('an empty transform: the standard body', async () => {
    const { previewTransform } = await client.data(PreviewTransformDocument, { transform: '', eventType: 'booking.modified' });
    expect(previewTransform).toMatchObject({ event: 'booking.modified', event_id: expect.stringMatching(/^evt_/), webhook_id: expect.stringMatching(/^wh_/), data: { event: 'modified' } });
  });

  it('over data of the caller\'s own, checked against the schema', async () => {
    const { previewTransform } = await client.data(PreviewTransformDocument, { transform: 'data.bookingId', eventType: 'booking.new', data: { ...booking, bookingId: 7 } });
    expect(previewTransform).toBe(7);
    const refused = await client.request(PreviewTransformDocument, { transform: 'data', eventType: 'booking.new', data: { ...booking, bookingId: 'seven' } });
    expect(expectError(refused, 'BAD_USER_INPUT', 'data').extensions?.['path']).toBe('/bookingId');
  });

  it.each([
    ['a transform that is not JSONata', { transform: '{', eventType: 'booking.new' }, 'transform'],
    ['a transform that fails', { transform: '$error("nope")', eventType: 'booking.new' }, 'transform'],
    ['a type the catalog lacks', { transform: 'data', eventType: 'bookings.created' }, 'eventType'],
    ['data that is not an object', { transform: 'data', eventType: 'booking.new', data: [1] }, 'data'],
  ])('%s → BAD_USER_INPUT on %s', async (_name, variables, field) => {
    expectError(await client.request(PreviewTransformDocument, variables), 'BAD_USER_INPUT', field as string);
  });
});
