// Autoscaling on moto (the independent AWS): a prod project (api 2–10, queue 1–10 by default) gets its
// scalable targets and cpu/memory target-tracking policies; an out-of-band change to a target's range
// is repaired with an event; deleting the project deregisters them before its services go.
// (Dropping maxReplicas to replicas needs the API to accept maxReplicas: covered on the sandbox in
// test/reconcilers/autoscaling.test.ts.)
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  ApplicationAutoScalingClient, DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand, RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CLUSTER_NAME } from "../../src/cloud/names.js";
import type { Moto } from "../support/moto.js";
import { image, REGION, startFileMoto, startWorld, waitFor, waitForEvent, waitForPhase, type World } from "./world.js";

let moto: Moto;
let w: World;
let aas: ApplicationAutoScalingClient;
const P = "scaly";
const id = (role: string) => `service/${CLUSTER_NAME}/lg-${P}-${role}`;
const ECS = { ServiceNamespace: "ecs" as const, ScalableDimension: "ecs:service:DesiredCount" as const };

const targets = async () => ((await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs" }))).ScalableTargets ?? [])
  .map((t) => `${t.ResourceId} ${t.MinCapacity}-${t.MaxCapacity}`).sort();

beforeAll(async () => {
  moto = await startFileMoto();
  w = await startWorld(moto);
  aas = new ApplicationAutoScalingClient({ region: REGION, endpoint: moto.url, credentials: await w.aws.ecs.config.credentials(), maxAttempts: 1 });
  await w.createProject({ name: P, image: image("v1"), deploymentType: "prod" });
  await waitForPhase(w, P, "Ready", 60_000);
}, 120_000);
afterAll(async () => {
  await w?.stop();
  await moto?.stop();
});

test("a prod project: api 2–10 and queue 1–10, each with a cpu and a memory policy at 75 %", async () => {
  expect(await targets()).toEqual([`${id("api")} 2-10`, `${id("queue")} 1-10`]);
  const policies = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs", ResourceId: id("api") }))).ScalingPolicies ?? [];
  expect(policies.map((p) => [p.PolicyName, p.TargetTrackingScalingPolicyConfiguration?.TargetValue, p.TargetTrackingScalingPolicyConfiguration?.ScaleInCooldown]).sort())
    .toEqual([[`lg-${P}-api-cpu`, 75, 1800], [`lg-${P}-api-memory`, 75, 1800]]);
});

test("a target's max changed out of band is put back, with a DriftRepaired event", async () => {
  await aas.send(new RegisterScalableTargetCommand({ ...ECS, ResourceId: id("queue"), MinCapacity: 1, MaxCapacity: 3 }));
  await w.reconcile(P);
  await waitFor("queue max back to 10", async () => (await targets()).includes(`${id("queue")} 1-10`) || undefined);
  const e = await waitForEvent(w, P, "DriftRepaired on the queue target", (x) => x.reason === "DriftRepaired" && x.resource === id("queue"));
  expect(e.message).toBe(`scalable target ${id("queue")}: MaxCapacity 3 → 10`);
});

test("deleting the project deregisters its targets", async () => {
  expect((await w.api("DELETE", `/v1/projects/${P}`)).status).toBe(202);
  await waitFor(`${P} gone`, async () => (await w.api("GET", `/v1/projects/${P}`)).status === 404, 90_000);
  expect(await targets()).toEqual([]);
});
