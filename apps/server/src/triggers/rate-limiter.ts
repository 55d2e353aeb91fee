/**
 * A token bucket per key: `requests` per `perMs`, refilled continuously. In-process, so
 * with several server replicas each enforces the limit on the calls it receives.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** takes a token; false (and the wait in ms before one is free) when the bucket is empty */
  take(key: string, requests: number, perMs: number, now = Date.now()): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const rate = requests / perMs;
    const bucket = this.buckets.get(key) ?? { tokens: requests, at: now };
    bucket.tokens = Math.min(requests, bucket.tokens + (now - bucket.at) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / rate) };
  }
}
