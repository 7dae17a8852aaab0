// ECS services `lg-<p>-api` (port 8000), `lg-<p>-queue`, `lg-<p>-redis`: Fargate, awsvpc in the private
// subnets with the service SG, deployment circuit breaker with rollback, logs to the shared log group.
// This file owns the services' read (DescribeServices, which the revision step uses first) and provides
// the services as ECS reports them once its changes are applied.
// AWS calls: ecs:DescribeServices (batched across the account's passes that run together),
// ecs:CreateService, ecs:UpdateService, ecs:TagResource, ecs:DeleteService.
// Idempotent create: clientToken from an intent row (reused after a crash; AWS returns the same service);
// an ACTIVE service of the name created with another token → the next pass adopts it if it is ours.
// Idempotent delete: ServiceNotFound / ServiceNotActive / ClusterNotFound (already gone) are what it wanted.
import { CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, TagResourceCommand, UpdateServiceCommand, type Service } from "@aws-sdk/client-ecs";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import { awsErrorCode } from "../src/cloud/errors.js";
import { API_HEALTH_CHECK_GRACE_SECONDS, CLUSTER_NAME, projectNames, SERVICE_ROLES, type ServiceRole } from "../src/cloud/names.js";
import { LICENSE_SECRET_NAMES, type Revision } from "../src/model/project.js";
import { clusterCacheKey } from "./cluster.js";
import { act, blocked, done, halt, proceed, requeue, tolerate, type Action, type NoInput, type PassContext, type Step } from "./contract.js";
import type { Ingress } from "./ingress.js";
import type { Network } from "./network.js";
import { fromTagList, ownershipOf, projectTags, toLowerKeyValue } from "./ownership.js";
import type { RedisRegistry } from "./discovery.js";
import { apiLoadBalancers, decideServices, REDIS_DEPLOYMENT_PERCENTS, redisRegistries, type ServiceChange, type ServiceSeen } from "./serviceChanges.js";
import type { TaskDefinitions } from "./taskDefinitions.js";

export type ServicesByRole = Map<ServiceRole, Service>;
/** What DescribeServices said of the project's services; `clusterMissing`: the cluster was deleted out of band. */
export interface RunningServices { byRole: ServicesByRole; clusterMissing: boolean }

/**
 * A project's three services in one request; up to three projects' requests share a call (ECS takes 10
 * services). A deleted cluster fails the whole call, as it would each project's own.
 */
const servicesRead: BatchRead<string[], Service[]> = {
  key: "ecs:DescribeServices",
  capacity: 10,
  weight: (names) => names.length,
  async run(aws, lists) {
    const out = await aws.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: lists.flat(), include: ["TAGS"] }));
    return lists.map((names) => (out.services ?? []).filter((s) => s.serviceName !== undefined && names.includes(s.serviceName)));
  },
};

export async function describeProjectServices(ctx: PassContext): Promise<RunningServices> {
  const names = projectNames(ctx.project.name);
  const byRole: ServicesByRole = new Map();
  try {
    const found = await batched(ctx.aws, servicesRead, SERVICE_ROLES.map((r) => names.service(r)));
    for (const role of SERVICE_ROLES) {
      const s = found.find((x) => x.serviceName === names.service(role));
      if (s) byRole.set(role, s);
    }
    return { byRole, clusterMissing: false };
  } catch (err) {
    if (awsErrorCode(err) !== "ClusterNotFoundException") throw err;
    // Deleted out of band: the next pass's cluster step must look instead of trusting its cache.
    ctx.cache.delete(clusterCacheKey(ctx));
    return { byRole, clusterMissing: true };
  }
}

export function desiredCount(ctx: Pick<PassContext, "project">, role: ServiceRole): number {
  if (role === "redis") return 1;
  const n = ctx.project.resources[role].replicas;
  return role === "api" && ctx.project.deploymentType === "prod" ? Math.max(2, n) : n;
}

/**
 * The autoscaler's range of an api or queue service whose `maxReplicas` exceeds its minimum (the desired
 * count above; docs/reference.md §4, scalable targets); undefined for a fixed count.
 */
export function desiredRange(ctx: Pick<PassContext, "project">, role: ServiceRole): { min: number; max: number } | undefined {
  if (role === "redis") return undefined;
  const min = desiredCount(ctx, role);
  const max = ctx.project.resources[role].maxReplicas;
  return max > min ? { min, max } : undefined;
}

