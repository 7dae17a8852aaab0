// The engine says when it is behind: a gauge and a counter in /metrics, a warning line per report while
// passes are claimed late, one line when it is back on schedule. Driven by hand: no timers, no timing.
import { describe, expect, test } from "vitest";
import pino from "pino";
import { Writable } from "node:stream";
import { Lag } from "../../src/engine/lag.js";
import { createMetrics } from "../../src/metrics.js";
import { mutableFactTtlMs } from "../../reconcilers/contract.js";

function setup(resyncMs = 60_000) {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  const metrics = createMetrics();
  const lag = new Lag({ metrics, log: pino({ level: "info" }, sink), resyncMs });
  const metric = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
  return { lag, lines, metric };
}
const settle = () => new Promise((r) => setImmediate(r));

describe("Lag", () => {
  test("on time: the gauge reads 0, nothing counted, nothing logged", async () => {
    const { lag, lines, metric } = setup();
    lag.claimed([3, 40, 900]);
    lag.claimed([]);
    expect(lag.report()).toEqual({ claimed: 3, late: 0, maxLateMs: 900 });
    await settle();
    expect(await metric("byoc_engine_behind_seconds")).toBe(0);
    expect(await metric("byoc_passes_late_total")).toBe(0);
    expect(lines).toEqual([]);
  });

  test("behind: the gauge says how late, late passes are counted, a warning per report, one line once caught up", async () => {
    const { lag, lines, metric } = setup();
    lag.claimed([100, 7_000, 45_000]);
    expect(await metric("byoc_engine_behind_seconds")).toBe(45);
    expect(await metric("byoc_passes_late_total")).toBe(2);
    lag.report();
    lag.claimed([8_000]);
    lag.report();
    lag.claimed([10]);
    lag.report();
    lag.report();
    await settle();
    expect(await metric("byoc_engine_behind_seconds")).toBe(0.01);
    expect(await metric("byoc_passes_late_total")).toBe(3);
    expect(lines.map((l) => [l.level, l.msg.split(":")[0]])).toEqual([
      [40, "engine behind schedule"], [40, "engine behind schedule"], [30, "engine back on schedule"],
    ]);
    expect(lines[0].msg).toContain("2 of 3 passes");
  });

  test("late means more than a tenth of the interval, and at least 1 s", () => {
    expect(setup(60_000).lag.lateAfterMs).toBe(6_000);
    expect(setup(2_000).lag.lateAfterMs).toBe(1_000);
  });
});

describe("cache lifetimes follow the interval passes really come due at", () => {
  test("while the lateness grows, a fact outlives the stretch, so the account's next pass still finds it; a steady lateness stretches nothing", () => {
    const { lag } = setup(10_000);
    const ttl = () => mutableFactTtlMs({ resyncMs: 10_000, stretchMs: lag.stretchMs });
    let t = 1_000_000;
    lag.claimed([0], t);
    expect(ttl()).toBe(5_000);
    // Falling behind: 20 s late five seconds later, 24 s late ten seconds later.
    lag.claimed([20_000], (t += 5_000));
    expect(lag.stretchMs).toBe(20_000);
    lag.claimed([20_000, 24_000], (t += 5_000));
    expect(lag.lateMs).toBe(24_000);
    expect(lag.stretchMs).toBe(24_000);
    expect(ttl()).toBe(29_000);
    // Then as late for a whole interval and more: passes come an interval apart again.
    for (let i = 0; i < 12; i++) lag.claimed([24_000], (t += 1_000));
    expect(lag.lateMs).toBe(24_000);
    expect(lag.stretchMs).toBe(0);
    expect(ttl()).toBe(5_000);
    // Catching up shortens nothing either; nothing due is on time.
    lag.claimed([12_000], (t += 1_000));
    expect(lag.stretchMs).toBe(0);
    lag.claimed([], (t += 1_000));
    expect(lag.stretchMs).toBe(0);
    expect(ttl()).toBe(5_000);
  });
});
