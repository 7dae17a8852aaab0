// Spec changes converge: each PATCH changes exactly what it must in AWS — in place where AWS allows it —
// and nothing else, and observedGeneration catches up. A change AWS cannot make in place is a Warning
// and a condition, not a loop.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { image, startDaemonWithProject, type TestDaemon } from "../support/daemon.js";
import { sorted, type SandboxView } from "../support/sandbox-view.js";

const ACCOUNT = "100000000001";
const P = "upd";
let t: TestDaemon;
let aws: SandboxView;

beforeAll(async () => {
  // The fixture fails the suite unless the POST answers 201.
  ({ t, aws } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1"), secrets: { OPENAI_API_KEY: "sk-original-0001" } } }));
});
afterAll(async () => { await t?.stop(); });

const registrations = async () => ({
  api: (await aws.taskDefinitions(P, "api")).length,
  queue: (await aws.taskDefinitions(P, "queue")).length,
  redis: (await aws.taskDefinitions(P, "redis")).length,
});

interface Case {
  reason: string;
  patch: Record<string, unknown>;
  /** Every state-changing AWS call the change should make, and no other. */
  writes: string[];
  newRegistrations: { api: number; queue: number; redis: number };
  converged: () => Promise<boolean>;
  events?: RegExp[];
}

const cases: Case[] = [
  {
    reason: "dev → prod: Multi-AZ, 7-day backups, deletion protection and the prod class on the DB in place; 2 API tasks; api and queue autoscale to 10",
    patch: { deploymentType: "prod" },
    writes: [
      "ecs:UpdateService", "rds:ModifyDBInstance", ...Array(2).fill("application-autoscaling:RegisterScalableTarget"),
      ...Array(4).fill("application-autoscaling:PutScalingPolicy"),
    ],
    newRegistrations: { api: 0, queue: 0, redis: 0 },
    converged: async () => {
      const db = await aws.db(P);
      return db?.status === "available" && db.multiAZ && db.deletionProtection && db.backupRetentionPeriod === 7
        && db.instanceClass === "db.m6g.large" && (await aws.service(P, "api"))?.desiredCount === 2;
    },
    events: [/RDS instance lg-upd: .*DBInstanceClass db\.t4g\.micro → db\.m6g\.large/, /MultiAZ false → true/, /DeletionProtection false → true/, /BackupRetentionPeriod 1 → 7/, /ECS service lg-upd-api: desiredCount 1 → 2/],
  },
  {
    reason: "prod → dev: all of it back, deletion protection off, autoscaling removed (policies, then targets)",
    patch: { deploymentType: "dev" },
    writes: [
      "ecs:UpdateService", "rds:ModifyDBInstance", ...Array(4).fill("application-autoscaling:DeleteScalingPolicy"),
      ...Array(2).fill("application-autoscaling:DeregisterScalableTarget"),
    ],
    newRegistrations: { api: 0, queue: 0, redis: 0 },
    converged: async () => {
      const db = await aws.db(P);
      return db?.status === "available" && !db.multiAZ && !db.deletionProtection && db.backupRetentionPeriod === 1
        && db.instanceClass === "db.t4g.micro" && (await aws.service(P, "api"))?.desiredCount === 1;
    },
    events: [/DeletionProtection true → false/, /MultiAZ true → false/],
  },
  {
    reason: "api cpu, memory and replicas: one new api registration and the api service on it; queue and redis untouched",
    patch: { resources: { api: { cpu: 2048, memoryMb: 4096, replicas: 2 } } },
    writes: ["ecs:RegisterTaskDefinition", "ecs:UpdateService"],
    newRegistrations: { api: 1, queue: 0, redis: 0 },
    converged: async () => {
      const s = await aws.service(P, "api");
      const newest = (await aws.taskDefinitions(P, "api")).at(-1)!;
      return s?.desiredCount === 2 && newest.spec.cpu === "2048" && newest.spec.memory === "4096"
        && s.deployments.length === 1 && s.deployments[0].taskDefinition === newest.arn && s.deployments[0].rolloutState === "COMPLETED";
    },
    events: [/ECS service lg-upd-api: .*desiredCount 1 → 2/],
  },
  {
    reason: "env: api and queue get the variable through one new registration each; redis untouched",
    patch: { env: { FEATURE_FLAG: "on" } },
    writes: ["ecs:RegisterTaskDefinition", "ecs:RegisterTaskDefinition", "ecs:UpdateService", "ecs:UpdateService"],
    newRegistrations: { api: 1, queue: 1, redis: 0 },
    converged: async () => {
      for (const role of ["api", "queue"] as const) {
        const c = await aws.runningContainer(P, role);
        if (!c?.environment.some((e: any) => e.name === "FEATURE_FLAG" && e.value === "on")) return false;
      }
      return true;
    },
  },
  {
    reason: "a new secret: written to the env secret and referenced by api and queue (never by value)",
    patch: { secrets: { NEW_TOKEN: "tok-new-0002" } },
    writes: ["secretsmanager:PutSecretValue", "ecs:RegisterTaskDefinition", "ecs:RegisterTaskDefinition", "ecs:UpdateService", "ecs:UpdateService"],
    newRegistrations: { api: 1, queue: 1, redis: 0 },
    converged: async () => {
      if ((await aws.secretJson("langgraph-cloud/upd/env")).NEW_TOKEN !== "tok-new-0002") return false;
      for (const role of ["api", "queue"] as const) {
        const c = await aws.runningContainer(P, role);
        if (!c?.secrets.some((x: any) => x.name === "NEW_TOKEN" && /:secret:langgraph-cloud\/upd\/env-\w+:NEW_TOKEN::$/.test(x.valueFrom))) return false;
      }
      return true;
    },
    events: [/secret langgraph-cloud\/upd\/env: SecretString differs .* NEW_TOKEN \(missing\)/],
  },
  {
    reason: "a rotated secret value: the env secret is written and api and queue are redeployed so their tasks read it; no new registration",
    patch: { secrets: { OPENAI_API_KEY: "sk-rotated-0003" } },
    writes: ["secretsmanager:PutSecretValue", "ecs:UpdateService", "ecs:UpdateService"],
    newRegistrations: { api: 0, queue: 0, redis: 0 },
    converged: async () => {
      if ((await aws.secretJson("langgraph-cloud/upd/env")).OPENAI_API_KEY !== "sk-rotated-0003") return false;
      for (const role of ["api", "queue"] as const) {
        const s = await aws.service(P, role);
        if (s?.deployments.length !== 1 || s.deployments[0].rolloutState !== "COMPLETED") return false;
      }
      return true;
    },
    events: [/ECS service lg-upd-api: a secret value changed after its deployment started; forced a new deployment/, /ECS service lg-upd-queue: a secret value changed/],
  },
  {
    reason: "DB class and storage: one ModifyDBInstance, applied in place; ECS untouched",
    patch: { database: { instanceClass: "db.t4g.small", allocatedStorageGb: 30 } },
    writes: ["rds:ModifyDBInstance"],
    newRegistrations: { api: 0, queue: 0, redis: 0 },
    converged: async () => {
      const db = await aws.db(P);
      return db?.status === "available" && db.instanceClass === "db.t4g.small" && db.allocatedStorage === 30;
    },
    events: [/RDS instance lg-upd: .*DBInstanceClass db\.t4g\.micro → db\.t4g\.small.*AllocatedStorage 20 → 30|AllocatedStorage 20 → 30.*DBInstanceClass/],
  },
];

describe("a PATCH of each field converges with exactly the AWS changes it needs", () => {
  test.each(cases)("$reason", async (c) => {
    const since = t.clock.now();
    const before = await registrations();
    const lastEvent = (await t.events(P)).at(-1)!.id;
    const patched = await t.patch(P, c.patch);
    const s = await t.waitFor(`${P} converged on generation ${patched.generation}`, async () => {
      const st = await t.status(P);
      return st.phase === "Ready" && st.observedGeneration === patched.generation && (await c.converged()) && st;
    });
    expect(s.conditions.every((x: any) => x.status === "True" && x.observedGeneration === patched.generation)).toBe(true);
    const after = await registrations();
    expect({ api: after.api - before.api, queue: after.queue - before.queue, redis: after.redis - before.redis }).toEqual(c.newRegistrations);
    expect(sorted(aws.writes(since))).toEqual(sorted(c.writes));
    const events = (await t.events(P)).filter((e) => Number(e.id) > Number(lastEvent));
    for (const want of c.events ?? []) expect(events.map((e) => e.message), String(want)).toContainEqual(expect.stringMatching(want));
    // The user's change being applied, not drift: recorded as such, and not counted as a drift repair.
    expect(events.map((e) => e.reason)).toContain("SpecApplied");
    expect(events.filter((e) => e.reason === "DriftRepaired")).toEqual([]);
    expect(JSON.stringify(events)).not.toMatch(/sk-original|sk-rotated|tok-new/);
  });
});

test("storage grown out of band cannot be shrunk back: a Warning and a condition, nothing attempted; raising the spec clears it", async () => {
  const lastEvent = (await t.events(P)).at(-1)!.id;
  await t.sandbox.console.modifyDBInstance(ACCOUNT, "us-east-1", "lg-upd", { allocatedStorage: 60 });
  await t.http("POST", `/v1/projects/${P}/reconcile`);
  const s = await t.waitFor("DatabaseReady CannotShrinkStorage", async () => {
    const st = await t.status(P);
    return st.conditions.find((c: any) => c.type === "DatabaseReady" && c.reason === "CannotShrinkStorage") && st;
  });
  expect(s.phase).toBe("Degraded");
  expect(s.conditions.find((c: any) => c.type === "DatabaseReady").message).toMatch(/AllocatedStorage 60 → 30 GiB is impossible; set database.allocatedStorageGb ≥ 60/);
  expect(s.conditions.find((c: any) => c.type === "Synced")).toMatchObject({ status: "False", reason: "CannotShrinkStorage" });
  const warning = await t.waitForEvent(P, "CannotShrinkStorage event", (e) => e.reason === "CannotShrinkStorage", { after: lastEvent });
  expect(warning.type).toBe("Warning");

  // Not a loop: further passes attempt nothing and repeat no Warning.
  const since = t.clock.now();
  for (let i = 0; i < 2; i++) {
    const [{ passes }] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`;
    await t.http("POST", `/v1/projects/${P}/reconcile`);
    await t.waitFor("another pass", async () => (await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`)[0].passes > passes);
  }
  expect(aws.writes(since)).toEqual([]);
  expect((await t.events(P)).filter((e) => e.reason === "CannotShrinkStorage")).toHaveLength(1);

  await t.patch(P, { database: { allocatedStorageGb: 60 } });
  const ready = await t.waitForPhase(P, "Ready");
  expect(ready.observedGeneration).toBe(ready.generation);
  expect(aws.writes(since)).toEqual([]);
});
