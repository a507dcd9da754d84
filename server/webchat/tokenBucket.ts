export interface RateLimit {
  /** Requests a client may make at once. */
  readonly burst: number;
  /** Requests a client earns back per minute. */
  readonly perMinute: number;
}

/** A page load needs one token; ten at once and one every ten seconds leaves room for reloads and tabs. */
export const DEFAULT_WEBCHAT_TOKEN_RATE: RateLimit = { burst: 10, perMinute: 6 };
/** Past this many tracked clients, full buckets are forgotten: a flood of addresses cannot grow memory forever. */
const MAX_TRACKED_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** One token bucket per client key; `take` answers how long to wait (0 = allowed). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  /** Takes one token for `key`; 0 when allowed, else the milliseconds until the next token. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.refill(this.buckets.get(key) ?? { tokens: this.limit.burst, updatedAt: now }, now);
    if (!this.buckets.has(key) && this.buckets.size >= MAX_TRACKED_CLIENTS) this.forgetFull(now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 60_000) / this.limit.perMinute);
  }

  private refill(bucket: Bucket, now: number): Bucket {
    const earned = ((now - bucket.updatedAt) * this.limit.perMinute) / 60_000;
    return { tokens: Math.min(this.limit.burst, bucket.tokens + earned), updatedAt: now };
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.refill(bucket, now).tokens >= this.limit.burst) this.buckets.delete(key);
    }
  }
}
