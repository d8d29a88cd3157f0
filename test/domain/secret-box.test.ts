import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, isEncrypted, parseSecretKey } from '../../src/domain/secret-box.js';

describe('secret box (AES-256-GCM)', () => {
  const box = createSecretBox(randomBytes(32));

  it.each(['whsec_abc', '', 'Bearer ünïcödé ✓', 'x'.repeat(5000)])('round-trips %j', (plaintext) => {
    const stored = box.encrypt(plaintext);
    expect(isEncrypted(stored)).toBe(true);
    expect(stored).not.toContain(plaintext || '\u0000');
    expect(box.decrypt(stored)).toBe(plaintext);
  });

  it('uses a fresh nonce each time', () => {
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('refuses a tampered value and a wrong key', () => {
    const stored = box.encrypt('whsec_secret');
    const parts = stored.split(':');
    const ciphertext = Buffer.from(parts[4]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 1;
    parts[4] = ciphertext.toString('base64url');
    expect(() => box.decrypt(parts.join(':'))).toThrow();
    expect(() => createSecretBox(randomBytes(32)).decrypt(stored)).toThrow();
  });

  it('reads plain text written before encryption as it is', () => {
    expect(box.decrypt('whsec_legacy')).toBe('whsec_legacy');
  });

  it.each([
    ['hex', randomBytes(32).toString('hex'), true],
    ['base64', randomBytes(32).toString('base64'), true],
    ['too short', randomBytes(16).toString('base64'), false],
    ['garbage', 'not a key', false],
  ])('parses a %s key: %s', (_label, text, ok) => {
    if (ok) expect(parseSecretKey(text)).toHaveLength(32);
    else expect(() => parseSecretKey(text)).toThrow();
  });
});
