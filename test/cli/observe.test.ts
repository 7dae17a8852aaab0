// Watching a converged project from the outside: byoc events [--follow], byoc logs [--follow] (and the
// logs route's pagination underneath), byoc reconcile, and the Prometheus metrics the engine feeds.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT, image, projectBody, REGION, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { cliEnv, RunningCli, runCli } from "./support.js";

let t: TestDaemon;
beforeAll(async () => {
  t = await startTestDaemon();
  expect((await t.http("POST", "/v1/projects", projectBody("seen", { image: image("v1") }))).status).toBe(201);
  await t.waitFor("seen Ready", async () => (await t.status("seen")).phase === "Ready");
});
afterAll(async () => { await t?.stop(); });

const env = () => cliEnv(t.d.url, TOKEN);
const byoc = (...args: string[]) => runCli(args, { env: env() });
const lines = (s: string) => s.trimEnd().split("\n");
const EVENT_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}(Normal |Warning) {2}\S+ +\S.*$/;
const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}(api|queue|redis)\/[0-9a-f]{6} +\S.*$/;

describe("byoc events", () => {
  test("the audit trail, oldest first, one event a line; -o json is the API's page, newest first", async () => {
    const r = await byoc("events", "seen", "--limit", "200");
    expect(r.code).toBe(0);
    const [header, ...rows] = lines(r.stdout);
    expect(header).toMatch(/^TIME +TYPE +REASON +MESSAGE$/);
    for (const row of rows) expect(row).toMatch(EVENT_LINE);
    const reasons = rows.map((row) => row.split(/ {2,}/)[2]);
    expect(reasons.indexOf("Created")).toBeLessThan(reasons.indexOf("RolloutComplete"));
    expect(rows).toContainEqual(expect.stringMatching(/RolloutComplete +revision 1 deployed/));

    const json = JSON.parse((await byoc("events", "seen", "--limit", "3", "-o", "json")).stdout);
    expect(json.items).toHaveLength(3);
    expect(Number(json.items[0].id)).toBeGreaterThan(Number(json.items[2].id));
    expect(json.nextCursor).toEqual(expect.any(String));
    expect(await byoc("events", "seen", "--since", "yesterday")).toMatchObject({ code: 2 });
  });

  test("--follow prints what happened, then each new event as it happens, once", async () => {
    const follow = new RunningCli(["events", "seen", "--follow", "--limit", "2"], { env: env() });
    await follow.waitFor(/^TIME.*\n.*\n.*\n/);
    expect((await byoc("deploy", "seen", "--image", image("v2"))).code).toBe(0);
    await follow.waitFor(/RolloutComplete +revision 2 deployed/);
    const r = await follow.stop();
    const rows = lines(r.stdout).slice(1);
    for (const row of rows) expect(row).toMatch(EVENT_LINE);
    expect(rows.filter((row) => /RevisionQueued +revision 2 queued/.test(row))).toHaveLength(1);
    expect(new Set(rows).size).toBe(rows.length);
  });
});

