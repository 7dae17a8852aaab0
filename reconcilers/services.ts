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
import { adoptInterruptedCreate, conflict, fromTagList, missingTags, ownershipOf, projectTags, tagDrift, toLowerKeyValue } from "./ownership.js";
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
      let out;
      try {
        out = await ctx.aws.ecs.send(new CreateServiceCommand({
        cluster: CLUSTER_NAME, serviceName: name, taskDefinition: ctx.facts.taskDefinitionArns![role], desiredCount: desiredCount(ctx, role),
        launchType: "FARGATE", clientToken: token.replace(/-/g, "").slice(0, 32), deploymentConfiguration,
        networkConfiguration: { awsvpcConfiguration: { subnets: ctx.facts.privateSubnetIds, securityGroups: [ctx.facts.serviceSecurityGroupId!], assignPublicIp: "DISABLED" } },
        propagateTags: "SERVICE", enableECSManagedTags: true, tags: toLowerKeyValue(projectTags(ctx)),
        }));
      } catch (err) {
        // ECS's answer when an ACTIVE service of this name exists (created by an attempt whose answer
        // we lost, with another token): the next pass observes it and adopts it if it is ours.
        if (awsErrorCode(err) === "InvalidParameterException" && /not idempotent/i.test((err as Error).message)) return;
        throw new Error(`create ECS service ${name}`, { cause: err });
      }
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

/**
 * A secret value changed after the service's deployment started (a spec change, or our repair of an
 * out-of-band edit): its tasks hold the old value until replaced, so start a new deployment. Level-
 * triggered on AWS's own timestamps, so a crash between the write and this update is no matter.
 */
function staleSecretsAction(ctx: PassContext, s: Service): Action | undefined {
  const primary = s.deployments?.find((d) => d.status === "PRIMARY");
  const changedAt = ctx.facts.secretsChangedAt ?? 0;
  if (!primary?.createdAt || changedAt <= primary.createdAt.getTime()) return undefined;
  const name = s.serviceName!;
  return {
    verb: "redeploy", kind: "Service", resource: name, reason: "a secret value changed after its tasks started",
    event: { type: "Normal", reason: "Redeployed", message: `ECS service ${name}: a secret value changed after its deployment started; forced a new deployment so its tasks read the new value`, resource: name },
    run: async () => { await ctx.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: name, forceNewDeployment: true })); },
  };
}

/** How long the API may run fewer tasks than desired, after its rollout completed, before we redeploy. */
export const BELOW_DESIRED_GRACE_MS = 60_000;

/**
 * Self-healing: an API service whose completed deployment keeps running fewer tasks than desired
 * (crashed tasks, a stuck placement) gets a new deployment once the grace period has passed.
 */
function planBelowDesired(ctx: PassContext, s: Service): { action?: Action; message: string } | undefined {
  const primary = s.deployments?.find((d) => d.status === "PRIMARY");
  const key = `below|${s.serviceArn}`;
  if (!primary || primary.rolloutState !== "COMPLETED" || (s.runningCount ?? 0) >= (s.desiredCount ?? 0)) { ctx.cache.delete(key); return undefined; }
  const since = ctx.cache.get<number>(key) ?? Date.now();
  ctx.cache.set(key, since, 3_600_000);
  const name = s.serviceName!;
  const message = `ECS service ${name} runs ${s.runningCount}/${s.desiredCount} tasks`;
  const grace = ctx.healGraceMs ?? BELOW_DESIRED_GRACE_MS;
  if (Date.now() - since < grace) return { message: `${message}; waiting ${Math.round(grace / 1000)} s before redeploying` };
  return {
    message: `${message}; forced a new deployment`,
    action: {
      verb: "redeploy", kind: "Service", resource: name, reason: `${s.runningCount}/${s.desiredCount} tasks for over ${Math.round(grace / 1000)} s`,
      event: { type: "Warning", reason: "Redeployed", message: `${message} for over ${Math.round(grace / 1000)} s; forced a new deployment`, resource: name },
      run: async () => {
        await ctx.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: name, forceNewDeployment: true }));
        ctx.cache.delete(key);
      },
    },
  };
}

async function planServices(ctx: PassContext): Promise<StepPlan> {
  const names = projectNames(ctx.project.name);
  const services = ctx.facts.services ?? (await describeProjectServices(ctx));
  if (ctx.facts.clusterMissing) {
    return { actions: [], after: requeue(ctx.pollMs, "ClusterMissing", `ECS cluster ${CLUSTER_NAME} was deleted out of band; recreating it, then the services`) };
  }
  // A revision was deployed, so every service ran: one that is gone now (INACTIVE, or already purged
  // and MISSING) was deleted out of band.
  const ranBefore = ctx.project.revisions.some((r) => r.status === "DEPLOYED");
  const actions: Action[] = [];
  let below: string | undefined;
  for (const role of SERVICE_ROLES) {
    if (!ctx.facts.taskDefinitionArns?.[role]) continue;
    const name = names.service(role);
    const s = services.get(name);
    if (!s || s.status === "INACTIVE") { actions.push(createAction(ctx, role, name, s?.status === "INACTIVE" || ranBefore)); continue; }
    const tags = fromTagList(s.tags);
    if (ownershipOf(tags, ctx.project.id) === "foreign") return { actions: [], after: conflict(`ECS service ${name}`, tags, ctx.resyncMs) };
    const adopted = adoptInterruptedCreate(ctx, "Service", name, s.serviceArn);
    if (adopted) actions.push(adopted);
    if (s.status === "DRAINING") return { actions, after: requeue(ctx.pollMs, "Draining", `ECS service ${name} is draining after an out-of-band delete; will recreate it`) };
    ctx.observe({ kind: "Service", name, arn: s.serviceArn ?? null, phase: `${s.status} ${s.runningCount}/${s.desiredCount}`, lastError: null });
    const diffs = serviceDiffs(ctx, role, s);
    const stale = role === "redis" ? undefined : staleSecretsAction(ctx, s);
    if (diffs.length) actions.push(updateAction(ctx, role, s, diffs));
    else if (stale) actions.push(stale);
    else if (role === "api") {
      const heal = planBelowDesired(ctx, s);
      if (heal) { if (heal.action) actions.push(heal.action); below = heal.message; }
    }
    const missing = missingTags(tags, projectTags(ctx));
    if (Object.keys(missing).length) {
      actions.push({
        verb: "tag", kind: "Service", resource: name, reason: "tags drifted",
        diffs: Object.keys(missing).map((k) => ({ field: `tags.${k}`, actual: tags[k] ?? "(absent)", desired: missing[k] })),
        event: { type: "Normal", reason: "DriftRepaired", message: `ECS service ${name}: ${tagDrift(tags, missing)}`, resource: name },
        run: async () => { await ctx.aws.ecs.send(new TagResourceCommand({ resourceArn: s.serviceArn, tags: toLowerKeyValue(missing) })); },
      });
    }
  }
  if (actions.length) ctx.facts.services = undefined; // stale once applied; rollout describes again
  if (below) return { actions, after: requeue(ctx.pollMs, "TasksBelowDesired", below) };
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
