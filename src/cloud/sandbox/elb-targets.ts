// ELBv2 target groups as the API behaves: CreateTargetGroup (idempotent for identical settings,
// DuplicateTargetGroupName otherwise; ip targets need a VPC), DescribeTargetGroups by ARNs, Names or
// load balancer (TargetGroupNotFound when any is missing), ModifyTargetGroup for the health check,
// Modify/DescribeTargetGroupAttributes (deregistration delay), DeleteTargetGroup (ResourceInUse while
// a listener forwards to it), and DescribeTargetHealth over the targets ECS registered (elb-model.ts).
import { serviceTasks } from "./ecs-model.js";
import { fail } from "./errors.js";
import { attributeList, elbPage } from "./elb.js";
import {
  checkName, elbArn, loadBalancerByArn, loadBalancersOf, targetGroupByArn, targetOf, type HealthCheck, type TargetGroup, type TargetHealth,
} from "./elb-model.js";
import { mintHex, tagsFromList, type OperationHandler, type OpContext } from "./state.js";

const DEFAULT_ATTRIBUTES: Record<string, string> = {
  "deregistration_delay.timeout_seconds": "300",
  "stickiness.enabled": "false",
  "stickiness.type": "lb_cookie",
  "load_balancing.algorithm.type": "round_robin",
  "slow_start.duration_seconds": "0",
};

interface HealthCheckInput {
  HealthCheckProtocol?: string;
  HealthCheckPort?: string;
  HealthCheckPath?: string;
  HealthCheckEnabled?: boolean;
  HealthCheckIntervalSeconds?: number;
  HealthCheckTimeoutSeconds?: number;
  HealthyThresholdCount?: number;
  UnhealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string };
}

interface CreateTargetGroupInput extends HealthCheckInput {
  Name?: string;
  Protocol?: string;
  Port?: number;
  VpcId?: string;
  TargetType?: string;
  Tags?: { Key?: string; Value?: string }[];
}

function healthCheckFrom(input: HealthCheckInput, base?: HealthCheck): HealthCheck {
  const hc: HealthCheck = {
    protocol: input.HealthCheckProtocol ?? base?.protocol ?? "HTTP",
    port: input.HealthCheckPort ?? base?.port ?? "traffic-port",
    path: input.HealthCheckPath ?? base?.path ?? "/",
    matcher: input.Matcher?.HttpCode ?? base?.matcher ?? "200",
    enabled: input.HealthCheckEnabled ?? base?.enabled ?? true,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? base?.intervalSeconds ?? 30,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? base?.timeoutSeconds ?? 5,
    healthyThresholdCount: input.HealthyThresholdCount ?? base?.healthyThresholdCount ?? 5,
    unhealthyThresholdCount: input.UnhealthyThresholdCount ?? base?.unhealthyThresholdCount ?? 2,
  };
  if (!hc.path.startsWith("/") || hc.path.length > 1024) fail("elbv2", "ValidationError", "Health check path must begin with a '/' character, and can be at most 1024 characters in length");
  if (hc.intervalSeconds < 5 || hc.intervalSeconds > 300) fail("elbv2", "ValidationError", "Health check interval must be between 5 and 300 seconds");
  if (hc.timeoutSeconds < 2 || hc.timeoutSeconds > 120) fail("elbv2", "ValidationError", "Health check timeout must be between 2 and 120 seconds");
  if (hc.timeoutSeconds >= hc.intervalSeconds) fail("elbv2", "ValidationError", "Health check timeout must be smaller than the interval");
  if (!/^\d{3}([,-]\d{3})*$/.test(hc.matcher)) fail("elbv2", "ValidationError", `Health check matcher HTTP code '${hc.matcher}' must be a valid HTTP code, list or range`);
  return hc;
}

