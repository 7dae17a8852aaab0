// The pass cache's shared loads: what an account's passes that run together read once between them.
import { describe, expect, test } from "vitest";
import { TtlCache } from "../../src/engine/cache.js";

describe("TtlCache.shared", () => {
  test("passes that ask at the same time share one load, and its answer until the TTL runs out", async () => {
    const cache = new TtlCache();
    let loads = 0;
    const load = async () => { loads++; await new Promise((r) => setTimeout(r, 5)); return `answer ${loads}`; };
    expect(await Promise.all([1, 2, 3].map(() => cache.shared("k", 40, load)))).toEqual(["answer 1", "answer 1", "answer 1"]);
    expect(await cache.shared("k", 40, load)).toBe("answer 1");
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.shared("k", 40, load)).toBe("answer 2");
  });

  test("a failed load is shared by those waiting on it, then forgotten", async () => {
    const cache = new TtlCache();
    let loads = 0;
    const failing = async () => { loads++; throw new Error("AccessDenied"); };
    const results = await Promise.allSettled([cache.shared("k", 60_000, failing), cache.shared("k", 60_000, failing)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(loads).toBe(1);
    expect(await cache.shared("k", 60_000, async () => "recovered")).toBe("recovered");
  });

  test("an answer `keep` refuses (the cluster is gone) is not kept: the next pass looks again", async () => {
    const cache = new TtlCache();
    const gone = { active: false };
    expect(await cache.shared("cluster", 60_000, async () => gone, (c) => c.active)).toBe(gone);
    expect(await cache.shared("cluster", 60_000, async () => ({ active: true }), (c) => c.active)).toEqual({ active: true });
    expect(await cache.shared("cluster", 60_000, async () => gone, (c) => c.active)).toEqual({ active: true });
  });
});

describe("TtlCache when full", () => {
  test("expired entries go first; the live ones stay, however long ago they were written", () => {
    let t = 0;
    const cache = new TtlCache(100, () => t);
    cache.set("registration", "arn:td:1", 10_000);
    for (let i = 0; i < 99; i++) cache.set(`short-${i}`, i, 10);
    t = 20;
    cache.set("new", "n", 10_000);
    expect(cache.get("registration")).toBe("arn:td:1");
    expect(cache.get("new")).toBe("n");
    expect(cache.get("short-0")).toBeUndefined();
  });

  test("with nothing expired, the least recently written hundredth goes, and a key written again counts as new", () => {
    const cache = new TtlCache(100, () => 0);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i, 1000);
    cache.set("k0", "again", 1000);
    cache.set("extra", "x", 1000);
    expect(cache.get("k0")).toBe("again");
    expect(cache.get("k1")).toBeUndefined();
    expect(cache.get("k2")).toBe(2);
    expect(cache.get("extra")).toBe("x");
  });
});

