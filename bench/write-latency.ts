// Desired-state write → first AWS call of that project: an operator (the daemon's defaults, admin API
// up) keeps 1,000 Ready projects in steady state (resync 60 s, 50 ms added to every AWS call) while
// writes arrive over HTTP at a steady 10/s: half PATCH a Ready project's spec, half create a project.
// Each write is timed from just before its request is sent to the first AWS request the operator
// issues for that project (attributed to the project's pass, before the token bucket and the latency).
// Usage: npm run bench -- write-latency [--background 1000] [--writes 200] [--rate 10]
import postgres from "postgres";
import { round, sleep, summarize, waitUntil } from "./support/measure.js";
import { startOperator, WRITE_TOKEN } from "./support/operator.js";
import { startBenchPostgres } from "./support/pg.js";
import { startSandboxShards } from "./support/remote-sandbox.js";
import { flag, runMain, scenario } from "./support/report.js";
import { accountOf, EXTERNAL_ID, imageOf, REGION, roleOf, seedReadyProjects } from "./support/seed.js";

runMain(async () => {
  const background = flag("background", 1000);
  const writes = flag("writes", 200);
  const rate = flag("rate", 10);
  const latencyMs = flag("latency", 50);
  const s = scenario("write-latency", `Desired-state write → first AWS call, ${background.toLocaleString("en")} projects in steady state, ${latencyMs} ms per AWS call`);
  const pg = await startBenchPostgres();
  const sb = await startSandboxShards({ delayMs: 200, seed: 31 }, 2);
  try {
    const url = await pg.database("byoc");
    const bench = postgres(url, { max: 2, onnotice: () => {} });
    const { names } = await seedReadyProjects(url, sb.sockets, { count: background, perAccount: 10, prefix: "w", spreadS: 60, timeoutMs: 10 * 60_000 });
    await sb.aws.setFaults({ latencyMs });

    const armed = new Map<string, number>();
    const firstCall = new Map<string, { at: number; operation: string }>();
    const passStart = new Map<string, number>();
    const op = await startOperator({
      databaseUrl: url, aws: sb.aws, operatorId: "daemon", api: true, attributeCalls: true,
      onAwsCall: (c) => {
        const t0 = c.project ? armed.get(c.project) : undefined;
        if (t0 !== undefined && c.at >= t0 && !firstCall.has(c.project!)) firstCall.set(c.project!, { at: c.at, operation: c.operation });
      },
      onPassStart: (p) => {
        const t0 = armed.get(p.project);
        if (t0 !== undefined && p.at >= t0 && !passStart.has(p.project)) passStart.set(p.project, p.at);
      },
    });
    s.log("warm-up 30 s (background passes running, caches filling)");
    await sleep(30_000);

    // PATCH targets: Ready projects not leased and not due within 5 s, so the pass measured is the write's.
    const idle = new Set((await bench<{ name: string }[]>`
      SELECT p.name FROM projects p JOIN leases l ON l.project_id = p.id
      WHERE l.owner IS NULL AND l.due_at > now() + interval '15 seconds' ORDER BY random() LIMIT ${writes}`).map((r) => r.name));
    const patchTargets = names.filter((n) => idle.has(n));
    const responses: number[] = [];
    const kinds = new Map<string, "patch" | "create">();
    const failures: string[] = [];
    const tStart = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < writes; i++) {
      const due = tStart + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const create = i % 2 === 1 || patchTargets.length === 0;
      const name = create ? `wn-${String(i).padStart(4, "0")}` : patchTargets.pop()!;
      kinds.set(name, create ? "create" : "patch");
      const account = accountOf(i * 7, 10, Math.ceil(background / 10));
      const body = create
        ? { name, region: REGION, roleArn: roleOf(account), externalId: EXTERNAL_ID, image: imageOf(account), secrets: { OPENAI_API_KEY: "sk-bench" } }
        : { env: { LOG_LEVEL: "debug" } };
      const t0 = performance.now();
      armed.set(name, t0);
      inFlight.push(fetch(`${op.url}/v1/projects${create ? "" : `/${name}`}`, {
        method: create ? "POST" : "PATCH",
        headers: { authorization: `Bearer ${WRITE_TOKEN}`, "content-type": "application/json", ...(create ? {} : { "if-match": '"1"' }) },
        body: JSON.stringify(body),
      }).then(async (res) => {
        responses.push(performance.now() - t0);
        if (res.status >= 300) failures.push(`${name}: ${res.status} ${await res.text()}`);
        else await res.arrayBuffer();
      }));
    }
    await Promise.all(inFlight);
    await waitUntil("the first AWS call of every write", async () => firstCall.size >= armed.size - failures.length, 30_000, 200).catch(() => {});
    if (failures.length) throw new Error(`writes failed: ${failures.slice(0, 3).join("; ")}`);

    const lat = (filter: (n: string) => boolean) => [...armed].filter(([n]) => filter(n) && firstCall.has(n)).map(([n, t0]) => firstCall.get(n)!.at - t0);
    const all = summarize(lat(() => true));
    const toPass = summarize([...armed].filter(([n]) => passStart.has(n)).map(([n, t0]) => passStart.get(n)! - t0));
    const patch = summarize(lat((n) => kinds.get(n) === "patch"));
    const create = summarize(lat((n) => kinds.get(n) === "create"));
    const firstOps: Record<string, number> = {};
    for (const v of firstCall.values()) firstOps[v.operation] = (firstOps[v.operation] ?? 0) + 1;
    const missing = armed.size - firstCall.size;

    s.row("desired-state write → first AWS call of that project", "p50 < 50 ms, p99 < 250 ms",
      `p50 ${round(all.p50)} ms, p99 ${round(all.p99)} ms, max ${round(all.max)} ms (${all.n} writes at ${rate}/s over HTTP; ${background.toLocaleString("en")} projects in steady state)`,
      all.p50 < 50 && all.p99 < 250 && missing === 0);
    s.row("write → first AWS call, by kind", "report", `PATCH p50 ${round(patch.p50)} / p99 ${round(patch.p99)} ms; create p50 ${round(create.p50)} / p99 ${round(create.p99)} ms`, null);
    s.row("write → the project's pass starts", "report", `p50 ${round(toPass.p50)} ms, p99 ${round(toPass.p99)} ms; the HTTP answer took p50 ${round(summarize(responses).p50)} ms`, null);
    Object.assign(s.details, { background, writes, rate, latencyMs, firstCall: all, patch, create, toPassStart: toPass, httpResponse: summarize(responses), firstOperations: firstOps, writesWithoutACall: missing });
    await op.stop();
    await bench.end();
  } finally {
    s.finish();
    await sb.stop();
    await pg.stop();
  }
});