describe("byoc logs", () => {
  test("the route pages through CloudWatch Logs with an opaque cursor, never repeating a line", async () => {
    const since = new Date(Date.now() - 600_000).toISOString();
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 4; page++) {
      const r = await t.http("GET", `/v1/projects/seen/logs?limit=5&since=${since}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...r.body.items.map((l: any) => `${l.stream} ${l.timestamp} ${l.message}`));
      cursor = r.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.length).toBeGreaterThan(5); // more than one page
    expect(new Set(seen).size).toBe(seen.length);
    const api = (await t.http("GET", `/v1/projects/seen/logs?service=api&limit=20&since=${since}`)).body.items;
    expect(api.length).toBeGreaterThan(0);
    for (const l of api) expect(l).toMatchObject({ service: "api", stream: expect.stringMatching(/^seen\/api\/[0-9a-f]+$/) });
    // Plausible LangGraph server output: structured JSON lines naming the image that runs.
    expect(api.map((l: any) => l.message)).toContainEqual(expect.stringContaining("Starting LangGraph API server"));
    expect(JSON.parse(api[0].message)).toMatchObject({ event: expect.any(String), level: expect.any(String) });
  });

  test("prints the newest lines, oldest first, following the cursor across pages", async () => {
    const r = await byoc("logs", "seen", "--since", "10m", "--limit", "12", "--page-size", "3");
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(12);
    for (const l of out) expect(l).toMatch(LOG_LINE);
    expect([...out].sort()).toEqual(out);
    const json = JSON.parse((await byoc("logs", "seen", "--service", "redis", "--limit", "2", "-o", "json")).stdout);
    expect(json.items).toHaveLength(2);
    expect(json.items.every((l: any) => l.service === "redis")).toBe(true);
    expect(await byoc("logs", "seen", "--service", "web")).toMatchObject({ code: 2 });
    expect(await byoc("logs", "ghost")).toMatchObject({ code: 3, stderr: "byoc: project ghost does not exist\n" });
  });

  test("--follow keeps printing new lines as the tasks write them", async () => {
    const follow = new RunningCli(["logs", "seen", "--follow", "--limit", "1", "--interval", "300ms"], { env: env() });
    // One line of what was there, then (the sandbox's tasks write every few seconds) the lines that came after it.
    await follow.waitFor(/^.+\n.+\n/, 20_000);
    const r = await follow.stop();
    const out = lines(r.stdout);
    for (const l of out) expect(l).toMatch(LOG_LINE);
    expect(new Set(out).size).toBe(out.length);
    expect([...out].sort()).toEqual(out);
  });
});

test("byoc reconcile asks the engine for a pass now, and says so; an unknown project exits 3", async () => {
  expect(await byoc("reconcile", "seen")).toMatchObject({ code: 0, stdout: "reconcile of seen requested\n" });
  expect(await byoc("reconcile", "ghost")).toMatchObject({ code: 3, stderr: "byoc: project ghost does not exist\n" });
});

test("/metrics: reconciles, durations, AWS calls, throttles and drift repairs carry values with their labels", async () => {
  const metrics = async () => (await fetch(`${t.d.url}/metrics`)).text();
  const sum = (text: string, re: RegExp) => text.split("\n").filter((l) => re.test(l)).reduce((n, l) => n + Number(l.split(" ").pop()), 0);
  // A colleague scales the API service by hand: the next pass repairs it.
  await t.sandbox.console.setServiceDesiredCount(ACCOUNT, REGION, "lg-seen-api", 3);
  await t.waitFor("the drift repaired", async () =>
    (await t.http("GET", "/v1/projects/seen/events?limit=200")).body.items.some((e: any) => e.reason === "DriftRepaired" && /desiredCount 3 → 1/.test(e.message)));
  // Then AWS throttles every call for a moment.
  t.sandbox.setFaults({ throttleRate: 1 });
  expect((await byoc("reconcile", "seen")).code).toBe(0);
  await t.waitFor("a throttle counted", async () => sum(await metrics(), /^byoc_aws_throttles_total\{/) > 0);
  t.sandbox.setFaults({ throttleRate: 0 });

  const text = await metrics();
  const total = (re: RegExp) => sum(text, re);
  expect(total(/^byoc_reconciles_total\{kind="DBInstance",outcome="done"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_reconciles_total\{kind="Service",outcome="done"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_reconcile_passes_total\{outcome="success"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_reconcile_duration_seconds_count\{kind="Credentials"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_reconcile_duration_seconds_bucket\{le="\+Inf",kind="Rollout"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_aws_calls_total\{service="rds",operation="CreateDBInstance",outcome="ok"\} /)).toBe(1);
  expect(total(/^byoc_aws_calls_total\{service="ecs",operation="CreateService",outcome="ok"\} /)).toBe(3);
  expect(total(/^byoc_aws_calls_total\{service="sts",operation="AssumeRole",outcome="ok"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_aws_calls_total\{service="\w+",operation="\w+",outcome="(Throttling|ThrottlingException|RequestLimitExceeded)"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_aws_throttles_total\{service="\w+"\} /)).toBeGreaterThan(0);
  expect(total(/^byoc_drift_repairs_total\{kind="Service",field="desiredCount"\} /)).toBe(1);
  for (const gauge of ["byoc_queue_depth", "byoc_leases_held", "byoc_reconciles_in_flight"]) expect(text).toMatch(new RegExp(`^${gauge} \\d+$`, "m"));
});
