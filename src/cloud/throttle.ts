// A token bucket per customer account, shared by every worker and client of this replica: AWS
// throttles per account, so one project's burst must slow its neighbours too. The rate adapts:
// multiplicative decrease on a throttle, additive increase on success (AIMD). Throttles that arrive
// together are one signal (we are above the account's limit), as losses within one round trip are in
// TCP: the rate is cut by 30% (the β of the AWS SDKs' adaptive retry mode) at most once per CUT_WINDOW_MS.
// Halving on every throttle collapsed an account to ~2 calls/s under 20% throttling, and stalled it.

export interface BucketOptions { ratePerSec: number; burst: number; minRatePerSec: number; maxRatePerSec: number }
const DEFAULTS: BucketOptions = { ratePerSec: 40, burst: 40, minRatePerSec: 0.5, maxRatePerSec: 200 };
const CUT_FACTOR = 0.7;
const CUT_WINDOW_MS = 2000;

export class AccountBucket {
  private tokens: number;
  private last = Date.now();
  rate: number;
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastCut = 0;
  throttles = 0;

  constructor(private readonly o: BucketOptions = DEFAULTS) {
    this.tokens = o.burst;
    this.rate = o.ratePerSec;
  }

  private refill() {
    const now = Date.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  async take(): Promise<void> {
    this.refill();
    if (this.tokens >= 1 && this.waiters.length === 0) { this.tokens -= 1; return; }
    await new Promise<void>((resolve) => { this.waiters.push(resolve); this.schedule(); });
  }

  private schedule() {
    if (this.timer) return;
    this.refill();
    const wait = this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.rate) * 1000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.tokens >= 1 && this.waiters.length) { this.tokens -= 1; this.waiters.shift()!(); }
      if (this.waiters.length) this.schedule();
    }, Math.ceil(wait));
  }

  onThrottle() {
    this.throttles++;
    const now = Date.now();
    if (now - this.lastCut < CUT_WINDOW_MS) return;
    this.lastCut = now;
    this.rate = Math.max(this.o.minRatePerSec, this.rate * CUT_FACTOR);
    this.tokens = Math.min(this.tokens, 0);
  }

  onSuccess() {
    this.rate = Math.min(this.o.maxRatePerSec, this.rate + 0.2);
  }
}

export class AccountBuckets {
  private readonly buckets = new Map<string, AccountBucket>();
  constructor(private readonly o: BucketOptions = DEFAULTS) {}
  of(accountId: string): AccountBucket {
    let b = this.buckets.get(accountId);
    if (!b) { b = new AccountBucket(this.o); this.buckets.set(accountId, b); }
    return b;
  }
}
