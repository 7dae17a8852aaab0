// The walking skeleton end to end: create → revision → Ready with every condition True, the revision
// QUEUED → DEPLOYING → DEPLOYED, events for each AWS change, nothing created twice.
import { afterAll, beforeAll, expect, test } from "vitest";
import { image, projectBody, startTestDaemon, ACCOUNT, REGION, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t?.stop(); });

test("create → Provisioning → Ready; revision QUEUED → DEPLOYING → DEPLOYED", async () => {
  const created = await t.http("POST", "/v1/projects", projectBody("demo", { secrets: { OPENAI_API_KEY: "sk-e2e-secret" } }));
  expect(created.status).toBe(201);
  expect(created.body.phase).toBe("Provisioning");
  // No revision yet: everything but the services converges; ServicesReady says why.
  const awaiting = await t.waitFor("AwaitingRevision", async () => {
    const s = await t.status("demo");
    return s.conditions.find((c: any) => c.type === "ServicesReady" && c.reason === "AwaitingRevision") && s;
  });
  expect(awaiting.conditions.find((c: any) => c.type === "DatabaseReady").status).toBe("True");
  expect(awaiting.phase).toBe("Provisioning");

  const rev = await t.http("POST", "/v1/projects/demo/revisions", { image: image("v1") });
  expect(rev.status).toBe(201);
  expect(rev.body.status).toBe("QUEUED");
  const seen = new Set<string>();
  const ready = await t.waitFor("Ready", async () => {
    const s = await t.status("demo");
    if (s.latestRevision) seen.add(s.latestRevision.status);
    return s.phase === "Ready" && s;
  });
  expect(ready.conditions.map((c: any) => [c.type, c.status])).toEqual([
    ["CredentialsValid", "True"], ["NetworkReady", "True"], ["SecretsReady", "True"], ["DatabaseReady", "True"], ["ServicesReady", "True"], ["Synced", "True"], ["Ready", "True"],
  ]);
  expect(ready.activeRevision).toEqual({ number: 1, image: image("v1"), status: "DEPLOYED" });
  expect(seen.has("DEPLOYING")).toBe(true);
  expect(ready.observedGeneration).toBe(ready.generation);

  const events = (await t.http("GET", "/v1/projects/demo/events?limit=200")).body.items.map((e: any) => `${e.reason} ${e.message}`);
  for (const want of ["Created created secret langgraph-cloud/demo/postgres", "Created created secret langgraph-cloud/demo/env", "Created creating RDS instance lg-demo",
    "Registered registered task definition lg-demo-api", "Created created ECS service lg-demo-api", "RolloutComplete revision 1 deployed"]) {
    expect(events.some((e: string) => e.startsWith(want)), want).toBe(true);
  }
  expect(JSON.stringify(events)).not.toContain("sk-e2e-secret");

  const state = await t.sandbox.state(ACCOUNT, REGION);
  console.log(Object.keys(state));
});
