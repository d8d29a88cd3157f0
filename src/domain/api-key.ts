// API keys: shown to the operator once, stored only as a SHA-256 hash. A fast hash is right here (unlike passwords):
// the key is 256 bits of randomness, so there is nothing to brute-force, and every request must verify it cheaply.
import { createHash } from 'node:crypto';

const API_KEY_PREFIX = 'hsk_';

/** `randomBytes` must be at least 32 bytes from a CSPRNG. */
export function formatApiKey(randomBytes: Uint8Array): string {
  if (randomBytes.length < 32) throw new Error('an API key needs at least 32 random bytes');
  return API_KEY_PREFIX + Buffer.from(randomBytes).toString('base64url');
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** Reads `Bearer <key>` (case-insensitive scheme); anything else is no key at all. */
export function parseBearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1] ?? null;
}
