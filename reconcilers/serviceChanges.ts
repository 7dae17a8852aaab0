// The services' decide(): from what DescribeServices said of each role's service and the desired state,
// the changes to make and the step's outcome. Pure (no AWS, no clock, no cache), so every case is a row
// in test/reconcilers/services.decide.test.ts; services.ts observes and applies.
import type { Service } from "@aws-sdk/client-ecs";
import { API_HEALTH_CHECK_GRACE_SECONDS, CONTAINER_PORT, type ServiceRole } from "../src/cloud/names.js";
import type { ResourceObservation, Revision } from "../src/model/project.js";
import { done, requeue, type Change, type FieldDiff, type Outcome } from "./contract.js";
import type { RedisRegistry } from "./discovery.js";
import { adoptChange, conflict, fromTagList, missingTags, ownershipOf, tagChange, type TagMap } from "./ownership.js";
import type { TaskDefinitions } from "./taskDefinitions.js";

export interface ServiceSeen {
  role: ServiceRole;
  name: string;
  service: Service | undefined;
  /** An interrupted create of ours left its intent open. */
  interrupted: boolean;
  /** Since when the API has run below its desired count after a completed rollout (epoch ms). */
  belowSince: number | undefined;
}

export interface ServicesWant {
  projectId: string;
  tags: TagMap;
  desiredCount(role: ServiceRole): number;
  /** The autoscaler's [min, max] of an autoscaled service: a count inside it is the autoscaler's, not drift. */
  desiredRange(role: ServiceRole): { min: number; max: number } | undefined;
  taskDefinitions: TaskDefinitions;
  target: Revision | undefined;
  secretsChangedAt: number;
  /** A revision was deployed, so every service ran: one that is gone now was deleted out of band. */
  ranBefore: boolean;
  healGraceMs: number;
  /** The Cloud Map service the redis service registers with (discovery.ts). */
  redisRegistry: RedisRegistry;
  /** The target group the api registers with (the ingress step's; undefined in a dry run that creates it). */
  targetGroupArn: string | undefined;
  pollMs: number;
  resyncMs: number;
  now: number;
}

type ServiceOp =
  | { op: "create"; role: ServiceRole; recreate: boolean }
  | { op: "adopt"; arn: string }
  | { op: "update"; role: ServiceRole; attach: boolean; desiredCount: number | undefined }
  | { op: "redeploy"; arn: string; healed: boolean }
  | { op: "tag"; arn: string; tags: TagMap };
export type ServiceChange = Change & ServiceOp;

export interface ServicesDecision { changes: ServiceChange[]; after: Outcome; observations: ResourceObservation[] }

const short = (arn: string) => arn.split("/").pop() ?? arn;
const arrows = (diffs: FieldDiff[]) => diffs.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ");

function serviceDiffs(s: Service, role: ServiceRole, want: ServicesWant): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const td = want.taskDefinitions[role];
  // A registration this pass makes (in a dry run, not made): named by its family, never by a made-up ARN.
  const desiredTd = td?.arn ? short(td.arn) : `${td?.family} (registered by this pass)`;
  if (!td?.arn || s.taskDefinition !== td.arn) diffs.push({ field: "taskDefinition", actual: short(s.taskDefinition ?? ""), desired: desiredTd });
  const count = wantedCount(s.desiredCount, role, want);
  if (s.desiredCount !== count) diffs.push({ field: "desiredCount", actual: String(s.desiredCount), desired: String(count) });
  const cb = s.deploymentConfiguration?.deploymentCircuitBreaker;
  if (!cb?.enable || !cb.rollback) diffs.push({ field: "deploymentCircuitBreaker", actual: JSON.stringify(cb ?? null), desired: JSON.stringify({ enable: true, rollback: true }) });
  if (role === "redis") diffs.push(...redisDiffs(s, want.redisRegistry));
  if (role === "api") diffs.push(...loadBalancerDiffs(s, want.targetGroupArn));
  return diffs;
}

/** The api's registration with the target group (docs/reference.md §4) and its health-check grace. */
export const apiLoadBalancers = (targetGroupArn: string) => [{ targetGroupArn, containerName: "api", containerPort: CONTAINER_PORT }];

