// Retry quotas are per customer account: the region's clients are shared by every account, and one
// account's failures must not use up its neighbours' retries.
import { expect, test } from "vitest";
import type { RetryErrorInfo } from "@smithy/types";
import { PerAccountRetryStrategy } from "../../src/cloud/retry.js";

const serverError: RetryErrorInfo = { errorType: "TRANSIENT" };

test("an account that fails until its retry quota is gone leaves the other accounts' retries intact", { timeout: 60_000 }, async () => {
  const strategy = new PerAccountRetryStrategy(2);
  let denied = 0;
  for (let i = 0; i < 120 && denied === 0; i++) {
    const token = await strategy.acquireInitialRetryToken("111111111111");
    try {
      await strategy.refreshRetryTokenForRetry(token, serverError);
    } catch {
      denied++;
    }
  }
  expect(denied).toBe(1);
  expect(strategy.capacityOf("111111111111")).toBeLessThan(14); // less than one more retry costs
  const other = await strategy.acquireInitialRetryToken("222222222222");
  const retry = await strategy.refreshRetryTokenForRetry(other, serverError);
  expect(retry.getRetryCount()).toBe(1);
  strategy.recordSuccess(retry);
  expect(strategy.capacityOf("222222222222")).toBe(500);
});
