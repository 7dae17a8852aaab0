// Revision rollout: the revision's status as ECS reports the deployment (QUEUED → DEPLOYING → DEPLOYED |
// DEPLOY_FAILED; SKIPPED / INTERRUPTED when superseded). A failed rollout is rolled back by ECS's
// deployment circuit breaker (the revision step then keeps the last DEPLOYED revision as the target).
// Every status change is a transition action, so /plan shows it and a dry run records nothing.
// AWS calls: none (it reads what the services step provides).
import type { Service } from "@aws-sdk/client-ecs";
import { projectNames } from "../src/cloud/names.js";
import type { Revision } from "../src/model/project.js";
import { act, blocked, done, halt, proceed, requeue, type Outcome, type PassContext, type Step } from "./contract.js";
import { transition, type RevisionTarget } from "./revision.js";
import type { ServicesByRole } from "./services.js";
import type { Secrets } from "./secrets.js";
import { describeFailure, explainStoppedTasks } from "./taskFailures.js";
import type { TaskDefinitions } from "./taskDefinitions.js";

export interface RolloutInput {
  revision: RevisionTarget; taskDefinitions: TaskDefinitions; services: ServicesByRole;
  /** Its password is redacted from the failed tasks' log lines. */
  postgres?: Secrets["postgres"];
}

export interface RolloutWant { pollMs: number; resyncMs: number; apiService: string }

/** Pure: the transitions the services' deployments call for, and the outcome. */
export function decideRollout(input: RolloutInput, want: RolloutWant): { changes: ReturnType<typeof transition>[]; after: Outcome } {
  const { target, revisions } = input.revision;
  if (!target) {
    const [newest] = revisions;
    const after = newest?.status === "DEPLOY_FAILED"
      ? blocked("RolloutFailed", `revision ${newest.number} failed and no earlier revision was deployed: ${newest.message}`, { afterMs: want.resyncMs, synced: true })
      : blocked("AwaitingRevision", "no revision yet: POST /v1/projects/{name}/revisions with an image", { afterMs: want.resyncMs, synced: true });
    return { changes: [], after };
  }
  const states = (["api", "queue"] as const).map((role) => {
    const s: Service | undefined = input.services.get(role);
    const primary = s?.deployments?.find((d) => d.status === "PRIMARY");
    const arn = input.taskDefinitions[role]?.arn;
    return { role, s, primary, onTarget: !!arn && primary?.taskDefinition === arn };
  });
  const changes = supersedeOlder(revisions, target);
  const failed = states.find((x) => x.onTarget && x.primary?.rolloutState === "FAILED");
  if (failed) {
    const why = failed.primary?.rolloutStateReason ?? "deployment failed";
    changes.push(transition(target, "DEPLOY_FAILED", why));
    return { changes, after: blocked("RolloutFailed", `revision ${target.number}: ${why}`, { afterMs: want.resyncMs, synced: true }) };
  }
  const complete = states.every((x) => x.onTarget && x.primary?.rolloutState === "COMPLETED" && (x.s?.runningCount ?? 0) >= (x.s?.desiredCount ?? 0));
  if (complete) {
    if (target.status !== "DEPLOYED") {
      const running = states.map((x) => `${x.s?.serviceName} (${x.s?.runningCount}/${x.s?.desiredCount})`).join(", ");
      changes.push(transition(target, "DEPLOYED", `running on ${running}`,
        { type: "Normal", reason: "RolloutComplete", message: `revision ${target.number} deployed (${target.image})`, resource: want.apiService }));
    }
    return { changes, after: done("RolloutComplete", `revision ${target.number} is serving`) };
  }
  if (target.status === "QUEUED") {
    changes.push(transition(target, "DEPLOYING", "ECS deployment in progress",
      { type: "Normal", reason: "RolloutStarted", message: `revision ${target.number} rolling out (${target.image})`, resource: want.apiService }));
  }
  const progress = states.map((x) => `${x.s?.serviceName ?? x.role} ${x.primary?.runningCount ?? 0}/${x.primary?.desiredCount ?? "?"} ${x.primary?.rolloutState ?? "PENDING"}`).join(", ");
  return { changes, after: requeue(want.pollMs, "RollingOut", `revision ${target.number}: ${progress}`) };
}

/** Revisions older than the target that never finished are superseded. */
function supersedeOlder(revisions: Revision[], target: Revision): ReturnType<typeof transition>[] {
  const out: ReturnType<typeof transition>[] = [];
  for (const r of revisions) {
    if (r.number >= target.number) continue;
    if (r.status === "QUEUED") out.push(transition(r, "SKIPPED", `superseded by revision ${target.number} before its rollout began`));
    if (r.status === "DEPLOYING") out.push(transition(r, "INTERRUPTED", `superseded by revision ${target.number} during its rollout`));
  }
  return out;
}

export const rollout: Step<RolloutInput, void> = {
  kind: "Rollout",
  condition: "ServicesReady",
  async plan(ctx, input) {
    const d = decideRollout(input, { pollMs: ctx.pollMs, resyncMs: ctx.resyncMs, apiService: projectNames(ctx.project.name).service("api") });
    const actions = d.changes.map((c) => act(c, async (record) => { record.setRevisionStatus(c.number, c.status, c.message); }));
    if (d.after.kind === "done") return proceed(actions, d.after);
    const explained = await whyTasksStopped(ctx, input, d.after);
    return halt(actions, explained.after, { events: explained.events });
  },
};

/**
 * A failing rollout, or one still short of its tasks: the stopped tasks of the target revision say
 * why (docs/reference.md §6, TaskFailed). Nothing is read on any other pass.
 */
async function whyTasksStopped(ctx: PassContext, input: RolloutInput, after: Exclude<Outcome, { kind: "done" }>) {
  const failing = (after.kind === "blocked" && after.reason === "RolloutFailed") || (after.kind === "requeue" && after.reason === "RollingOut");
  const arns = (["api", "queue"] as const).map((r) => input.taskDefinitions[r]?.arn).filter((a): a is string => !!a);
  if (!failing || !input.revision.target || !arns.length) return { after, events: [] };
  const names = projectNames(ctx.project.name);
  const secrets = [...Object.values(ctx.project.secrets), ...(input.postgres?.value?.password ? [input.postgres.value.password] : [])];
  const { failures, events } = await explainStoppedTasks(ctx, [names.service("api"), names.service("queue")], arns, secrets);
  if (!failures.length) return { after, events };
  return { after: { ...after, message: `${after.message}; ${describeFailure(failures[0])}` }, events };
}

