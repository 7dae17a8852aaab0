// Autoscaling: the pure decide as a table, then whole passes over the real SDK clients with the
// sandbox beneath them (real Postgres for the rows): targets and policies where maxReplicas asks,
// drift repaired, the autoscaler's count left alone, removal, and deletion before the services.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DeleteScalingPolicyCommand, RegisterScalableTargetCommand, type ScalingPolicy } from "@aws-sdk/client-application-auto-scaling";
import { decideScaling, policyConfiguration, type ScalingSeen } from "../../reconcilers/autoscalingChanges.js";
import type { PassResult } from "../../reconcilers/pass.js";
import { CLUSTER_NAME } from "../../src/cloud/names.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createDesiredProject, passPlace, type PassPlace } from "../support/pass-context.js";

const PID = "00000000-0000-0000-0000-000000000001";
const OURS = { "langgraph-cloud": "p", "byoc:project-id": PID, "byoc:managed-by": "op" };
const RID = `service/${CLUSTER_NAME}/lg-p-queue`;

describe("decide", () => {
  const policy = (metric: "cpu" | "memory", extra: Record<string, unknown> = {}): ScalingPolicy => ({
    PolicyName: `lg-p-queue-${metric}`, ResourceId: RID, PolicyType: "TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration: { ...policyConfiguration(metric), ...extra },
  } as ScalingPolicy);
  const target = { ResourceId: RID, MinCapacity: 1, MaxCapacity: 5, ScalableTargetARN: "arn:t" } as NonNullable<ScalingSeen["target"]>;
  const seen = (extra: Partial<ScalingSeen> = {}): ScalingSeen => ({
    role: "queue", resourceId: RID, target, tags: OURS, policies: [policy("cpu"), policy("memory")], serviceActive: true, range: { min: 1, max: 5 }, ...extra,
  });
  const want = { projectId: PID, tags: OURS, resyncMs: 60_000 };
  test.each([
    { reason: "as desired → nothing", s: seen(), w: want, want: [], after: "ScalingInSync" },
    {
      reason: "autoscales, no target yet → register it, then both policies", s: seen({ target: undefined, tags: undefined, policies: [] }), w: want,
      want: ["create ScalableTarget Created", "create lg-p-queue-cpu Created", "create lg-p-queue-memory Created"], after: "ScalingInSync",
    },
    { reason: "no service yet → wait for it (RegisterScalableTarget needs one)", s: seen({ target: undefined, policies: [], serviceActive: false }), w: want, want: [], after: "NotAutoscaled" },
    { reason: "max changed out of band → DriftRepaired", s: seen({ target: { ...target, MaxCapacity: 9 } }), w: want, want: ["update ScalableTarget DriftRepaired MaxCapacity 9→5"], after: "ScalingInSync" },
    { reason: "a cooldown changed → DriftRepaired", s: seen({ policies: [policy("cpu", { ScaleInCooldown: 300 }), policy("memory")] }), w: want, want: ["update lg-p-queue-cpu DriftRepaired ScaleInCooldown 300→1800"], after: "ScalingInSync" },
    { reason: "a policy deleted out of band → recreated (Warning)", s: seen({ policies: [policy("cpu")] }), w: want, want: ["create lg-p-queue-memory Recreated"], after: "ScalingInSync" },
    {
      reason: "no longer autoscales → its policies, then the target", s: seen({ range: undefined }), w: want,
      want: ["delete lg-p-queue-cpu Deleted", "delete lg-p-queue-memory Deleted", "delete ScalableTarget Deleted"], after: "NotAutoscaled",
    },
    { reason: "someone else's target on our service → Conflict, nothing changed", s: seen({ tags: {} }), w: want, want: [], after: "Conflict" },
    { reason: "someone else's target, not autoscaling → left alone", s: seen({ tags: {}, range: undefined }), w: want, want: [], after: "NotAutoscaled" },
    { reason: "a target without an ARN (its tags unreadable) goes with our service → repaired", s: seen({ tags: undefined, target: { ...target, ScalableTargetARN: undefined, MaxCapacity: 9 } }), w: want, want: ["update ScalableTarget DriftRepaired MaxCapacity 9→5"], after: "ScalingInSync" },
    { reason: "a tag removed → tagged back", s: seen({ tags: { ...OURS, "langgraph-cloud": "x" } }), w: want, want: ["tag ScalableTarget DriftRepaired tags.langgraph-cloud x→p"], after: "ScalingInSync" },
  ])("$reason", ({ s, w, want: expected, after }) => {
    const d = decideScaling([s], w);
    const got = d.changes.map((c) => [`${c.verb} ${c.kind === "ScalableTarget" ? c.kind : c.resource} ${c.event?.reason}`, ...(c.diffs ?? []).map((x) => `${x.field} ${x.actual}→${x.desired}`)].join(" "));
    expect(got).toEqual(expected);
    expect("reason" in d.after && d.after.reason).toBe(after);
  });
});

