// Converge 1,000 new projects with 50 ms added to every AWS call: one operator (the daemon's defaults:
// 32 workers, 8 per account, 2 s polls), projects written at once, 10 per customer account, the
// accounts interleaved (or, with --grouped, each account's projects together). The lower bound is what
// the AWS calls alone must take: calls × latency ÷ concurrency.
// Usage: npm run bench -- converge [--grouped] [--projects 1000] [--latency 50]
import { round } from "./support/measure.js";
import { startBenchPostgres } from "./support/pg.js";
import { flag, runMain, scenario } from "./support/report.js";
import { convergeRun } from "./support/converge-run.js";

runMain(async () => {
  const projects = flag("projects", 1000);
  const latencyMs = flag("latency", 50);
  const grouped = process.argv.includes("--grouped");
  const s = scenario(grouped ? "converge-grouped" : "converge", `Converge ${projects.toLocaleString("en")} new projects, ${latencyMs} ms per AWS call, ${grouped ? "each account's 10 projects written together" : "projects of 100 accounts interleaved"}`);
  const pg = await startBenchPostgres();
  try {
    const r = await convergeRun({
      pg, database: "byoc", projects, perAccount: 10, latencyMs, delayMs: flag("delay", 1000), replicas: 0,
      concurrency: 32, pollMs: 2000, shards: flag("shards", 2), timeoutS: 600, interleave: !grouped,
    });
    s.row(`converge ${projects.toLocaleString("en")} new projects, ${latencyMs} ms per AWS call`, "≤ 1.3 × lower bound",
      `${round(r.elapsedS)} s = ${round(r.ratio, 2)} × the lower bound ${round(r.lowerBoundS)} s (${r.calls.toLocaleString("en")} calls × ${latencyMs} ms ÷ ${r.workers} workers)`, r.ratio <= 1.3);
    s.row("converge: AWS calls and passes per project", "report", `${round(r.callsPerProject, 1)} calls, ${round(r.passesPerProject, 1)} passes per project; ${round(r.throughput, 1)} projects/s`, null);
    s.row("converge: against the time the simulated AWS really held each call", "report", `${round(r.awsServedMs, 1)} ms a call (${latencyMs} ms injected + its own work and queueing): bound ${round(r.lowerBoundServedS)} s, ratio ${round(r.elapsedS / r.lowerBoundServedS, 2)}`, null);
    if (r.roundTrip) s.row("converge: where the time went", "report", `workers busy ${round(100 * (r.workerUtilization ?? 0))}% of the time; an AWS call took ${round(r.callMs ?? NaN)} ms on average from the SDK's first step to its answer, of which the round trip ${round(r.roundTrip.meanMs)} ms (p99 ${round(r.roundTrip.p99)} ms) against ${latencyMs} ms injected`, null);
    s.row("converge: CPU", "report", `operator ${round(r.cpu.operatorCores, 2)} cores, Postgres ${round(r.cpu.postgresCores, 2)}, simulated AWS ${round(r.cpu.sandboxCores, 2)}, others ${round(r.cpu.otherCores, 2)}`, null);
    Object.assign(s.details, { ...r, cpu: Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [k, round(v, 3)])) });
  } finally {
    s.finish();
    await pg.stop();
  }
});
