// A token bucket per customer account, shared by every worker and client of this replica: AWS
// throttles per account, so one project's burst must slow its neighbours too. The rate adapts:
// multiplicative decrease on a throttle, additive increase on success (AIMD).

export interface BucketOptions { ratePerSec: number; burst: number; minRatePerSec: number; maxRatePerSec: number }
const DEFAULTS: BucketOptions = { ratePerSec: 40, burst: 40, minRatePerSec: 0.5, maxRatePerSec: 200 };

export class AccountBucket {
  private tokens: number;
  private last = Date.now();
  rate: number;
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
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
    this.rate = Math.max(this.o.minRatePerSec, this.rate * 0.5);
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
