// How many passes run at once: BYOC_CONCURRENCY at most, fewer while the daemon's own event loop is
// saturated. Passes mostly wait for AWS, so many run at once; but once the loop itself is what they wait
// for (more due than one replica's CPU can pass), more passes in flight add no throughput. Each only
// waits longer for the loop and keeps its requests and results alive longer: past the young
// generation's collections, into the old generation, whose collections cost the CPU the passes needed.
// That is how the 10,000-projects benchmark collapsed once behind: 256 passes in flight of ~1.8 s each,
// 8.1 ms CPU a pass against 5.3 ms on schedule, so it never caught up. With the limit lowered while the
// loop is saturated, the passes that run finish sooner and the rest wait, unclaimed by this replica
// (the claim asks for twice the limit at most), where another replica can take them.
//
// Additive increase, multiplicative decrease, once a second, on the loop's utilization
// (performance.eventLoopUtilization: the share of the second it spent running callbacks).

/** At or above it, with passes waiting for a slot, the limit is cut. */
export const SATURATED_UTILIZATION = 0.9;
/** Below it (or with no pass waiting) the limit grows back towards the configured concurrency. */
export const RELAXED_UTILIZATION = 0.75;
/** Each cut keeps this share of the limit. */
const DECREASE = 0.8;

export class Governor {
  /** How many passes may run now. */
  limit: number;
  readonly min: number;
  private readonly step: number;

  /** `max`: BYOC_CONCURRENCY; the limit never goes under `min` (16, or `max` if smaller). */
  constructor(readonly max: number, min = 16) {
    this.limit = max;
    this.min = Math.min(max, min);
    // Back from the floor to the configured concurrency in about half a minute.
    this.step = Math.max(1, Math.ceil(max / 32));
  }

  /** One reading: the loop's utilization since the last one (0–1), and whether passes are waiting for a slot. */
  next(utilization: number, waiting: boolean): number {
    if (waiting && utilization >= SATURATED_UTILIZATION) this.limit = Math.max(this.min, Math.floor(this.limit * DECREASE));
    else if (!waiting || utilization < RELAXED_UTILIZATION) this.limit = Math.min(this.max, this.limit + this.step);
    return this.limit;
  }
}
