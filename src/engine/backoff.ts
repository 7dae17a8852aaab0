// Per-project exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
// Jitter"): sleep = random(0, min(cap, base · 2^attempt)). Reset on success by the caller.

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 5 * 60_000;
export const SLOW_CAP_MS = 15 * 60_000;

export function fullJitterBackoff(attempt: number, opts: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? BACKOFF_BASE_MS;
  const cap = opts.capMs ?? BACKOFF_CAP_MS;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

/** Resync interval ± 10%, so projects created together do not resync together forever. */
export function jitteredResync(resyncMs: number, random: () => number = Math.random): number {
  return Math.round(resyncMs * (0.9 + 0.2 * random()));
}
