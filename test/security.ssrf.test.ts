// Issue 7, server-side request forgery: with ALLOW_PRIVATE_TARGETS=false, no attempt may reach a loopback, private or
// link-local address — also when the URL was saved while private targets were allowed (or written into the table by
// hand), whatever spelling the address takes (IPv4-mapped IPv6, decimal, octal, hex, `127.1`), and through a host
// name that resolves to loopback (`localhost`, checked in the agent's lookup, at connect time). The attempt records
// an error naming the blocked target; the receiver, listening on every loopback address, gets nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckedLookup } from '../src/delivery/channels/http-agent.js';
import { createHttpClient } from '../src/delivery/channels/http-client.js';
import { CreateWebhookDocument, WebhookDeliveriesDocument } from '../src/sdk/generated.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase } from './helpers/database.js';
import { attemptsOf, createWebhook, deliveriesOfEvent, publish, waitUntil } from './helpers/delivery.js';
import { expectError, globalId } from './helpers/graphql.js';

/** A receiver on `::` (dual stack): reachable at 127.0.0.1, any 127/8 address, [::1] and [::ffff:127.0.0.1]. */
async function startLoopbackReceiver() {
  const requests: { url: string; host: string }[] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', host: String(request.headers.host) });
    request.resume();
    request.on('end', () => response.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let receiver: Awaited<ReturnType<typeof startLoopbackReceiver>>;

beforeAll(async () => {
  receiver = await startLoopbackReceiver();
});
afterAll(() => receiver?.close());

/** Spellings of a loopback target on the receiver's port, each with the address a socket would reach. */
const loopbackUrls = () => ({
  dotted: `http://127.0.0.1:${receiver.port}/dotted`,
  ipv4Mapped: `http://[::ffff:127.0.0.1]:${receiver.port}/mapped`,
  ipv4MappedHex: `http://[::ffff:7f00:1]:${receiver.port}/mapped-hex`,
  decimal: `http://2130706433:${receiver.port}/decimal`,
  octal: `http://0177.0.0.01:${receiver.port}/octal`,
  hex: `http://0x7f000001:${receiver.port}/hex`,
  short: `http://127.1:${receiver.port}/short`,
  otherLoopback: `http://127.8.9.10:${receiver.port}/other-loopback`,
  ipv6Loopback: `http://[::1]:${receiver.port}/ipv6`,
  localhost: `http://localhost:${receiver.port}/localhost`,
});

describe('a running service with ALLOW_PRIVATE_TARGETS=false', () => {
  /** Delivers, and refuses private targets. */
  let blocking: TestApp;
  /** Same database, api role, private targets allowed: how the loopback webhooks got saved in the first place. */
  let permissive: TestApp;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    // The worker starts first: it creates the job queues the api-only process enqueues into.
    blocking = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'false', RETRY_SCHEDULE: '100ms', DISABLE_AFTER_FAILURES: '1000', WORKER_POLL_INTERVAL: '100ms' }, databaseUrl);
    permissive = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'true', HOOKSTREAM_ROLE: 'api' }, databaseUrl);
  });
  afterAll(async () => {
    await permissive?.stop();
    await blocking?.stop();
  });

  it('blocks, at send time, every loopback spelling saved while private targets were allowed or written in SQL', { timeout: 60_000 }, async () => {
    const { client, apiKey } = await permissive.newAccount();
    const urls = loopbackUrls();
    const webhookIds = new Map<string, string>(); // spelling → raw webhook id
    for (const [spelling, url] of Object.entries(urls)) {
      // Saved through the API while private targets were allowed (the URL parser normalises the spelling) ...
      const webhook = await createWebhook(client, { name: spelling, url: urls.dotted, events: ['bookings.created'] });
      // ... then set to the exact text, as a hand-edited row or an older version of the URL rules could leave it.
      if (spelling !== 'dotted') await permissive.db.pool.query('update webhooks set url = $1 where id = $2', [url, webhook.rawId]);
      webhookIds.set(spelling, webhook.rawId);
    }

    const event = await publish(blocking.client(apiKey), { type: 'bookings.created', data: { id: 'booking-ssrf', resource: { id: 'room-1' } } });
    expect(event.deliveryCount).toBe(webhookIds.size);
    await waitUntil('every delivery to fail', async () => (await deliveriesOfEvent(blocking.db.pool, event.rawId)).every((delivery) => delivery.status === 'FAILED'), 30_000);

    const deliveries = await deliveriesOfEvent(blocking.db.pool, event.rawId);
    for (const [spelling, webhookId] of webhookIds) {
      const delivery = deliveries.find((row) => row.webhook_id === webhookId)!;
      const attempts = await attemptsOf(blocking.db.pool, delivery.id);
      expect(attempts, spelling).toHaveLength(2); // RETRY_SCHEDULE=100ms: two attempts, both blocked
      for (const attempt of attempts) {
        expect(attempt.error, `${spelling}: ${attempt.error}`).toMatch(/blocked target/);
        expect(attempt.response_status, spelling).toBeNull();
      }
      if (spelling === 'localhost') expect(attempts[0]!.error).toMatch(/localhost/);
    }
    expect(receiver.requests).toEqual([]);

    // The same story through the API: every attempt's error names the blocked target.
    const history = await blocking.client(apiKey).data(WebhookDeliveriesDocument, { id: globalId('Webhook', webhookIds.get('decimal')!), first: 10 });
    const attempts = history.webhook!.deliveries.edges[0]!.node.attempts;
    expect(attempts.map((attempt) => attempt.error)).toEqual([expect.stringMatching(/blocked target/), expect.stringMatching(/blocked target/)]);
  });

  it('refuses the same spellings, and host names resolving to private addresses, when a webhook is saved', async () => {
    const { apiKey } = await permissive.newAccount();
    const client = blocking.client(apiKey);
    const refused = [...Object.values(loopbackUrls()), 'http://private.example/hook', 'http://metadata.example/hook', 'http://mixed.example/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/'];
    for (const url of refused) {
      const result = await client.request(CreateWebhookDocument, { input: { name: 'refused', url, events: ['*'] } });
      expectError(result, 'BAD_USER_INPUT', 'url');
    }
    const { rows } = await blocking.db.pool.query<{ count: number }>(`select count(*)::int as count from webhooks where name = 'refused'`);
    expect(rows[0]!.count).toBe(0);
  });
});

