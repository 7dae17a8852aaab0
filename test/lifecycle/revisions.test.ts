// Revisions: a new one registers task definitions only for a new spec, follows the ECS deployment to
// completion (QUEUED → DEPLOYING → DEPLOYED); a failing one ends DEPLOY_FAILED while the previous keeps
// serving; one superseded before its rollout is SKIPPED, during it INTERRUPTED; old registrations
// beyond the newest few are deregistered; a redeploy (byoc rollback) rolls back to an earlier one.
// The sandbox clock is frozen where a state must be observed.
import { afterAll, beforeAll, expect, test } from "vitest";
import { KEEP_ACTIVE_REVISIONS, TAG_REVISION } from "../../reconcilers/taskDefinitions.js";
import { image, projectBody, roleIn, startDaemonWithProject, TOKEN, type TestDaemon } from "../support/daemon.js";
import { cliEnv, runCli } from "../cli/support.js";
import { SandboxView, sorted } from "../support/sandbox-view.js";

const ACCOUNT = "100000000002";
const P = "rev";
let t: TestDaemon;
let aws: SandboxView;

beforeAll(async () => {
  ({ t, aws } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1") } }));
});
afterAll(async () => { t?.clock.resume(); await t?.stop(); });

const revision = async (n: number, project = P) => (await t.http("GET", `/v1/projects/${project}/revisions/${n}`)).body;
const waitRevision = (n: number, status: string, project = P) =>
  t.waitFor(`revision ${n} ${status}`, async () => { const r = await revision(n, project); return r.status === status && r; });
const post = async (tag: string, project = P) => {
  const res = await t.http("POST", `/v1/projects/${project}/revisions`, { image: image(tag) });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe("QUEUED");
  return res.body.number as number;
};
const registrationsOf = async (role: "api" | "queue" | "redis", n: number, project = P) =>
  (await aws.taskDefinitions(project, role)).filter((td) => td.tags[TAG_REVISION] === String(n));
const serving = async (role: "api" | "queue") => {
  const s = (await aws.service(P, role))!;
  const primary = s.deployments.find((d) => d.status === "PRIMARY")!;
  const td = (await aws.taskDefinitions(P, role)).find((x) => x.arn === primary.taskDefinition)!;
  return { revision: Number(td.tags[TAG_REVISION]), rolloutState: primary.rolloutState, deployments: s.deployments.length };
};

test("a new revision registers api and queue task definitions (redis untouched) and reads QUEUED → DEPLOYING → DEPLOYED", async () => {
  const redisBefore = await aws.taskDefinitions(P, "redis");
  t.clock.freeze();
  const n = await post("v2");
  const deploying = await waitRevision(n, "DEPLOYING");
  expect(deploying.message).toMatch(/ECS deployment in progress/);
  for (const role of ["api", "queue"] as const) {
    const [td, ...more] = await registrationsOf(role, n);
    expect(more).toEqual([]);
    expect((td.spec.containerDefinitions as any[])[0].image).toBe(image("v2"));
  }
  expect(await aws.taskDefinitions(P, "redis")).toEqual(redisBefore);
  const during = await t.status(P);
  expect(during.conditions.find((c: any) => c.type === "ServicesReady")).toMatchObject({ status: "False", reason: "RollingOut" });
  // A rollout someone asked for is not a fault: Provisioning while it runs, not Degraded.
  expect(during.phase).toBe("Provisioning");
  t.clock.resume();
  await waitRevision(n, "DEPLOYED");
  await t.waitForPhase(P, "Ready");
  expect(await serving("api")).toEqual({ revision: n, rolloutState: "COMPLETED", deployments: 1 });
  expect(await serving("queue")).toEqual({ revision: n, rolloutState: "COMPLETED", deployments: 1 });
  const reasons = (await t.events(P)).map((e) => `${e.reason} ${e.message}`);
  expect(reasons).toContainEqual(expect.stringMatching(new RegExp(`^RolloutStarted revision ${n} rolling out`)));
  expect(reasons).toContainEqual(expect.stringMatching(new RegExp(`^RolloutComplete revision ${n} deployed`)));
});

test("a revision whose tasks fail ends DEPLOY_FAILED; the previous keeps serving on its own registration, with no redeploy loop", async () => {
  const good = (await t.status(P)).activeRevision.number as number;
  const before = { api: await registrationsOf("api", good), queue: await registrationsOf("queue", good) };
  t.clock.freeze();
  const n = await post("fail-healthcheck");
  await waitRevision(n, "DEPLOYING");
  // Everything ECS does happens between two looks of the operator: tasks fail, the circuit breaker
  // rolls back, the rollback completes — and ECS no longer lists the failed deployment at all.
  t.clock.advance(20 * 300);
  const jumped = t.clock.now();
  const failed = await waitRevision(n, "DEPLOY_FAILED");
  expect(aws.writes(jumped)).toEqual([]);
  t.clock.resume();
  expect(failed.message).toMatch(/circuit breaker/);
  await t.waitFor("the previous revision serving again", async () => {
    const [api, queue] = [await serving("api"), await serving("queue")];
    return api.revision === good && api.rolloutState === "COMPLETED" && queue.revision === good && queue.rolloutState === "COMPLETED";
  });
  // It serves, but not what was asked: Degraded, with the serving and the asked-for revision told apart.
  const s = await t.waitForPhase(P, "Degraded");
  expect(s.activeRevision).toEqual({ number: good, image: image("v2"), status: "DEPLOYED" });
  expect(s.latestRevision).toEqual({ number: n, image: image("fail-healthcheck"), status: "DEPLOY_FAILED" });
  // The rollback reused the previous revision's registrations: the same spec is never registered twice.
  expect({ api: await registrationsOf("api", good), queue: await registrationsOf("queue", good) }).toEqual(before);
  const events = await t.events(P);
  expect(events.find((e) => e.reason === "RolloutFailed")).toMatchObject({ type: "Warning", message: expect.stringMatching(new RegExp(`^revision ${n}: rollout failed: .*previous revision keeps serving`)) });

  const since = t.clock.now();
  for (let i = 0; i < 2; i++) {
    const [{ passes }] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`;
    await t.http("POST", `/v1/projects/${P}/reconcile`);
    await t.waitFor("another pass", async () => (await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`)[0].passes > passes);
  }
  expect(aws.writes(since)).toEqual([]);
  expect((await revision(n)).status).toBe("DEPLOY_FAILED");
});

