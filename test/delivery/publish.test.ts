// publishEvent: fan-out to exactly the matching webhooks, deliveries and their jobs written in one transaction,
// idempotency under concurrency, refused input leaving nothing behind, and what a receiver gets on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteWebhookDocument, PublishEventDocument } from '../../src/sdk/generated.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  attemptJobs,
  attemptsOf,
  countRows,
  createWebhook,
  deliveriesOfEvent,
  publish,
  waitForDelivery,
  waitUntil,
  type CreatedWebhook,
} from '../helpers/delivery.js';
import { expectError } from '../helpers/graphql.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { publicId } from '../../src/domain/public-id.js';

const MAX_PAYLOAD_BYTES = 1000;

let app: TestApp;
let receiver: Receiver;
beforeAll(async () => {
  [app, receiver] = await Promise.all([
    startTestApp({ MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES), RETRY_SCHEDULE: '100ms,200ms,300ms', DELIVERY_TIMEOUT: '5s', WORKER_POLL_INTERVAL: '100ms' }),
    startReceiver(),
  ]);
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

/** The webhook a request was sent to: each webhook's URL carries `?w=<name>`. */
const targetOf = (path: string) => new URL(path, 'http://x').searchParams.get('w');

async function webhookIdsOfEvent(eventId: string): Promise<string[]> {
  return (await deliveriesOfEvent(app.db.pool, eventId)).map((delivery) => delivery.webhook_id).sort();
}

/** Waits until every delivery of the event SUCCEEDED, and checks each took one attempt: one request per delivery. */
async function waitAllFinished(eventId: string) {
  for (const delivery of await deliveriesOfEvent(app.db.pool, eventId)) {
    const succeeded = await waitForDelivery(app.db.pool, delivery.id, ['SUCCEEDED']);
    expect(succeeded.attempt_count, `attempts of ${delivery.id}: ${JSON.stringify(await attemptsOf(app.db.pool, delivery.id))}`).toBe(1);
  }
}

describe('fan-out', () => {
  it('creates one delivery and one attempt job per matching active webhook, and nothing for the others', async () => {
    const { client } = await app.newAccount();
    const other = await app.newAccount();
    const hook = (name: string, events: string[], extra: Partial<Parameters<typeof createWebhook>[1]> = {}) =>
      createWebhook(client, { name, url: `${receiver.url}?w=${name}`, events, ...extra });
    const matching: Record<string, CreatedWebhook> = {
      exact: await hook('exact', ['bookings.created']),
      category: await hook('category', ['bookings.*']),
      all: await hook('all', ['*']),
      secondPattern: await hook('secondPattern', ['invoices.created', 'bookings.created']),
      restrictedByContext: await hook('restrictedByContext', ['bookings.*'], { restrictions: [{ type: 'RESOURCE_GROUP', targetId: 'g1' }] }),
    };
    await hook('otherType', ['bookings.updated']);
    await hook('otherCategory', ['invoices.*']);
    await hook('inactive', ['*'], { active: false });
    await hook('restrictedElsewhere', ['bookings.*'], { restrictions: [{ type: 'SERVICE', targetId: 's9' }] });
    const deleted = await hook('deleted', ['*']);
    await client.data(DeleteWebhookDocument, { id: deleted.id });
    await createWebhook(other.client, { name: 'other account', url: `${receiver.url}?w=otherAccount`, events: ['*'] });

    const before = receiver.requests.length;
    const event = await publish(client, {
      type: 'bookings.created',
      data: { id: 'b1', resource: { id: 'r1' } },
      context: [
        { type: 'RESOURCE', id: 'r1' },
        { type: 'RESOURCE_GROUP', id: 'g1' },
      ],
    });

    const expectedWebhookIds = Object.values(matching).map((webhook) => webhook.rawId).sort();
    expect(event.deliveryCount).toBe(5);
    expect(await webhookIdsOfEvent(event.rawId)).toEqual(expectedWebhookIds);
    const deliveries = await deliveriesOfEvent(app.db.pool, event.rawId);
    const jobs = await attemptJobs(app.db.pool, deliveries.map((delivery) => delivery.id));
    expect(jobs.map((job) => job.data.deliveryId).sort()).toEqual(deliveries.map((delivery) => delivery.id).sort());
    expect(jobs.every((job) => job.data.attemptNumber === 1 && job.name === 'delivery_attempt')).toBe(true);

    await waitAllFinished(event.rawId);
    const arrived = receiver.requests.slice(before);
    expect(arrived.map((request) => targetOf(request.path)).sort()).toEqual(Object.keys(matching).sort());
    for (const request of arrived) expect(receiver.verify(request, matching[targetOf(request.path)!]!.secret)).toBeTruthy();
    // Delivered once each: no job left over, none added.
    expect(await attemptJobs(app.db.pool, deliveries.map((delivery) => delivery.id))).toHaveLength(5);
  });

  it('applies restrictions from context, else from data.resource.id / data.service.id, to booking events only', async () => {
    const { client } = await app.newAccount();
    const byResource = await createWebhook(client, { name: 'r1', url: receiver.url, events: ['bookings.*'], restrictions: [{ type: 'RESOURCE', targetId: 'r1' }] });
    const byService = await createWebhook(client, { name: 's1', url: receiver.url, events: ['bookings.*'], restrictions: [{ type: 'SERVICE', targetId: 's1' }] });
    const either = await createWebhook(client, {
      name: 'r2 or s1',
      url: receiver.url,
      events: ['*'],
      restrictions: [
        { type: 'RESOURCE', targetId: 'r2' },
        { type: 'SERVICE', targetId: 's1' },
      ],
    });
    const cases = [
      { what: 'data.resource.id', input: { type: 'bookings.created', data: { id: 1, resource: { id: 'r1' } } }, expected: [byResource] },
      { what: 'data.service.id', input: { type: 'bookings.updated', data: { id: 2, service: { id: 's1' } } }, expected: [byService, either] },
      { what: 'both ids in data', input: { type: 'bookings.created', data: { id: 3, resource: { id: 'r2' }, service: { id: 's2' } } }, expected: [either] },
      { what: 'no matching id', input: { type: 'bookings.created', data: { id: 4, resource: { id: 'r9' } } }, expected: [] },
      {
        what: 'context, which wins over data',
        input: { type: 'bookings.created', data: { id: 5, resource: { id: 'r1' } }, context: [{ type: 'SERVICE' as const, id: 's1' }] },
        expected: [byService, either],
      },
      { what: 'a non-booking event', input: { type: 'invoices.created', data: { id: 6 } }, expected: [either] },
    ];
    for (const { what, input, expected } of cases) {
      const event = await publish(client, input);
      expect(event.deliveryCount, what).toBe(expected.length);
      expect(await webhookIdsOfEvent(event.rawId), what).toEqual(expected.map((webhook) => webhook.rawId).sort());
    }
  });

  it('writes the event, its deliveries and their jobs in one transaction: a failing job insert leaves none of them', async () => {
    const { client } = await app.newAccount();
    await createWebhook(client, { name: 'a', url: receiver.url, events: ['*'] });
    await createWebhook(client, { name: 'b', url: receiver.url, events: ['*'] });
    // A real failure inside the transaction, after the event and deliveries were written: pg-boss's job insert.
    await app.db.pool.query(`
      create function test_fail_attempt_jobs() returns trigger language plpgsql as $$
      begin
        if new.name = 'delivery_attempt' and exists (select 1 from deliveries d where d.id = (new.data->>'deliveryId')::uuid and d.event_type = 'customers.deleted') then
          raise exception 'job insert refused by the test';
        end if;
        return new;
      end $$`);
    await app.db.pool.query('create trigger fail_attempt_jobs before insert on pgboss.job for each row execute function test_fail_attempt_jobs()');
    try {
      const before = await countRows(app.db.pool);
      const result = await client.request(PublishEventDocument, { input: { type: 'customers.deleted', data: { id: 'c1' }, idempotencyKey: 'tx-1' } });
      expect(result.errors).toHaveLength(1);
      expect(await countRows(app.db.pool)).toEqual(before);
    } finally {
      await app.db.pool.query('drop trigger fail_attempt_jobs on pgboss.job');
      await app.db.pool.query('drop function test_fail_attempt_jobs()');
    }
    // The same key is free again: the refused publish left no event behind.
    const event = await publish(client, { type: 'customers.deleted', data: { id: 'c1' }, idempotencyKey: 'tx-1' });
    expect(event).toMatchObject({ duplicate: false, deliveryCount: 2 });
    expect(await attemptJobs(app.db.pool, (await deliveriesOfEvent(app.db.pool, event.rawId)).map((d) => d.id))).toHaveLength(2);
    await waitAllFinished(event.rawId);
  });
});

describe('idempotency', () => {
  it('answers 20 concurrent publishes with one key with one event, delivered once', async () => {
    const { client } = await app.newAccount();
    const hooks = [
      await createWebhook(client, { name: 'one', url: receiver.url, events: ['orders.*'] }),
      await createWebhook(client, { name: 'two', url: receiver.url, events: ['*'] }),
    ];
    const input = { type: 'orders.created', data: { id: 'o1', total: 10 }, idempotencyKey: 'order-o1-created' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => publish(client, input)));

    const [first] = answers;
    expect(new Set(answers.map((answer) => answer.id)).size).toBe(1);
    expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
    expect(answers.filter((answer) => answer.duplicate)).toHaveLength(19);
    expect(answers.every((answer) => answer.deliveryCount === 2)).toBe(true);

    const { rows } = await app.db.pool.query<{ count: number }>(`select count(*)::int as count from events where idempotency_key = $1`, [input.idempotencyKey]);
    expect(rows[0]!.count).toBe(1);
    const deliveries = await deliveriesOfEvent(app.db.pool, first!.rawId);
    expect(deliveries.map((delivery) => delivery.webhook_id).sort()).toEqual(hooks.map((hook) => hook.rawId).sort());
    expect(await attemptJobs(app.db.pool, deliveries.map((delivery) => delivery.id))).toHaveLength(2);
    await waitAllFinished(first!.rawId);
    const received = receiver.requests.filter((request) => (JSON.parse(request.body) as { event_id: string }).event_id === first!.id);
    expect(received).toHaveLength(2);

    // Later, with other data: still the first event, nothing new sent. Another account's key is its own.
    const later = await publish(client, { ...input, data: { id: 'o1', total: 99 } });
    expect(later).toMatchObject({ id: first!.id, duplicate: true, deliveryCount: 2 });
    expect(await deliveriesOfEvent(app.db.pool, first!.rawId)).toHaveLength(2);
    const elsewhere = await publish((await app.newAccount()).client, input);
    expect(elsewhere).toMatchObject({ duplicate: false, deliveryCount: 0 });
    expect(elsewhere.id).not.toBe(first!.id);
  });
});

