// Encryption at rest for webhook secrets and custom header values: AES-256-GCM with a random 96-bit nonce per value
// (NIST SP 800-38D). Stored as `enc:v1:<nonce>:<tag>:<ciphertext>` (base64url), so that a value written before
// encryption was turned on (plain text) still reads back.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export type SecretBox = {
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
};

export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes (AES-256)');
  const keyBuffer = Buffer.from(key);
  return {
    encrypt(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyBuffer, nonce);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${nonce.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [nonce, tag, ciphertext] = stored.slice(PREFIX.length).split(':');
      if (nonce === undefined || tag === undefined || ciphertext === undefined) throw new Error('malformed encrypted value');
      const decipher = createDecipheriv('aes-256-gcm', keyBuffer, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

export const isEncrypted = (stored: string): boolean => stored.startsWith(PREFIX);

/** Reads a key given as 64 hex characters or as base64/base64url of 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)');
  return key;
}
