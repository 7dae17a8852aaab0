// Each reconciler's create path is idempotent: applying its create actions twice — as when AWS did the
// work but the process died before recording the answer, and the step is retried — leaves exactly one
// resource.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { intentsFor } from "../../src/store/intents.js";
import { loadProjects } from "../../src/store/passes.js";
import { TtlCache } from "../../src/engine/cache.js";
import { convergeThrough, noRecord, passPlace, planStep, projectContext, type PassPlace } from "../support/pass-context.js";

const WHERE = { account: "210987654321", region: "eu-west-1", operatorId: "idem", sandbox: { delayMs: 50, seed: 3 } };
let at: PassPlace;
beforeAll(async () => { at = await passPlace(WHERE); });
afterAll(async () => { await at?.close(); });

const context = (name: string) => projectContext(at, name);

async function counts() {
  const s = await at.state();
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
    // Redis first: the api and queue are created once it runs (a later pass), so one pass's creates make one.
    { kind: "Service", before: "CloudMapService", want: 1 },
  ];
  test.each(cases)("$kind: its create actions applied twice leave $want", async ({ kind, before, want }) => {
    await at.sandbox.setFaults({});
    const ctx = await context(`idem-${kind.toLowerCase()}`);
    const start = (await counts())[kind];
    await convergeThrough(ctx, before);
    const plan = await planStep(ctx, kind);
    const creates = plan.actions.filter((a) => a.verb === "create");
    expect(creates.length).toBeGreaterThan(0);
    for (const a of creates) await a.run(noRecord);
    // The crash window: AWS did the work, but the process died before it recorded the answer.
    await at.store.sql`UPDATE create_intents SET resolved_at = NULL, resource_id = NULL WHERE project_id = ${ctx.project.id}`;
    for (const a of creates) await a.run(noRecord); // the retry, with the intent's token
    const shared = kind === "Cluster" || kind === "LogGroup";
    expect((await counts())[kind] - (shared ? 0 : start)).toBe(want);
  });

  test("Service: a create retried with another token (its intent lost) finds the service there: no error, still 1", async () => {
    const ctx = await context("idem-service-token");
    const start = (await counts()).Service;
    await convergeThrough(ctx, "CloudMapService");
    const creates = (await planStep(ctx, "Service")).actions.filter((a) => a.verb === "create");
    for (const a of creates) await a.run(noRecord);
    // ECS answers InvalidParameterException ("not idempotent"): the create reads the service back by name.
    await at.store.sql`DELETE FROM create_intents WHERE project_id = ${ctx.project.id}`;
    for (const a of creates) await a.run(noRecord);
    expect((await counts()).Service - start).toBe(1);
  });

  test("TaskDefinition: planning again after a registration finds it by spec hash and registers nothing", async () => {
    const ctx = await context("idem-taskdefs");
    await convergeThrough(ctx, "LogGroup");
    const first = await planStep(ctx, "TaskDefinition");
    expect(first.actions.filter((a) => a.verb === "create")).toHaveLength(3);
    for (const a of first.actions) await a.run(noRecord);
    const registered = (await counts()).TaskDefinition;
    ctx.cache = new TtlCache(); // as after a restart: nothing remembered
    const again = await planStep(ctx, "TaskDefinition");
    expect(again.actions.filter((a) => a.verb === "create")).toHaveLength(0);
    expect((await counts()).TaskDefinition).toBe(registered);
  });
});

describe("an interrupted create is resolved by tag lookup", () => {
  test.each([{ kind: "Secret", before: "Network" }, { kind: "Service", before: "CloudMapService" }])("$kind: the next pass adopts it, closes the intent and records the create", async ({ kind, before }) => {
    const ctx = await context(`adopt-${kind.toLowerCase()}`);
    await convergeThrough(ctx, before);
    const creates = (await planStep(ctx, kind)).actions.filter((a) => a.verb === "create");
    for (const a of creates) await a.run(noRecord);
    // The process died after AWS accepted the creates and before it recorded them.
    await at.store.sql`UPDATE create_intents SET resolved_at = NULL, resource_id = NULL WHERE project_id = ${ctx.project.id} AND kind = ${kind}`;
    const pending = (await loadProjects(at.store, at.sealer, [ctx.project.id])).get(ctx.project.id)!.pendingIntents;
    expect(pending.size).toBe(creates.length);
    ctx.intents = intentsFor(at.store, ctx.project.id, pending);
    ctx.cache = new TtlCache();
    const next = await planStep(ctx, kind);
    const adopts = next.actions.filter((a) => a.verb === "adopt");
    expect(adopts.map((a) => a.resource).sort()).toEqual(creates.map((a) => a.resource).sort());
    // Nothing created again (the api and queue may be created now that redis runs: they are new).
    expect(next.actions.filter((a) => a.verb === "create" && creates.some((c) => c.resource === a.resource))).toHaveLength(0);
    for (const a of adopts) await a.run(noRecord);
    expect(adopts[0].event?.reason).toBe("Adopted");
    const [{ open }] = await at.store.sql`SELECT count(*)::int AS open FROM create_intents WHERE project_id = ${ctx.project.id} AND resolved_at IS NULL`;
    expect(open).toBe(0);
  });
});