/** `{"id":1,"blob":"xxx…"}` of exactly `bytes` bytes serialised. */
function dataOfSize(bytes: number) {
  const data = { id: 1, blob: 'x'.repeat(bytes - JSON.stringify({ id: 1, blob: '' }).length) };
  expect(Buffer.byteLength(JSON.stringify(data))).toBe(bytes);
  return data;
}

describe('refused input changes nothing', () => {
  let client: Awaited<ReturnType<TestApp['newAccount']>>['client'];
  beforeAll(async () => {
    ({ client } = await app.newAccount());
    await createWebhook(client, { name: 'everything', url: receiver.url, events: ['*'] });
  });

  const cases: { what: string; input: { type: string; data: unknown }; code: string; field: string }[] = [
    { what: 'an unknown type', input: { type: 'bookings.exploded', data: { id: 1 } }, code: 'BAD_USER_INPUT', field: 'type' },
    { what: 'a category as type', input: { type: 'bookings.*', data: { id: 1 } }, code: 'BAD_USER_INPUT', field: 'type' },
    { what: 'data as an array', input: { type: 'bookings.created', data: [{ id: 1 }] }, code: 'BAD_USER_INPUT', field: 'data' },
    { what: 'data as a string', input: { type: 'bookings.created', data: 'b1' }, code: 'BAD_USER_INPUT', field: 'data' },
    { what: 'data as a number', input: { type: 'bookings.created', data: 42 }, code: 'BAD_USER_INPUT', field: 'data' },
    { what: 'data as null', input: { type: 'bookings.created', data: null }, code: 'BAD_USER_INPUT', field: 'data' },
    { what: 'data one byte over MAX_PAYLOAD_BYTES', input: { type: 'bookings.created', data: dataOfSize(MAX_PAYLOAD_BYTES + 1) }, code: 'PAYLOAD_TOO_LARGE', field: 'data' },
    { what: 'multi-byte data over MAX_PAYLOAD_BYTES', input: { type: 'bookings.created', data: { id: 1, blob: 'é'.repeat(MAX_PAYLOAD_BYTES / 2) } }, code: 'PAYLOAD_TOO_LARGE', field: 'data' },
  ];
  it.each(cases)('$what → $code', async ({ input, code, field }) => {
    const before = await countRows(app.db.pool);
    const result = await client.request(PublishEventDocument, { input });
    // JSON! rejects a literal null before our resolver runs: any refusal will do, as long as nothing was written.
    if (input.data === null) expect(result.errors?.length).toBeGreaterThan(0);
    else expectError(result, code, field);
    expect(await countRows(app.db.pool)).toEqual(before);
  });

  it('accepts data of exactly MAX_PAYLOAD_BYTES', async () => {
    const data = dataOfSize(MAX_PAYLOAD_BYTES);
    const event = await publish(client, { type: 'bookings.created', data });
    expect(event.deliveryCount).toBe(1);
    await waitAllFinished(event.rawId);
  });
});

