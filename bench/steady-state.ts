// Steady state: N Ready projects (default 10,000; 10 per customer account), resync every 60 s, one
// operator with the daemon's defaults (256 workers, 8 per account, admin API up), against the simulated
// AWS in its own processes. Measures, over one resync interval after a warm-up (one interval, and until every
// project has had a pass with the measured operator): the operator
// process's CPU and RSS, how late each pass started against its due time, AWS calls and Postgres
// statements per no-drift pass. Usage: npm run bench -- steady-state [--projects 10000] [--per-account 10]
// [--latency 50] [--window 60]
import postgres from "postgres";
import { claimsSince, passLateness, recordClaims } from "./support/claims.js";
import { cpuWindow, memorySampler, round, sleep, summarize } from "./support/measure.js";
import { startOperator } from "./support/operator.js";
import { startBenchPostgres } from "./support/pg.js";
import { startSandboxShards, totalCalls } from "./support/remote-sandbox.js";
import { flag, runMain, scenario } from "./support/report.js";
import { seedReadyProjects } from "./support/seed.js";
import { profileWindow } from "./support/profile.js";

/** Calls made once per account (and region) for all its projects: credentials, network, cluster, log group, the account's task definitions. */
const ACCOUNT_LEVEL = /^(sts:|ec2:|rds:DescribeDBSubnetGroups|ecs:DescribeClusters|ecs:CreateCluster|ecs:ListTaskDefinitions|logs:DescribeLogGroups|logs:CreateLogGroup|logs:PutRetentionPolicy)/;

