// The HTTP channel against a real receiver on loopback: every kind of outcome it reports, and what it sends.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/delivery/channels/channel.js';
import { MAX_RESPONSE_BODY_BYTES } from '../../src/delivery/channels/http-client.js';
import { createHttpChannel, GONE_DISABLE_REASON, USER_AGENT, type HttpChannel } from '../../src/delivery/channels/http.js';
import { newSecret, prepareAttempt, staticLookup } from '../helpers/attempt.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

let receiver: Receiver;
let channel: HttpChannel;

beforeAll(async () => {
  receiver = await startReceiver();
  channel = createHttpChannel({ allowPrivateTargets: true, connectionsPerOrigin: 4, timeoutMs: 5_000 });
});
afterAll(async () => {
  await channel?.close();
  await receiver?.close();
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the HTTP channel', () => {
  it('sends the signed body with the custom and trace headers, and records the request with custom values redacted', async () => {
    const secret = newSecret();
    receiver.reply({ status: 202, body: 'accepted' });
    const attempt = prepareAttempt({
      url: receiver.url,
      method: 'PUT',
      secrets: [secret],
      customHeaders: [{ name: 'Authorization', value: 'Bearer s3cret' }, { name: 'X-Tenant', value: 'acme' }],
      traceHeaders: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    const outcome = await channel.send(attempt);

    expect(outcome).toMatchObject({ kind: 'success', status: 202, responseBody: 'accepted' });
    const [request] = receiver.requests.slice(-1);
    expect(request).toMatchObject({ method: 'PUT', body: attempt.body });
    expect(request!.headers).toMatchObject({
      authorization: 'Bearer s3cret',
      'x-tenant': 'acme',
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      traceparent: attempt.traceHeaders!.traceparent,
      'webhook-id': attempt.deliveryId,
    });
    expect(receiver.verify(request!, secret)).toEqual(JSON.parse(attempt.body));
    expect(outcome.request).toEqual({
      Authorization: REDACTED,
      'X-Tenant': REDACTED,
      'user-agent': USER_AGENT,
      'content-type': 'application/json',
      traceparent: attempt.traceHeaders!.traceparent,
      ...attempt.signatureHeaders,
    });
    console.log(`2xx attempt took ${outcome.durationMs} ms`);
  });

  it('does not let a custom header replace one the contract fixes', async () => {
    const attempt = prepareAttempt({ url: receiver.url, customHeaders: [{ name: 'User-Agent', value: 'spoof' }] });
    await channel.send(attempt);
    expect(receiver.requests.at(-1)!.headers['user-agent']).toBe(USER_AGENT);
  });

  it('reports a non-2xx answer as a failure with its status and body, retried per the schedule', async () => {
    receiver.reply({ status: 500, body: 'boom' });
    const outcome = await channel.send(prepareAttempt({ url: receiver.url }));
    expect(outcome).toMatchObject({ kind: 'failure', status: 500, responseBody: 'boom', error: 'HTTP 500', retryAfterMs: null, permanent: false, disableReason: null });
  });

  it('turns 410 Gone into a reason to disable the webhook', async () => {
    receiver.reply({ status: 410, body: 'gone' });
    const outcome = await channel.send(prepareAttempt({ url: receiver.url }));
    expect(outcome).toMatchObject({ kind: 'failure', status: 410, error: 'HTTP 410', disableReason: GONE_DISABLE_REASON, permanent: false });
    expect(GONE_DISABLE_REASON).toBe('endpoint answered 410 Gone');
  });

  it('reads Retry-After on 429 (seconds) and 503 (an HTTP date), and ignores it on other statuses', async () => {
    receiver.reply(
      { status: 429, headers: { 'retry-after': '120' } },
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() } },
      { status: 500, headers: { 'retry-after': '120' } },
      { status: 429, headers: { 'retry-after': 'soon' } },
    );
    const tooMany = await channel.send(prepareAttempt({ url: receiver.url }));
    const unavailable = await channel.send(prepareAttempt({ url: receiver.url }));
    const serverError = await channel.send(prepareAttempt({ url: receiver.url }));
    const unreadable = await channel.send(prepareAttempt({ url: receiver.url }));

    expect(tooMany).toMatchObject({ kind: 'failure', status: 429, retryAfterMs: 120_000 });
    // An HTTP date has whole seconds: an hour from now, give or take the second it was written in.
    const dateWait = unavailable.kind === 'failure' ? unavailable.retryAfterMs! : 0;
    expect(dateWait).toBeGreaterThan(3_590_000);
    expect(dateWait).toBeLessThanOrEqual(3_600_000);
    expect(serverError).toMatchObject({ kind: 'failure', status: 500, retryAfterMs: null });
    expect(unreadable).toMatchObject({ kind: 'failure', status: 429, retryAfterMs: null });
  });

  it('never follows a redirect', async () => {
    const before = receiver.requests.length;
    receiver.reply({ status: 301, headers: { location: `${receiver.url}/elsewhere` } });
    const outcome = await channel.send(prepareAttempt({ url: receiver.url }));
    expect(outcome).toMatchObject({ kind: 'failure', status: 301, error: `redirect not followed (301 to ${receiver.url}/elsewhere)` });
    expect(receiver.requests.length - before).toBe(1);
  });

  it('keeps the first 64 KiB of a large answer', async () => {
    receiver.reply({ status: 200, body: 'x'.repeat(300 * 1024) });
    const outcome = await channel.send(prepareAttempt({ url: receiver.url }));
    expect(outcome.kind).toBe('success');
    expect(outcome.responseBody).toHaveLength(MAX_RESPONSE_BODY_BYTES);
  });

  it('gives up after the attempt timeout', async () => {
    receiver.reply({ hang: true });
    const outcome = await channel.send(prepareAttempt({ url: receiver.url, timeoutMs: 300 }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, responseBody: null, error: 'timeout after 300 ms', permanent: false });
    console.log(`timed-out attempt took ${outcome.durationMs} ms`);
  });

  it('reports a refused connection', async () => {
    const outcome = await channel.send(prepareAttempt({ url: `http://127.0.0.1:${await closedPort()}/hook` }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, error: 'connection refused' });
  });

  it('reports a name that does not resolve as a DNS error', async () => {
    // RFC 6761 §6.4: .invalid never resolves.
    const outcome = await channel.send(prepareAttempt({ url: 'http://hookstream-channel-test.invalid/hook' }));
    expect(outcome.kind).toBe('failure');
    expect(outcome.kind === 'failure' && outcome.error).toMatch(/^DNS: host not found \((ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)\)$/);
  });
});

