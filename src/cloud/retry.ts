// The SDK's standard retries, with the retry quota kept per customer account. A client's retry
// strategy holds one quota (500 tokens; a failed attempt costs 5–14) for every request it sends, and
// the region's clients are shared by every account (clients.ts): one account failing hard would drain
// the quota and leave its neighbours without retries. The retry middleware asks for a token in the
// request's `partition_id` scope, which ClientForAccount sets to the account.
import { StandardRetryStrategy } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from "@smithy/types";

export class PerAccountRetryStrategy implements RetryStrategyV2 {
  readonly mode = "standard";
  private readonly byScope = new Map<string, StandardRetryStrategy>();
  private readonly owner = new WeakMap<StandardRetryToken, StandardRetryStrategy>();

  constructor(private readonly maxAttempts: number) {}

  private of(scope: string): StandardRetryStrategy {
    let s = this.byScope.get(scope);
    if (!s) { s = new StandardRetryStrategy(this.maxAttempts); this.byScope.set(scope, s); }
    return s;
  }

  async acquireInitialRetryToken(scope: string): Promise<StandardRetryToken> {
    const strategy = this.of(scope);
    const token = await strategy.acquireInitialRetryToken(scope);
    this.owner.set(token, strategy);
    return token;
  }

  async refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<StandardRetryToken> {
    const strategy = this.owner.get(token)!;
    const next = await strategy.refreshRetryTokenForRetry(token, errorInfo);
    this.owner.set(next, strategy);
    return next;
  }

  recordSuccess(token: StandardRetryToken): void {
    this.owner.get(token)?.recordSuccess(token);
  }

  /** What is left of an account's retry quota (for tests and metrics). */
  capacityOf(scope: string): number {
    return this.byScope.get(scope)?.getCapacity() ?? 500;
  }
}