describe('what the endpoint receives', () => {
  it('sends the contract body, signed, with the method, custom headers, content-type, user-agent and webhook-id', async () => {
    const { client } = await app.newAccount();
    const put = await createWebhook(client, {
      name: 'put',
      url: `${receiver.url}?w=put`,
      events: ['bookings.created'],
      httpMethod: 'PUT',
      headers: [
        { name: 'Authorization', value: 'Bearer s3cr3t' },
        { name: 'X-Tenant', value: 'acme' },
      ],
    });
    const patch = await createWebhook(client, { name: 'patch', url: `${receiver.url}?w=patch`, events: ['bookings.*'], httpMethod: 'PATCH', sendData: false });
    const post = await createWebhook(client, { name: 'post', url: `${receiver.url}?w=post`, events: ['*'] });
    const webhooks = { put, patch, post };

    const data = { id: 'b42', resource: { id: 'r1' }, guest: { name: 'Zoë Ångström', note: 'emoji 🛎️ and "quotes"' }, price: 12.5, tags: ['spa', null] };
    const occurredAt = '2024-01-15T14:30:00.000Z';
    const before = receiver.requests.length;
    const event = await publish(client, { type: 'bookings.created', data, occurredAt });
    expect(event.deliveryCount).toBe(3);
    await waitAllFinished(event.rawId);
    const arrived = receiver.requests.slice(before);
    expect(arrived).toHaveLength(3);
    const deliveries = await deliveriesOfEvent(app.db.pool, event.rawId);

    for (const request of arrived) {
      const name = targetOf(request.path) as keyof typeof webhooks;
      const webhook = webhooks[name];
      const delivery = deliveries.find((row) => row.webhook_id === webhook.rawId)!;
      expect(request.method).toBe({ put: 'PUT', patch: 'PATCH', post: 'POST' }[name]);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toMatch(/Hookstream/);
      expect(request.headers['webhook-id']).toBe(publicId('Delivery', delivery.id));
      expect(Number(request.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      expect(receiver.verify(request, webhook.secret)).toBeTruthy();
      // The bytes sent are the bytes stored (and signed).
      expect(request.body).toBe(delivery.body);

      const body = JSON.parse(request.body) as Record<string, unknown>;
      expect(Object.keys(body).slice(0, 4)).toEqual(['event', 'event_id', 'webhook_id', 'triggered_at']);
      expect(Object.keys(body)).toContain('data');
      expect(body).toMatchObject({ event: 'bookings.created', event_id: event.id, webhook_id: webhook.id });
      expect(new Date(body['triggered_at'] as string).toISOString()).toBe(new Date(event.createdAt).toISOString());
      expect(body['triggered_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(body['data']).toEqual(name === 'patch' ? { id: 'b42' } : data);
    }

    const putRequest = arrived.find((request) => targetOf(request.path) === 'put')!;
    expect(putRequest.headers['authorization']).toBe('Bearer s3cr3t');
    expect(putRequest.headers['x-tenant']).toBe('acme');
    const postRequest = arrived.find((request) => targetOf(request.path) === 'post')!;
    expect(postRequest.headers['authorization']).toBeUndefined();
    // The attempt record keeps the headers sent, but never a custom header's value.
    const putDelivery = deliveries.find((row) => row.webhook_id === put.rawId)!;
    const [attempt] = await attemptsOf(app.db.pool, putDelivery.id);
    expect(attempt!.request_headers).toMatchObject({ Authorization: '[redacted]', 'X-Tenant': '[redacted]', 'webhook-id': publicId('Delivery', putDelivery.id), 'content-type': 'application/json' });
    expect(JSON.stringify(attempt!.request_headers)).not.toContain('s3cr3t');
  });
});

it('leaves no delivery of this file unfinished', async () => {
  // Every delivery of this file ends SUCCEEDED: nothing was left PENDING by a test above.
  await waitUntil('all deliveries finished', async () => {
    const { rows } = await app.db.pool.query<{ count: number }>(`select count(*)::int as count from deliveries where status <> 'SUCCEEDED'`);
    return rows[0]!.count === 0;
  });
});

describe('an API process on a database no worker has prepared', () => {
  it('never accepts a delivery without its job', async () => {
    // pg-boss drops jobs of a queue that does not exist; the queues are created when a worker starts.
    const api = await startTestApp({ HOOKSTREAM_ROLE: 'api' });
    try {
      const { client } = await api.newAccount();
      await createWebhook(client, { name: 'early', url: receiver.url, events: ['*'] });
      const result = await client.request(PublishEventDocument, { input: { type: 'orders.created', data: { id: 'o1' } } });
      const counts = await countRows(api.db.pool);
      // Either refused with nothing written, or accepted with one job per delivery: never a delivery nothing sends.
      if (result.errors) expect(counts).toMatchObject({ events: 0, deliveries: 0, jobs: 0 });
      else expect(counts).toMatchObject({ events: 1, deliveries: 1, jobs: 1 });
    } finally {
      await api.stop();
    }
  });
});
