// Two replicas against one on the same load: new projects (interleaved over accounts of 10) converged by
// one operator process, then (fresh database, fresh simulated AWS) by two operator processes sharing the
// database and the cloud. Throughput ratio = projects/s with two ÷ with one. Two loads: 50 ms per AWS
// call, where this 2-core machine's CPU (shared with the simulated AWS and Postgres) is the limit, and
// 200 ms per call, where the workers are, which shows how the leases share the work.
// Usage: npm run bench -- replicas
import { round } from "./support/measure.js";
import { startBenchPostgres, type BenchPostgres } from "./support/pg.js";
import { flag, runMain, scenario } from "./support/report.js";
import { convergeRun } from "./support/converge-run.js";

async function compare(pg: BenchPostgres, projects: number, latencyMs: number, tag: string) {
  const run = (replicas: number) => convergeRun({
    pg, database: `byoc_${tag}_${replicas}`, projects, perAccount: 10, latencyMs, delayMs: 1000, replicas, concurrency: 32, pollMs: 2000, shards: 2, timeoutS: 600, interleave: true,
  });
  const one = await run(1);
  const two = await run(2);
  return { one, two, ratio: two.throughput / one.throughput };
}

runMain(async () => {
  const s = scenario("replicas", "Two replicas vs one on the same load");
  const pg = await startBenchPostgres();
  try {
    const loads = [
      { projects: flag("projects", 600), latencyMs: 50, tag: "cpu" },
      { projects: flag("projects-slow", 300), latencyMs: 200, tag: "slow" },
    ];
    for (const l of loads) {
      const { one, two, ratio } = await compare(pg, l.projects, l.latencyMs, l.tag);
      s.log(`${l.latencyMs} ms: one ${round(one.elapsedS)} s, two ${round(two.elapsedS)} s`);
      s.row(`two replicas vs one: ${l.projects.toLocaleString("en")} new projects, ${l.latencyMs} ms per AWS call`, "report the throughput ratio",
        `${round(ratio, 2)}× (one: ${round(one.elapsedS)} s, ${round(one.throughput, 1)} projects/s, ${round(one.ratio, 2)} × its bound; two: ${round(two.elapsedS)} s, ${round(two.throughput, 1)} projects/s, ${round(two.ratio, 2)} × its bound)`, null);
      s.row(`replicas at ${l.latencyMs} ms: CPU (cores)`, "report",
        `one: operator ${round(one.cpu.operatorCores, 2)}, simulated AWS ${round(one.cpu.sandboxCores, 2)}, Postgres ${round(one.cpu.postgresCores, 2)}, others ${round(one.cpu.otherCores, 2)}; two: operators ${round(two.cpu.operatorCores, 2)}, simulated AWS ${round(two.cpu.sandboxCores, 2)}, Postgres ${round(two.cpu.postgresCores, 2)}, others ${round(two.cpu.otherCores, 2)}`, null);
      const brief = (r: typeof one) => ({ elapsedS: round(r.elapsedS), throughput: round(r.throughput, 2), calls: r.calls, lowerBoundS: round(r.lowerBoundS), ratio: round(r.ratio, 3), awsServedMs: round(r.awsServedMs, 1), passesPerProject: round(r.passesPerProject, 2), cpu: Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [k, round(v, 3)])) });
      s.details[`${l.latencyMs}ms`] = { projects: l.projects, one: brief(one), two: brief(two), ratio: round(ratio, 3) };
    }
  } finally {
    s.finish();
    await pg.stop();
  }
});
