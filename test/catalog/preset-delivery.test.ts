// For each preset, with HOOKSTREAM_CATALOG=<preset>: a webhook receives, signed, the page's own example as `data`
// (anny's booking, Sirvoy's new and modified booking; the preset's example where the page shows none), published
// through publishEvent and delivered by the engine to a real receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_PRESETS, loadCatalog } from '../../src/catalog/load-catalog.js';
import { createWebhook, publish } from '../helpers/delivery.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/** The types whose example each preset sends: the pages' own examples first. */
const SENT: Record<(typeof CATALOG_PRESETS)[number], string[]> = {
  anny: ['bookings.created'],
  sirvoy: ['booking.new', 'booking.modified'],
  channex: ['booking_new', 'ari'],
  calenso: ['appointment.booking.created'],
  zenoti: ['guest.created', 'invoice.closed'],
};

describe.each(CATALOG_PRESETS)('HOOKSTREAM_CATALOG=%s', (preset) => {
  let app: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    [app, receiver] = await Promise.all([startTestApp({ HOOKSTREAM_CATALOG: preset }), startReceiver()]);
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
  });

  it('delivers the example, signed, as the data of the standard body', async () => {
    const catalog = loadCatalog(preset);
    const { client } = await app.newAccount();
    const webhook = await createWebhook(client, { name: `${preset} receiver`, url: receiver.url, events: ['*'] });
    const started = Date.now();
    for (const type of SENT[preset]) {
      const published = await publish(client, { type, data: catalog.eventType(type)!.example });
      expect(published.deliveryCount).toBe(1);
    }
    const requests = await receiver.waitFor(SENT[preset].length);
    console.log(`${preset}: ${requests.length} deliveries in ${Date.now() - started} ms`);
    const bodies = requests.map((request) => receiver.verify(request, webhook.secret) as { event: string; data: unknown });
    expect(bodies.map((body) => body.event).sort()).toEqual([...SENT[preset]].sort());
    for (const body of bodies) {
      expect(body.data).toEqual(catalog.eventType(body.event)!.example);
      // The bytes are the example's own, key order and all: a receiver parsing the page's format sees the page's JSON.
      expect(JSON.stringify(body.data)).toBe(JSON.stringify(catalog.eventType(body.event)!.example));
    }
  });
});
