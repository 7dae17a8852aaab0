// Revision rollout: which revision the services should run, and the revision's status as ECS reports
// the deployment (QUEUED → DEPLOYING → DEPLOYED | DEPLOY_FAILED; SKIPPED / INTERRUPTED when superseded).
// A failed rollout is rolled back by ECS's deployment circuit breaker; the target then stays the last
// DEPLOYED revision until a newer one arrives, so a bad image never causes a redeploy loop.
// AWS calls: ecs:DescribeServices (once per pass, shared with the services step, batched across the
// account's passes that run together).
import { DescribeServicesCommand, type Deployment, type Service } from "@aws-sdk/client-ecs";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import { awsErrorCode } from "../src/cloud/errors.js";
import { CLUSTER_NAME, projectNames, SERVICE_ROLES } from "../src/cloud/names.js";
import type { Revision } from "../src/model/project.js";
import { describeTaskDefinitionCached, TAG_REVISION } from "./taskDefinitions.js";
import type { PassContext, Step } from "./types.js";
import { done, requeue } from "./types.js";

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
    return lists.map((names) => (out.services ?? []).filter((s) => names.includes(s.serviceName!)));
  },
};

export async function describeProjectServices(ctx: PassContext): Promise<Map<string, Service>> {
  const names = projectNames(ctx.project.name);
  const services = new Map<string, Service>();
  try {
    for (const s of await batched(ctx.aws, servicesRead, SERVICE_ROLES.map((r) => names.service(r)))) services.set(s.serviceName!, s);
  } catch (err) {
    if (awsErrorCode(err) !== "ClusterNotFoundException") throw err;
    // Deleted out of band: the next pass's cluster step must look instead of trusting its cache.
    ctx.cache.delete(`cluster|${ctx.aws.accountId}|${ctx.aws.region}`);
    ctx.facts.clusterMissing = true;
  }
  ctx.facts.services = services;
  return services;
}

const primaryOf = (s: Service | undefined): Deployment | undefined => s?.deployments?.find((d) => d.status === "PRIMARY");
/** The revision number a task definition runs, from the byoc:revision tag the operator puts on it. */
async function revisionOf(ctx: PassContext, tdArn: string | undefined): Promise<number | undefined> {
  if (!tdArn) return undefined;
  const d = await describeTaskDefinitionCached(ctx, tdArn);
  const n = d?.tags[TAG_REVISION];
  return n ? Number(n) : undefined;
}

function lastDeployed(revisions: Revision[]): Revision | undefined {
  return revisions.find((r) => r.status === "DEPLOYED");
}

/**
 * Whether ECS gave up on the DEPLOYING revision `n`: a deployment of it FAILED, or — once the circuit
 * breaker's rollback has completed, when ECS no longer lists the failed deployment at all — the
 * service's PRIMARY deployment runs an older revision again. We moved the services to `n` before
 * marking it DEPLOYING, so only ECS's rollback (or a person) can have moved them back; reading it as
 * drift instead would push the failing revision again, in a loop.
 */
async function rolledBack(ctx: PassContext, n: number): Promise<{ service: string; why: string } | undefined> {
  const names = projectNames(ctx.project.name);
  for (const role of ["api", "queue"] as const) {
    const s = ctx.facts.services?.get(names.service(role));
    for (const d of s?.deployments ?? []) {
      const rev = await revisionOf(ctx, d.taskDefinition);
      if (d.rolloutState === "FAILED" && rev === n) return { service: s!.serviceName!, why: d.rolloutStateReason ?? "ECS deployment circuit breaker" };
      if (d.status === "PRIMARY" && rev !== undefined && rev < n) return { service: s!.serviceName!, why: `ECS rolled ${s!.serviceName} back to revision ${rev} (deployment circuit breaker)` };
    }
  }
  return undefined;
}

/**
 * The newest revision, unless its rollout failed: then the last DEPLOYED one keeps serving.
 * A DEPLOYING revision that ECS rolled back is recorded as DEPLOY_FAILED here.
 */
