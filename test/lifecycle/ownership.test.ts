// Ownership: a same-named resource without our byoc:project-id is never touched — the project reads a
// Conflict condition that says what to do, and deleting the project leaves that resource alone. One
// that carries our tag (here: after the control-plane database was restored from an older backup) is
// adopted, with nothing created, registered or deployed again.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { image, projectBody, roleIn, startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { SandboxView } from "../support/sandbox-view.js";

const REGION = "us-east-1";
let t: TestDaemon;

beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t?.stop(); });

interface ConflictCase {
  resource: string;
  account: string;
  project: string;
  condition: string;
  createForeign: (account: string, project: string) => Promise<unknown>;
  /** What a person would check to see it untouched. */
  snapshot: (aws: SandboxView, project: string) => Promise<unknown>;
}

const conflicts: ConflictCase[] = [
  {
    resource: "secret", account: "100000000011", project: "own-secret", condition: "SecretsReady",
    createForeign: (a, p) => t.sandbox.console.createSecretWithoutTags(a, REGION, `langgraph-cloud/${p}/env`, JSON.stringify({ THEIRS: "keep-me" })),
    snapshot: async (aws, p) => {
      const s = await aws.secret(`langgraph-cloud/${p}/env`);
      return { tags: s?.tags, versions: s?.versions.map((v) => v.value), deleted: s?.deletedAt };
    },
  },
  {
    resource: "RDS instance", account: "100000000012", project: "own-db", condition: "DatabaseReady",
    createForeign: (a, p) => t.sandbox.console.createDBInstanceWithoutTags(a, REGION, `lg-${p}`, { instanceClass: "db.r6g.large" }),
    snapshot: async (aws, p) => {
      const db = await aws.db(p);
      return { status: db?.status, instanceClass: db?.instanceClass, tags: db?.tags, deletionProtection: db?.deletionProtection, storage: db?.allocatedStorage };
    },
  },
  {
    resource: "ECS service", account: "100000000013", project: "own-svc", condition: "ServicesReady",
    createForeign: (a, p) => t.sandbox.console.createServiceWithoutTags(a, REGION, `lg-${p}-api`, { desiredCount: 2 }),
    snapshot: async (aws, p) => {
      const s = await aws.service(p, "api");
      return { status: s?.status, desiredCount: s?.desiredCount, tags: s?.tags, taskDefinition: s?.deployments.map((d) => d.taskDefinition), breaker: s?.deploymentConfiguration };
    },
  },
];

describe("a same-named resource without our byoc:project-id", () => {
  test.concurrent.each(conflicts)("$resource: Conflict with a clear message, never touched, left behind on delete", async (c) => {
    const aws = new SandboxView(t.sandbox, c.account);
    await c.createForeign(c.account, c.project);
    const before = await c.snapshot(aws, c.project);
    const res = await t.http("POST", "/v1/projects", projectBody(c.project, { roleArn: roleIn(c.account), image: image("v1") }));
    expect(res.status).toBe(201);
    const s = await t.waitFor(`${c.project} Conflict`, async () => {
      const st = await t.status(c.project);
      return st.conditions.find((x: any) => x.type === c.condition && x.reason === "Conflict") && st;
    });
    const cond = s.conditions.find((x: any) => x.type === c.condition);
    expect(cond.status).toBe("False");
    expect(cond.message).toMatch(/exists without our byoc:project-id tag; not touching it\. Delete or rename it, or tag it byoc:project-id=<this project's id> to adopt it$/);
    expect(s.conditions.find((x: any) => x.type === "Synced")).toMatchObject({ status: "False", reason: "Conflict" });
    expect(s.phase).toBe("Provisioning");

    // A few more passes: still not touched.
    for (let i = 0; i < 2; i++) {
      const [{ passes }] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${c.project}`;
      await t.http("POST", `/v1/projects/${c.project}/reconcile`);
      await t.waitFor("another pass", async () => (await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${c.project}`)[0].passes > passes);
    }
    expect(await c.snapshot(aws, c.project)).toEqual(before);

    expect((await t.http("DELETE", `/v1/projects/${c.project}`)).status).toBe(202);
    await t.waitFor(`${c.project} gone`, async () => (await t.http("GET", `/v1/projects/${c.project}`)).status === 404);
    expect(await c.snapshot(aws, c.project)).toEqual(before);
  });
});

test("after the control-plane database is restored from an older backup, the resources tagged with the project's id are adopted: nothing is created again", async () => {
  const ACCOUNT = "100000000014";
  const aws = new SandboxView(t.sandbox, ACCOUNT);
  const p = (await t.http("POST", "/v1/projects", projectBody("own-restore", { roleArn: roleIn(ACCOUNT), image: image("v1") }))).body;
  await t.waitForPhase("own-restore", "Ready");
  const counts = async () => {
    const s = await aws.state();
    return {
      secrets: Object.keys(s.secrets.secrets).length, dbs: Object.keys(s.rds.instances).length,
      services: s.ecs.services.length, registrations: Object.values(s.ecs.taskDefinitions).flat().length,
    };
  };
  const before = await counts();

  // The backup predates the rollout: revision 1 QUEUED, no intents, no status — and a new daemon, so
  // nothing is remembered in memory either.
  await t.d.stop();
  const second = await startTestDaemon({ databaseUrl: t.databaseUrl, sandbox: { store: t.sandbox.store } });
  try {
    await second.d.store.sql.begin(async (tx) => {
      await tx`DELETE FROM create_intents WHERE project_id = ${p.id}`;
      await tx`DELETE FROM resource_status WHERE project_id = ${p.id}`;
      await tx`DELETE FROM conditions WHERE project_id = ${p.id}`;
      await tx`UPDATE revisions SET status = 'QUEUED', message = '' WHERE project_id = ${p.id}`;
      await tx`UPDATE projects SET phase = 'Provisioning', observed_generation = 0 WHERE id = ${p.id}`;
    });
    const since = second.clock.now();
    const last = (await second.events("own-restore")).at(-1)!.id;
    await second.http("POST", "/v1/projects/own-restore/reconcile");
    const s = await second.waitForPhase("own-restore", "Ready");
    expect(s.activeRevision).toMatchObject({ number: 1, status: "DEPLOYED" });
    expect(s.observedGeneration).toBe(s.generation);
    expect(await counts()).toEqual(before);
    expect(new SandboxView(second.sandbox, ACCOUNT).writes(since)).toEqual([]);
    const events = (await second.events("own-restore")).filter((e) => Number(e.id) > Number(last)).map((e) => e.reason);
    expect(events).toEqual(["RolloutComplete"]);
  } finally {
    await second.stop();
  }
});
