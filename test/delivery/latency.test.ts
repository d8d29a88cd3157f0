// A measurement, not a check: publish→receive latency of one event on an idle service (the default configuration,
// where a NOTIFY wakes the worker as the publish commits). It is printed; only the arrivals are asserted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PublishEventDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createWebhook } from '../helpers/delivery.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const SAMPLES = 20;

let app: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  [app, receiver] = await Promise.all([startTestApp(), startReceiver()]);
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

it(`measures publish→receive latency over ${SAMPLES} sequential events`, async () => {
  const { client } = await app.newAccount();
  await createWebhook(client, { name: 'latency', url: receiver.url, events: ['bookings.created'] });
  // One warm-up: the first request opens the connection pools and compiles the query plans.
  await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: 'warm-up' } } });
  await receiver.waitFor(1);

  const latencies: number[] = [];
  const publishRoundTrips: number[] = [];
  for (let sample = 0; sample < SAMPLES; sample++) {
    const expected = receiver.requests.length + 1;
    const startedAt = Date.now();
    await client.data(PublishEventDocument, { input: { type: 'bookings.created', data: { id: `b${sample}` } } });
    publishRoundTrips.push(Date.now() - startedAt);
    const requests = await receiver.waitFor(expected, 20_000);
    latencies.push(requests[expected - 1]!.receivedAt - startedAt);
  }

  expect(receiver.requests).toHaveLength(SAMPLES + 1);
  const sorted = [...latencies].sort((a, b) => a - b);
  const publishSorted = [...publishRoundTrips].sort((a, b) => a - b);
  console.log(
    `publish→receive latency over ${SAMPLES} events (ms): median ${percentile(sorted, 50)}, p90 ${percentile(sorted, 90)}, min ${sorted[0]}, max ${sorted.at(-1)}; ` +
      `publishEvent round trip median ${percentile(publishSorted, 50)}; all: ${latencies.join(', ')}`,
  );
});
