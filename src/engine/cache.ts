// A small TTL cache for facts that are the same across passes (immutable task definitions, an
// account's network and cluster), so a no-drift pass makes only the AWS calls that can find drift.
import type { PassCache } from "../../reconcilers/contract.js";

/**
 * Entries the engine's cache holds at most. A project keeps about a dozen (its three registrations twice
 * over, ingress details, target health, Cloud Map tags, health, secret versions…): 100,000 was full at
 * ~8,000 projects, and evicting the oldest entries threw away the long-lived ones first (the
 * registrations), so every pass described them again (bench steady-state at 10,000: 1.85
 * DescribeTaskDefinition a pass).
 */
export const CACHE_MAX_ENTRIES = 2_000_000;

export class TtlCache implements PassCache {
  private readonly m = new Map<string, { v: unknown; until: number }>();
  /** `now`: the clock TTLs run on (a test moves it to see a fact expire). */
  constructor(private readonly maxEntries = CACHE_MAX_ENTRIES, private readonly now: () => number = Date.now) {}
  get<T>(key: string): T | undefined {
    const e = this.m.get(key);
    if (!e) return undefined;
    if (e.until < this.now()) { this.m.delete(key); return undefined; }
    return e.v as T;
  }
  /** A key set again moves to the back: the map's order is the order of the latest writes. */
  set<T>(key: string, value: T, ttlMs: number) {
    if (!this.m.delete(key) && this.m.size >= this.maxEntries) this.evict();
    this.m.set(key, { v: value, until: this.now() + ttlMs });
  }

  /** Full: the expired entries go; if that frees too little, the least recently written hundredth. */
  private evict() {
    const now = this.now();
    for (const [k, e] of this.m) if (e.until < now) this.m.delete(k);
    if (this.m.size < this.maxEntries * 0.99) return;
    let n = Math.max(1, Math.ceil(this.maxEntries / 100));
    for (const k of this.m.keys()) { if (n-- <= 0) break; this.m.delete(k); }
  }
  delete(key: string) { this.m.delete(key); }
  shared<T>(key: string, ttlMs: number, load: () => Promise<T>, keep: (v: T) => boolean = () => true): Promise<T> {
    const hit = this.get<Promise<T>>(key);
    if (hit) return hit;
    const loading = load();
    this.set(key, loading, ttlMs);
    const forget = () => { if (this.m.get(key)?.v === loading) this.m.delete(key); };
    loading.then((v) => { if (!keep(v)) forget(); }, forget);
    return loading;
  }
}
