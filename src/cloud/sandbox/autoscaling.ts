// Application Auto Scaling for ECS services' desired count, as the API behaves: RegisterScalableTarget
// creates or updates (a new target needs both MinCapacity and MaxCapacity; a service that does not
// exist is ValidationException "ECS service doesn't exist") and, as AWS documents, moves the service's
// current desired count into [min, max]; DescribeScalableTargets by ResourceIds (up to 50);
// DeregisterScalableTarget removes its policies (ObjectNotFoundException when absent);
// PutScalingPolicy (target tracking on ECSServiceAverageCPU/MemoryUtilization) needs a registered
// target; DescribeScalingPolicies; DeleteScalingPolicy. The autoscaler itself is the console's
// `autoscale`: it sets a count inside [min, max], as target tracking would under load.
import { activeCluster, findService } from "./ecs-model.js";
import { updateServiceNow } from "./ecs-services.js";
import { fail } from "./errors.js";
import { stableUuid } from "./ids.js";
import { date, type OperationHandler, type OpContext, type Tags } from "./state.js";

export interface ScalableTarget {
  resourceId: string;
  dimension: string;
  min: number;
  max: number;
  arn: string;
  roleArn: string;
  createdAt: number;
  suspended: { DynamicScalingInSuspended: boolean; DynamicScalingOutSuspended: boolean; ScheduledScalingSuspended: boolean };
  tags: Tags;
}

export interface ScalingPolicy {
  name: string;
  arn: string;
  resourceId: string;
  dimension: string;
  type: string;
  targetTracking: Record<string, unknown>;
  createdAt: number;
}

export interface ScalingState {
  /** By `resourceId|dimension` (the ecs namespace only). */
  targets: Record<string, ScalableTarget>;
  /** By `resourceId|dimension|policyName`. */
  policies: Record<string, ScalingPolicy>;
}

export const emptyScaling = (): ScalingState => ({ targets: {}, policies: {} });

const DIMENSION = "ecs:service:DesiredCount";
function invalid(message: string): never {
  return fail("application-autoscaling", "ValidationException", message);
}
function notFound(message: string): never {
  return fail("application-autoscaling", "ObjectNotFoundException", message);
}
function ecsOnly(namespace: string | undefined): never {
  return invalid(`The sandbox models the ecs service namespace only, not '${namespace}'`);
}
const METRICS = new Set(["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"]);

interface TargetRef { ServiceNamespace?: string; ResourceId?: string; ScalableDimension?: string }

function checkRef(input: TargetRef): { resourceId: string; dimension: string; cluster: string; service: string } {
  if (input.ServiceNamespace !== "ecs") ecsOnly(input.ServiceNamespace);
  if (input.ScalableDimension !== DIMENSION) {
    invalid(`Unsupported scalable dimension '${input.ScalableDimension}' for service namespace ecs`);
  }
  const m = /^service\/([^/]+)\/([^/]+)$/.exec(input.ResourceId ?? "");
  if (!m) invalid(`Unsupported resource ID '${input.ResourceId}' for service namespace ecs`);
  return { resourceId: input.ResourceId!, dimension: DIMENSION, cluster: m[1], service: m[2] };
}

const targetKey = (resourceId: string, dimension: string) => `${resourceId}|${dimension}`;

/** The live ECS service a resource id names, or the ValidationException AWS answers with. */
function ecsServiceOf(ctx: OpContext, cluster: string, service: string, resourceId: string) {
  const c = ctx.s.ecs.clusters[cluster];
  const svc = c?.status === "ACTIVE" ? findService(ctx, activeCluster(ctx, cluster), service) : undefined;
  if (!svc || svc.status !== "ACTIVE") invalid(`ECS service doesn't exist: ${resourceId}`);
  return svc;
}

/** Moves the service's desired count into [min, max], as registering (or the autoscaler) does. */
export function clampDesiredCount(ctx: OpContext, target: ScalableTarget, wanted?: number): number {
  const [, cluster, service] = target.resourceId.split("/");
  const svc = ecsServiceOf(ctx, cluster, service, target.resourceId);
  const desired = Math.min(target.max, Math.max(target.min, wanted ?? svc.desiredCount));
  if (desired !== svc.desiredCount) updateServiceNow(ctx, { cluster, service, desiredCount: desired });
  return desired;
}

interface RegisterInput extends TargetRef {
  MinCapacity?: number;
  MaxCapacity?: number;
  RoleARN?: string;
  SuspendedState?: Partial<ScalableTarget["suspended"]>;
  Tags?: Record<string, string>;
}

