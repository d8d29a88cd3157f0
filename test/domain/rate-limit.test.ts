import { describe, expect, it } from 'vitest';
import { takeToken, type Bucket } from '../../src/domain/rate-limit.js';

describe('token bucket', () => {
  it('allows a burst of capacity, then refuses with a retry hint, then refills', () => {
    let bucket: Bucket | undefined;
    for (let i = 0; i < 3; i++) {
      const result = takeToken(bucket, 3, 60_000, 1_000);
      expect(result.allowed).toBe(true);
      bucket = result.bucket;
    }
    const refused = takeToken(bucket, 3, 60_000, 1_000);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterMs).toBe(20_000);
    expect(takeToken(refused.bucket, 3, 60_000, 21_000).allowed).toBe(true);
  });

  it.each([
    [10, 1_000, 0, true],
    [1, 1_000, 999, false],
    [1, 1_000, 1_000, true],
  ])('capacity %i per %i ms, %i ms after using it up: allowed=%s', (capacity, windowMs, later, allowed) => {
    let bucket: Bucket = { tokens: 0, updatedAt: 0 };
    if (capacity === 10) bucket = { tokens: 10, updatedAt: 0 };
    expect(takeToken(bucket, capacity, windowMs, later).allowed).toBe(allowed);
  });
});