test("redeploying the serving revision after a failed one rolls back: a new revision with its image, DEPLOYED, Ready", async () => {
  const before = await t.status(P);
  const good = before.activeRevision.number as number;
  expect(before.latestRevision.status).toBe("DEPLOY_FAILED");
  const res = await t.http("POST", `/v1/projects/${P}/revisions/${good}/redeploy`);
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ number: before.latestRevision.number + 1, image: image("v2"), redeployOf: good, status: "QUEUED" });
  const n = res.body.number as number;
  await waitRevision(n, "DEPLOYED");
  const s = await t.waitForPhase(P, "Ready");
  expect(s.activeRevision).toEqual({ number: n, image: image("v2"), status: "DEPLOYED" });
  expect(s.latestRevision).toEqual(s.activeRevision);
  expect(await serving("api")).toMatchObject({ revision: n, rolloutState: "COMPLETED" });
  expect((await t.events(P)).map((e) => e.message)).toContain(`revision ${n} queued: redeploy of revision ${good} (${image("v2")})`);
});

test("a revision superseded before its rollout began is SKIPPED and never registered", async () => {
  t.clock.freeze();
  await t.patch(P, { database: { engineVersion: "17" } });
  // The DB is being upgraded, which it cannot serve through (and stays so while the clock stands):
  // passes stop before the rollout. (A DB only being modified serves, and would not hold them.)
  await t.waitFor("DatabaseReady Busy", async () => (await t.status(P)).conditions.find((c: any) => c.type === "DatabaseReady" && c.reason === "Busy"));
  const skipped = await post("v3");
  const next = await post("v4");
  expect((await revision(skipped)).status).toBe("QUEUED");
  t.clock.resume();
  await waitRevision(next, "DEPLOYED");
  expect(await revision(skipped)).toMatchObject({ status: "SKIPPED", message: `superseded by revision ${next} before its rollout began` });
  expect(await registrationsOf("api", skipped)).toEqual([]);
  expect(await registrationsOf("queue", skipped)).toEqual([]);
});

test("a revision superseded during its rollout is INTERRUPTED; the newer one is deployed", async () => {
  t.clock.freeze();
  const interrupted = await post("v5");
  await waitRevision(interrupted, "DEPLOYING");
  const next = await post("v6");
  await waitRevision(interrupted, "INTERRUPTED");
  expect((await revision(interrupted)).message).toBe(`superseded by revision ${next} during its rollout`);
  t.clock.resume();
  await waitRevision(next, "DEPLOYED");
  await t.waitForPhase(P, "Ready");
  expect(await serving("api")).toMatchObject({ revision: next, rolloutState: "COMPLETED" });
});

