// Application Auto Scaling of the api and queue services whose `maxReplicas` exceeds their minimum
// (docs/reference.md §4, scalable targets): a scalable target `service/<cluster>/lg-<p>-<role>` on
// ecs:service:DesiredCount [min, max], and target-tracking policies `lg-<p>-<role>-cpu` and `-memory`.
// Removed (policies, then the target) when the service stops autoscaling, and on deletion before the
// services go. The decide half is autoscalingChanges.ts.
// AWS calls: DescribeScalableTargets (batched: a list of ResourceIds), DescribeScalingPolicies (batched by
// PolicyNames), ListTagsForResource (kept per target ARN), RegisterScalableTarget (with Tags),
// PutScalingPolicy, DeleteScalingPolicy, DeregisterScalableTarget, TagResource.
// Idempotent: RegisterScalableTarget and PutScalingPolicy create or update by name; deletes tolerate
// ObjectNotFoundException (already gone).
import {
  DeleteScalingPolicyCommand, DeregisterScalableTargetCommand, ListTagsForResourceCommand,
  PutScalingPolicyCommand, RegisterScalableTargetCommand, TagResourceCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { batched, scalableTargetsRead, scalingPoliciesRead } from "../src/cloud/batch.js";
import { awsErrorCode, classifyFailure, rootAwsError } from "../src/cloud/errors.js";
import { ECS_SCALABLE_DIMENSION, projectNames } from "../src/cloud/names.js";
import {
  act, done, halt, mutableFactTtlMs, proceed, tolerate, type Action, type NoInput, type PassContext, type Step,
} from "./contract.js";
import {
  decideScaling, policyConfiguration, SCALED_ROLES, type ScalingChange, type ScalingSeen,
} from "./autoscalingChanges.js";
import { projectTags, type TagMap } from "./ownership.js";
import { desiredRange, type ServicesByRole } from "./services.js";

const NAMESPACE = "ecs";
const GONE = ["ObjectNotFoundException"];


const policyNames = (p: string) =>
  SCALED_ROLES.flatMap((r) => [projectNames(p).scalingPolicy(r, "cpu"), projectNames(p).scalingPolicy(r, "memory")]);

/**
 * A target's tags, kept as a fact that changes out of band. Unreadable (a role without
 * ListTagsForResource; moto, which does not implement it: docs/aws-fidelity.md) → undefined, and the
 * target goes with our service, whose ownership the services step checked. Throttling still fails the pass.
 */
async function targetTags(ctx: PassContext, arn: string): Promise<TagMap | undefined> {
  return ctx.cache.shared(`aas-tags|${arn}`, mutableFactTtlMs(ctx), async () => {
    try {
      const out = await ctx.aws.autoscaling.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
      return out.Tags ?? {};
    } catch (err) {
      if (classifyFailure(rootAwsError(err)) === "throttle") throw err;
      ctx.log.debug({ arn, code: awsErrorCode(err) }, "scalable target tags unreadable; it goes with its service");
      return undefined;
    }
  });
}

export async function observeScaling(ctx: PassContext, services: ServicesByRole | undefined): Promise<ScalingSeen[]> {
  const names = projectNames(ctx.project.name);
  const ids = SCALED_ROLES.map((r) => names.scalableTarget(r));
  const targets = await batched(ctx.aws, scalableTargetsRead, ids);
  const policies = targets.length ? await batched(ctx.aws, scalingPoliciesRead, policyNames(ctx.project.name)) : [];
  return Promise.all(SCALED_ROLES.map(async (role): Promise<ScalingSeen> => {
    const resourceId = names.scalableTarget(role);
    const target = targets.find((t) => t.ResourceId === resourceId);
    const s = services?.get(role);
    return {
      role, resourceId, target, tags: target?.ScalableTargetARN ? await targetTags(ctx, target.ScalableTargetARN) : undefined,
      policies: policies.filter((p) => p.ResourceId === resourceId),
      serviceActive: s?.status === "ACTIVE", range: services ? desiredRange(ctx, role) : undefined,
    };
  }));
}

function apply(ctx: PassContext, c: ScalingChange): Action {
  const { autoscaling } = ctx.aws;
  const ref = { ServiceNamespace: NAMESPACE, ResourceId: c.resourceId, ScalableDimension: ECS_SCALABLE_DIMENSION } as const;
  return act(c, async () => {
    switch (c.op) {
      case "register":
        await autoscaling.send(new RegisterScalableTargetCommand({
          ...ref, MinCapacity: c.min, MaxCapacity: c.max, ...(c.create ? { Tags: projectTags(ctx) } : {}),
        }));
        return;
      case "putPolicy":
        await autoscaling.send(new PutScalingPolicyCommand({
          ...ref, PolicyName: c.policyName, PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: policyConfiguration(c.metric),
        }));
        return;
      case "deletePolicy":
        await tolerate(() => autoscaling.send(new DeleteScalingPolicyCommand({ ...ref, PolicyName: c.policyName })), GONE);
        return;
      case "deregister":
        await tolerate(() => autoscaling.send(new DeregisterScalableTargetCommand(ref)), GONE);
        return;
      case "tag":
        await autoscaling.send(new TagResourceCommand({ ResourceARN: c.arn, Tags: c.tags }));
        ctx.cache.delete(`aas-tags|${c.arn}`);
        return;
    }
  });
}

export interface AutoscalingInput { services: ServicesByRole }

export const autoscaling: Step<AutoscalingInput, void> = {
  kind: "ScalableTarget",
  condition: "ServicesReady",
  async plan(ctx, input) {
    const seen = await observeScaling(ctx, input.services);
    const d = decideScaling(seen, { projectId: ctx.project.id, tags: projectTags(ctx), resyncMs: ctx.resyncMs });
    const actions = d.changes.map((c) => apply(ctx, c));
    if (d.after.kind !== "done") return halt(actions, d.after, { observations: d.observations });
    return proceed(actions, d.after, { observations: d.observations });
  },
};

/** Deletion, before the services go: our policies, then our targets. */
export const autoscalingDeletion: Step<NoInput, void> = {
  kind: "ScalableTarget",
  condition: "ServicesReady",
  async plan(ctx) {
    const seen = await observeScaling(ctx, undefined);
    const d = decideScaling(seen, { projectId: ctx.project.id, tags: projectTags(ctx), resyncMs: ctx.resyncMs, deleting: true });
    const actions = d.changes.map((c) => apply(ctx, c));
    // Deregistering takes effect at once: the services step after this one may go ahead.
    return proceed(actions, done("Deleted", "no scalable targets left"));
  },
};
