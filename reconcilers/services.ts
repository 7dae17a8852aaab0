// ECS services `lg-<p>-api` (port 8000), `lg-<p>-queue`, `lg-<p>-redis`: Fargate, awsvpc in the private
// subnets with the service SG, deployment circuit breaker with rollback, logs to the shared log group.
// AWS calls: ecs:DescribeServices (shared with rollout), ecs:CreateService, ecs:UpdateService,
// ecs:TagResource, ecs:DeleteService.
// Idempotent create: clientToken from an intent row (reused after a crash; AWS returns the same service).
import {
  CreateServiceCommand, DeleteServiceCommand, TagResourceCommand, UpdateServiceCommand, type Service,
} from "@aws-sdk/client-ecs";
import { awsErrorCode } from "../src/cloud/errors.js";
import { CLUSTER_NAME, projectNames, SERVICE_ROLES, type ServiceRole } from "../src/cloud/names.js";
import { conflict, fromTagList, missingTags, ownershipOf, projectTags, toLowerKeyValue } from "./ownership.js";
import { describeProjectServices } from "./rollout.js";
import type { Action, FieldDiff, PassContext, Step, StepPlan } from "./types.js";
import { done, requeue } from "./types.js";

export function desiredCount(ctx: PassContext, role: ServiceRole): number {
  if (role === "redis") return 1;
  const n = ctx.project.resources[role].replicas;
  return role === "api" && ctx.project.deploymentType === "prod" ? Math.max(2, n) : n;
}

const deploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 };

function createAction(ctx: PassContext, role: ServiceRole, name: string, recreate: boolean): Action {
  return {
    verb: "create", kind: "Service", resource: name, reason: recreate ? "service was deleted" : "service does not exist",
    event: { type: recreate ? "Warning" : "Normal", reason: recreate ? "Recreated" : "Created", message: `${recreate ? "recreated deleted" : "created"} ECS service ${name} (${desiredCount(ctx, role)} tasks)`, resource: name },
    async run() {
      if (recreate) await ctx.intents.clear("Service", name);
      const token = await ctx.intents.begin("Service", name);
      const out = await ctx.aws.ecs.send(new CreateServiceCommand({
        cluster: CLUSTER_NAME, serviceName: name, taskDefinition: ctx.facts.taskDefinitionArns![role], desiredCount: desiredCount(ctx, role),
        launchType: "FARGATE", clientToken: token.replace(/-/g, "").slice(0, 32), deploymentConfiguration,
        networkConfiguration: { awsvpcConfiguration: { subnets: ctx.facts.privateSubnetIds, securityGroups: [ctx.facts.serviceSecurityGroupId!], assignPublicIp: "DISABLED" } },
        propagateTags: "SERVICE", enableECSManagedTags: true, tags: toLowerKeyValue(projectTags(ctx)),
      }));
      await ctx.intents.resolve("Service", name, out.service!.serviceArn!);
    },
  };
}

function serviceDiffs(ctx: PassContext, role: ServiceRole, s: Service): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const wantTd = ctx.facts.taskDefinitionArns![role]!;
  if (s.taskDefinition !== wantTd) diffs.push({ field: "taskDefinition", actual: s.taskDefinition?.split("/").pop() ?? "", desired: wantTd.split("/").pop()! });
  if (s.desiredCount !== desiredCount(ctx, role)) diffs.push({ field: "desiredCount", actual: String(s.desiredCount), desired: String(desiredCount(ctx, role)) });
  const cb = s.deploymentConfiguration?.deploymentCircuitBreaker;
  if (!cb?.enable || !cb.rollback) diffs.push({ field: "deploymentCircuitBreaker", actual: JSON.stringify(cb ?? null), desired: JSON.stringify(deploymentConfiguration.deploymentCircuitBreaker) });
  return diffs;
}