export const deploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 };
const deploymentConfigurationOf = (role: ServiceRole) => (role === "redis" ? { ...deploymentConfiguration, ...REDIS_DEPLOYMENT_PERCENTS } : deploymentConfiguration);

/** How long the API may run fewer tasks than desired, after its rollout completed, before we redeploy. */
export const BELOW_DESIRED_GRACE_MS = 60_000;

export interface ServicesInput {
  network: Pick<Network, "privateSubnets" | "serviceSg">;
  taskDefinitions: TaskDefinitions;
  target: Revision | undefined;
  running: RunningServices;
  ingress: Pick<Ingress, "targetGroupArn">;
  /** When a secret value the containers read last changed (epoch ms; Infinity: written by this pass). */
  secretsChangedAt: number;
  /** The Cloud Map service redis registers with. */
  registry: RedisRegistry;
  /** The env secret holds a licence key: without one the api and queue are not rolled out. */
  licensed: boolean;
}

/** Since when the API has run below its desired count after a completed rollout (kept in the cache). */
function belowSince(ctx: PassContext, s: Service): number | undefined {
  const key = `below|${s.serviceArn}`;
  const primary = s.deployments?.find((d) => d.status === "PRIMARY");
  if (!primary || primary.rolloutState !== "COMPLETED" || (s.runningCount ?? 0) >= (s.desiredCount ?? 0)) { ctx.cache.delete(key); return undefined; }
  const since = ctx.cache.get<number>(key) ?? Date.now();
  ctx.cache.set(key, since, 3_600_000);
  return since;
}

/** The api is registered with the ingress step's target group (with the grace its health checks need). */
function registration(role: ServiceRole, targetGroupArn: string | undefined) {
  if (role !== "api" || !targetGroupArn) return {};
  return { loadBalancers: apiLoadBalancers(targetGroupArn), healthCheckGracePeriodSeconds: API_HEALTH_CHECK_GRACE_SECONDS };
}

function apply(ctx: PassContext, input: ServicesInput, c: ServiceChange): Action {
  const { ecs } = ctx.aws;
  const name = c.resource;
  const tg = input.ingress.targetGroupArn;
  return act(c, async () => {
    switch (c.op) {
      case "create": {
        const td = input.taskDefinitions[c.role]?.arn;
        if (!td) throw new Error(`create ECS service ${name}: no registered task definition`);
        if (c.recreate) await ctx.intents.clear("Service", name);
        const token = await ctx.intents.begin("Service", name);
        let out;
        try {
          out = await ecs.send(new CreateServiceCommand({
            cluster: CLUSTER_NAME, serviceName: name, taskDefinition: td, desiredCount: desiredCount(ctx, c.role),
            launchType: "FARGATE", clientToken: token.replace(/-/g, "").slice(0, 32), deploymentConfiguration: deploymentConfigurationOf(c.role),
            ...(c.role === "redis" && redisRegistries(input.registry)?.length ? { serviceRegistries: redisRegistries(input.registry) } : {}),
            networkConfiguration: { awsvpcConfiguration: { subnets: input.network.privateSubnets, securityGroups: [input.network.serviceSg], assignPublicIp: "DISABLED" } },
            propagateTags: "SERVICE", enableECSManagedTags: true, tags: toLowerKeyValue(projectTags(ctx)), ...registration(c.role, tg),
          }));
        } catch (err) {
          // ECS's only answer for "an ACTIVE service of this name exists, created with another token" is
          // InvalidParameterException "Creation of service was not idempotent" (no code of its own): it
          // is told from other invalid parameters by reading the service back, never by its message.
          if (awsErrorCode(err) === "InvalidParameterException" && (await describeProjectServices(ctx)).byRole.get(c.role)?.status === "ACTIVE") return;
          throw new Error(`create ECS service ${name}`, { cause: err });
        }
        if (out.service?.serviceArn) await ctx.intents.resolve("Service", name, out.service.serviceArn);
        return;
      }
      case "adopt": return ctx.intents.resolve("Service", name, c.arn);
      case "update": {
        const td = input.taskDefinitions[c.role]?.arn;
        // Registries only when they differ: ECS starts a new deployment whenever they are given; desiredCount only
        // when it is wrong: a count the autoscaler set inside its range is left alone.
        const registries = c.diffs?.some((d) => d.field === "serviceRegistries") ? redisRegistries(input.registry) : undefined;
        await ecs.send(new UpdateServiceCommand({
          cluster: CLUSTER_NAME, service: name, taskDefinition: td, desiredCount: c.desiredCount, deploymentConfiguration: deploymentConfigurationOf(c.role),
          ...(registries ? { serviceRegistries: registries } : {}),
          ...(c.attach ? registration(c.role, tg) : {}),
        }));
        return;
      }
      case "redeploy":
        await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: name, forceNewDeployment: true }));
        if (c.healed) ctx.cache.delete(`below|${c.arn}`);
        return;
      case "tag": await ecs.send(new TagResourceCommand({ resourceArn: c.arn, tags: toLowerKeyValue(c.tags) })); return;
    }
  });
}

