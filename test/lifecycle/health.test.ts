// Health from CloudWatch: the ECS services' CPU and memory and the DB's CPU and free storage, read on a
// slower cadence than the passes and shown in the project's status; a DB nearly out of storage is a
// Warning.
import { afterAll, beforeAll, expect, test } from "vitest";
import { image, startDaemonWithProject, type TestDaemon } from "../support/daemon.js";

const ACCOUNT = "100000000041";
const P = "health";
const HEALTH_INTERVAL_MS = 4000;
let t: TestDaemon;

beforeAll(async () => {
  ({ t } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1") }, daemon: { healthIntervalMs: HEALTH_INTERVAL_MS } }));
});
afterAll(async () => { await t?.stop(); });

const metrics = async () => (await t.status(P)).resources.filter((r: any) => r.kind === "Metrics");
const passes = async () => Number((await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`)[0].passes);

test("CPU, memory and free storage are in the project's status", async () => {
  const rows = await t.waitFor("metrics in status", async () => { const m = await metrics(); return m.length === 3 && m; });
  const byName = Object.fromEntries(rows.map((r: any) => [r.name, r]));
  for (const svc of ["lg-health-api", "lg-health-queue"]) {
    expect(byName[svc]).toMatchObject({ phase: expect.stringMatching(/^cpu \d+\.\d% mem \d+\.\d%$/), lastError: null });
  }
  expect(byName["lg-health"]).toMatchObject({ phase: expect.stringMatching(/^cpu \d+\.\d% storage \d+\.\d GiB free$/), lastError: null });
});

test("metrics are read on their own, slower cadence, not on every pass", async () => {
  await t.waitFor("a health reading", async () => t.sandbox.calls.count("cloudwatch:GetMetricData") > 0);
  const reads = t.sandbox.calls.count("cloudwatch:GetMetricData");
  const started = Date.now();
  for (let i = 0; i < 3; i++) {
    const before = await passes();
    await t.http("POST", `/v1/projects/${P}/reconcile`);
    await t.waitFor("another pass", async () => (await passes()) > before);
  }
  const window = Date.now() - started;
  // Three passes, and at most one reading per interval started within them.
  expect(t.sandbox.calls.count("cloudwatch:GetMetricData") - reads).toBeLessThanOrEqual(Math.ceil(window / HEALTH_INTERVAL_MS));
});

test("a DB nearly out of storage is a Warning, in the events and on the DB's status", async () => {
  await t.sandbox.console.setMetric(ACCOUNT, "us-east-1", "AWS/RDS", "FreeStorageSpace", { DBInstanceIdentifier: "lg-health" }, 1024 ** 3);
  const e = await t.waitForEvent(P, "LowStorage", (x) => x.reason === "LowStorage", { timeoutMs: HEALTH_INTERVAL_MS * 3 });
  expect(e).toMatchObject({ type: "Warning", resource: "lg-health", message: expect.stringMatching(/^RDS instance lg-health has [01]\.\d GiB free of 20 GiB; raise database\.allocatedStorageGb$/) });
  const row = (await metrics()).find((r: any) => r.name === "lg-health");
  expect(row).toMatchObject({ phase: expect.stringMatching(/storage [01]\.\d GiB free$/), lastError: { code: "LowStorage", message: expect.stringMatching(/^[01]\.\d GiB free of 20 GiB$/) } });
});
