// Which revision the services should run: the newest, unless its rollout failed — then the last
// DEPLOYED one keeps serving, so a bad image never causes a redeploy loop. A DEPLOYING revision that
// ECS's circuit breaker rolled back is marked DEPLOY_FAILED here (a transition action, shown by /plan).
// Provides the target and the services as DescribeServices showed them (read once per pass).
// AWS calls: ecs:DescribeServices (services.ts), ecs:DescribeTaskDefinition (cached) for revision tags.
import type { Deployment } from "@aws-sdk/client-ecs";
import type { Revision, RevisionStatus } from "../src/model/project.js";
import { act, done, proceed, type Change, type NoInput, type Step } from "./contract.js";
import { describeProjectServices, type RunningServices } from "./services.js";
import { describeTaskDefinitionCached, TAG_REVISION } from "./taskDefinitions.js";

/** One deployment of the api or queue service, with the revision its task definition runs. */
export interface DeploymentSeen {
  service: string;
  status: Deployment["status"];
  rolloutState: Deployment["rolloutState"];
  rolloutStateReason: string | undefined;
  revision: number | undefined;
}

/** What the revision step provides. */
export interface RevisionTarget {
  /** The revision api and queue should run; undefined when none can. */
  target: Revision | undefined;
  /** The project's revisions, newest first, with the statuses this pass gives them. */
  revisions: Revision[];
  running: RunningServices;
}

/** A revision's status change as an action's data: recorded on the revision when applied. */
export function transition(r: Revision, status: RevisionStatus, message: string, event?: Change["event"]): Change & { number: number; status: RevisionStatus; message: string } {
  return {
    number: r.number, status, message, verb: "transition", kind: "Revision", resource: `revision ${r.number}`, reason: message,
    diffs: [{ field: "status", actual: r.status, desired: status }], event,
  };
}

const lastDeployed = (revisions: Revision[]) => revisions.find((r) => r.status === "DEPLOYED");

/**
 * Whether ECS gave up on the DEPLOYING revision `n`: a deployment of it FAILED, or — once the circuit
 * breaker's rollback has completed, when ECS no longer lists the failed deployment at all — the
 * service's PRIMARY deployment runs an older revision again. We moved the services to `n` before
 * marking it DEPLOYING, so only ECS's rollback (or a person) can have moved them back; reading it as
 * drift instead would push the failing revision again, in a loop.
 */
function rolledBack(deployments: DeploymentSeen[], n: number): { service: string; why: string } | undefined {
  for (const d of deployments) {
    if (d.rolloutState === "FAILED" && d.revision === n) return { service: d.service, why: d.rolloutStateReason ?? "ECS deployment circuit breaker" };
    if (d.status === "PRIMARY" && d.revision !== undefined && d.revision < n) return { service: d.service, why: `ECS rolled ${d.service} back to revision ${d.revision} (deployment circuit breaker)` };
  }
  return undefined;
}

/** Pure: the target revision, and the transition when ECS rolled the newest back. */
export function decideRevision(revisions: Revision[], deployments: DeploymentSeen[]): { target: Revision | undefined; revisions: Revision[]; changes: ReturnType<typeof transition>[] } {
  const [newest] = revisions;
  if (!newest) return { target: undefined, revisions, changes: [] };
  if (newest.status === "DEPLOY_FAILED") return { target: lastDeployed(revisions), revisions, changes: [] };
  const failed = newest.status === "DEPLOYING" ? rolledBack(deployments, newest.number) : undefined;
  if (!failed) return { target: newest, revisions, changes: [] };
  const message = `rollout failed: ${failed.why}; the previous revision keeps serving`;
  const event = { type: "Warning" as const, reason: "RolloutFailed", message: `revision ${newest.number}: ${message}`, resource: failed.service };
  const after = revisions.map((r) => (r === newest ? { ...r, status: "DEPLOY_FAILED" as const, message } : r));
  return { target: lastDeployed(after), revisions: after, changes: [transition(newest, "DEPLOY_FAILED", message, event)] };
}

export const revision: Step<NoInput, RevisionTarget> = {
  kind: "Revision",
  condition: "ServicesReady",
  // Choosing the target says nothing about the services: the rollout step does.
  informational: true,
  async plan(ctx) {
    const running = await describeProjectServices(ctx);
    const deployments: DeploymentSeen[] = [];
    // Only a DEPLOYING newest revision needs its deployments' revisions (each a cached describe).
    if (ctx.project.revisions[0]?.status === "DEPLOYING") {
      for (const role of ["api", "queue"] as const) {
        const s = running.byRole.get(role);
        for (const d of s?.deployments ?? []) {
          const tags = d.taskDefinition ? (await describeTaskDefinitionCached(ctx, d.taskDefinition))?.tags : undefined;
          const n = tags?.[TAG_REVISION];
          deployments.push({ service: s?.serviceName ?? role, status: d.status, rolloutState: d.rolloutState, rolloutStateReason: d.rolloutStateReason, revision: n ? Number(n) : undefined });
        }
      }
    }
    const d = decideRevision(ctx.project.revisions, deployments);
    const actions = d.changes.map((c) => act(c, async (record) => { record.setRevisionStatus(c.number, c.status, c.message); }));
    const message = d.target ? `revision ${d.target.number} is the one to run` : "no revision to run";
    return proceed(actions, done("TargetChosen", message), { provide: () => ({ target: d.target, revisions: d.revisions, running }) });
  },
};