export async function resolveTargetRevision(ctx: PassContext): Promise<Revision | undefined> {
  const [newest] = ctx.project.revisions;
  if (!newest) return undefined;
  if (newest.status === "DEPLOY_FAILED") return lastDeployed(ctx.project.revisions);
  if (newest.status === "DEPLOYING") {
    const failed = await rolledBack(ctx, newest.number);
    if (failed) {
      const message = `rollout failed: ${failed.why}; the previous revision keeps serving`;
      ctx.setRevisionStatus(newest.number, "DEPLOY_FAILED", message);
      ctx.emit({ type: "Warning", reason: "RolloutFailed", message: `revision ${newest.number}: ${message}`, resource: failed.service });
      newest.status = "DEPLOY_FAILED";
      return lastDeployed(ctx.project.revisions);
    }
  }
  return newest;
}

/** Revisions older than the target that never finished are superseded. */
function supersedeOlder(ctx: PassContext, target: Revision) {
  for (const r of ctx.project.revisions) {
    if (r.number >= target.number) continue;
    if (r.status === "QUEUED") ctx.setRevisionStatus(r.number, "SKIPPED", `superseded by revision ${target.number} before its rollout began`);
    if (r.status === "DEPLOYING") ctx.setRevisionStatus(r.number, "INTERRUPTED", `superseded by revision ${target.number} during its rollout`);
  }
}

export const rollout: Step = {
  kind: "Rollout",
  condition: "ServicesReady",
  async plan(ctx) {
    const target = ctx.facts.targetRevision;
    if (!target) {
      const [newest] = ctx.project.revisions;
      if (newest?.status === "DEPLOY_FAILED") return { actions: [], after: { kind: "blocked", synced: true, reason: "RolloutFailed", afterMs: ctx.resyncMs, message: `revision ${newest.number} failed and no earlier revision was deployed: ${newest.message}` } };
      return { actions: [], after: { kind: "blocked", synced: true, reason: "AwaitingRevision", afterMs: ctx.resyncMs, message: "no revision yet: POST /v1/projects/{name}/revisions with an image" } };
    }
    const names = projectNames(ctx.project.name);
    // Described by the task definitions step this pass; the services step drops it once it changed them.
    const services = ctx.facts.services ?? (await describeProjectServices(ctx));
    const states = (["api", "queue"] as const).map((role) => {
      const s = services.get(names.service(role));
      const primary = primaryOf(s);
      const onTarget = primary?.taskDefinition === ctx.facts.taskDefinitionArns?.[role];
      return { role, s, primary, onTarget };
    });
    supersedeOlder(ctx, target);
    const failed = states.find((x) => x.onTarget && x.primary?.rolloutState === "FAILED");
    if (failed) {
      ctx.setRevisionStatus(target.number, "DEPLOY_FAILED", failed.primary?.rolloutStateReason ?? "deployment failed");
      return { actions: [], after: { kind: "blocked", synced: true, reason: "RolloutFailed", afterMs: ctx.resyncMs, message: `revision ${target.number}: ${failed.primary?.rolloutStateReason ?? "deployment failed"}` } };
    }
    const complete = states.every((x) => x.onTarget && x.primary?.rolloutState === "COMPLETED" && (x.s?.runningCount ?? 0) >= (x.s?.desiredCount ?? 0));
    if (complete) {
      if (target.status !== "DEPLOYED") {
        ctx.setRevisionStatus(target.number, "DEPLOYED", `running on ${states.map((x) => `${x.s?.serviceName} (${x.s?.runningCount}/${x.s?.desiredCount})`).join(", ")}`);
        ctx.emit({ type: "Normal", reason: "RolloutComplete", message: `revision ${target.number} deployed (${target.image})`, resource: names.service("api") });
      }
      return { actions: [], after: done("RolloutComplete", `revision ${target.number} is serving`) };
    }
    if (target.status === "QUEUED") {
      ctx.setRevisionStatus(target.number, "DEPLOYING", "ECS deployment in progress");
      ctx.emit({ type: "Normal", reason: "RolloutStarted", message: `revision ${target.number} rolling out (${target.image})`, resource: names.service("api") });
    }
    const progress = states.map((x) => `${x.s?.serviceName ?? x.role} ${x.primary?.runningCount ?? 0}/${x.primary?.desiredCount ?? "?"} ${x.primary?.rolloutState ?? "PENDING"}`).join(", ");
    return { actions: [], after: requeue(ctx.pollMs, "RollingOut", `revision ${target.number}: ${progress}`) };
  },
};
