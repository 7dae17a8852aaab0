import { describe, expect, test } from "vitest";
import { fullJitterBackoff, jitteredResync } from "../../src/engine/backoff.js";

describe("fullJitterBackoff", () => {
  test("is uniform in [0, min(cap, base·2^attempt))", () => {
    expect(fullJitterBackoff(0, { random: () => 0.999 })).toBe(999);
    expect(fullJitterBackoff(3, { random: () => 0.5 })).toBe(4000);
    expect(fullJitterBackoff(3, { random: () => 0 })).toBe(0);
    expect(fullJitterBackoff(100, { random: () => 0.5 })).toBe(150_000);
  });
  test("spreads retries: 1,000 draws at attempt 5 cover the range", () => {
    const draws = Array.from({ length: 1000 }, () => fullJitterBackoff(5));
    expect(Math.min(...draws)).toBeLessThan(3200);
    expect(Math.max(...draws)).toBeGreaterThan(28_800);
    expect(Math.max(...draws)).toBeLessThan(32_000);
  });
});

test("jitteredResync stays within ±10%", () => {
  expect(jitteredResync(60_000, () => 0)).toBe(54_000);
  expect(jitteredResync(60_000, () => 1)).toBe(66_000);
});
