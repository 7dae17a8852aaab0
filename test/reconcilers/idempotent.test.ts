// Each reconciler's create path is idempotent: applying its create actions twice — as when AWS did the
// work but the process died before recording the answer, and the step is retried — leaves exactly one
// resource.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import pino from "pino";
import { randomBytes } from "node:crypto";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { applyMigrations, connect, type Store } from "../../src/store/db.js";
import { createSealer } from "../../src/store/crypto.js";
import { createProject } from "../../src/store/projects.js";
import { intentsFor } from "../../src/store/intents.js";
import { loadProjects } from "../../src/store/passes.js";
import { TtlCache } from "../../src/engine/cache.js";
import { CREATE_STEPS } from "../../reconcilers/pass.js";
import type { PassContext, Step } from "../../reconcilers/types.js";
import { createTestDatabase } from "../support/db.js";

const ACCOUNT = "210987654321";
const REGION = "eu-west-1";
let store: Store;
let drop: () => Promise<void>;
const sealer = createSealer([randomBytes(32)]);
const sandbox = new SandboxCloud({ delayMs: 50, seed: 3 });
const cloud = new Cloud({ backend: sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "idem" });

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  await applyMigrations(db.url);
  store = connect(db.url);
});
afterAll(async () => { await store.sql.end(); await drop(); });

async function context(name: string): Promise<PassContext> {
  const { project } = await createProject(store, {
    name, region: REGION, roleArn: `arn:aws:iam::${ACCOUNT}:role/op`, accountId: ACCOUNT, externalId: "sandbox-external-id",
    deploymentType: "dev", database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, engineVersion: "16" },
    resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1 }, queue: { cpu: 1024, memoryMb: 2048, replicas: 1 } },
    env: {}, secretNames: ["K"], sealedSecrets: sealer.seal(JSON.stringify({ secrets: { K: "v" } })), deletionPolicy: "delete",
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/app:v1`,
  });
  const desired = (await loadProjects(store, sealer, [project.id])).get(project.id)!.desired;
  const ctx: PassContext = {
    project: desired, operatorId: "idem", log: pino({ level: "silent" }), dryRun: false, pollMs: 50, resyncMs: 60_000,
    facts: {}, intents: intentsFor(store, project.id), cache: new TtlCache(), aws: undefined as never,
    connect: async () => (ctx.aws = await cloud.clientsFor(desired.roleArn, desired.externalId, REGION)),
    observe: () => {}, emit: () => {}, setRevisionStatus: () => {},
  };
  return ctx;
}

const step = (kind: string): Step => CREATE_STEPS.find((s) => s.kind === kind)!;

/** Plans and applies steps up to `kind` until it is done (waiting out AWS's background work). */
async function convergeThrough(ctx: PassContext, kind: string) {
  for (const s of CREATE_STEPS) {
    for (let i = 0; ; i++) {
      const plan = await s.plan(ctx);
      for (const a of plan.actions) await a.run();
      if (plan.after.kind === "done" || (s.kind === "Rollout" && plan.after.kind === "requeue")) break;
      if (i > 100) throw new Error(`${s.kind} did not converge: ${JSON.stringify(plan.after)}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    if (s.kind === kind) return;
  }
}

async function counts() {
  const s = await sandbox.state(ACCOUNT, REGION);
  return {
    Secret: Object.keys(s.secrets.secrets).length,
    DBInstance: Object.keys(s.rds.instances).length,
    Cluster: Object.keys(s.ecs.clusters).length,
    LogGroup: Object.keys(s.logs.groups ?? {}).length,
    TaskDefinition: Object.values(s.ecs.taskDefinitions).flat().length,
    Service: s.ecs.services.filter((x) => x.status === "ACTIVE").length,
  } as Record<string, number>;
}

describe("create twice → one resource", () => {
  // kind → the step before it, which must be converged first, and how many resources one project makes.
  const cases = [
    { kind: "Secret", before: "Network", want: 2 },
    { kind: "DBInstance", before: "Secret", want: 1 },
    { kind: "Cluster", before: "DBInstance", want: 1 },
    { kind: "LogGroup", before: "Cluster", want: 1 },
    { kind: "Service", before: "TaskDefinition", want: 3 },
  ];
  test.each(cases)("$kind: its create actions applied twice leave $want", async ({ kind, before, want }) => {
    await sandbox.setFaults({});
    const ctx = await context(`idem-${kind.toLowerCase()}`);
    const start = (await counts())[kind];
    await convergeThrough(ctx, before);
    const plan = await step(kind).plan(ctx);
    const creates = plan.actions.filter((a) => a.verb === "create");
    expect(creates.length).toBeGreaterThan(0);
    for (const a of creates) await a.run();
    // The crash window: AWS did the work, but the process died before it recorded the answer.
    await store.sql`UPDATE create_intents SET resolved_at = NULL, resource_id = NULL WHERE project_id = ${ctx.project.id}`;
    for (const a of creates) await a.run(); // the retry, with the intent's token
    const shared = kind === "Cluster" || kind === "LogGroup";
    expect((await counts())[kind] - (shared ? 0 : start)).toBe(want);
  });

  test("TaskDefinition: planning again after a registration finds it by spec hash and registers nothing", async () => {
    const ctx = await context("idem-taskdefs");
    await convergeThrough(ctx, "LogGroup");
    const first = await step("TaskDefinition").plan(ctx);
    expect(first.actions.filter((a) => a.verb === "create")).toHaveLength(3);
    for (const a of first.actions) await a.run();
    const registered = (await counts()).TaskDefinition;
    ctx.cache = new TtlCache(); // as after a restart: nothing remembered
    const again = await step("TaskDefinition").plan(ctx);
    expect(again.actions.filter((a) => a.verb === "create")).toHaveLength(0);
    expect((await counts()).TaskDefinition).toBe(registered);
  });
});

describe("an interrupted create is resolved by tag lookup", () => {
  test.each([{ kind: "Secret", before: "Network" }, { kind: "Service", before: "TaskDefinition" }])("$kind: the next pass adopts it, closes the intent and records the create", async ({ kind, before }) => {
    const ctx = await context(`adopt-${kind.toLowerCase()}`);
    await convergeThrough(ctx, before);
    const creates = (await step(kind).plan(ctx)).actions.filter((a) => a.verb === "create");
    for (const a of creates) await a.run();
    // The process died after AWS accepted the creates and before it recorded them.
    await store.sql`UPDATE create_intents SET resolved_at = NULL, resource_id = NULL WHERE project_id = ${ctx.project.id} AND kind = ${kind}`;
    const pending = (await loadProjects(store, sealer, [ctx.project.id])).get(ctx.project.id)!.pendingIntents;
    expect(pending.size).toBe(creates.length);
    ctx.intents = intentsFor(store, ctx.project.id, pending);
    ctx.cache = new TtlCache();
    const next = await step(kind).plan(ctx);
    const adopts = next.actions.filter((a) => a.verb === "adopt");
    expect(adopts.map((a) => a.resource).sort()).toEqual(creates.map((a) => a.resource).sort());
    expect(next.actions.filter((a) => a.verb === "create")).toHaveLength(0);
    for (const a of adopts) await a.run();
    expect(adopts[0].event.reason).toBe("Adopted");
    const [{ open }] = await store.sql`SELECT count(*)::int AS open FROM create_intents WHERE project_id = ${ctx.project.id} AND resolved_at IS NULL`;
    expect(open).toBe(0);
  });
});
