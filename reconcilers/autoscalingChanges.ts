// The autoscaling decide(): from each scaled role's scalable target, its policies and tags (as
// DescribeScalableTargets, DescribeScalingPolicies and ListTagsForResource said) and the range the
// spec asks for, the changes and the outcome. Pure, so each case is a row in
// test/reconcilers/autoscaling.test.ts; autoscaling.ts observes and applies.
import type {
  ScalableTarget, ScalingPolicy, TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-application-auto-scaling";
import {
  SCALE_IN_COOLDOWN_S, SCALE_OUT_COOLDOWN_S, SCALING_METRICS, SCALING_TARGET_VALUE,
} from "../src/cloud/names.js";
import type { ResourceObservation } from "../src/model/project.js";
import { done, type Change, type FieldDiff, type Outcome } from "./contract.js";
import { conflict, missingTags, ownershipOf, tagChange, type TagMap } from "./ownership.js";

export type ScaledRole = "api" | "queue";
export const SCALED_ROLES: readonly ScaledRole[] = ["api", "queue"];
type Metric = keyof typeof SCALING_METRICS;
const METRICS: readonly Metric[] = ["cpu", "memory"];

export interface ScalingSeen {
  role: ScaledRole;
  resourceId: string;
  target: ScalableTarget | undefined;
  /** The target's tags (undefined when there is no target, or it has no ARN to read them by). */
  tags: TagMap | undefined;
  /** The project's policies on this target (by our names). */
  policies: ScalingPolicy[];
  /** The ECS service exists (a target can only be registered on an active service). */
  serviceActive: boolean;
  /** The spec's [min, max]; undefined: a fixed count (or the project is being deleted). */
  range: { min: number; max: number } | undefined;
}

export interface ScalingWant { projectId: string; tags: TagMap; resyncMs: number; deleting?: boolean }

type ScalingOp =
  | { op: "register"; create: boolean; min: number; max: number }
  | { op: "putPolicy"; policyName: string; metric: Metric }
  | { op: "deletePolicy"; policyName: string }
  | { op: "deregister" }
  | { op: "tag"; arn: string; tags: TagMap };
export type ScalingChange = Change & ScalingOp & { resourceId: string };

export interface ScalingDecision { changes: ScalingChange[]; after: Outcome; observations: ResourceObservation[] }

export function policyConfiguration(metric: Metric): TargetTrackingScalingPolicyConfiguration {
  return {
    TargetValue: SCALING_TARGET_VALUE, PredefinedMetricSpecification: { PredefinedMetricType: SCALING_METRICS[metric] },
    ScaleOutCooldown: SCALE_OUT_COOLDOWN_S, ScaleInCooldown: SCALE_IN_COOLDOWN_S, DisableScaleIn: false,
  };
}

const policyName = (resourceId: string, metric: Metric) => `${resourceId.split("/").pop()}-${metric}`;
const arrows = (diffs: FieldDiff[]) => diffs.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ");

function policyDiffs(p: ScalingPolicy, metric: Metric): FieldDiff[] {
  const want = policyConfiguration(metric);
  const got = p.TargetTrackingScalingPolicyConfiguration;
  const pairs: Array<[string, unknown, unknown]> = [
    ["PolicyType", p.PolicyType, "TargetTrackingScaling"],
    ["TargetValue", got?.TargetValue, want.TargetValue],
    ["PredefinedMetricType", got?.PredefinedMetricSpecification?.PredefinedMetricType,
      want.PredefinedMetricSpecification?.PredefinedMetricType],
    ["ScaleOutCooldown", got?.ScaleOutCooldown, want.ScaleOutCooldown],
    ["ScaleInCooldown", got?.ScaleInCooldown, want.ScaleInCooldown],
    ["DisableScaleIn", got?.DisableScaleIn ?? false, false],
  ];
  return pairs.filter(([, a, d]) => a !== d).map(([field, a, d]) => ({ field, actual: String(a), desired: String(d) }));
}

function removal(x: ScalingSeen, why: string): ScalingChange[] {
  const { resourceId } = x;
  const policies: ScalingChange[] = x.policies.map((p) => ({
    op: "deletePolicy", policyName: p.PolicyName!, resourceId,
    verb: "delete", kind: "ScalingPolicy", resource: p.PolicyName!, reason: why,
    event: { type: "Normal", reason: "Deleted", message: `scaling policy ${p.PolicyName} deleted (${why})`, resource: p.PolicyName },
  }));
  return [...policies, {
    op: "deregister", resourceId, verb: "delete", kind: "ScalableTarget", resource: resourceId, reason: why,
    event: { type: "Normal", reason: "Deleted", message: `scalable target ${resourceId} deregistered (${why})`, resource: resourceId },
  }];
}

function registration(x: ScalingSeen, range: { min: number; max: number }): ScalingChange[] {
  const { resourceId, target: t } = x;
  if (!t) {
    return [{
      op: "register", create: true, ...range, resourceId, verb: "create", kind: "ScalableTarget", resource: resourceId, reason: "the service autoscales",
      event: { type: "Normal", reason: "Created", message: `registered scalable target ${resourceId} (${range.min}–${range.max} tasks)`, resource: resourceId },
    }];
  }
  const diffs: FieldDiff[] = [];
  if (t.MinCapacity !== range.min) diffs.push({ field: "MinCapacity", actual: String(t.MinCapacity), desired: String(range.min) });
  if (t.MaxCapacity !== range.max) diffs.push({ field: "MaxCapacity", actual: String(t.MaxCapacity), desired: String(range.max) });
  if (!diffs.length) return [];
  return [{
    op: "register", create: false, ...range, resourceId, verb: "update", kind: "ScalableTarget", resource: resourceId, reason: "managed fields differ", diffs,
    event: { type: "Normal", reason: "DriftRepaired", message: `scalable target ${resourceId}: ${arrows(diffs)}`, resource: resourceId },
  }];
}

function policyChanges(x: ScalingSeen): ScalingChange[] {
  const out: ScalingChange[] = [];
  for (const metric of METRICS) {
    const name = policyName(x.resourceId, metric);
    const p = x.policies.find((q) => q.PolicyName === name);
    const base = { op: "putPolicy", policyName: name, metric, resourceId: x.resourceId, kind: "ScalingPolicy", resource: name } as const;
    if (!p) {
      // Deregistering removes a target's policies: a new target's are created, an old one's were deleted out of band.
      const recreate = !!x.target;
      out.push({
        ...base, verb: "create", reason: recreate ? "policy was deleted" : "the service autoscales",
        event: {
          type: recreate ? "Warning" : "Normal", reason: recreate ? "Recreated" : "Created", resource: name,
          message: `${recreate ? "recreated deleted" : "created"} scaling policy ${name} (${SCALING_METRICS[metric]} ${SCALING_TARGET_VALUE})`,
        },
      });
      continue;
    }
    const diffs = policyDiffs(p, metric);
    if (diffs.length) {
      out.push({
        ...base, verb: "update", reason: "managed fields differ", diffs,
        event: { type: "Normal", reason: "DriftRepaired", message: `scaling policy ${name}: ${arrows(diffs)}`, resource: name },
      });
    }
  }
  return out;
}

export function decideScaling(seen: ScalingSeen[], want: ScalingWant): ScalingDecision {
  const changes: ScalingChange[] = [];
  const observations: ResourceObservation[] = [];
  const scaling: string[] = [];
  for (const x of seen) {
    // A target is our service's scaling: its tags are checked when AWS names it by an ARN (tags undefined
    // only when it does not, as moto's targets; docs/aws-fidelity.md), else it goes with the service.
    const ours = !!x.target && (x.tags === undefined || ownershipOf(x.tags, want.projectId) === "ours");
    if (!x.range || want.deleting) {
      // A target without our tag is someone else's: never deregistered by us.
      if (ours) changes.push(...removal(x, want.deleting ? "project deleted" : "the service no longer autoscales"));
      continue;
    }
    if (!x.serviceActive) continue;
    if (x.target && !ours) return { changes: [], after: conflict(`scalable target ${x.resourceId}`, x.tags ?? {}, want.resyncMs), observations };
    changes.push(...registration(x, x.range), ...policyChanges(x));
    // Tags that cannot be read are not repaired blind.
    const missing = x.target && x.tags ? missingTags(x.tags, want.tags) : {};
    if (Object.keys(missing).length && x.target?.ScalableTargetARN) {
      const t = tagChange("ScalableTarget", `scalable target ${x.resourceId}`, x.resourceId, x.tags ?? {}, missing);
      changes.push({ op: "tag", arn: x.target.ScalableTargetARN, tags: missing, resourceId: x.resourceId, ...t });
    }
    observations.push({ kind: "ScalableTarget", name: x.resourceId, arn: x.target?.ScalableTargetARN ?? null, phase: `${x.range.min}–${x.range.max}`, lastError: null });
    scaling.push(`${x.resourceId.split("/").pop()} ${x.range.min}–${x.range.max}`);
  }
  const message = scaling.length ? `autoscaling ${scaling.join(", ")}` : "no service autoscales";
  return { changes, after: done(scaling.length ? "ScalingInSync" : "NotAutoscaled", message), observations };
}

