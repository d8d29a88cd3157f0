// A platform's backend using the installed @hookstream/client, as its README shows: catalog, webhook, a live
// subscription, publish, the delivery it made, a refusal. Prints one JSON line for the test to check.
import { createHookstreamClient, HookstreamError } from '@hookstream/client';

const hookstream = createHookstreamClient({ url: process.env.HOOKSTREAM_URL, apiKey: process.env.HOOKSTREAM_API_KEY });
const viewer = await hookstream.viewer();
const catalog = await hookstream.eventTypes();
const bookingCreated = catalog.find((type) => type.name === 'bookings.created');
const bookingUpdated = catalog.find((type) => type.name === 'bookings.updated');
const { webhook, secret } = await hookstream.webhooks.create({ name: 'Front desk', url: process.env.RECEIVER_URL, events: ['bookings.*'] });

// Live status of this webhook's deliveries, collected as they come.
const updates = [];
const waiters = new Set();
const subscription = (async () => {
  for await (const update of hookstream.deliveryUpdates({ webhookId: webhook.id })) {
    updates.push(update);
    for (const check of [...waiters]) check();
  }
})();
/** Resolves once `condition()` holds after some update; rejects after `ms`. */
function until(condition, what, ms = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    function check() {
      if (!condition()) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    }
    waiters.add(check);
    check();
  });
}

// A subscription is live once it has seen something: test events until one shows (none is missed after that).
for (let tries = 0; updates.length === 0 && tries < 50; tries++) {
  await hookstream.deliveries.sendTest(webhook.id);
  await until(() => updates.length > 0, 'a test delivery', 300).catch(() => {});
}
const warmUp = updates.length;

const published = await hookstream.publishEvent({ type: 'bookings.created', data: bookingCreated.example, idempotencyKey: 'booking-1764-created' });
const again = await hookstream.publishEvent({ type: 'bookings.created', data: bookingCreated.example, idempotencyKey: 'booking-1764-created' });
await until(() => updates.some((update) => update.eventType === 'bookings.created' && update.status === 'SUCCEEDED'), 'the booking delivered');
const bookingUpdates = updates.filter((update) => update.eventType === 'bookings.created');
const delivery = await hookstream.deliveries.get(bookingUpdates.at(-1).id);
const batch = await hookstream.publishEvents([
  { type: 'bookings.created', data: bookingCreated.example },
  { type: 'bookings.updated', data: bookingUpdated.example },
]);
const portal = await hookstream.portalSessions.create({ ttlSeconds: 600, webhookIds: [webhook.id], readOnly: true });

let refusal = null;
try {
  await hookstream.publishEvent({ type: 'no.such-type', data: {} });
} catch (error) {
  refusal = { isHookstreamError: error instanceof HookstreamError, code: error.code, field: error.field, message: error.message };
}

await hookstream.close();
await subscription;

console.log(
  JSON.stringify({
    webSocket: typeof globalThis.WebSocket,
    viewer,
    webhook,
    secret,
    warmUp,
    published,
    again,
    statuses: bookingUpdates.map((update) => update.status),
    delivery,
    batch,
    portal,
    refusal,
  }),
);
