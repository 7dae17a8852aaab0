// Whether the deployment serves: the target group's healthy targets (the api's tasks, which ECS registers
// once the services run), read at the end of the pass so it never holds the services back. It decides
// IngressReady (docs/reference.md §6): True when a target is healthy (reason Unencrypted without a
// certificate), False NoHealthyTargets otherwise. AWS calls: elasticloadbalancing:DescribeTargetHealth.
// Target health is status, not configuration: a healthy reading is kept for the health interval (5 min,
// as the CloudWatch readings of health.ts) while the api service stays as it was read then (the same
// deployment, task definition, counts and newest service event) and the ingress step changes nothing.
// Anything else, or an unhealthy reading, is read again by the next pass. ECS replaces a task whose
// target fails its health checks, and every stop, start and target registration is a service event.
import { DescribeTargetHealthCommand, type TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { projectNames } from "../src/cloud/names.js";
import { done, halt, proceed, requeue, type Done, type PassContext, type Requeue, type Step } from "./contract.js";
import { HEALTH_INTERVAL_MS } from "./health.js";
import type { Ingress } from "./ingress.js";
import type { ServicesByRole } from "./services.js";

/** The kept healthy reading of a project's target group (dropped by every ingress change, ingress.ts). */
export const targetHealthKey = (ctx: PassContext) => `targethealth|${ctx.aws.accountId}|${ctx.aws.region}|${ctx.project.id}`;

/** What a kept reading stands on: the target group and the api service as the pass reads them. */
function readingOf(tgArn: string, services: ServicesByRole): string {
  const api = services.get("api");
  const primary = api?.deployments?.find((d) => d.status === "PRIMARY");
  return [tgArn, primary?.id, api?.taskDefinition, api?.runningCount, api?.desiredCount, api?.events?.[0]?.id].join("|");
}

/** Pure: the outcome for the target group's targets as DescribeTargetHealth reports them. */
export function decideIngressHealth(targets: TargetHealthDescription[], o: { name: string; encrypted: boolean; pollMs: number }): Done | Requeue {
  const healthy = targets.filter((t) => t.TargetHealth?.State === "healthy").length;
  if (healthy > 0) {
    const serving = `${healthy}/${targets.length} targets of ${o.name} healthy`;
    return o.encrypted ? done("Serving", `${serving}; HTTPS`)
      : done("Unencrypted", `${serving}; serving HTTP only (no ingress.certificateArn)`);
  }
  const states = targets.map((t) => `${t.Target?.Id}:${t.TargetHealth?.State}${t.TargetHealth?.Reason ? ` (${t.TargetHealth.Reason})` : ""}`);
  return requeue(o.pollMs, "NoHealthyTargets", `target group ${o.name} has no healthy targets${states.length ? `: ${states.join(", ")}` : " (none registered)"}`);
}

export const ingressHealth: Step<{ ingress: Ingress; services: ServicesByRole }, void> = {
  kind: "TargetGroup",
  condition: "IngressReady",
  async plan(ctx: PassContext, input) {
    const name = projectNames(ctx.project.name).targetGroup;
    const arn = input.ingress.targetGroupArn;
    if (!arn) return halt([], requeue(ctx.pollMs, "Provisioning", `target group ${name} is created by this pass`));
    const of = readingOf(arn, input.services);
    const kept = ctx.cache.get<{ of: string; after: Done }>(targetHealthKey(ctx));
    const observations = (after: Done | Requeue) => [{ kind: "TargetGroup", name, arn, phase: after.reason, lastError: null }];
    if (kept?.of === of) return proceed([], kept.after, { observations: observations(kept.after) });
    const out = await ctx.aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    const after = decideIngressHealth(out.TargetHealthDescriptions ?? [], { name, encrypted: input.ingress.encrypted, pollMs: ctx.pollMs });
    if (after.kind !== "done") {
      ctx.cache.delete(targetHealthKey(ctx));
      return halt([], after, { observations: observations(after) });
    }
    if (!ctx.dryRun) ctx.cache.set(targetHealthKey(ctx), { of, after }, ctx.healthIntervalMs ?? HEALTH_INTERVAL_MS);
    return proceed([], after, { observations: observations(after) });
  },
};
