/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec "Signature scheme";
 * CONTRACT.md, "What a webhook endpoint receives"). HMAC is pure computation, so node:crypto
 * is allowed here; the caller supplies the random bytes and the clock.
 */
import { createHmac } from 'node:crypto';

/** Spec: "base64 encoded, prefixed with `whsec_` for easy identification". */
const SECRET_PREFIX = 'whsec_';
/** Spec: the symmetric secret is "Random. Between 24 bytes (192 bits) and 64 bytes (512 bits)". */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** Strict standard base64 (with padding), the alphabet Node's Buffer emits. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Spec: the symmetric scheme's signature identifier. */
const SIGNATURE_VERSION = 'v1';

export interface SignatureInput {
  /** The `webhook-id`: the delivery's id, the same on every retry. */
  readonly msgId: string;
  /** The `webhook-timestamp`: unix seconds of this attempt. */
  readonly timestampSeconds: number;
  /** The exact body bytes that will be sent, as a string. */
  readonly body: string;
  /** Every secret currently valid for the webhook (two during a rotation's grace period). */
  readonly secrets: readonly string[];
}

/** The three Standard Webhooks headers, named as the spec and `standardwebhooks` verifier expect. */
export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** A new secret from `randomBytes` (24–64 bytes, from a CSPRNG the caller owns): `whsec_<base64>`. */
export function generateWebhookSecret(randomBytes: Uint8Array): string {
  if (randomBytes.length < MIN_SECRET_BYTES || randomBytes.length > MAX_SECRET_BYTES) {
    throw new Error(
      `a webhook secret needs ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} random bytes, got ${randomBytes.length}`,
    );
  }
  return SECRET_PREFIX + Buffer.from(randomBytes).toString('base64');
}

/**
 * The HMAC key of a secret: its base64 part decoded. Hashing the ASCII text instead is the
 * classic bug that makes every receiver's verification fail, hence the strict checks.
 */
function decodeWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new Error(`a webhook secret must start with "${SECRET_PREFIX}"`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded === '' || !BASE64_PATTERN.test(encoded)) {
    throw new Error('a webhook secret must be "whsec_" followed by standard base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new Error(`a webhook secret must decode to ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes, got ${key.length}`);
  }
  return key;
}

/**
 * The `webhook-signature` value: `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>` once per
 * secret, space-separated. The spec lets a header carry several signatures so a receiver still
 * holding the old secret keeps verifying during a rotation.
 */
export function signPayload({ msgId, timestampSeconds, body, secrets }: SignatureInput): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`timestampSeconds must be a non-negative integer, got ${timestampSeconds}`);
  }
  if (secrets.length === 0) {
    throw new Error('signing needs at least one webhook secret');
  }
  const signedContent = `${msgId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => {
      const mac = createHmac('sha256', decodeWebhookSecret(secret)).update(signedContent, 'utf8').digest('base64');
      return `${SIGNATURE_VERSION},${mac}`;
    })
    .join(' ');
}

/** The Standard Webhooks headers of one attempt. */
export function buildWebhookHeaders(input: SignatureInput): WebhookHeaders {
  return {
    'webhook-id': input.msgId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signPayload(input),
  };
}
