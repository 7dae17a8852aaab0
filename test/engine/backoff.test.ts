// Backoff and resync timing, as pure functions. The jitter's draws are injected: each case pins the
// formula exactly, which sampling the real Math.random could not (it passed whatever the formula did).
import { describe, expect, test } from "vitest";
import { accountResync, fullJitterBackoff, resyncAfter } from "../../src/engine/backoff.js";

describe("fullJitterBackoff", () => {
  test("is uniform in [0, min(cap, base·2^attempt))", () => {
    expect(fullJitterBackoff(0, { random: () => 0.999 })).toBe(999);
    expect(fullJitterBackoff(3, { random: () => 0.5 })).toBe(4000);
    expect(fullJitterBackoff(3, { random: () => 0 })).toBe(0);
    expect(fullJitterBackoff(100, { random: () => 0.5 })).toBe(150_000);
  });
});

describe("accountResync", () => {
  const I = 60_000;
  const slotOf = (account: string, now: number) => (now + accountResync(I, account, now)) % I;

  test("every project of an account comes due in the same slot, whenever its last pass ran", () => {
    const slots = new Set([0, 1234, 17_000, 45_678, 59_999, 3 * I + 42].map((now) => slotOf("111122223333", now)));
    expect(slots.size).toBe(1);
  });
  test("a pass on its slot is due again one interval later", () => {
    const slot = accountResync(I, "111122223333", 0);
    expect(accountResync(I, "111122223333", slot)).toBe(I);
    expect(accountResync(I, "111122223333", slot + 250)).toBe(I - 250);
  });
  test("a pass off its slot rejoins it within 0.1–1.1 intervals", () => {
    for (let now = 0; now < 2 * I; now += 997) {
      const after = accountResync(I, "444455556666", now);
      expect(after).toBeGreaterThanOrEqual(I / 10);
      expect(after).toBeLessThan(1.1 * I);
    }
  });
  test("accounts are spread evenly over the interval", () => {
    const buckets = Array(10).fill(0);
    for (let a = 0; a < 2000; a++) buckets[Math.floor(slotOf(String(100000000000 + a), 0) / (I / 10))]++;
    expect(Math.min(...buckets)).toBeGreaterThan(140);
    expect(Math.max(...buckets)).toBeLessThan(260);
  });
});

describe("resyncAfter (overload: the interval stretches evenly)", () => {
  const I = 60_000;
  const A = "111122223333";
  const slot = accountResync(I, A, 0);
  const dueOf = (afterMs: number, now: number) => now + afterMs;
  const rows: Array<{ why: string; dueAt: number | undefined; now: number; want: number }> = [
    { why: "on the slot and on time: one interval", dueAt: slot, now: slot + 20, want: slot + I },
    { why: "on the slot, saved a few ms off it", dueAt: slot + 7, now: slot + 500, want: slot + I },
    { why: "on the slot, 0.95 interval late: still the next slot, not the one after", dueAt: slot, now: slot + 0.95 * I, want: slot + I },
    { why: "on the slot, 2.5 intervals behind: due at once, one interval after the slot it was due in", dueAt: slot, now: slot + 2.5 * I, want: slot + I },
    { why: "off the slot (a write): rejoins the slot as accountResync says", dueAt: slot + 20_000, now: slot + 20_050, want: slot + I },
    { why: "off the slot, just before it: at least a tenth of an interval away", dueAt: slot - 3_000, now: slot - 2_000, want: slot + I },
    { why: "no due time known: accountResync", dueAt: undefined, now: slot + 0.95 * I, want: slot + 2 * I },
  ];
  test.each(rows)("$why", ({ dueAt, now, want }) => {
    expect(dueOf(resyncAfter(I, A, dueAt, now), now)).toBe(want);
  });

  test("an account's passes due together stay together however late each ran (before: 0.95-late ones skipped a slot)", () => {
    const lateness = [5, 400, 12_000, 40_000, 57_000, 59_500, 75_000];
    const next = new Set(lateness.map((late) => dueOf(resyncAfter(I, A, slot, slot + late), slot + late)));
    expect([...next]).toEqual([slot + I]);
    const before = new Set(lateness.map((late) => dueOf(accountResync(I, A, slot + late), slot + late)));
    expect(before.size).toBeGreaterThan(1);
  });
});
