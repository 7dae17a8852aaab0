// A small TTL cache for facts that are the same across passes (immutable task definitions, an
// account's network and cluster), so a no-drift pass makes only the AWS calls that can find drift.
import type { PassCache } from "../../reconcilers/contract.js";

export class TtlCache implements PassCache {
  private readonly m = new Map<string, { v: unknown; until: number }>();
  /** `now`: the clock TTLs run on (a test moves it to see a fact expire). */
  constructor(private readonly maxEntries = 100_000, private readonly now: () => number = Date.now) {}
  get<T>(key: string): T | undefined {
    const e = this.m.get(key);
    if (!e) return undefined;
    if (e.until < this.now()) { this.m.delete(key); return undefined; }
    return e.v as T;
  }
  set<T>(key: string, value: T, ttlMs: number) {
    if (this.m.size >= this.maxEntries) this.m.delete(this.m.keys().next().value as string);
    this.m.set(key, { v: value, until: this.now() + ttlMs });
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