runMain(async () => {
  const n = flag("projects", 10_000);
  const perAccount = flag("per-account", 10);
  const windowS = flag("window", 60);
  const resyncS = 60;
  // The default (10 projects an account) keeps its historical id; other spreads are results of their own.
  const spread = perAccount === 10 ? "" : `-per-account-${perAccount}`;
  const s = scenario(`steady-state-${n >= 1000 ? `${n / 1000}k` : n}${spread}`,
    `Steady state: ${n.toLocaleString("en")} Ready projects, ${perAccount} per customer account, resync ${resyncS} s, one operator`);
  const pg = await startBenchPostgres();
  const sb = await startSandboxShards({ delayMs: 100, seed: 11 }, flag("shards", 2));
  try {
    const url = await pg.database("byoc");
    const bench = postgres(url, { max: 2, onnotice: () => {} });
    await recordClaims(bench);

    // 1. Make N projects Ready, then start from passes spread at random over the interval: each
    //    project's first pass puts it on its account's resync slot (src/engine/backoff.ts).
    const { convergeS } = await seedReadyProjects(url, sb.sockets, { count: n, perAccount, prefix: "s", spreadS: resyncS, timeoutMs: 20 * 60_000 });
    s.log(`${n} projects Ready in ${round(convergeS)} s`);

    // From here on every AWS call takes `--latency` ms (default 50; the seeding above ran without), as real
    // AWS's do: passes wait on it, so passes in flight (and their memory) are what a real daemon holds.
    // (The sandbox's delayMs above scales its background work, such as an RDS create, not a call.)
    const latencyMs = flag("latency", 50);
    await sb.aws.setFaults({ latencyMs });
    const starts: Array<{ projectId: string; atMs: number }> = [];
    let recording = false;
    const op = await startOperator({
      databaseUrl: url, aws: sb.aws, operatorId: "daemon", api: true, resyncMs: resyncS * 1000,
      onPassStart: (p) => { if (recording) starts.push({ projectId: p.projectId, atMs: Date.now() }); },
    });
    // Warm-up: at least one resync interval, and until every project has had a pass with this operator
    // (its first pass reads what a fresh operator has not cached: registrations, secret values, health),
    // so the window measures passes that come due on schedule. How long that takes is a figure of its own:
    // a restarted operator's catch-up.
    const passesAt = async () => new Map((await bench<{ id: string; passes: number }[]>`SELECT project_id AS id, passes FROM leases`).map((r) => [r.id, r.passes]));
    const baseline = await passesAt();
    const opStart = Date.now();
    // How many passes the engine let run at once (its governor cuts that while the event loop is saturated).
    const limitNow = async () => (await op.metrics.registry.getSingleMetric("byoc_engine_concurrency_limit")?.get())?.values[0]?.value ?? 0;
    const limits: number[] = [];
    const limitSampler = setInterval(() => void limitNow().then((v) => limits.push(v)), 1000);
    s.log(`warm-up: one resync interval (${resyncS} s), then until every project has had a pass with this operator`);
    await sleep(resyncS * 1000);
    let waiting = n;
    for (let checks = 0; ; checks++) {
      const now = await passesAt();
      waiting = [...baseline].filter(([id, p]) => (now.get(id) ?? p) <= p).length;
      if (waiting === 0 || Date.now() - opStart > 15 * 60_000) break;
      if (checks % 6 === 0) s.log(`warm-up: ${waiting} projects not yet passed by this operator`);
      await sleep(5000);
    }
    const catchUpS = (Date.now() - opStart) / 1000;
    s.row("cold start: every project's first pass with a fresh operator", "report", waiting === 0
      ? `after ${round(catchUpS)} s (the warm-up's floor is one interval, ${resyncS} s)`
      : `${waiting} of ${n} projects still without a pass after ${round(catchUpS)} s`, null);
    // Then until the operator says it is on schedule (byoc_engine_behind_seconds under 1 s for 10 s): the
    // first passes ran late, and the passes after them are due an interval after those.
    const behind = async () => (await op.metrics.registry.getSingleMetric("byoc_engine_behind_seconds")?.get())?.values[0]?.value ?? 0;
    let onTimeSince: number | undefined;
    while (Date.now() - opStart < 20 * 60_000) {
      if ((await behind()) < 1) { onTimeSince ??= Date.now(); if (Date.now() - onTimeSince >= 10_000) break; } else onTimeSince = undefined;
      await sleep(1000);
    }
    const onScheduleS = (Date.now() - opStart) / 1000;
    s.row("cold start: the operator on schedule again (byoc_engine_behind_seconds < 1 s for 10 s)", "report",
      onTimeSince !== undefined ? `after ${round(onScheduleS)} s` : `still behind after ${round(onScheduleS)} s (${round(await behind())} s)`, null);

    // 2. The measured window.
    await sb.aws.reset();
    op.queries.reset();
    const [{ xact: xact0 }] = await bench<{ xact: number }[]>`SELECT (xact_commit + xact_rollback)::float8 AS xact FROM pg_stat_database WHERE datname = current_database()`;
    const [{ passes: passes0 }] = await bench<{ passes: number }[]>`SELECT sum(passes)::float8 AS passes FROM leases`;
    const windowStart = Date.now();
    recording = true;
    const cpu = cpuWindow({ pgPids: pg.pids, childPids: () => sb.pids });
    const mem = memorySampler(250);
    const trips0 = { ...sb.aws.roundTrips };
    const transport0 = { ...sb.aws.transport };
    const limitsBefore = limits.length;
    await sleep(windowS * 1000);
    clearInterval(limitSampler);
    const c = cpu.end();
    const transportMs = (sb.aws.transport.cpuUs - transport0.cpuUs) / 1000;
    const tripMs = (sb.aws.roundTrips.totalMs - trips0.totalMs) / Math.max(1, sb.aws.roundTrips.count - trips0.count);
    const m = mem.stop();
    recording = false;
    const queries = op.queries.total;
    const byKind = [...op.queries.byKind];
    const calls = (await sb.aws.counts()).counts;
    const [{ xact: xact1 }] = await bench<{ xact: number }[]>`SELECT (xact_commit + xact_rollback)::float8 AS xact FROM pg_stat_database WHERE datname = current_database()`;
    const [{ passes: passes1 }] = await bench<{ passes: number }[]>`SELECT sum(passes)::float8 AS passes FROM leases`;
    const [{ events }] = await bench<{ events: number }[]>`SELECT count(*)::int AS events FROM events WHERE created_at >= to_timestamp(${windowStart / 1000})`;
    const notReady = (await bench<{ n: number }[]>`SELECT count(*)::int AS n FROM projects WHERE phase <> 'Ready'`)[0].n;
    const sandboxRssMb = await sb.aws.rssMb();

    const passes = starts.length;
    const saved = passes1 - passes0;
    const lateness = passLateness(await claimsSince(bench, windowStart - resyncS * 1000), starts);
    const late = summarize(lateness.late);
    const lateOver1s = lateness.late.filter((v) => v > 1000).length;
    const lateOver6s = lateness.late.filter((v) => v > 6000).length;
    const awsTotal = totalCalls(calls);
    const accountLevel = Object.entries(calls).filter(([k]) => ACCOUNT_LEVEL.test(k)).reduce((a, [, v]) => a + v, 0);
    const perPass = (v: number) => v / Math.max(1, passes);
    const health = calls["cloudwatch:GetMetricData"] ?? 0;
    // Health readings are every 5 min per project; the warm-up pass made them all, so none fell in the
    // window. A long-running daemon makes one per project per 5 min: at most 60/300 = 0.2 calls a pass,
    // counted here as if none shared a call (they are batched like the other reads, so fewer).
    const healthAmortized = health > 0 ? 0 : resyncS / 300;
    const awsPerPass = perPass(awsTotal) + healthAmortized;
    const cpuMsPerPass = (c.selfCores * c.wallS * 1000) / Math.max(1, passes);
    const transportMsPerPass = transportMs / Math.max(1, passes);
    const inWindow = limits.slice(limitsBefore);
    const governed = {
      warmUpMin: Math.min(...limits.slice(0, limitsBefore), Infinity), windowMin: Math.min(...inWindow, Infinity),
      windowMean: round(inWindow.reduce((a, b) => a + b, 0) / Math.max(1, inWindow.length), 1), windowMax: Math.max(...inWindow, 0),
    };
    s.details.concurrencyLimit = governed;
    s.row("steady state: passes run at once (the engine's governor)", "report", `${governed.windowMin}–${governed.windowMax} (mean ${governed.windowMean}) in the window; ${governed.warmUpMin} at least during the warm-up`, null);

    s.row("steady state: an AWS call's round trip as the operator saw it", "report", `${round(tripMs, 1)} ms mean (${latencyMs} ms injected)`, null);
    s.row("steady state: CPU of the operator process", "< 30% of 2 cores", `${round(c.selfPctOfMachine)}% of ${c.machineCores} cores (${round(c.selfCores, 2)} cores; ${round(cpuMsPerPass, 2)} ms CPU per pass, of which ${round(transportMsPerPass, 2)} ms the bench's transport to the simulated AWS)`, c.selfPctOfMachine < 30);
    s.row("steady state: RSS of the operator process", "< 400 MB", `${Math.round(m.peakRssMb)} MB peak (heap ${Math.round(m.peakHeapMb)} MB)`, m.peakRssMb < 400);
    s.row("steady state: passes late", "none late", `${lateOver1s} of ${passes} started > 1 s after due (${lateOver6s} > 6 s); lateness p50 ${round(late.p50)} ms, p99 ${round(late.p99)} ms, max ${round(late.max)} ms`, lateOver1s === 0);
    s.row("AWS calls per no-drift pass per project", "≤ 5", `${round(awsPerPass, 2)} (${round(perPass(awsTotal - accountLevel), 2)} project-level + ${round(perPass(accountLevel), 2)} account-level shared by ${perAccount} projects${healthAmortized ? ` + at most ${healthAmortized} for health readings, amortized` : ""})`, awsPerPass <= 5);
    s.row("Postgres statements per no-drift pass per project", "report; small and constant", `${round(perPass(queries), 2)} statements sent (${round((xact1 - xact0) / Math.max(1, passes), 2)} transactions at the server)`, null);
    s.row("steady state: Postgres server CPU", "report", `${round(c.postgresCores, 2)} cores`, null);

    Object.assign(s.details, {
      latencyMs, roundTripMs: round(tripMs, 1),
      projects: n, perAccount, accounts: Math.ceil(n / perAccount), resyncS, windowS: round(c.wallS), convergeS: round(convergeS), catchUpS: round(catchUpS), onScheduleS: round(onScheduleS),
      passes, passesSaved: saved, passesPerSecond: round(passes / c.wallS, 1), eventsInWindow: events, projectsNotReady: notReady,
      cpu: { ...c, selfCores: round(c.selfCores, 3), selfPctOfMachine: round(c.selfPctOfMachine, 1), postgresCores: round(c.postgresCores, 3), childCores: round(c.childCores, 3), otherCores: round(c.otherCores, 3), wallS: round(c.wallS) },
      cpuMsPerPass: round(cpuMsPerPass, 3),
      // Main-thread CPU in bench/support/frames.ts (serialise, write, read, deserialise), per pass and per frame written.
      transportCpu: { msPerPass: round(transportMsPerPass, 3), usPerWrite: round((1000 * transportMs) / Math.max(1, sb.aws.transport.writes - transport0.writes), 1) },
      memory: { peakRssMb: round(m.peakRssMb), peakHeapMb: round(m.peakHeapMb), sandboxRssMb: round(sandboxRssMb) },
      lateness: { pass: late, claim: summarize(lateness.claimLag), queueWait: summarize(lateness.queueWait), over1s: lateOver1s, over6s: lateOver6s, matched: lateness.late.length },
      awsCallsPerPass: Object.fromEntries(Object.entries(calls).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(perPass(v), 3)])),
      awsHealthAmortizedPerPass: healthAmortized,
      postgresStatementsPerPass: Object.fromEntries(byKind.sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, round(perPass(v), 3)])),
      postgresTransactionsPerPass: round((xact1 - xact0) / Math.max(1, passes), 3),
    });
    s.notes.push(`Simulated AWS: ${flag("shards", 2)} sandbox processes outside the measured process (in-memory state, see BENCHMARKS.md for its two deviations); its CPU was ${round(c.childCores, 2)} cores and its RSS ${Math.round(sandboxRssMb)} MB.`);
    s.notes.push(`Machine load from other processes during the window: ${round(c.otherCores, 2)} cores.`);

    // What the heap holds once garbage is collected (node --expose-gc, as bench/run.ts starts scenarios).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      const after = process.memoryUsage();
      s.details.afterGc = { heapUsedMb: round(after.heapUsed / 2 ** 20), rssMb: round(after.rss / 2 ** 20) };
      s.row("steady state: heap retained (after a full GC)", "report", `${Math.round(after.heapUsed / 2 ** 20)} MB heap, ${Math.round(after.rss / 2 ** 20)} MB RSS`, null);
    }
    if (process.argv.includes("--heap")) {
      const { writeHeapSnapshot } = await import("node:v8");
      s.details.heapSnapshot = writeHeapSnapshot(`/tmp/steady-${n}.heapsnapshot`);
    }
    if (process.argv.includes("--profile")) {
      s.log("profiling 20 s more (not part of the figures above)");
      s.details.profile = await profileWindow(20_000, `${s.details.projects}-steady`);
    }
    await op.stop();
    await bench.end();
  } finally {
    s.finish();
    await sb.stop();
    await pg.stop();
  }
});
