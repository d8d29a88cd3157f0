// A webhook's transform on the way out (issue 11): the receiver gets the expression's result — here Sirvoy's flat
// version-2.0 body made from the standard body — signed over exactly those bytes, the same bytes on a retry, and the
// call history shows them. A transform that fails sends nothing and fails its delivery naming the transform; a
// pathological one is bounded, and other webhooks' deliveries keep arriving meanwhile (timings printed, not asserted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { DeliveryDocument } from '../../src/sdk/generated.js';
import type { GraphqlClient } from '../../src/sdk/client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attemptsOf, createWebhook, deliveriesOfEvent, publish, requestsFor, waitForDelivery } from '../helpers/delivery.js';
import { globalId } from '../helpers/graphql.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SIRVOY_FLAT = '$merge([data, { "generatedAt": triggered_at }])';
/** Passes the save check (Sirvoy's example booking is 26006) but never ends for booking 1. */
const LOOPS_FOR_BOOKING_1 = 'data.bookingId = 1 ? ($f := function($n) { $f($n + 1) }; $f(0)) : data';

const newBooking = loadCatalog('sirvoy').eventType('booking.new')!.example as Record<string, unknown>;

let app: TestApp;
let client: GraphqlClient;
let receiver: Receiver;
beforeAll(async () => {
  [app, receiver] = await Promise.all([startTestApp({ HOOKSTREAM_CATALOG: 'sirvoy', TRANSFORM_TIMEOUT: '300ms', RETRY_SCHEDULE: '200ms' }), startReceiver()]);
  ({ client } = await app.newAccount());
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

describe('a transform on the way out', () => {
  it("sends Sirvoy's flat body, signed over the transformed bytes, the same bytes on a retry", async () => {
    const webhook = await createWebhook(client, { name: 'flat', url: `${receiver.url}/flat`, events: ['booking.*'], transform: SIRVOY_FLAT });
    receiver.reply({ status: 500 });
    const event = await publish(client, { type: 'booking.new', data: newBooking });
    const [delivery] = await deliveriesOfEvent(app.db.pool, event.rawId);
    const done = await waitForDelivery(app.db.pool, delivery!.id, ['SUCCEEDED']);
    expect(done.attempt_count).toBe(2);

    const requests = requestsFor(receiver.requests, globalId('Delivery', delivery!.id));
    expect(requests).toHaveLength(2);
    const sent = JSON.parse(requests[0]!.body) as Record<string, unknown>;
    // The flat body: the booking's own fields at the top, and when it was generated; no envelope.
    expect(sent).toMatchObject({ ...newBooking, generatedAt: expect.any(String) });
    for (const envelopeKey of ['event_id', 'webhook_id', 'triggered_at', 'data']) expect(sent).not.toHaveProperty(envelopeKey);
    expect(requests[1]!.body).toBe(requests[0]!.body);
    for (const request of requests) expect(receiver.verify(request, webhook.secret)).toBeTruthy();

    // The call history shows what was sent.
    const { delivery: shown } = await client.data(DeliveryDocument, { id: globalId('Delivery', delivery!.id) });
    expect(shown?.payload).toEqual(sent);
  });

  it('fails a delivery whose transform fails, naming the transform, and sends nothing', async () => {
    const hook = await createWebhook(client, { name: 'loops', url: `${receiver.url}/loops`, events: ['booking.new'], transform: LOOPS_FOR_BOOKING_1 });
    const event = await publish(client, { type: 'booking.new', data: { ...newBooking, bookingId: 1 } });
    const delivery = (await deliveriesOfEvent(app.db.pool, event.rawId)).find((row) => row.webhook_id === hook.rawId)!;
    const failed = await waitForDelivery(app.db.pool, delivery.id, ['FAILED']);
    expect(failed.failure_reason).toMatch(/^transform/);
    const [attempt] = await attemptsOf(app.db.pool, delivery.id);
    expect(attempt!.error).toMatch(/^transform.*timed out/);
    expect(attempt!.response_status).toBeNull();
    expect(requestsFor(receiver.requests, globalId('Delivery', delivery.id))).toHaveLength(0);
  });

  it('bounds a pathological transform while other webhooks keep receiving', { timeout: 60_000 }, async () => {
    const { client: other } = await app.newAccount();
    await createWebhook(other, { name: 'hostile', url: `${receiver.url}/hostile`, events: ['booking.new'], transform: LOOPS_FOR_BOOKING_1 });
    await createWebhook(other, { name: 'plain', url: `${receiver.url}/plain`, events: ['booking.new'] });
    await createWebhook(other, { name: 'flat too', url: `${receiver.url}/flat-too`, events: ['booking.new'], transform: SIRVOY_FLAT });
    const started = Date.now();
    // Ten bookings the hostile transform loops on, each published beside an ordinary one.
    const published = await Promise.all(
      Array.from({ length: 10 }, async (_, index) => [
        await publish(other, { type: 'booking.new', data: { ...newBooking, bookingId: 1 } }),
        await publish(other, { type: 'booking.new', data: { ...newBooking, bookingId: 1000 + index } }),
      ]),
    );
    const rows = (await Promise.all(published.flat().map((event) => deliveriesOfEvent(app.db.pool, event.rawId)))).flat();
    const finished = await Promise.all(rows.map((row) => waitForDelivery(app.db.pool, row.id, ['SUCCEEDED', 'FAILED'], () => true, 45_000)));
    const hostile = finished.filter((row) => row.status === 'FAILED');
    const delivered = finished.filter((row) => row.status === 'SUCCEEDED');
    // Every hostile one fails on its transform; every other one (plain, and flat — of both kinds of booking) arrives.
    expect(hostile).toHaveLength(10);
    for (const row of hostile) expect(row.failure_reason).toMatch(/^transform/);
    expect(delivered).toHaveLength(50);
    const settle = (rows: typeof finished) => rows.map((row) => row.updated_at.getTime() - started).sort((a, b) => a - b);
    const median = (values: number[]) => values[Math.floor(values.length / 2)];
    console.log(
      `pathological transform: 10 hostile deliveries failed after ${median(settle(hostile))} ms median (max ${Math.max(...settle(hostile))}); ` +
        `50 others delivered after ${median(settle(delivered))} ms median (max ${Math.max(...settle(delivered))})`,
    );
  });
});
