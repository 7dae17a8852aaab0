// A dry run is the pass apply would run, with nothing applied and nothing recorded: it lists the
// revision transitions the pass would make like any other action, emits no event and moves no
// revision, names a registration it would make by its family (never a made-up ARN), and the pass
// that then applies does what the dry run listed. Real SDK clients over the sandbox, real Postgres.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { addRevision } from "../../src/store/projects.js";
import type { PassResult } from "../../reconcilers/pass.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createDesiredProject, passPlace, type PassPlace } from "../support/pass-context.js";

const ACCOUNT = "616161616161";
const REGION = "us-west-2";
let at: PassPlace;
let p: DesiredProject;

const pass = (dryRun = false) => at.pass(p, { dryRun });

beforeAll(async () => {
  at = await passPlace({ account: ACCOUNT, region: REGION, operatorId: "plan", sandbox: { delayMs: 20, seed: 11 } });
  p = await createDesiredProject(at, "planned-rollout");
  await at.untilReady(p);
  expect(p.revisions[0]).toMatchObject({ number: 1, status: "DEPLOYED" });
}, 120_000);
afterAll(async () => { await at?.close(); });

describe("a dry run with a new revision queued", () => {
  let dry: PassResult;
  beforeAll(async () => {
    const row = await addRevision(at.store, p.id, `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/app:v2`, {});
    p.revisions.unshift({ id: row.id, projectId: p.id, number: row.number, image: row.image, env: {}, status: "QUEUED", message: "", createdAt: new Date() });
    dry = await pass(true);
  });

  test("lists the revision's transition QUEUED → DEPLOYING as an action", () => {
    expect(dry.planned).toContainEqual({
      verb: "transition", kind: "Revision", resource: "revision 2", reason: "ECS deployment in progress",
      diffs: [{ field: "status", actual: "QUEUED", desired: "DEPLOYING" }],
    });
  });

  test("records nothing: no event, no revision update, the revision still QUEUED", () => {
    expect(dry.events).toEqual([]);
    expect(dry.revisionUpdates).toEqual([]);
    expect(p.revisions[0].status).toBe("QUEUED");
  });

  test("names the registrations it would make by family, with no made-up ARN", () => {
    expect(dry.planned.filter((a) => a.kind === "TaskDefinition" && a.verb === "create").map((a) => a.resource).sort())
      .toEqual(["lg-planned-rollout-api", "lg-planned-rollout-queue"]);
    const api = dry.planned.find((a) => a.kind === "Service" && a.resource === "lg-planned-rollout-api");
    expect(api?.diffs).toContainEqual({ field: "taskDefinition", actual: "lg-planned-rollout-api:1", desired: "lg-planned-rollout-api (registered by this pass)" });
    expect(JSON.stringify(dry.planned)).not.toMatch(/\(new\)/);
  });

  test("the pass that applies does what the dry run listed, and records the revision's transition", async () => {
    const applied = await pass();
    // The transition the rollout step records depends on what ECS says once the services moved (the
    // sandbox may finish the deployment within the pass): every other action is exactly as planned.
    const shape = (r: PassResult) => r.planned.filter((a) => a.kind !== "Revision").map((a) => `${a.verb} ${a.kind} ${a.resource}`);
    expect(shape(applied)).toEqual(shape(dry));
    expect(shape(dry).length).toBeGreaterThan(0);
    expect(applied.revisionUpdates.map((u) => `${u.number} ${u.status}`)).toEqual([expect.stringMatching(/^2 (DEPLOYING|DEPLOYED)$/)]);
    expect(applied.events.map((e) => e.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/^Rollout(Started|Complete)$/)]));
    expect(p.revisions[0].status).not.toBe("QUEUED");
  });
});