export function targetGroupOutput(ctx: OpContext, tg: TargetGroup) {
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: tg.healthCheck.protocol,
    HealthCheckPort: tg.healthCheck.port,
    HealthCheckEnabled: tg.healthCheck.enabled,
    HealthCheckIntervalSeconds: tg.healthCheck.intervalSeconds,
    HealthCheckTimeoutSeconds: tg.healthCheck.timeoutSeconds,
    HealthyThresholdCount: tg.healthCheck.healthyThresholdCount,
    UnhealthyThresholdCount: tg.healthCheck.unhealthyThresholdCount,
    HealthCheckPath: tg.healthCheck.path,
    Matcher: { HttpCode: tg.healthCheck.matcher },
    LoadBalancerArns: loadBalancersOf(ctx, tg),
    TargetType: tg.targetType,
    ProtocolVersion: "HTTP1",
    IpAddressType: "ipv4",
  };
}

function createTargetGroup(ctx: OpContext, input: CreateTargetGroupInput) {
  const name = checkName("Target group", input.Name);
  const targetType = input.TargetType ?? "instance";
  if (targetType !== "lambda") {
    if (!input.Protocol) fail("elbv2", "ValidationError", "A protocol must be specified");
    if (input.Port === undefined) fail("elbv2", "ValidationError", "A port must be specified");
    if (!input.VpcId) fail("elbv2", "ValidationError", "A VPC ID must be specified");
    if (!ctx.s.ec2.vpcs.some((v) => v.id === input.VpcId)) fail("elbv2", "ValidationError", `The VPC ID '${input.VpcId}' is not found`);
  }
  if (input.Port !== undefined && (input.Port < 1 || input.Port > 65535)) fail("elbv2", "ValidationError", "Port must be between 1 and 65535");
  const healthCheck = healthCheckFrom(input);
  const existing = ctx.s.elb.targetGroups[name];
  if (existing) {
    const same = existing.protocol === input.Protocol && existing.port === input.Port && existing.vpcId === input.VpcId
      && existing.targetType === targetType && JSON.stringify(existing.healthCheck) === JSON.stringify(healthCheck);
    if (same) return { TargetGroups: [targetGroupOutput(ctx, existing)] };
    fail("elbv2", "DuplicateTargetGroupNameException", "A target group with the same name exists, but with different settings");
  }
  const tg: TargetGroup = {
    name,
    arn: elbArn(ctx, `targetgroup/${name}/${mintHex(ctx, "tg", 16)}`),
    protocol: input.Protocol ?? "HTTP",
    port: input.Port ?? 80,
    vpcId: input.VpcId ?? "",
    targetType,
    healthCheck,
    attributes: { ...DEFAULT_ATTRIBUTES },
    tags: tagsFromList(input.Tags),
    createdAt: ctx.now,
  };
  ctx.s.elb.targetGroups[name] = tg;
  return { TargetGroups: [targetGroupOutput(ctx, tg)] };
}

interface DescribeInput { LoadBalancerArn?: string; TargetGroupArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number }

function describeTargetGroups(ctx: OpContext, input: DescribeInput) {
  const given = [input.LoadBalancerArn, input.TargetGroupArns?.length, input.Names?.length].filter(Boolean).length;
  if (given > 1) fail("elbv2", "ValidationError", "Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time");
  let chosen = Object.values(ctx.s.elb.targetGroups).sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  if (input.Names?.length) {
    const missing = input.Names.filter((n) => !ctx.s.elb.targetGroups[n]);
    if (missing.length) fail("elbv2", "TargetGroupNotFoundException", `Target groups '[${missing.join(", ")}]' not found`);
    chosen = chosen.filter((tg) => input.Names!.includes(tg.name));
  } else if (input.TargetGroupArns?.length) {
    const missing = input.TargetGroupArns.filter((a) => !chosen.some((tg) => tg.arn === a));
    if (missing.length) fail("elbv2", "TargetGroupNotFoundException", `Target groups '[${missing.join(", ")}]' not found`);
    chosen = chosen.filter((tg) => input.TargetGroupArns!.includes(tg.arn));
  } else if (input.LoadBalancerArn) {
    const lb = loadBalancerByArn(ctx, input.LoadBalancerArn);
    chosen = chosen.filter((tg) => loadBalancersOf(ctx, tg).includes(lb.arn));
  }
  const { items, marker } = elbPage(chosen, input.Marker, input.PageSize);
  return { TargetGroups: items.map((tg) => targetGroupOutput(ctx, tg)), NextMarker: marker };
}

