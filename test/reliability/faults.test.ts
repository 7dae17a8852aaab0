// Faults: the sandbox answers 20% of calls with throttling, 5% with a 5xx and times out 2% (seeded),
// and every project still converges. The same workload is run once without faults, so the call
// amplification (calls made ÷ calls needed without faults) is measured, not guessed; the per-account
// token bucket is watched while it runs to show it slows down under throttling.
import { afterAll, expect, test } from "vitest";
import { startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { ACCOUNTS, image, REGION, roleArn, inventory, sleep } from "./harness.js";
import { recordFigures } from "../support/figures.js";

const SEED = 5_150_003;
const PROJECTS = 12;
const FAULTS = { throttleRate: 0.2, serverErrorRate: 0.05, timeoutRate: 0.02, latencyMs: 5 };
const names = Array.from({ length: PROJECTS }, (_, i) => `flt-${String(i).padStart(2, "0")}`);

let running: TestDaemon | undefined;
afterAll(async () => { await running?.stop(); });

interface Run { calls: number; ok: number; byOutcome: Record<string, number>; ms: number; minRate: number; finalRate: number; bucketThrottles: number; passes: number }

/** Creates the projects, waits until all are Ready, and reads the sandbox's call log at that moment. */
async function converge(faults: typeof FAULTS | undefined): Promise<Run> {
  const t = await startTestDaemon({ sandbox: { seed: SEED, delayMs: 300, faults }, env: { BYOC_RESYNC_SECONDS: "600", BYOC_OPERATOR_ID: faults ? "faults" : "baseline" } });
  running = t;
  try {
    const started = Date.now();
    for (const [i, name] of names.entries()) {
      const account = ACCOUNTS[i % ACCOUNTS.length];
      const res = await t.http("POST", "/v1/projects", { name, region: REGION, roleArn: roleArn(account), externalId: "sandbox-external-id", image: image(account) });
      expect(res.status).toBe(201);
    }
    let minRate = Infinity;
    const buckets = () => ACCOUNTS.map((a) => t.d.cloud.buckets.of(a));
    const watch = setInterval(() => { for (const b of buckets()) minRate = Math.min(minRate, b.rate); }, 10);
    try {
      await t.waitFor("every project Ready", async () => {
        const rows = await t.d.store.sql<{ phase: string }[]>`SELECT phase FROM projects`;
        return rows.length === PROJECTS && rows.every((r) => r.phase === "Ready");
      }, 120_000);
    } finally {
      clearInterval(watch);
    }
    const byOutcome = Object.fromEntries(t.sandbox.calls.byOutcome());
    const calls = Object.values(byOutcome).reduce((a, b) => a + b, 0);
    const [{ passes }] = await t.d.store.sql<{ passes: number }[]>`SELECT sum(passes)::int AS passes FROM leases`;
    const inv = await inventory(t.sandbox);
    expect(inv.duplicates).toEqual([]);
    expect(inv).toMatchObject({ secrets: 2 * PROJECTS, dbInstances: PROJECTS, services: 3 * PROJECTS, taskDefinitions: 3 * PROJECTS });
    return {
      calls, ok: byOutcome.ok ?? 0, byOutcome, ms: Date.now() - started, minRate, passes,
      finalRate: Math.min(...buckets().map((b) => b.rate)), bucketThrottles: buckets().reduce((a, b) => a + b.throttles, 0),
    };
  } finally {
    await t.stop();
    running = undefined;
    await sleep(100);
  }
}

test(`${PROJECTS} projects converge under 20% throttling, 5% 5xx and 2% timeouts; call amplification measured`, async () => {
  const baseline = await converge(undefined);
  const faulted = await converge(FAULTS);
  const sum = (re: RegExp) => Object.entries(faulted.byOutcome).filter(([k]) => re.test(k)).reduce((a, [, n]) => a + n, 0);
  const throttled = sum(/Throttl|RequestLimitExceeded/);
  const serverErrors = sum(/Internal|Unavailable|ServerException/);
  const timeouts = sum(/Timeout/);
  const amplification = faulted.calls / baseline.calls;
  recordFigures("faults", `${PROJECTS} projects in ${ACCOUNTS.length} accounts, sandbox seed ${SEED}, faults ${JSON.stringify(FAULTS)}; ` +
    `baseline ${baseline.calls} calls (${baseline.passes} passes, ${baseline.ms} ms); with faults ${faulted.calls} calls (${faulted.ok} ok; outcomes ${JSON.stringify(faulted.byOutcome)}; ` +
    `${faulted.passes} passes, ${faulted.ms} ms); ${throttled} throttled, ${serverErrors} 5xx, ${timeouts} timeouts; amplification ${amplification.toFixed(2)}×; ` +
    `token bucket: ${faulted.bucketThrottles} throttles seen, rate fell to ${faulted.minRate.toFixed(2)}/s (baseline never below ${baseline.minRate.toFixed(2)}/s), ${faulted.finalRate.toFixed(2)}/s at the end`);
  expect(Object.keys(baseline.byOutcome).filter((k) => /Throttl|RequestLimitExceeded|Internal|Unavailable|ServerException|Timeout/.test(k))).toEqual([]);
  expect(throttled).toBeGreaterThan(0);
  expect(serverErrors).toBeGreaterThan(0);
  expect(timeouts).toBeGreaterThan(0);
  expect(faulted.bucketThrottles).toBeGreaterThan(0);
  // The bucket adapts: without throttles it never slows; with them it was cut (by 30% per cut) at least once.
  expect(faulted.minRate).toBeLessThan(baseline.minRate * 0.75);
}, 170_000);
