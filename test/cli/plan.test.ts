// byoc plan (GET /v1/projects/{p}/plan) end to end on the sandbox: after an out-of-band change in AWS
// and a spec change through the API, the plan lists the actions the next pass would take with their
// field diffs, and applies none of them. The engine is stopped once the project is Ready, so nothing
// but the plan looks at AWS while the test does.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ACCOUNT, image, projectBody, REGION, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { cliEnv, runCli, scratchDir, writeYaml } from "./support.js";

let t: TestDaemon;
let dir: string;
beforeAll(async () => {
  t = await startTestDaemon();
  dir = scratchDir();
  expect((await t.http("POST", "/v1/projects", projectBody("planned", { image: image("v1") }))).status).toBe(201);
  await t.waitFor("planned Ready", async () => (await t.status("planned")).phase === "Ready");
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const byoc = (...args: string[]) => runCli(args, { env: cliEnv(t.d.url, TOKEN) });
const lines = (s: string) => s.trimEnd().split("\n");
/** What a plan must leave alone: the services' counts and deployments, and the task definitions. */
async function awsState() {
  const ecs = (await t.sandbox.state(ACCOUNT, REGION)).ecs;
  return {
    services: Object.fromEntries(ecs.services.filter((s) => s.status === "ACTIVE")
      .map((s) => [s.name, { desiredCount: s.desiredCount, deployments: s.deployments.map((d) => d.taskDefinition) }])),
    taskDefinitions: Object.keys(ecs.taskDefinitions).sort(),
  };
}

test("a converged project plans nothing", async () => {
  const r = await byoc("plan", "planned");
  expect(r).toMatchObject({ code: 0, stdout: "planned: no changes; AWS matches generation 1.\n" });
});

test("after an out-of-band change and a PATCH, plan lists each action with its field diffs, and applies none", async () => {
  await t.d.engine.stop();
  await t.sandbox.console.setServiceDesiredCount(ACCOUNT, REGION, "lg-planned-api", 3);
  const yaml = writeYaml(dir, "planned", `name: planned
region: ${REGION}
roleArn: arn:aws:iam::${ACCOUNT}:role/LangGraphCloudOperatorRole
externalId: sandbox-external-id
resources:
  api: { cpu: 1024, memoryMb: 2048, replicas: 1 }
  queue: { cpu: 1024, memoryMb: 2048, replicas: 2 }
`);
  expect((await byoc("apply", "-f", yaml)).stdout).toContain("~ resources.queue.replicas: 1 → 2");
  const before = await awsState();
  const eventsBefore = (await t.http("GET", "/v1/projects/planned/events?limit=200")).body.items.length;

  const r = await byoc("plan", "planned");
  expect(r.code).toBe(0);
  const out = lines(r.stdout);
  expect(out[0]).toMatch(/^planned: \d+ actions? to reach generation 2 \(last applied: 1\)$/);
  expect(out).toContain("      desiredCount: 3 → 1");
  expect(out).toContain("      desiredCount: 1 → 2");
  const api = out.findIndex((l) => /^ {2}\w+ Service lg-planned-api: /.test(l));
  const queue = out.findIndex((l) => /^ {2}\w+ Service lg-planned-queue: /.test(l));
  expect(out[api + 1]).toBe("      desiredCount: 3 → 1");
  expect(out[queue + 1]).toBe("      desiredCount: 1 → 2");

  const json = JSON.parse((await byoc("plan", "planned", "-o", "json")).stdout);
  expect(json).toMatchObject({ generation: 2, observedGeneration: 1 });
  expect(json.actions).toContainEqual(expect.objectContaining({ kind: "Service", resource: "lg-planned-api", diffs: [{ field: "desiredCount", actual: "3", desired: "1" }] }));
  expect(json.actions).toContainEqual(expect.objectContaining({ kind: "Service", resource: "lg-planned-queue", diffs: [{ field: "desiredCount", actual: "1", desired: "2" }] }));

  // Nothing was applied: AWS is as it was, no event was written, and planning again says the same.
  expect(await awsState()).toEqual(before);
  expect(before.services["lg-planned-api"].desiredCount).toBe(3);
  expect((await t.http("GET", "/v1/projects/planned/events?limit=200")).body.items).toHaveLength(eventsBefore);
  expect(JSON.parse((await byoc("plan", "planned", "-o", "json")).stdout).actions).toEqual(json.actions);
});

test("when a step cannot proceed, plan says where it stopped and why", async () => {
  const patched = await t.http("PATCH", "/v1/projects/planned", { externalId: "not-the-trusted-one" }, { "if-match": '"2"' });
  expect(patched.status).toBe(200);
  const r = await byoc("plan", "planned");
  expect(r.code).toBe(0);
  expect(lines(r.stdout)).toEqual([
    "planned: no changes; AWS matches generation 3.",
    expect.stringMatching(/^stopped at Credentials \(terminal, AccessDenied\): .+; later steps not planned$/),
  ]);
  expect(await byoc("plan", "ghost")).toMatchObject({ code: 3, stderr: "byoc: project ghost does not exist\n" });
});