function loadBalancerDiffs(s: Service, targetGroupArn: string | undefined): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const seen = (s.loadBalancers ?? []).map((l) => `${short(l.targetGroupArn ?? "")}:${l.containerName}:${l.containerPort}`).join(",") || "(none)";
  const desired = targetGroupArn ? `${short(targetGroupArn)}:api:${CONTAINER_PORT}` : "(the target group this pass creates):api:8000";
  if (seen !== desired) diffs.push({ field: "loadBalancers", actual: seen, desired });
  if (s.healthCheckGracePeriodSeconds !== API_HEALTH_CHECK_GRACE_SECONDS) {
    diffs.push({ field: "healthCheckGracePeriodSeconds", actual: String(s.healthCheckGracePeriodSeconds ?? "(none)"), desired: String(API_HEALTH_CHECK_GRACE_SECONDS) });
  }
  return diffs;
}

/** Redis runs one task at a time (a second would split the runs' state), registered in Cloud Map. */
export const REDIS_DEPLOYMENT_PERCENTS = { maximumPercent: 100, minimumHealthyPercent: 0 };

/** The registries the redis service should have; undefined: not known in this dry run (created by it). */
export function redisRegistries(r: RedisRegistry): { registryArn: string }[] | undefined {
  if (r.detach) return [];
  return r.arn ? [{ registryArn: r.arn }] : undefined;
}

function redisDiffs(s: Service, registry: RedisRegistry): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const dc = s.deploymentConfiguration;
  for (const [field, desired] of Object.entries(REDIS_DEPLOYMENT_PERCENTS)) {
    const actual = dc?.[field as keyof typeof REDIS_DEPLOYMENT_PERCENTS];
    if (actual !== desired) diffs.push({ field: `deploymentConfiguration.${field}`, actual: String(actual), desired: String(desired) });
  }
  const want = redisRegistries(registry);
  const have = (s.serviceRegistries ?? []).map((r) => r.registryArn ?? "");
  if (want && JSON.stringify(have) !== JSON.stringify(want.map((r) => r.registryArn))) {
    diffs.push({ field: "serviceRegistries", actual: have.join(",") || "(none)", desired: want.map((r) => r.registryArn).join(",") || "(none)" });
  }
  return diffs;
}

/** Redis is running its desired task definition: the api and queue may be created or moved to new ones. */
function redisRunning(seen: ServiceSeen[], want: ServicesWant): boolean {
  const s = seen.find((x) => x.role === "redis")?.service;
  const td = want.taskDefinitions.redis?.arn;
  return !!s && s.status === "ACTIVE" && (s.runningCount ?? 0) >= 1 && !!td && s.taskDefinition === td;
}

/** The fixed count, or for an autoscaled service the actual count brought into [min, max]. */
function wantedCount(actual: number | undefined, role: ServiceRole, want: ServicesWant): number {
  const range = want.desiredRange(role);
  if (!range) return want.desiredCount(role);
  return Math.min(range.max, Math.max(range.min, actual ?? range.min));
}

function updateChange(s: Service, name: string, role: ServiceRole, diffs: FieldDiff[], target: Revision | undefined): ServiceChange {
  const count = diffs.find((d) => d.field === "desiredCount");
  const rollout = role !== "redis" && target?.status === "QUEUED" && diffs.some((d) => d.field === "taskDefinition") ? target : undefined;
  return {
    op: "update", role, attach: diffs.some((d) => d.field === "loadBalancers" || d.field === "healthCheckGracePeriodSeconds"),
    desiredCount: count === undefined ? undefined : Number(count.desired), verb: "update", kind: "Service", resource: name, diffs,
    reason: rollout ? `roll out revision ${rollout.number}` : "managed fields differ",
    event: rollout
      ? { type: "Normal", reason: "Deploying", message: `ECS service ${name}: deploying revision ${rollout.number} (${arrows(diffs)})`, resource: name }
      : { type: "Normal", reason: "DriftRepaired", message: `ECS service ${name}: ${arrows(diffs)}`, resource: name },
  };
}

/**
 * A secret value changed after the service's deployment started (a spec change, or our repair of an
 * out-of-band edit): its tasks hold the old value until replaced, so start a new deployment. Level-
 * triggered on AWS's own timestamps, so a crash between the write and this update is no matter.
 */
function staleSecrets(s: Service, name: string, want: ServicesWant): ServiceChange | undefined {
  const primary = s.deployments?.find((d) => d.status === "PRIMARY");
  if (!s.serviceArn || !primary?.createdAt || want.secretsChangedAt <= primary.createdAt.getTime()) return undefined;
  return {
    op: "redeploy", arn: s.serviceArn, healed: false, verb: "redeploy", kind: "Service", resource: name, reason: "a secret value changed after its tasks started",
    event: { type: "Normal", reason: "Redeployed", message: `ECS service ${name}: a secret value changed after its deployment started; forced a new deployment so its tasks read the new value`, resource: name },
  };
}

