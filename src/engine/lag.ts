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
  /** The latest claim's worst lateness: how far behind passes run now (cache lifetimes stretch by it). */
  lateMs = 0;
  /** A claim later than this after its due time is late: a tenth of the resync interval, at least 1 s. */
  readonly lateAfterMs: number;

  constructor(private readonly o: { metrics: Pick<Metrics, "behind" | "latePasses">; log: Logger; resyncMs: number }) {
    this.lateAfterMs = Math.max(1000, o.resyncMs / 10);
  }

  /** One claim's lateness per project claimed; an empty claim means nothing was due: not behind. */
  claimed(latenesses: number[]) {
    const worst = Math.max(0, ...latenesses);
    this.lateMs = worst;
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
      this.o.log.warn(
        { claimed: w.claimed, late: w.late, maxLateS: Math.round(w.maxLateMs / 100) / 10, lateAfterS: this.lateAfterMs / 1000 },
        `engine behind schedule: ${w.late} of ${w.claimed} passes claimed since the last report started more than ` +
        `${this.lateAfterMs / 1000} s after due (worst ${Math.round(w.maxLateMs / 1000)} s); resyncs are stretched evenly`,
      );
    } else if (this.behind) {
      this.behind = false;
      this.o.log.info({ claimed: w.claimed }, "engine back on schedule: no pass claimed late since the last report");
    }
    return w;
  }
}
