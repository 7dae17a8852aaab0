// One convergence run: N new projects written at once, converged by one operator in this process or by
// `replicas` operator processes sharing the database and the simulated AWS; timed from the commit of
// the rows to the last project Ready with its revision DEPLOYED.
import postgres from "postgres";
import { createSealer } from "../../src/store/crypto.js";
import { cpuWindow, round, sleep, summarize } from "./measure.js";
import { BENCH_KEY, countedStore, startOperator, type Operator } from "./operator.js";
import { startOperatorProcess, type OperatorChild } from "./children.js";
import type { BenchPostgres } from "./pg.js";
import { startSandboxShards, totalCalls } from "./remote-sandbox.js";
import { countConverged, seedProjects } from "./seed.js";

export interface ConvergeOptions {
  pg: BenchPostgres;
  database: string;
  projects: number;
  perAccount: number;
  latencyMs: number;
  /** Sandbox provisioning time (RDS create ≈ delayMs, a rollout ≈ delayMs / 2). */
  delayMs: number;
  /** 0: one operator in this process; n ≥ 1: n operator processes. */
  replicas: number;
  concurrency: number;
  pollMs: number;
  shards: number;
  timeoutS: number;
  /** Projects of many accounts in turn (true), or each account's projects together. */
  interleave: boolean;
}

export async function convergeRun(o: ConvergeOptions) {
  const url = await o.pg.database(o.database);
  const sb = await startSandboxShards({ delayMs: o.delayMs, seed: 23, faults: { latencyMs: o.latencyMs } }, o.shards);
  const bench = postgres(url, { max: 2, onnotice: () => {} });
  let inProcess: Operator | undefined;
  const children: OperatorChild[] = [];
  try {
    if (o.replicas === 0) {
      inProcess = await startOperator({ databaseUrl: url, aws: sb.aws, operatorId: "daemon", concurrency: o.concurrency, pollMs: o.pollMs });
    } else {
      for (let i = 0; i < o.replicas; i++) {
        children.push(await startOperatorProcess({ databaseUrl: url, sockets: sb.sockets, operatorId: `replica-${i + 1}`, concurrency: o.concurrency, pollMs: o.pollMs }));
      }
    }
    const { store: seeder } = countedStore(url, 2);
    await sb.aws.reset();
    sb.aws.roundTrips.count = 0; sb.aws.roundTrips.totalMs = 0; sb.aws.roundTrips.samples.length = 0;
    if (inProcess) { inProcess.callTimes.count = 0; inProcess.callTimes.totalMs = 0; }
    const cpu = cpuWindow({ pgPids: o.pg.pids, childPids: () => [...sb.pids, ...children.map((c) => c.pid)] });
    const sandboxCpu = cpuWindow({ childPids: () => sb.pids });
    const t0 = performance.now();
    await seedProjects(seeder, createSealer([BENCH_KEY]), { count: o.projects, perAccount: o.perAccount, prefix: "c", interleave: o.interleave });
    const seededS = (performance.now() - t0) / 1000;
    const tWritten = performance.now();
    const progress: Array<[number, number]> = [];
    for (;;) {
      const n = await countConverged(seeder);
      progress.push([round((performance.now() - tWritten) / 1000), n]);
      if (n >= o.projects) break;
      if (performance.now() - tWritten > o.timeoutS * 1000) throw new Error(`only ${n} of ${o.projects} converged in ${o.timeoutS} s`);
      await sleep(250);
    }
    const elapsedS = (performance.now() - tWritten) / 1000;
    const c = cpu.end();
    const sandboxCores = sandboxCpu.end().childCores;
    const { counts, outcomes } = await sb.aws.counts();
    const awsServedMs = await sb.aws.servedMeanMs();
    const calls = totalCalls(counts);
    const [{ passes }] = await bench<{ passes: number }[]>`SELECT sum(passes)::float8 AS passes FROM leases`;
    await seeder.sql.end();
    const workers = o.concurrency * Math.max(1, o.replicas);
    const lowerBoundS = (calls * o.latencyMs) / 1000 / workers;
    // In process: how busy the workers were (sum of step durations), and the calls' real round trips.
    let workerUtilization: number | undefined;
    if (inProcess) {
      const h = await inProcess.metrics.passDuration.get();
      const busyS = h.values.filter((v) => v.metricName?.endsWith("_sum")).reduce((a, v) => a + v.value, 0);
      workerUtilization = busyS / (elapsedS * workers);
    }
    const rt = sb.aws.roundTrips;
    const roundTrip = rt.count ? { ...summarize(rt.samples), meanMs: rt.totalMs / rt.count } : undefined;
    // From the SDK's first middleware to the answer: the round trip plus signing, serialising and the account's token bucket.
    const callMs = inProcess?.callTimes.count ? inProcess.callTimes.totalMs / inProcess.callTimes.count : undefined;
    return {
      workerUtilization, roundTrip, callMs, awsServedMs,
      /** The same bound with each call taking what the simulated AWS really took to answer it (its own overhead is not ours). */
      lowerBoundServedS: (calls * awsServedMs) / 1000 / workers,
      elapsedS, seededS, calls, callsPerProject: calls / o.projects, passes, passesPerProject: passes / o.projects,
      lowerBoundS, ratio: elapsedS / lowerBoundS, workers, throughput: o.projects / elapsedS,
      cpu: { ...c, sandboxCores, operatorCores: o.replicas === 0 ? c.selfCores : c.childCores - sandboxCores },
      counts, outcomes, progress: progress.filter((_, i) => i % 8 === 0 || i === progress.length - 1),
    };
  } finally {
    await inProcess?.stop();
    for (const c of children) await c.stop();
    await bench.end();
    await sb.stop();
  }
}
