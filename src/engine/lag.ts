// How far behind its schedule the engine runs, said where an operator looks: a gauge and a counter
// (byoc_engine_behind_seconds, byoc_passes_late_total) and a periodic log line while it is behind, so
// an overloaded replica is visible without asking /readyz (which stays ready: being late is not being
// broken). Lateness is measured at the claim, against the due time, on Postgres' clock.
import type { Logger } from "pino";
import type { Metrics } from "../metrics.js";

export interface LagWindow { claimed: number; late: number; maxLateMs: number }

export class Lag {
  private window: LagWindow = { claimed: 0, late: 0, maxLateMs: 0 };
  private behind = false;
  /** The latest claim's worst lateness: how far behind passes run now. */
  lateMs = 0;
  /**
   * How much the lateness grew over the last resync interval: how much further apart than the interval a
   * project's passes come now (each is due an interval after its slot and claimed that much later than the
   * one before). Cache lifetimes stretch by it (mutableFactTtlMs); a steady lateness stretches nothing.
   */
  stretchMs = 0;
  /** The lateness, sampled at most once a second, over the last interval (and the sample just before it). */
  private samples: Array<{ at: number; lateMs: number }> = [];
  /** A claim later than this after its due time is late: a tenth of the resync interval, at least 1 s. */
  readonly lateAfterMs: number;

  constructor(private readonly o: { metrics: Pick<Metrics, "behind" | "latePasses">; log: Logger; resyncMs: number; concurrency?: () => number }) {
    this.lateAfterMs = Math.max(1000, o.resyncMs / 10);
  }

  /** One claim's lateness per project claimed; an empty claim means nothing was due: not behind. */
  claimed(latenesses: number[], now = Date.now()) {
    const worst = Math.max(0, ...latenesses);
    this.lateMs = worst;
    const last = this.samples.at(-1);
    if (!last || now - last.at >= 1000) this.samples.push({ at: now, lateMs: worst });
    while (this.samples.length > 1 && this.samples[1].at <= now - this.o.resyncMs) this.samples.shift();
    this.stretchMs = Math.max(0, worst - this.samples[0].lateMs);
    this.o.metrics.behind.set(worst / 1000);
    const late = latenesses.filter((ms) => ms > this.lateAfterMs).length;
    if (late) this.o.metrics.latePasses.inc(late);
    this.window.claimed += latenesses.length;
    this.window.late += late;
    this.window.maxLateMs = Math.max(this.window.maxLateMs, worst);
  }

  /** The periodic status line: a warning for every window with late passes, one line when it catches up. */
  report(): LagWindow {
    const w = this.window;
    this.window = { claimed: 0, late: 0, maxLateMs: 0 };
    if (w.late > 0) {
      this.behind = true;
      const running = this.o.concurrency?.();
      this.o.log.warn(
        { claimed: w.claimed, late: w.late, maxLateS: Math.round(w.maxLateMs / 100) / 10, lateAfterS: this.lateAfterMs / 1000, concurrency: running },
        `engine behind schedule: ${w.late} of ${w.claimed} passes claimed since the last report started more than ` +
        `${this.lateAfterMs / 1000} s after due (worst ${Math.round(w.maxLateMs / 1000)} s); resyncs are stretched evenly` +
        (running === undefined ? "" : `; ${running} passes at a time`),
      );
    } else if (this.behind) {
      this.behind = false;
      this.o.log.info({ claimed: w.claimed }, "engine back on schedule: no pass claimed late since the last report");
    }
    return w;
  }
}
