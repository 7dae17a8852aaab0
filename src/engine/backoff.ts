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
  const phase = accountPhase(resyncMs, accountId);
  let slot = Math.floor((now - phase) / resyncMs) * resyncMs + phase;
  while (slot < now + resyncMs / 10) slot += resyncMs;
  return slot - now;
}

/** Each account's hash, kept: asked for by every pass, it is the same for the account's lifetime. */
const accountHashes = new Map<string, number>();
const ACCOUNT_HASHES_MAX = 200_000;

function accountPhase(resyncMs: number, accountId: string): number {
  let h = accountHashes.get(accountId);
  if (h === undefined) {
    h = createHash("sha1").update(accountId).digest().readUInt32BE(0);
    if (accountHashes.size >= ACCOUNT_HASHES_MAX) accountHashes.clear();
    accountHashes.set(accountId, h);
  }
  return h % resyncMs;
}

/**
 * Time until the next resync of a pass that was due at `dueAt`. A pass that was due on its account's
 * slot is due again one interval after that slot, however late it ran: when the engine cannot keep up,
 * every project slips by the same amount and stays beside its account's peers (they still come due
 * together, in the order they were due, and share their batched reads), so the interval stretches
 * evenly instead of each late pass jumping to a slot of its own. The answer is negative when the engine
 * is more than an interval behind: due at once, behind those that were due before it. A pass off the
 * slot (a write, a retry, a requeue) rejoins the slot as accountResync says.
 */
export function resyncAfter(
  resyncMs: number, accountId: string, dueAt: number | undefined, now: number = Date.now(),
): number {
  if (dueAt === undefined) return accountResync(resyncMs, accountId, now);
  const phase = accountPhase(resyncMs, accountId);
  const slot = Math.round((dueAt - phase) / resyncMs) * resyncMs + phase;
  // Due times are saved a few ms off the slot (the pass's clock, then Postgres'): "on the slot" is near it.
  if (Math.abs(dueAt - slot) > Math.min(1000, resyncMs / 20)) return accountResync(resyncMs, accountId, now);
  return slot + resyncMs - now;
}