/** Self-healing: an API whose completed deployment keeps running below its desired count is redeployed after the grace. */
function belowDesired(s: Service, x: ServiceSeen, want: ServicesWant): { change?: ServiceChange; message: string } | undefined {
  if (x.belowSince === undefined || !s.serviceArn) return undefined;
  const message = `ECS service ${x.name} runs ${s.runningCount}/${s.desiredCount} tasks`;
  const grace = Math.round(want.healGraceMs / 1000);
  if (want.now - x.belowSince < want.healGraceMs) return { message: `${message}; waiting ${grace} s before redeploying` };
  return {
    message: `${message}; forced a new deployment`,
    change: {
      op: "redeploy", arn: s.serviceArn, healed: true, verb: "redeploy", kind: "Service", resource: x.name, reason: `${s.runningCount}/${s.desiredCount} tasks for over ${grace} s`,
      event: { type: "Warning", reason: "Redeployed", message: `${message} for over ${grace} s; forced a new deployment`, resource: x.name },
    },
  };
}

export function decideServices(seen: ServiceSeen[], want: ServicesWant): ServicesDecision {
  const changes: ServiceChange[] = [];
  const observations: ResourceObservation[] = [];
  let below: string | undefined;
  const redisUp = redisRunning(seen, want);
  const held: string[] = [];
  for (const x of seen) {
    const { role, name, service: s } = x;
    // api and queue wait for a revision to run.
    if (!want.taskDefinitions[role]) continue;
    const waitsForRedis = role !== "redis" && !redisUp;
    if (!s || s.status === "INACTIVE") {
      if (waitsForRedis) { held.push(`create ${name}`); continue; }
      const recreate = s?.status === "INACTIVE" || want.ranBefore;
      changes.push({
        op: "create", role, recreate, verb: "create", kind: "Service", resource: name, reason: recreate ? "service was deleted" : "service does not exist",
        event: { type: recreate ? "Warning" : "Normal", reason: recreate ? "Recreated" : "Created", message: `${recreate ? "recreated deleted" : "created"} ECS service ${name} (${want.desiredCount(role)} tasks)`, resource: name },
      });
      continue;
    }
    const tags = fromTagList(s.tags);
    if (ownershipOf(tags, want.projectId) === "foreign") return { changes: [], after: conflict(`ECS service ${name}`, tags, want.resyncMs), observations };
    if (x.interrupted && s.serviceArn) changes.push({ op: "adopt", arn: s.serviceArn, ...adoptChange("Service", name) });
    if (s.status === "DRAINING") return { changes, after: requeue(want.pollMs, "Draining", `ECS service ${name} is draining after an out-of-band delete; will recreate it`), observations };
    observations.push({ kind: "Service", name, arn: s.serviceArn ?? null, phase: `${s.status} ${s.runningCount}/${s.desiredCount}`, lastError: null });
    const diffs = serviceDiffs(s, role, want);
    const stale = role === "redis" ? undefined : staleSecrets(s, name, want);
    if (waitsForRedis && diffs.some((d) => d.field === "taskDefinition")) held.push(`move ${name} to its new task definition`);
    else if (diffs.length) changes.push(updateChange(s, name, role, diffs, want.target));
    else if (stale) changes.push(stale);
    else if (role === "api") {
      const heal = belowDesired(s, x, want);
      if (heal) { if (heal.change) changes.push(heal.change); below = heal.message; }
    }
    const missing = missingTags(tags, want.tags);
    if (Object.keys(missing).length && s.serviceArn) changes.push({ op: "tag", arn: s.serviceArn, tags: missing, ...tagChange("Service", `ECS service ${name}`, name, tags, missing) });
  }
  if (held.length) {
    const redis = seen.find((x) => x.role === "redis")?.name;
    return { changes, after: requeue(want.pollMs, "AwaitingRedis", `waiting for ECS service ${redis} to run its task before: ${held.join(", ")}`), observations };
  }
  if (below) return { changes, after: requeue(want.pollMs, "TasksBelowDesired", below), observations };
  return { changes, after: done("ServicesInSync", "services match the spec"), observations };
}
