// Overload: more passes come due than one operator can run (few workers, a short resync, 100 ms per AWS
// call), bounded so it is quick. Measures, over consecutive windows: how late passes start (claim − due,
// Postgres' clock) and whether all passes are equally late (p50 against p99), AWS calls per pass (should
// not grow as the engine falls behind: an account's passes still come due and run together), how often an
// account's projects were claimed together, and what the operator itself says (byoc_engine_behind_seconds).
// Usage: npm run bench -- overload [--projects 300] [--per-account 3] [--resync 10] [--workers 4] [--windows 3] [--latency 100]
import postgres from "postgres";
import { claimsSince, recordClaims } from "./support/claims.js";
import { cpuWindow, round, sleep, summarize } from "./support/measure.js";
import { startOperator } from "./support/operator.js";
import { startBenchPostgres } from "./support/pg.js";
import { startSandboxShards, totalCalls } from "./support/remote-sandbox.js";
import { flag, runMain, scenario } from "./support/report.js";
import { seedReadyProjects } from "./support/seed.js";

runMain(async () => {
  const n = flag("projects", 300);
  const perAccount = flag("per-account", 3);
  const resyncS = flag("resync", 10);
  const workers = flag("workers", 4);
  const windows = flag("windows", 3);
  const windowS = 2 * resyncS;
  const title = `Overload: ${n} projects (${perAccount} per account), resync ${resyncS} s, ${workers} workers, one operator`;
  const s = scenario(`overload-${n}`, title);
  const pg = await startBenchPostgres();
  const sb = await startSandboxShards({ delayMs: 100, seed: 13 }, 2);
  try {
    const url = await pg.database("byoc");
    const bench = postgres(url, { max: 2, onnotice: () => {} });
    await recordClaims(bench);
    const { convergeS } = await seedReadyProjects(url, sb.sockets, {
      count: n, perAccount, prefix: "o", spreadS: resyncS, timeoutMs: 20 * 60_000,
    });
    s.log(`${n} projects Ready in ${round(convergeS)} s`);
    // Every AWS call from here on takes --latency ms (the sandbox's delayMs scales background work only).
    await sb.aws.setFaults({ latencyMs: flag("latency", 100) });
    const rowsOf = await bench<{ id: string; account_id: string }[]>`SELECT id, account_id FROM projects`;
    const accountOf = new Map(rowsOf.map((r) => [r.id, r.account_id]));
    const op = await startOperator({
      databaseUrl: url, aws: sb.aws, operatorId: "daemon", api: false, resyncMs: resyncS * 1000, concurrency: workers,
    });
    const behindGauge = async () => {
      const g = op.metrics.registry.getSingleMetric("byoc_engine_behind_seconds");
      return g ? (await g.get()).values[0]?.value ?? 0 : undefined;
    };
    await sleep(resyncS * 1000);
    const rows: Array<Record<string, unknown>> = [];
    for (let w = 1; w <= windows; w++) {
      await sb.aws.reset();
      const start = Date.now();
      const cpu = cpuWindow({ pgPids: pg.pids, childPids: () => sb.pids });
      await sleep(windowS * 1000);
      const c = cpu.end();
      const claims = (await claimsSince(bench, start)).filter((x) => x.owner === "daemon");
      const calls = totalCalls((await sb.aws.counts()).counts);
      const late = summarize(claims.map((x) => x.claimedMs - x.dueMs));
      // Together: every project of the account that was claimed in this window was claimed within 100 ms of it.
      const byAccount = new Map<string, number[]>();
      for (const x of claims) {
        const account = accountOf.get(x.projectId) ?? "?";
        byAccount.set(account, [...(byAccount.get(account) ?? []), x.claimedMs]);
      }
      let together = 0;
      for (const x of claims) {
        const peers = byAccount.get(accountOf.get(x.projectId) ?? "?") ?? [];
        const near = peers.filter((t) => Math.abs(t - x.claimedMs) <= 100).length;
        if (near >= Math.min(perAccount, peers.length)) together++;
      }
      const row = {
        window: w, passes: claims.length, passesPerS: round(claims.length / c.wallS, 1),
        awsCallsPerPass: round(calls / Math.max(1, claims.length), 2),
        latenessP50S: round(late.p50 / 1000, 1), latenessP99S: round(late.p99 / 1000, 1),
        latenessMaxS: round(late.max / 1000, 1),
        claimedWithAccountPeersPct: round((100 * together) / Math.max(1, claims.length), 1),
        behindGaugeS: await behindGauge(),
        cpuMsPerPass: round((c.selfCores * c.wallS * 1000) / Math.max(1, claims.length), 2),
        otherCores: round(c.otherCores, 2),
      };
      rows.push(row);
      s.log(JSON.stringify(row));
    }
    const first = rows[0] as { awsCallsPerPass: number; latenessP50S: number };
    const last = rows[rows.length - 1] as { awsCallsPerPass: number; latenessP50S: number; latenessP99S: number };
    const callsKept = last.awsCallsPerPass <= first.awsCallsPerPass * 1.15;
    const callsFigure = `${first.awsCallsPerPass} → ${last.awsCallsPerPass}`;
    s.row("overload: AWS calls per pass, first → last window", "unchanged", callsFigure, callsKept);
    s.row("overload: lateness p50 / p99, last window", "spread evenly (p99 close to p50)", `${last.latenessP50S} s / ${last.latenessP99S} s`, null);
    s.row("overload: windows", "report", rows.map((r) => JSON.stringify(r)).join("; "), null);
    Object.assign(s.details, { projects: n, perAccount, resyncS, workers, windowS, convergeS: round(convergeS), windows: rows });
    await op.stop();
    await bench.end();
  } finally {
    s.finish();
    await sb.stop();
    await pg.stop();
  }
});
