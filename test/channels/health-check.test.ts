// Health checks (CONTRACT.md "Channels": a GET of the url, no body, no signature; 2xx = healthy) against a real
// receiver answering GET 200 / 500 (the proxy path is in http-proxy.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpChannel, type HttpChannel } from '../../src/delivery/channels/http.js';
import { checkHealth } from '../../src/delivery/health-check.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

let receiver: Receiver;
let channel: HttpChannel;

beforeAll(async () => {
  receiver = await startReceiver();
  channel = createHttpChannel({ allowPrivateTargets: true, connectionsPerOrigin: 1, timeoutMs: 5_000 });
});
afterAll(async () => {
  await channel?.close();
  await receiver?.close();
});

describe('checkHealth', () => {
  it('is healthy on a 2xx answer to a bare GET', async () => {
    const checkedAt = new Date('2025-01-02T03:04:05Z');
    receiver.reply({ status: 200, body: 'up' });
    const result = await checkHealth(receiver.url, { client: channel.client, timeoutMs: 2_000, now: () => checkedAt });
    expect(result).toEqual({ ok: true, checkedAt, responseStatus: 200, error: null });
    const request = receiver.requests.at(-1)!;
    expect(request.method).toBe('GET');
    expect(request.body).toBe('');
    expect(request.headers['webhook-signature']).toBeUndefined();
    expect(request.headers['webhook-id']).toBeUndefined();
    expect(request.headers['content-type']).toBeUndefined();
  });

  it('is unhealthy on a 500, a redirect, or no answer', async () => {
    receiver.reply({ status: 500, body: 'down' }, { status: 302, headers: { location: 'https://elsewhere.example/' } }, { hang: true });
    const failing = await checkHealth(receiver.url, { client: channel.client, timeoutMs: 2_000 });
    const redirected = await checkHealth(receiver.url, { client: channel.client, timeoutMs: 2_000 });
    const silent = await checkHealth(receiver.url, { client: channel.client, timeoutMs: 200 });
    expect(failing).toMatchObject({ ok: false, responseStatus: 500, error: 'HTTP 500' });
    expect(redirected).toMatchObject({ ok: false, responseStatus: 302, error: 'redirect not followed (302 to https://elsewhere.example/)' });
    expect(silent).toMatchObject({ ok: false, responseStatus: null, error: 'timeout after 200 ms' });
  });

  it('does not apply to e-mail webhooks', async () => {
    const result = await checkHealth('mailto:ops@example.com', { client: channel.client, timeoutMs: 2_000 });
    expect(result).toMatchObject({ ok: false, responseStatus: null, error: 'health checks apply to http(s) URLs only' });
  });
});
