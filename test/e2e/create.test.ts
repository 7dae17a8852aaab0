// The walking skeleton end to end: create → revision → Ready with every condition True, the revision
// QUEUED → DEPLOYING → DEPLOYED, events for each AWS change, nothing created twice.
import postgres from "postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { TAG_PROJECT_ID } from "../../src/cloud/names.js";
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
    ["CredentialsValid", "True"], ["NetworkReady", "True"], ["SecretsReady", "True"], ["DatabaseReady", "True"], ["IngressReady", "True"], ["ServicesReady", "True"], ["Synced", "True"], ["Ready", "True"],
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

  // Nothing created twice: two more passes over the Ready project (resync every 2 s), then every kind
  // the project owns exists once in the account, and each creation was recorded once.
  const sql = postgres(t.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const passes = async () => (await sql<{ n: number }[]>`SELECT passes AS n FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = 'demo'`)[0]?.n ?? 0;
    const before = await passes();
    await t.waitFor("two more passes", async () => (await passes()) >= before + 2, 20_000);
  } finally {
    await sql.end();
  }
  const state = await t.sandbox.state(ACCOUNT, REGION);
  const mine = (tags: Record<string, string>) => tags[TAG_PROJECT_ID] === created.body.id;
  expect(Object.values(state.secrets.secrets).filter((x) => mine(x.tags)).map((x) => x.name).sort())
    .toEqual(["langgraph-cloud/demo/env", "langgraph-cloud/demo/postgres"]);
  expect(Object.values(state.rds.instances).filter((x) => mine(x.tags)).map((x) => x.id)).toEqual(["lg-demo"]);
  // Every CreateService ever made, whatever its status now: a second one of a name is a duplicate.
  expect(state.ecs.services.filter((x) => mine(x.tags)).map((x) => x.name).sort()).toEqual(["lg-demo-api", "lg-demo-queue", "lg-demo-redis"]);
  const registrations = Object.entries(state.ecs.taskDefinitions).map(([family, revs]) => [family, revs.length]);
  expect(registrations.sort()).toEqual([["lg-demo-api", 1], ["lg-demo-queue", 1], ["lg-demo-redis", 1]]);
  expect(Object.values(state.ecs.clusters).filter((c) => c.status === "ACTIVE")).toHaveLength(1);
  expect(Object.values(state.cloudmap.services).filter((x) => mine(x.tags)).map((x) => x.name)).toEqual(["lg-demo-redis"]);
  expect(Object.values(state.elb.loadBalancers).filter((x) => mine(x.tags)).map((x) => x.name)).toEqual(["lg-demo"]);
  expect(Object.values(state.elb.targetGroups).filter((x) => mine(x.tags)).map((x) => x.name)).toEqual(["lg-demo"]);
  expect(Object.values(state.elb.listeners).map((l) => l.port)).toEqual([80]);
  // Several kinds share a name (the DB, the load balancer and the target group are all lg-demo; the Redis's ECS
  // and Cloud Map services lg-demo-redis): the message tells them apart.
  const creations = (await t.events("demo")).filter((e) => e.reason === "Created" || e.reason === "Registered").map((e) => `${e.reason} ${e.message}`);
  expect(creations.length).toBeGreaterThan(0);
  expect(creations.filter((c, i) => creations.indexOf(c) !== i)).toEqual([]);
});
