// Elastic Load Balancing v2 state (application load balancers, target groups, listeners) and the rules
// every ELBv2 call shares: name rules, ARN lookups, tags, and target health. Targets are not stored:
// like ECS on AWS, a service with `loadBalancers` registers its tasks' IPs, so the health of a target
// group is derived from the tasks of the services that name it (initial while a task starts, healthy
// once the image answers /ok, unhealthy when it fails, draining while it stops).
import { fail } from "./errors.js";
import type { EcsTask } from "./ecs-model.js";
import type { OpContext, Tags } from "./state.js";

export interface LoadBalancer {
  name: string;
  arn: string;
  dnsName: string;
  scheme: "internet-facing" | "internal";
  type: "application";
  vpcId: string;
  subnets: string[];
  securityGroups: string[];
  ipAddressType: string;
  createdAt: number;
  /** provisioning until this time, then active. */
  activeAt: number;
  attributes: Record<string, string>;
  tags: Tags;
}

export interface HealthCheck {
  protocol: string;
  port: string;
  path: string;
  matcher: string;
  enabled: boolean;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
}

export interface TargetGroup {
  name: string;
  arn: string;
  protocol: string;
  port: number;
  vpcId: string;
  targetType: string;
  healthCheck: HealthCheck;
  attributes: Record<string, string>;
  tags: Tags;
  createdAt: number;
}

export interface ListenerAction {
  Type?: string;
  TargetGroupArn?: string;
  Order?: number;
  RedirectConfig?: { Protocol?: string; Port?: string; Host?: string; Path?: string; Query?: string; StatusCode?: string };
  ForwardConfig?: { TargetGroups?: { TargetGroupArn?: string; Weight?: number }[] };
  FixedResponseConfig?: { StatusCode?: string; ContentType?: string; MessageBody?: string };
}

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  certificates: string[];
  sslPolicy?: string;
  defaultActions: ListenerAction[];
  tags: Tags;
}

export interface ElbState {
  loadBalancers: Record<string, LoadBalancer>;
  targetGroups: Record<string, TargetGroup>;
  /** By ARN. */
  listeners: Record<string, Listener>;
}

export const emptyElb = (): ElbState => ({ loadBalancers: {}, targetGroups: {}, listeners: {} });

const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;

/** ELBv2's name rules, shared by load balancers and target groups (32 chars, alphanumerics and hyphens). */
export function checkName(kind: "LoadBalancer" | "Target group", name: string | undefined): string {
  if (!name) fail("elbv2", "ValidationError", `${kind} name cannot be empty`);
  if (name.length > 32) fail("elbv2", "ValidationError", `${kind} name '${name}' cannot be longer than '32' characters`);
  if (!NAME.test(name)) {
    fail("elbv2", "ValidationError", `${kind} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-) and cannot begin or end with a hyphen`);
  }
  if (kind === "LoadBalancer" && name.startsWith("internal-")) fail("elbv2", "ValidationError", "Load balancer names cannot start with 'internal-'");
  return name;
}

export function elbArn(ctx: OpContext, resource: string): string {
  return `arn:${ctx.partition}:elasticloadbalancing:${ctx.s.region}:${ctx.s.accountId}:${resource}`;
}

export function loadBalancerByArn(ctx: OpContext, arn: string | undefined): LoadBalancer {
  const lb = Object.values(ctx.s.elb.loadBalancers).find((x) => x.arn === arn);
  if (!lb) fail("elbv2", "LoadBalancerNotFoundException", `Load balancer '${arn}' not found`);
  return lb;
}

export function targetGroupByArn(ctx: OpContext, arn: string | undefined): TargetGroup {
  const tg = Object.values(ctx.s.elb.targetGroups).find((x) => x.arn === arn);
  if (!tg) fail("elbv2", "TargetGroupNotFoundException", `Target groups '${arn}' not found`);
  return tg;
}

export function listenerByArn(ctx: OpContext, arn: string | undefined): Listener {
  const l = arn ? ctx.s.elb.listeners[arn] : undefined;
  if (!l) fail("elbv2", "ListenerNotFoundException", `One or more listeners not found`);
  return l;
}

/** Target groups a listener's actions forward to. */
export function forwardedGroups(actions: readonly ListenerAction[]): string[] {
  const arns = new Set<string>();
  for (const a of actions) {
    if (a.TargetGroupArn) arns.add(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) arns.add(t.TargetGroupArn);
  }
  return [...arns];
}

/** The load balancers whose listeners forward to this target group. */
export function loadBalancersOf(ctx: OpContext, tg: TargetGroup): string[] {
  const lbs = new Set<string>();
  for (const l of Object.values(ctx.s.elb.listeners)) if (forwardedGroups(l.defaultActions).includes(tg.arn)) lbs.add(l.loadBalancerArn);
  return [...lbs];
}

export function lbState(ctx: OpContext, lb: LoadBalancer): "provisioning" | "active" {
  return ctx.now >= lb.activeAt ? "active" : "provisioning";
}

/** The taggable ELBv2 resource an ARN names, with the error AWS gives when it is gone. */
export function taggableElb(ctx: OpContext, arn: string): { tags: Tags } {
  if (arn.includes(":loadbalancer/")) return loadBalancerByArn(ctx, arn);
  if (arn.includes(":targetgroup/")) return targetGroupByArn(ctx, arn);
  if (arn.includes(":listener/")) return listenerByArn(ctx, arn);
  return fail("elbv2", "ValidationError", `'${arn}' is not a valid resource ARN`);
}

export interface TargetHealth {
  id: string;
  port: number;
  az: string;
  state: "initial" | "healthy" | "unhealthy" | "draining" | "unused";
  reason?: string;
  description?: string;
}

/** A task's target as ECS registers it: from RUNNING until it has stopped (draining while it stops). */
export function targetOf(task: EcsTask, port: number, inUse: boolean): TargetHealth | undefined {
  if (task.lastStatus === "STOPPED" || !task.startedAt) return undefined;
  const base = { id: task.privateIp, port, az: task.az };
  if (task.desiredStatus === "STOPPED") {
    return { ...base, state: "draining", reason: "Target.DeregistrationInProgress", description: "Target deregistration is in progress" };
  }
  if (!inUse) return { ...base, state: "unused", reason: "Target.NotInUse", description: "Target group is not configured to receive traffic from the load balancer" };
  if (task.healthStatus === "UNHEALTHY" || task.contractFailure) {
    return { ...base, state: "unhealthy", reason: "Target.FailedHealthChecks", description: "Health checks failed" };
  }
  if (task.ready) return { ...base, state: "healthy" };
  return { ...base, state: "initial", reason: "Elb.InitialHealthChecking", description: "Initial health checks in progress" };
}
