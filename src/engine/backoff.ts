// Per-project exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
// Jitter"): sleep = random(0, min(cap, base · 2^attempt)). Reset on success by the caller.
import { createHash } from "node:crypto";

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 5 * 60_000;
export const SLOW_CAP_MS = 15 * 60_000;

export function fullJitterBackoff(attempt: number, opts: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? BACKOFF_BASE_MS;
  const cap = opts.capMs ?? BACKOFF_CAP_MS;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

/**
 * Time until the account's next resync slot, at least a tenth of an interval away. Every project of an
 * account comes due in the same slot, so their passes run together and share batched reads (and one
 * claim); accounts are spread evenly over the interval by a hash of their id, so projects created
 * together do not resync together forever. A pass on its slot is due again one interval later; one
 * off the slot (after a write or a retry) rejoins its account's slot within 0.1–1.1 intervals.
 */
export function accountResync(resyncMs: number, accountId: string, now: number = Date.now()): number {
  const phase = createHash("sha1").update(accountId).digest().readUInt32BE(0) % resyncMs;
  let slot = Math.floor((now - phase) / resyncMs) * resyncMs + phase;
  while (slot < now + resyncMs / 10) slot += resyncMs;
  return slot - now;
}
