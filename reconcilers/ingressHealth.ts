// Whether the deployment serves: the target group's healthy targets (the api's tasks, which ECS registers
// once the services run), read at the end of the pass so it never holds the services back. It decides
// IngressReady (docs/reference.md §6): True when a target is healthy (reason Unencrypted without a
// certificate), False NoHealthyTargets otherwise. AWS calls: elasticloadbalancing:DescribeTargetHealth.
import { DescribeTargetHealthCommand, type TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { projectNames } from "../src/cloud/names.js";
import { done, halt, proceed, requeue, type Done, type PassContext, type Requeue, type Step } from "./contract.js";
import type { Ingress } from "./ingress.js";

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

export const ingressHealth: Step<{ ingress: Ingress }, void> = {
  kind: "TargetGroup",
  condition: "IngressReady",
  async plan(ctx: PassContext, input) {
    const name = projectNames(ctx.project.name).targetGroup;
    const arn = input.ingress.targetGroupArn;
    if (!arn) return halt([], requeue(ctx.pollMs, "Provisioning", `target group ${name} is created by this pass`));
    const out = await ctx.aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    const after = decideIngressHealth(out.TargetHealthDescriptions ?? [], { name, encrypted: input.ingress.encrypted, pollMs: ctx.pollMs });
    const observations = [{ kind: "TargetGroup", name, arn, phase: after.reason, lastError: null }];
    return after.kind === "done" ? proceed([], after, { observations }) : halt([], after, { observations });
  },
};