test(`registrations beyond the newest ${KEEP_ACTIVE_REVISIONS} are deregistered, oldest first, never the one serving`, async () => {
  for (const tag of ["v7", "v8"]) await waitRevision(await post(tag), "DEPLOYED");
  for (const role of ["api", "queue"] as const) {
    const all = await aws.taskDefinitions(P, role);
    const active = all.filter((td) => td.status === "ACTIVE");
    expect(all.length).toBeGreaterThan(KEEP_ACTIVE_REVISIONS);
    expect(active).toHaveLength(KEEP_ACTIVE_REVISIONS);
    // Oldest first: every deregistered one is older than every active one.
    expect(all.map((td) => td.status)).toEqual([...Array(all.length - KEEP_ACTIVE_REVISIONS).fill("INACTIVE"), ...Array(KEEP_ACTIVE_REVISIONS).fill("ACTIVE")]);
    expect(active.map((td) => td.arn)).toContain((await aws.service(P, role))!.deployments[0].taskDefinition);
  }
  expect((await aws.taskDefinitions(P, "redis", "ACTIVE"))).toHaveLength(1);
  expect((await t.events(P)).filter((e) => e.reason === "Pruned").map((e) => e.resource)).toEqual(expect.arrayContaining(["lg-rev-api", "lg-rev-queue"]));
});

test("a first revision that fails has nothing to roll back to: DEPLOY_FAILED, ServicesReady RolloutFailed, no redeploy loop", async () => {
  const other = new SandboxView(t.sandbox, "100000000003");
  await t.http("POST", "/v1/projects", projectBody("rev-bad", { roleArn: roleIn("100000000003"), image: image("fail-first") }));
  const failed = await waitRevision(1, "DEPLOY_FAILED", "rev-bad");
  expect(failed.message).toMatch(/circuit breaker/);
  const s = await t.waitFor("ServicesReady RolloutFailed", async () => {
    const st = await t.status("rev-bad");
    return st.conditions.find((c: any) => c.type === "ServicesReady" && c.reason === "RolloutFailed") && st;
  });
  // Nothing ever served: Failed, not Provisioning for ever.
  expect((await t.waitForPhase("rev-bad", "Failed")).activeRevision).toBeNull();
  const since = t.clock.now();
  const [{ passes }] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = 'rev-bad'`;
  await t.http("POST", "/v1/projects/rev-bad/reconcile");
  await t.waitFor("another pass", async () => (await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = 'rev-bad'`)[0].passes > passes);
  expect(sorted(other.writes(since))).toEqual([]);

  // A good revision recovers it.
  await waitRevision(await post("v1", "rev-bad"), "DEPLOYED", "rev-bad");
  await t.waitForPhase("rev-bad", "Ready");
});

test("byoc rollback redeploys the revision DEPLOYED before the serving one; --to picks another; none → exit 4", async () => {
  const byoc = (...args: string[]) => runCli(args, { env: cliEnv(t.d.url, TOKEN) });
  const list = (await t.http("GET", `/v1/projects/${P}/revisions?limit=200`)).body.items as Array<{ number: number; status: string; image: string }>;
  const [serving, previous] = list.filter((r) => r.status === "DEPLOYED");
  expect((await t.status(P)).activeRevision.number).toBe(serving.number);

  const r = await byoc("rollback", P);
  expect(r).toMatchObject({ code: 0, stderr: "" });
  const n = list[0].number + 1;
  expect(r.stdout).toMatch(new RegExp(`^revision ${n} of ${P} queued: redeploy of revision ${previous.number} \\(`));
  await waitRevision(n, "DEPLOYED");
  const s = await t.waitForPhase(P, "Ready");
  expect(s.activeRevision).toEqual({ number: n, image: previous.image, status: "DEPLOYED" });

  const to = await byoc("rollback", P, "--to", "1", "-o", "json");
  expect(to.code).toBe(0);
  expect(JSON.parse(to.stdout)).toMatchObject({ number: n + 1, redeployOf: 1, image: image("v1") });
  expect(await byoc("rollback", P, "--to", "999")).toMatchObject({ code: 3 });
  // rev-bad's only DEPLOYED revision is its newest: there is nothing before it to go back to.
  const none = await byoc("rollback", "rev-bad");
  expect(none.code).toBe(4);
  expect(none.stderr).toMatch(/no revision DEPLOYED before revision 2; pick one with --to N/);
});
