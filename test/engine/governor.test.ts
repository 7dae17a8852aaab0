// How many passes run at once: the configured concurrency while the event loop has room, cut while it is
// saturated and passes wait for a slot, grown back once it is not. Readings given by hand: no timers.
import { describe, expect, test } from "vitest";
import { Governor, RELAXED_UTILIZATION, SATURATED_UTILIZATION } from "../../src/engine/governor.js";

describe("Governor", () => {
  test("with room on the loop, or nothing waiting, the limit stays at the configured concurrency", () => {
    const g = new Governor(256);
    for (const [u, waiting] of [[0.3, true], [0.99, false], [0.5, false], [RELAXED_UTILIZATION - 0.01, true]] as const) expect(g.next(u, waiting)).toBe(256);
  });

  test("saturated with passes waiting: cut by a fifth a reading, down to 16 at least; held in between; back in about 32 readings", () => {
    const g = new Governor(256);
    const cuts: number[] = [];
    for (let i = 0; i < 20; i++) cuts.push(g.next(1, true));
    expect(cuts.slice(0, 4)).toEqual([204, 163, 130, 104]);
    expect(cuts.at(-1)).toBe(16);
    expect(Math.min(...cuts)).toBe(16);
    // Busy but not saturated: neither cut nor grown.
    expect(g.next((SATURATED_UTILIZATION + RELAXED_UTILIZATION) / 2, true)).toBe(16);
    let readings = 0;
    while (g.next(0.5, true) < 256) readings++;
    expect(readings).toBeGreaterThanOrEqual(29);
    expect(readings).toBeLessThanOrEqual(31);
  });

  test("a configured concurrency of 16 or less is never cut", () => {
    const g = new Governor(8);
    for (let i = 0; i < 5; i++) expect(g.next(1, true)).toBe(8);
  });
});