function modifyTargetGroupAttributes(ctx: OpContext, input: { TargetGroupArn?: string; Attributes?: { Key?: string; Value?: string }[] }) {
  const tg = targetGroupByArn(ctx, input.TargetGroupArn);
  for (const { Key, Value } of input.Attributes ?? []) {
    if (!Key || !(Key in DEFAULT_ATTRIBUTES)) fail("elbv2", "InvalidConfigurationRequestException", `Key ${Key} not valid`);
    if (Key === "deregistration_delay.timeout_seconds") {
      const n = Number(Value);
      if (!Number.isInteger(n) || n < 0 || n > 3600) fail("elbv2", "ValidationError", "Deregistration delay must be between 0 and 3600 seconds");
    }
    tg.attributes[Key] = String(Value ?? "");
  }
  return { Attributes: attributeList(tg.attributes) };
}

function deleteTargetGroup(ctx: OpContext, input: { TargetGroupArn?: string }) {
  const tg = Object.values(ctx.s.elb.targetGroups).find((x) => x.arn === input.TargetGroupArn);
  if (!tg) return {};
  if (loadBalancersOf(ctx, tg).length) fail("elbv2", "ResourceInUseException", `Target group '${tg.arn}' is currently in use by a listener or a rule`);
  delete ctx.s.elb.targetGroups[tg.name];
  return {};
}

/** The targets ECS registered for a target group: one per running task of each service naming it. */
export function targetHealth(ctx: OpContext, tg: TargetGroup): TargetHealth[] {
  const inUse = loadBalancersOf(ctx, tg).length > 0;
  const out: TargetHealth[] = [];
  for (const svc of ctx.s.ecs.services) {
    if (svc.status === "INACTIVE") continue;
    for (const ref of svc.loadBalancers) {
      if (ref.targetGroupArn !== tg.arn) continue;
      for (const task of serviceTasks(ctx, svc)) {
        const t = targetOf(task, ref.containerPort ?? tg.port, inUse);
        if (t) out.push(t);
      }
    }
  }
  return out;
}

function describeTargetHealth(ctx: OpContext, input: { TargetGroupArn?: string; Targets?: { Id?: string; Port?: number }[] }) {
  const tg = targetGroupByArn(ctx, input.TargetGroupArn);
  let targets = targetHealth(ctx, tg);
  if (input.Targets?.length) targets = targets.filter((t) => input.Targets!.some((q) => q.Id === t.id && (q.Port === undefined || q.Port === t.port)));
  return {
    TargetHealthDescriptions: targets.map((t) => ({
      Target: { Id: t.id, Port: t.port, AvailabilityZone: t.az },
      HealthCheckPort: tg.healthCheck.port === "traffic-port" ? String(t.port) : tg.healthCheck.port,
      TargetHealth: { State: t.state, Reason: t.reason, Description: t.description },
    })),
  };
}

export const elbTargetGroupHandlers: Record<string, OperationHandler> = {
  CreateTargetGroup: createTargetGroup,
  DescribeTargetGroups: describeTargetGroups,
  ModifyTargetGroup: (ctx, input: HealthCheckInput & { TargetGroupArn?: string }) => {
    const tg = targetGroupByArn(ctx, input.TargetGroupArn);
    tg.healthCheck = healthCheckFrom(input, tg.healthCheck);
    return { TargetGroups: [targetGroupOutput(ctx, tg)] };
  },
  DescribeTargetGroupAttributes: (ctx, input: { TargetGroupArn?: string }) => ({
    Attributes: attributeList(targetGroupByArn(ctx, input.TargetGroupArn).attributes),
  }),
  ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
  DeleteTargetGroup: deleteTargetGroup,
  DescribeTargetHealth: describeTargetHealth,
};