describe('the send path on its own (the HTTP channel\'s client and the checked lookup)', () => {
  const blockingClient = createHttpClient({ allowPrivateTargets: false, connectionsPerOrigin: 4, timeoutMs: 2_000 });
  const permissiveClient = createHttpClient({ allowPrivateTargets: true, connectionsPerOrigin: 4, timeoutMs: 2_000 });
  afterAll(async () => {
    await blockingClient.close();
    await permissiveClient.close();
  });

  /** One exchange, as an outcome: success (any answer), or the failure's error text. */
  const send = async (url: string, allowPrivateTargets: boolean) => {
    const exchange = await (allowPrivateTargets ? permissiveClient : blockingClient).exchange({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2_000 });
    return exchange.kind === 'response'
      ? { kind: 'success' as const, status: exchange.status }
      : { kind: 'failure' as const, status: null, error: exchange.error };
  };

  it('each spelling does reach the receiver when private targets are allowed (so the refusals mean something)', async () => {
    const before = receiver.requests.length;
    for (const [spelling, url] of Object.entries(loopbackUrls())) {
      const outcome = await send(url, true);
      expect(outcome, spelling).toMatchObject({ kind: 'success', status: 200 });
    }
    expect(receiver.requests.length - before).toBe(Object.keys(loopbackUrls()).length);
  });

  it('each spelling is blocked before any byte is sent when they are not', async () => {
    const before = receiver.requests.length;
    for (const [spelling, url] of Object.entries(loopbackUrls())) {
      const outcome = await send(url, false);
      expect(outcome, spelling).toMatchObject({ kind: 'failure', status: null });
      if (outcome.kind === 'failure') expect(outcome.error, spelling).toMatch(/^blocked target/);
    }
    expect(receiver.requests.length).toBe(before);
  });

  it('property: any loopback address, in any spelling, is blocked and never reached', { timeout: 60_000 }, async () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const spell = ([a, b, c, d]: number[], form: number) => {
      const value = ((a! << 24) >>> 0) + (b! << 16) + (c! << 8) + d!;
      const hex16 = (high: number, low: number) => ((high << 8) + low).toString(16);
      return [
        `${a}.${b}.${c}.${d}`,
        String(value),
        `0x${value.toString(16)}`,
        [a, b, c, d].map((part) => `0${part!.toString(8)}`).join('.'),
        `[::ffff:${a}.${b}.${c}.${d}]`,
        `[::ffff:${hex16(a!, b!)}:${hex16(c!, d!)}]`,
      ][form]!;
    };
    const before = receiver.requests.length;
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.constant(127), octet, octet, octet), fc.integer({ min: 0, max: 5 }), async (address, form) => {
        const outcome = await send(`http://${spell(address, form)}:${receiver.port}/fuzz`, false);
        return outcome.kind === 'failure' && /^blocked target/.test(outcome.error);
      }),
      { numRuns: 200 },
    );
    expect(receiver.requests.length).toBe(before);
  });

  it('property: the checked lookup refuses every private address a name could resolve to, and passes public ones', async () => {
    const lookup = createCheckedLookup(false);
    // dns.lookup answers an IP literal with itself, without the network: it stands for "a name resolving to it".
    const resolve = (host: string) =>
      new Promise<{ error: (Error & { code?: string }) | null }>((done) => lookup(host, { all: true }, (error) => done({ error })));
    const octet = fc.integer({ min: 0, max: 255 });
    const privateAddress = fc.oneof(
      fc.tuple(fc.constant(127), octet, octet, octet),
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
      fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
    );
    await fc.assert(
      fc.asyncProperty(privateAddress, fc.boolean(), async (parts, mapped) => {
        const { error } = await resolve(mapped ? `::ffff:${parts.join('.')}` : parts.join('.'));
        return error?.code === 'EHOOKSTREAM_BLOCKED' && /blocked target/.test(error.message);
      }),
      { numRuns: 300 },
    );
    for (const host of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect((await resolve(host)).error).toBeNull();
    const viaName = await resolve('localhost');
    expect(viaName.error?.message).toMatch(/blocked target: localhost resolves to/);
  });
});
