// A token bucket: `capacity` requests at once, refilled at `capacity` per `windowMs`. Pure: the caller passes the
// clock, so the rule is tested without waiting.
export type Bucket = { tokens: number; updatedAt: number };

export type TakeResult = { allowed: true; bucket: Bucket } | { allowed: false; bucket: Bucket; retryAfterMs: number };

export function takeToken(bucket: Bucket | undefined, capacity: number, windowMs: number, now: number): TakeResult {
  const ratePerMs = capacity / windowMs;
  const tokens = bucket ? Math.min(capacity, bucket.tokens + (now - bucket.updatedAt) * ratePerMs) : capacity;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, updatedAt: now } };
  return { allowed: false, bucket: { tokens, updatedAt: now }, retryAfterMs: Math.ceil((1 - tokens) / ratePerMs) };
}
