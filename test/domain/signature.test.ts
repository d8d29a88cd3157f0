import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { buildWebhookHeaders, generateWebhookSecret, signPayload } from '../../src/domain/signature.js';

// Fixed bytes, not random, so a failure reproduces.
const secretA = generateWebhookSecret(Buffer.alloc(32, 1));
const secretB = generateWebhookSecret(Buffer.alloc(24, 2));
const body = '{"event":"bookings.created","event_id":"evt_1","webhook_id":"wh_1","triggered_at":"2024-01-15T14:30:00.000Z","data":{"id":"b1","name":"Zoë"}}';
const msgId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

/** standardwebhooks refuses timestamps more than five minutes from its own clock. */
function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

describe('generateWebhookSecret', () => {
  it.each([24, 32, 64])('%d bytes → whsec_ + their base64', (length) => {
    const bytes = Buffer.alloc(length, 0xab);
    expect(generateWebhookSecret(bytes)).toBe(`whsec_${bytes.toString('base64')}`);
  });

  it.each([0, 16, 23, 65])('%d bytes is refused (spec: 24–64 bytes)', (length) => {
    expect(() => generateWebhookSecret(Buffer.alloc(length))).toThrow(/24–64 random bytes/);
  });

  it('accepts a plain Uint8Array', () => {
    expect(generateWebhookSecret(new Uint8Array(24))).toBe(`whsec_${'A'.repeat(32)}`);
  });
});

describe('signPayload', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // From the standard-webhooks repository's test suite (spec "Signature scheme" example).
    expect(
      signPayload({
        msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestampSeconds: 1614265330,
        body: '{"test": 2432232314}',
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is HMAC-SHA256 keyed with the decoded secret over "id.timestamp.body"', () => {
    const key = Buffer.alloc(32, 1);
    const expected = createHmac('sha256', key).update(`${msgId}.1700000000.${body}`).digest('base64');
    expect(signPayload({ msgId, timestampSeconds: 1700000000, body, secrets: [secretA] })).toBe(`v1,${expected}`);
  });

  it('signs once per secret, space-separated, in the order given', () => {
    const signature = signPayload({ msgId, timestampSeconds: 1700000000, body, secrets: [secretA, secretB] });
    const [first, second, ...rest] = signature.split(' ');
    expect(rest).toEqual([]);
    expect(first).toBe(signPayload({ msgId, timestampSeconds: 1700000000, body, secrets: [secretA] }));
    expect(second).toBe(signPayload({ msgId, timestampSeconds: 1700000000, body, secrets: [secretB] }));
  });

  it.each<[string, { timestampSeconds?: number; secrets?: string[] }, RegExp]>([
    ['no secrets', { secrets: [] }, /at least one webhook secret/],
    ['a secret without the whsec_ prefix', { secrets: [Buffer.alloc(32).toString('base64')] }, /must start with "whsec_"/],
    ['a secret that is not base64', { secrets: ['whsec_not base64!'] }, /standard base64/],
    ['an empty secret', { secrets: ['whsec_'] }, /standard base64/],
    ['a secret shorter than 24 bytes', { secrets: [`whsec_${Buffer.alloc(16).toString('base64')}`] }, /24–64 bytes, got 16/],
    ['a fractional timestamp', { timestampSeconds: 1.5 }, /non-negative integer/],
    ['a millisecond-looking timestamp given as NaN', { timestampSeconds: Number.NaN }, /non-negative integer/],
    ['a negative timestamp', { timestampSeconds: -1 }, /non-negative integer/],
  ])('refuses %s', (_name, override, message) => {
    expect(() =>
      signPayload({ msgId, timestampSeconds: 1700000000, body, secrets: [secretA], ...override }),
    ).toThrow(message);
  });
});

describe('buildWebhookHeaders, verified by the standardwebhooks package', () => {
  it('produces the three headers', () => {
    const headers = buildWebhookHeaders({ msgId, timestampSeconds: 1700000000, body, secrets: [secretA] });
    expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(headers['webhook-id']).toBe(msgId);
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it.each([
    ['one secret', [secretA]],
    ['a 64-byte secret', [generateWebhookSecret(Buffer.alloc(64, 9))]],
  ])('verifies with %s', (_name, secrets) => {
    const headers = buildWebhookHeaders({ msgId, timestampSeconds: nowSeconds(), body, secrets });
    for (const secret of secrets) {
      expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    }
  });

  it('during a rotation, receivers holding either secret verify', () => {
    const headers = buildWebhookHeaders({ msgId, timestampSeconds: nowSeconds(), body, secrets: [secretB, secretA] });
    expect(new Webhook(secretA).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(secretB).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it.each<[string, (h: Record<string, string>) => [string, Record<string, string>], string]>([
    ['a tampered body', (h) => [body.replace('b1', 'b2'), h], secretA],
    ['a changed webhook-id', (h) => [body, { ...h, 'webhook-id': 'msg_other' }], secretA],
    ['a changed timestamp', (h) => [body, { ...h, 'webhook-timestamp': String(Number(h['webhook-timestamp']) - 1) }], secretA],
    ['another secret', (h) => [body, h], generateWebhookSecret(Buffer.alloc(32, 3))],
  ])('fails verification with %s', (_name, tamper, verifierSecret) => {
    const headers = buildWebhookHeaders({ msgId, timestampSeconds: nowSeconds(), body, secrets: [secretA] });
    const [sentBody, sentHeaders] = tamper({ ...headers });
    expect(() => new Webhook(verifierSecret).verify(sentBody, sentHeaders)).toThrow(/No matching signature/);
  });
});