describe('the HTTP channel with ALLOW_PRIVATE_TARGETS=false', () => {
  const lookup = staticLookup({ 'internal.example.com': '10.0.0.8', 'loopback.example.com': '127.0.0.1', 'mapped.example.com': '::ffff:127.0.0.1' });
  let strict: HttpChannel;
  beforeAll(() => {
    strict = createHttpChannel({ allowPrivateTargets: false, connectionsPerOrigin: 1, timeoutMs: 5_000, lookup });
  });
  afterAll(() => strict?.close());

  it.each([
    ['a literal loopback address', () => `http://127.0.0.1:${receiver.port}/hook`, 'blocked target: 127.0.0.1 is not a public address'],
    ['a literal IPv4-mapped address', () => `http://[::ffff:7f00:1]:${receiver.port}/hook`, 'blocked target: ::ffff:7f00:1 is not a public address'],
    ['a name resolving to a private address', () => `http://internal.example.com:${receiver.port}/hook`, 'blocked target: internal.example.com resolves to address 10.0.0.8 is not a public address (private)'],
    ['a name resolving to loopback', () => `http://loopback.example.com:${receiver.port}/hook`, 'blocked target: loopback.example.com resolves to address 127.0.0.1 is not a public address (loopback)'],
    ['a name resolving to an IPv4-mapped loopback', () => `http://mapped.example.com:${receiver.port}/hook`, 'blocked target: mapped.example.com resolves to address ::ffff:127.0.0.1'],
  ])('refuses %s without sending anything', async (_name, url, error) => {
    const before = receiver.requests.length;
    const outcome = await strict.send(prepareAttempt({ url: url() }));
    expect(outcome).toMatchObject({ kind: 'failure', status: null, permanent: false });
    expect(outcome.kind === 'failure' && outcome.error).toContain(error);
    expect(receiver.requests.length).toBe(before);
  });
});