export const services: Step<ServicesInput, ServicesByRole> = {
  kind: "Service",
  condition: "ServicesReady",
  async plan(ctx, input) {
    if (input.running.clusterMissing) {
      return halt([], requeue(ctx.pollMs, "ClusterMissing", `ECS cluster ${CLUSTER_NAME} was deleted out of band; recreating it, then the services`));
    }
    const names = projectNames(ctx.project.name);
    const seen: ServiceSeen[] = SERVICE_ROLES.map((role) => {
      const s = input.running.byRole.get(role);
      return { role, name: names.service(role), service: s, interrupted: ctx.intents.pending("Service", names.service(role)), belowSince: s && role === "api" ? belowSince(ctx, s) : undefined };
    });
    const d = decideServices(seen, {
      projectId: ctx.project.id, tags: projectTags(ctx), desiredCount: (role) => desiredCount(ctx, role),
      desiredRange: (role) => desiredRange(ctx, role), taskDefinitions: input.taskDefinitions,
      target: input.target, secretsChangedAt: input.secretsChangedAt, ranBefore: ctx.project.revisions.some((r) => r.status === "DEPLOYED"),
      healGraceMs: ctx.healGraceMs ?? BELOW_DESIRED_GRACE_MS, redisRegistry: input.registry, targetGroupArn: input.ingress.targetGroupArn,
      pollMs: ctx.pollMs, resyncMs: ctx.resyncMs, now: Date.now(),
    });
    const actions = d.changes.map((c) => apply(ctx, input, c));
    if (d.after.kind !== "done") return halt(actions, d.after, { observations: d.observations });
    if (input.target && !input.licensed) {
      const message = `no licence key: the project's secrets hold neither ${LICENSE_SECRET_NAMES.join(" nor ")}, and BYOC_LICENSE_KEY is not set;`
        + " the api and queue are not rolled out (the LangGraph server refuses to start without one)";
      return halt(actions, blocked("MissingLicenseKey", message, { afterMs: ctx.resyncMs }), { observations: d.observations });
    }
    // Changed services read differently now: the rollout step reads them again.
    return proceed(actions, d.after, {
      observations: d.observations,
      provide: async () => (actions.length ? (await describeProjectServices(ctx)).byRole : input.running.byRole),
    });
  },
};

/** Deletion: each service of ours scaled to 0 and deleted; done once none is left draining. */
export const servicesDeletion: Step<NoInput, void> = {
  kind: "Service",
  condition: "ServicesReady",
  async plan(ctx) {
    const { byRole } = await describeProjectServices(ctx);
    const actions: Action[] = [];
    let draining = false;
    for (const s of byRole.values()) {
      const name = s.serviceName;
      if (!name || s.status === "INACTIVE" || ownershipOf(fromTagList(s.tags), ctx.project.id) === "foreign") continue;
      if (s.status === "DRAINING") { draining = true; continue; }
      actions.push(act({
        verb: "delete", kind: "Service", resource: name, reason: "project deleted",
        event: { type: "Normal", reason: "Deleted", message: `ECS service ${name} scaled to 0 and deleted`, resource: name },
      }, async () => {
        const gone = ["ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"];
        await tolerate(async () => {
          await ctx.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: name, desiredCount: 0 }));
          await ctx.aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: name, force: true }));
        }, gone).catch((err) => { throw new Error(`delete ECS service ${name}`, { cause: err }); });
        await ctx.intents.clear("Service", name);
      }));
    }
    if (actions.length || draining) return halt(actions, requeue(ctx.pollMs, "Draining", "services draining"));
    return proceed(actions, done("Deleted", "services deleted"));
  },
};