function registerScalableTarget(ctx: OpContext, input: RegisterInput) {
  const ref = checkRef(input);
  ecsServiceOf(ctx, ref.cluster, ref.service, ref.resourceId);
  const key = targetKey(ref.resourceId, ref.dimension);
  const existing = ctx.s.scaling.targets[key];
  if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
    invalid("MinCapacity and MaxCapacity are required when registering a new scalable target");
  }
  const min = input.MinCapacity ?? existing!.min;
  const max = input.MaxCapacity ?? existing!.max;
  if (min < 0 || max < 0) invalid("Capacity values must be non-negative");
  if (min > max) invalid(`Minimum capacity ${min} cannot be greater than maximum capacity ${max}`);
  const target: ScalableTarget = existing ?? {
    resourceId: ref.resourceId,
    dimension: ref.dimension,
    min,
    max,
    arn: `arn:${ctx.partition}:application-autoscaling:${ctx.s.region}:${ctx.s.accountId}:scalable-target/${stableUuid([ctx.seed, ctx.s.accountId, key, ++ctx.s.seq]).replace(/-/g, "").slice(0, 28)}`,
    roleArn: input.RoleARN ?? `arn:${ctx.partition}:iam::${ctx.s.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
    createdAt: ctx.now,
    suspended: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
    tags: {},
  };
  target.min = min;
  target.max = max;
  if (input.SuspendedState) target.suspended = { ...target.suspended, ...input.SuspendedState };
  if (input.Tags) target.tags = { ...target.tags, ...input.Tags };
  ctx.s.scaling.targets[key] = target;
  clampDesiredCount(ctx, target);
  return { ScalableTargetARN: target.arn };
}

function targetOutput(t: ScalableTarget) {
  return {
    ServiceNamespace: "ecs",
    ResourceId: t.resourceId,
    ScalableDimension: t.dimension,
    MinCapacity: t.min,
    MaxCapacity: t.max,
    RoleARN: t.roleArn,
    CreationTime: date(t.createdAt),
    SuspendedState: { ...t.suspended },
    ScalableTargetARN: t.arn,
  };
}

function describeScalableTargets(ctx: OpContext, input: { ServiceNamespace?: string; ResourceIds?: string[]; ScalableDimension?: string }) {
  if (input.ServiceNamespace !== "ecs") ecsOnly(input.ServiceNamespace);
  if ((input.ResourceIds?.length ?? 0) > 50) invalid("ResourceIds can hold at most 50 resource ids");
  const targets = Object.values(ctx.s.scaling.targets)
    .filter((t) => !input.ResourceIds?.length || input.ResourceIds.includes(t.resourceId))
    .filter((t) => !input.ScalableDimension || t.dimension === input.ScalableDimension);
  return { ScalableTargets: targets.map(targetOutput) };
}

function registeredTarget(ctx: OpContext, input: TargetRef): ScalableTarget {
  const ref = checkRef(input);
  const t = ctx.s.scaling.targets[targetKey(ref.resourceId, ref.dimension)];
  if (!t) {
    notFound(`No scalable target registered for service namespace: ecs, resource ID: ${ref.resourceId}, scalable dimension: ${ref.dimension}`);
  }
  return t;
}

interface PutPolicyInput extends TargetRef {
  PolicyName?: string;
  PolicyType?: string;
  TargetTrackingScalingPolicyConfiguration?: {
    TargetValue?: number;
    PredefinedMetricSpecification?: { PredefinedMetricType?: string; ResourceLabel?: string };
    ScaleOutCooldown?: number;
    ScaleInCooldown?: number;
    DisableScaleIn?: boolean;
  };
}

function putScalingPolicy(ctx: OpContext, input: PutPolicyInput) {
  const t = registeredTarget(ctx, input);
  if (!input.PolicyName || input.PolicyName.length > 256) invalid("PolicyName must be 1-256 characters");
  const type = input.PolicyType ?? "StepScaling";
  if (type !== "TargetTrackingScaling") {
    invalid(`The sandbox models TargetTrackingScaling policies only, not '${type}'`);
  }
  const cfg = input.TargetTrackingScalingPolicyConfiguration;
  if (!cfg || cfg.TargetValue === undefined) {
    invalid("TargetTrackingScalingPolicyConfiguration.TargetValue is required");
  }
  const metric = cfg.PredefinedMetricSpecification?.PredefinedMetricType;
  if (!metric || !METRICS.has(metric)) {
    invalid(`Unsupported predefined metric type '${metric}' for service namespace ecs`);
  }
  const key = `${targetKey(t.resourceId, t.dimension)}|${input.PolicyName}`;
  const existing = ctx.s.scaling.policies[key];
  const id = existing?.arn.split(":")[6] ?? stableUuid([ctx.seed, ctx.s.accountId, key, ++ctx.s.seq]);
  const arn = existing?.arn
    ?? `arn:${ctx.partition}:autoscaling:${ctx.s.region}:${ctx.s.accountId}:scalingPolicy:${id}:resource/ecs/${t.resourceId}:policyName/${input.PolicyName}`;
  ctx.s.scaling.policies[key] = {
    name: input.PolicyName, arn, resourceId: t.resourceId, dimension: t.dimension, type, targetTracking: structuredClone(cfg), createdAt: existing?.createdAt ?? ctx.now,
  };
  const alarm = (dir: string) => ({
    AlarmName: `TargetTracking-${t.resourceId}-Alarm${dir}-${id}`,
    AlarmARN: `arn:${ctx.partition}:cloudwatch:${ctx.s.region}:${ctx.s.accountId}:alarm:TargetTracking-${t.resourceId}-Alarm${dir}-${id}`,
  });
  return { PolicyARN: arn, Alarms: [alarm("High"), alarm("Low")] };
}

interface DescribePoliciesInput {
  ServiceNamespace?: string; ResourceId?: string; ScalableDimension?: string; PolicyNames?: string[]; MaxResults?: number; NextToken?: string;
}

/** AWS answers at most 10 policies a page (MaxResults 1–10, default 10) with a NextToken for the rest. */
function describeScalingPolicies(ctx: OpContext, input: DescribePoliciesInput) {
  if (input.ServiceNamespace !== "ecs") ecsOnly(input.ServiceNamespace);
  const pageSize = input.MaxResults ?? 10;
  if (pageSize < 1 || pageSize > 10) invalid("MaxResults must be between 1 and 10");
  if (input.ScalableDimension && !input.ResourceId) invalid("If you specify a scalable dimension, you must also specify a resource ID");
  const start = input.NextToken ? Number(input.NextToken) : 0;
  if (!Number.isInteger(start) || start < 0) invalid("Invalid NextToken");
  const all = Object.values(ctx.s.scaling.policies)
    .filter((p) => !input.ResourceId || p.resourceId === input.ResourceId)
    .filter((p) => !input.ScalableDimension || p.dimension === input.ScalableDimension)
    .filter((p) => !input.PolicyNames?.length || input.PolicyNames.includes(p.name));
  const policies = all.slice(start, start + pageSize);
  return {
    NextToken: start + pageSize < all.length ? String(start + pageSize) : undefined,
    ScalingPolicies: policies.map((p) => ({
      PolicyARN: p.arn,
      PolicyName: p.name,
      ServiceNamespace: "ecs",
      ResourceId: p.resourceId,
      ScalableDimension: p.dimension,
      PolicyType: p.type,
      TargetTrackingScalingPolicyConfiguration: structuredClone(p.targetTracking),
      Alarms: [],
      CreationTime: date(p.createdAt),
    })),
  };
}

export const autoscalingHandlers: Record<string, OperationHandler> = {
  RegisterScalableTarget: registerScalableTarget,
  DescribeScalableTargets: describeScalableTargets,
  DeregisterScalableTarget: (ctx, input: TargetRef) => {
    const t = registeredTarget(ctx, input);
    const key = targetKey(t.resourceId, t.dimension);
    delete ctx.s.scaling.targets[key];
    for (const k of Object.keys(ctx.s.scaling.policies)) if (k.startsWith(`${key}|`)) delete ctx.s.scaling.policies[k];
    return {};
  },
  PutScalingPolicy: putScalingPolicy,
  DescribeScalingPolicies: describeScalingPolicies,
  DeleteScalingPolicy: (ctx, input: TargetRef & { PolicyName?: string }) => {
    const ref = checkRef(input);
    const key = `${targetKey(ref.resourceId, ref.dimension)}|${input.PolicyName}`;
    if (!ctx.s.scaling.policies[key]) {
      notFound(`No scaling policy found for service namespace: ecs, resource ID: ${ref.resourceId}, scalable dimension: ${ref.dimension}, policy name: ${input.PolicyName}`);
    }
    delete ctx.s.scaling.policies[key];
    return {};
  },
  TagResource: (ctx, input: { ResourceARN?: string; Tags?: Record<string, string> }) => {
    const t = Object.values(ctx.s.scaling.targets).find((x) => x.arn === input.ResourceARN);
    if (!t) fail("application-autoscaling", "ResourceNotFoundException", `Resource ${input.ResourceARN} not found`);
    t.tags = { ...t.tags, ...(input.Tags ?? {}) };
    return {};
  },
  ListTagsForResource: (ctx, input: { ResourceARN?: string }) => {
    const t = Object.values(ctx.s.scaling.targets).find((x) => x.arn === input.ResourceARN);
    if (!t) fail("application-autoscaling", "ResourceNotFoundException", `Resource ${input.ResourceARN} not found`);
    return { Tags: { ...t.tags } };
  },
};
