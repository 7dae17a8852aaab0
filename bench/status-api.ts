// Admin API GET /v1/projects/{p}/status under autocannon: 1,000 Ready projects with their conditions,
// per-resource status and revision, read at random with a read token. The daemon (engine idle: nothing
// is due) runs in a process of its own, so the load generator does not share its event loop.
// Two runs: as fast as it answers (64 connections), then a steady 1,000 req/s for the p99.
// Usage: npm run bench -- status-api [--projects 1000] [--duration 20]
import http from "node:http";
import { createRequire } from "node:module";
import postgres from "postgres";
import { startOperatorProcess } from "./support/children.js";
import { cpuWindow, round, sleep, summarize } from "./support/measure.js";
import { BENCH_KEY, countedStore, READ_TOKEN } from "./support/operator.js";
import { startBenchPostgres } from "./support/pg.js";
import { flag, runMain, scenario } from "./support/report.js";
import { seedProjects } from "./support/seed.js";
import { createSealer } from "../src/store/crypto.js";

interface Histogram { average: number; p50: number; p90: number; p99: number; max: number }
interface AutocannonResult { requests: Histogram & { total: number }; latency: Histogram; non2xx: number; errors: number; timeouts: number; duration: number }
const autocannon = createRequire(import.meta.url)("autocannon") as (o: Record<string, unknown>) => Promise<AutocannonResult>;

/** What a converged project's status holds: seven conditions, ten resources, revision 1 DEPLOYED. */
async function seedStatus(sql: postgres.Sql) {
  await sql.unsafe(`
    INSERT INTO conditions (project_id, type, status, reason, message, observed_generation)
    SELECT p.id, c.type, 'True', c.reason, c.message, 1 FROM projects p CROSS JOIN (VALUES
      ('CredentialsValid', 'RoleAssumed', 'assumed the customer role'), ('NetworkReady', 'Discovered', 'VPC vpc-0a1b2c3d, 2 private subnets'),
      ('SecretsReady', 'SecretsInSync', 'both secrets exist with the desired values'), ('DatabaseReady', 'Available', 'RDS instance is available'),
      ('ServicesReady', 'RolloutComplete', 'revision 1 is serving'), ('Synced', 'Synced', 'observed generation 1'), ('Ready', 'Ready', 'every resource is ready')
    ) AS c(type, reason, message);
    INSERT INTO resource_status (project_id, kind, name, arn, phase)
    SELECT p.id, r.kind, replace(r.name, '{p}', p.name), 'arn:aws:' || r.kind || ':us-east-1:' || p.account_id || ':' || replace(r.name, '{p}', p.name), r.phase FROM projects p CROSS JOIN (VALUES
      ('DBInstance', 'lg-{p}', 'available'), ('Service', 'lg-{p}-api', 'ACTIVE 1/1'), ('Service', 'lg-{p}-queue', 'ACTIVE 1/1'), ('Service', 'lg-{p}-redis', 'ACTIVE 1/1'),
      ('Secret', 'langgraph-cloud/{p}/postgres', 'Active'), ('Secret', 'langgraph-cloud/{p}/env', 'Active'), ('TaskDefinition', 'lg-{p}-api', 'ACTIVE'),
      ('Metrics', 'lg-{p}-api', 'cpu 12.5% mem 30.1%'), ('Metrics', 'lg-{p}-queue', 'cpu 3.0% mem 20.4%'), ('Metrics', 'lg-{p}', 'cpu 4.2% storage 18.9 GiB free')
    ) AS r(kind, name, phase);
    UPDATE projects SET phase = 'Ready', observed_generation = 1;
    UPDATE revisions SET status = 'DEPLOYED', message = 'running on lg-api (1/1), lg-queue (1/1)';
    UPDATE leases SET due_at = now() + interval '1 day', passes = 3;`);
}

/**
 * Requests sent on a fixed schedule (rate per second, keep-alive connections as needed), each timed from
 * when it was due, so a slow answer cannot delay the next request and hide itself (coordinated omission).
 */
async function openLoop(base: string, names: string[], rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const { hostname, port } = new URL(base);
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const total = rate * seconds;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    // Sent early (timer granularity): timed from when it was sent; sent late: from when it was due.
    const from = Math.min(due, performance.now());
    pending.push(new Promise<void>((resolve) => {
      const req = http.get({ agent, hostname, port, path: `/v1/projects/${names[i % names.length]}/status`, headers: { authorization: `Bearer ${READ_TOKEN}` } }, (res) => {
        res.resume();
        res.on("end", () => { if (res.statusCode !== 200) errors++; latencies.push(performance.now() - from); resolve(); });
      });
      req.on("error", () => { errors++; resolve(); });
    }));
  }
  await Promise.all(pending);
  agent.destroy();
  return { ...summarize(latencies), errors };
}