describe("passes over the sandbox", () => {
  const ACCOUNT = "515151515151";
  const REGION = "us-east-1";
  let at: PassPlace;
  let p: DesiredProject;
  const pass = () => at.pass(p);
  const untilReady = () => at.untilReady(p);
  const state = () => at.state();
  const targets = async () => Object.values((await state()).scaling.targets).map((t) => `${t.resourceId} ${t.min}-${t.max}`).sort();
  const policies = async () => Object.values((await state()).scaling.policies).map((x) => x.name).sort();
  const count = async (role: string) => (await state()).ecs.services.find((s) => s.name === `lg-scale-${role}` && s.status === "ACTIVE")?.desiredCount;
  const events = (rs: PassResult[]) => rs.flatMap((r) => r.events).map((e) => `${e.reason}: ${e.message}`);
  const aas = async () => (await at.cloud.clientsFor(p.roleArn, p.externalId, REGION)).autoscaling;
  const queueId = `service/${CLUSTER_NAME}/lg-scale-queue`;

  beforeAll(async () => {
    at = await passPlace({ account: ACCOUNT, region: REGION, operatorId: "scaling", sandbox: { delayMs: 20, seed: 9 } });
    p = await createDesiredProject(at, "scale");
    p.resources.queue.maxReplicas = 4;
    await untilReady();
  }, 120_000);
  afterAll(async () => { await at?.close(); });

  test("the queue (maxReplicas 4) gets a target 1–4 and two policies, tagged; the api (fixed) none", async () => {
    expect(await targets()).toEqual([`${queueId} 1-4`]);
    expect(await policies()).toEqual(["lg-scale-queue-cpu", "lg-scale-queue-memory"]);
    const t = Object.values((await state()).scaling.targets)[0];
    expect(t.tags["byoc:project-id"]).toBe(p.id);
    const pol = Object.values((await state()).scaling.policies).find((x) => x.name === "lg-scale-queue-cpu")!;
    expect(pol.targetTracking).toMatchObject({ TargetValue: 75, ScaleOutCooldown: 60, ScaleInCooldown: 1800 });
  });

  test("a count the autoscaler set inside [1, 4] is left alone; one outside is brought back in range", async () => {
    await at.sandbox.console.autoscale(ACCOUNT, REGION, "lg-scale-queue", 3);
    const within = await untilReady();
    expect(await count("queue")).toBe(3);
    expect(events(within).filter((e) => e.includes("desiredCount"))).toEqual([]);
    await at.sandbox.console.setServiceDesiredCount(ACCOUNT, REGION, "lg-scale-queue", 9);
    const outside = await untilReady();
    expect(await count("queue")).toBe(4);
    expect(events(outside)).toContain("DriftRepaired: ECS service lg-scale-queue: desiredCount 9 → 4");
  });

  test("min/max and a deleted policy changed out of band are repaired, each an event", async () => {
    const client = await aas();
    await client.send(new RegisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: queueId, ScalableDimension: "ecs:service:DesiredCount", MaxCapacity: 8 }));
    await client.send(new DeleteScalingPolicyCommand({ ServiceNamespace: "ecs", ResourceId: queueId, ScalableDimension: "ecs:service:DesiredCount", PolicyName: "lg-scale-queue-memory" }));
    const rs = await untilReady();
    expect(await targets()).toEqual([`${queueId} 1-4`]);
    expect(await policies()).toEqual(["lg-scale-queue-cpu", "lg-scale-queue-memory"]);
    expect(events(rs)).toEqual(expect.arrayContaining([
      `DriftRepaired: scalable target ${queueId}: MaxCapacity 8 → 4`,
      "Recreated: recreated deleted scaling policy lg-scale-queue-memory (ECSServiceAverageMemoryUtilization 75)",
    ]));
  });

  test("a pass with nothing to change reads targets and policies once each and writes nothing", async () => {
    at.sandbox.calls.reset();
    await untilReady();
    const ops = ["DescribeScalableTargets", "DescribeScalingPolicies", "ListTagsForResource", "RegisterScalableTarget", "PutScalingPolicy"];
    expect(Object.fromEntries(ops.map((o) => [o, at.sandbox.calls.count(`application-autoscaling:${o}`)]))).toEqual({
      DescribeScalableTargets: 1, DescribeScalingPolicies: 1, ListTagsForResource: 0, RegisterScalableTarget: 0, PutScalingPolicy: 0,
    });
  });

  test("maxReplicas back to replicas → policies deleted, then the target; the count is the fixed one", async () => {
    p.resources.queue.maxReplicas = 1;
    const rs = await untilReady();
    expect(await targets()).toEqual([]);
    expect(await policies()).toEqual([]);
    expect(await count("queue")).toBe(1);
    expect(events(rs)).toContain(`Deleted: scalable target ${queueId} deregistered (the service no longer autoscales)`);
  });

  test("deletion deregisters the targets before the services are deleted", async () => {
    p.resources.api.maxReplicas = 3;
    await untilReady();
    expect(await targets()).toEqual([`service/${CLUSTER_NAME}/lg-scale-api 1-3`]);
    at.sandbox.calls.reset();
    p.deleting = true;
    await at.until(p, (r) => r.deleted);
    expect(await targets()).toEqual([]);
    const order = at.sandbox.calls.entries.map((c) => c.operation).filter((o) => o === "DeregisterScalableTarget" || o === "DeleteService");
    expect(order[0]).toBe("DeregisterScalableTarget");
    expect(order).toContain("DeleteService");
  });
});