function updateAction(ctx: PassContext, role: ServiceRole, s: Service, diffs: FieldDiff[]): Action {
  const target = ctx.facts.targetRevision;
  const isRollout = role !== "redis" && target?.status === "QUEUED" && diffs.some((d) => d.field === "taskDefinition");
  const name = s.serviceName!;
  return {
    verb: "update", kind: "Service", resource: name, reason: isRollout ? `roll out revision ${target!.number}` : "managed fields differ", diffs,
    event: isRollout
      ? { type: "Normal", reason: "Deploying", message: `ECS service ${name}: deploying revision ${target!.number} (${diffs.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ")})`, resource: name }
      : { type: "Normal", reason: "DriftRepaired", message: `ECS service ${name}: ${diffs.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ")}`, resource: name },
    run: async () => {
      await ctx.aws.ecs.send(new UpdateServiceCommand({
        cluster: CLUSTER_NAME, service: name, taskDefinition: ctx.facts.taskDefinitionArns![role], desiredCount: desiredCount(ctx, role), deploymentConfiguration,
      }));
    },
  };
}

async function planServices(ctx: PassContext): Promise<StepPlan> {
  const names = projectNames(ctx.project.name);
  const services = ctx.facts.services ?? (await describeProjectServices(ctx));
  const actions: Action[] = [];
  for (const role of SERVICE_ROLES) {
    if (!ctx.facts.taskDefinitionArns?.[role]) continue;
    const name = names.service(role);
    const s = services.get(name);
    if (!s || s.status === "INACTIVE") { actions.push(createAction(ctx, role, name, s?.status === "INACTIVE")); continue; }
    const tags = fromTagList(s.tags);
    if (ownershipOf(tags, ctx.project.id) === "foreign") return { actions: [], after: conflict(`ECS service ${name}`, tags, ctx.resyncMs) };
    if (s.status === "DRAINING") return { actions, after: requeue(ctx.pollMs, "Draining", `ECS service ${name} is draining after an out-of-band delete; will recreate it`) };
    ctx.observe({ kind: "Service", name, arn: s.serviceArn ?? null, phase: `${s.status} ${s.runningCount}/${s.desiredCount}`, lastError: null });
    const diffs = serviceDiffs(ctx, role, s);
    if (diffs.length) actions.push(updateAction(ctx, role, s, diffs));
    const missing = missingTags(tags, projectTags(ctx));
    if (Object.keys(missing).length) {
      actions.push({
        verb: "tag", kind: "Service", resource: name, reason: "tags drifted",
        diffs: Object.keys(missing).map((k) => ({ field: `tags.${k}`, actual: tags[k] ?? "(absent)", desired: missing[k] })),
        event: { type: "Normal", reason: "DriftRepaired", message: `ECS service ${name}: restored tags ${Object.keys(missing).join(", ")}`, resource: name },
        run: async () => { await ctx.aws.ecs.send(new TagResourceCommand({ resourceArn: s.serviceArn, tags: toLowerKeyValue(missing) })); },
      });
    }
  }
  if (actions.length) ctx.facts.services = undefined; // stale once applied; rollout describes again
  return { actions, after: done("ServicesInSync", "services match the spec") };
}

async function planDeleteServices(ctx: PassContext): Promise<StepPlan> {
  const services = await describeProjectServices(ctx);
  const actions: Action[] = [];
  let draining = false;
  for (const s of services.values()) {
    if (s.status === "INACTIVE") continue;
    if (ownershipOf(fromTagList(s.tags), ctx.project.id) === "foreign") continue;
    if (s.status === "DRAINING") { draining = true; continue; }
    const name = s.serviceName!;
    actions.push({
      verb: "delete", kind: "Service", resource: name, reason: "project deleted",
      event: { type: "Normal", reason: "Deleted", message: `ECS service ${name} scaled to 0 and deleted`, resource: name },
      run: async () => {
        try {
          await ctx.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: name, desiredCount: 0 }));
          await ctx.aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: name, force: true }));
        } catch (err) {
          if (!["ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"].includes(awsErrorCode(err))) throw new Error(`delete ECS service ${name}`, { cause: err });
        }
        await ctx.intents.clear("Service", name);
      },
    });
  }
  if (actions.length || draining) return { actions, after: requeue(ctx.pollMs, "Draining", "services draining") };
  return { actions, after: done("Deleted", "services deleted") };
}

export const services: Step = {
  kind: "Service",
  condition: "ServicesReady",
  plan: planServices,
  planDelete: planDeleteServices,
};