runMain(async () => {
  const projects = flag("projects", 1000);
  const duration = flag("duration", 20);
  const s = scenario("status-api", "Admin API GET /v1/projects/{p}/status under autocannon");
  const pg = await startBenchPostgres();
  try {
    const url = await pg.database("byoc");
    const { store } = countedStore(url, 2);
    const names = await seedProjects(store, createSealer([BENCH_KEY]), { count: projects, perAccount: 10, prefix: "a" });
    await seedStatus(store.sql);
    await store.sql.end();
    const server = await startOperatorProcess({ databaseUrl: url, operatorId: "api", api: true, countQueries: false });
    try {
      const check = await fetch(`${server.url}/v1/projects/${names[0]}/status`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
      const body = await check.json() as { conditions?: unknown[]; resources?: unknown[] };
      if (check.status !== 200 || body.conditions?.length !== 7 || body.resources?.length !== 10) throw new Error(`status is not what was seeded: ${check.status} ${JSON.stringify(body).slice(0, 200)}`);
      const load = (o: Record<string, unknown>) => autocannon({
        url: server.url, headers: { authorization: `Bearer ${READ_TOKEN}` },
        requests: [{ method: "GET", setupRequest: (req: Record<string, unknown>) => ({ ...req, path: `/v1/projects/${names[Math.floor(Math.random() * names.length)]}/status` }) }],
        ...o,
      });
      await load({ connections: 16, duration: 3 }); // warm-up: JIT, connection pool, Postgres caches
      const measure = async (o: Record<string, unknown>) => {
        const cpu = cpuWindow({ pgPids: pg.pids, childPids: () => [server.pid] });
        const r = await load(o);
        return { r, cpu: cpu.end() };
      };
      const max = await measure({ connections: 64, duration });
      await sleep(2000);
      // autocannon's rate limit is a per-connection quota per second: each connection sends its share
      // back to back at the top of every second. Ten connections keep those bursts near what 1,000
      // independent requests a second would make; the open-loop run below checks it.
      const steady = await measure({ connections: 10, duration, overallRate: 1000 });
      await sleep(2000);
      const open = await openLoop(server.url!, names, 1000, duration);
      const rps = max.r.requests.total / max.r.duration;
      const bad = (r: AutocannonResult) => r.non2xx + r.errors + r.timeouts;
      s.row("admin API GET /v1/projects/{p}/status: throughput", "≥ 5,000 req/s",
        `${Math.round(rps).toLocaleString("en")} req/s (64 connections, ${duration} s; latency p50 ${max.r.latency.p50} ms, p99 ${max.r.latency.p99} ms)`, rps >= 5000 && bad(max.r) === 0);
      s.row("admin API GET /v1/projects/{p}/status: p99 at 1,000 req/s", "< 20 ms",
        `p99 ${steady.r.latency.p99} ms (p50 ${steady.r.latency.p50} ms, max ${steady.r.latency.max} ms; ${Math.round(steady.r.requests.total / steady.r.duration)} req/s served)`, steady.r.latency.p99 < 20 && bad(steady.r) === 0);
      s.row("status at 1,000 req/s, open loop (one request every millisecond, each timed from when it was due)", "report",
        `p50 ${round(open.p50, 1)} ms, p90 ${round(open.p90, 1)} ms, p99 ${round(open.p99, 1)} ms, max ${round(open.max, 1)} ms; ${open.errors} errors`, null);
      s.row("status API: CPU at full throughput (cores)", "report", `daemon ${round(max.cpu.childCores, 2)}, Postgres ${round(max.cpu.postgresCores, 2)}, autocannon ${round(max.cpu.selfCores, 2)}, others ${round(max.cpu.otherCores, 2)}`, null);
      const brief = (x: typeof max) => ({
        requests: x.r.requests.total, durationS: x.r.duration, rps: round(x.r.requests.total / x.r.duration), latency: x.r.latency, non2xx: x.r.non2xx, errors: x.r.errors, timeouts: x.r.timeouts,
        cpu: Object.fromEntries(Object.entries(x.cpu).map(([k, v]) => [k, round(v, 3)])),
      });
      Object.assign(s.details, { projects, max: brief(max), at1000: brief(steady), openLoop1000: open });
    } finally {
      await server.stop();
    }
  } finally {
    s.finish();
    await pg.stop();
  }
});
