// What ECS checks when a service names load balancers (`loadBalancers`) or Cloud Map registries
// (`serviceRegistries`), on CreateService and UpdateService: the target group exists and already
// has a load balancer (a listener forwards to it), an awsvpc task needs an `ip` target group, the
// container and port are in the task definition; a health-check grace period needs a load balancer;
// a registry must be a Cloud Map service of this account and region. Each refusal is AWS's
// InvalidParameterException with the message ECS gives.
import type { EcsTaskDefinition, ServiceLoadBalancer, ServiceRegistry } from "./ecs-model.js";
import { fail } from "./errors.js";
import { loadBalancersOf } from "./elb-model.js";
import type { OpContext } from "./state.js";

interface PortMapping { containerPort?: number }
const containers = (td: EcsTaskDefinition) => (td.spec.containerDefinitions ?? []) as { name?: string; portMappings?: PortMapping[] }[];

function checkContainer(td: EcsTaskDefinition, name: string | undefined, port: number | undefined): void {
  const c = containers(td).find((x) => x.name === name);
  if (!c) fail("ecs", "InvalidParameterException", `The container ${name} does not exist in the task definition.`);
  if (port !== undefined && !(c.portMappings ?? []).some((p) => p.containerPort === port)) {
    fail("ecs", "InvalidParameterException", `The container ${name} did not have a container port ${port} defined.`);
  }
}

export function checkLoadBalancers(ctx: OpContext, td: EcsTaskDefinition, lbs: ServiceLoadBalancer[] | undefined, grace: number | undefined): void {
  if (!lbs?.length) {
    if (grace !== undefined && grace > 0) fail("ecs", "InvalidParameterException", "Health check grace period is only valid for services configured to use load balancers");
    return;
  }
  for (const ref of lbs) {
    if (!ref.targetGroupArn) fail("ecs", "InvalidParameterException", "targetGroupArn must be specified for an Application Load Balancer.");
    const tg = Object.values(ctx.s.elb.targetGroups).find((x) => x.arn === ref.targetGroupArn);
    if (!tg) fail("ecs", "InvalidParameterException", `The target group with targetGroupArn ${ref.targetGroupArn} does not exist.`);
    if (!loadBalancersOf(ctx, tg).length) {
      fail("ecs", "InvalidParameterException", `The target group with targetGroupArn ${tg.arn} does not have an associated load balancer.`);
    }
    if (td.spec.networkMode === "awsvpc" && tg.targetType !== "ip") {
      fail("ecs", "InvalidParameterException", `The provided target group ${tg.arn} has target type ${tg.targetType}, which is incompatible with the awsvpc network mode specified in the task definition.`);
    }
    if (ref.containerPort === undefined) fail("ecs", "InvalidParameterException", "containerPort must be specified for a load balancer.");
    checkContainer(td, ref.containerName, ref.containerPort);
  }
}

export function checkServiceRegistries(ctx: OpContext, td: EcsTaskDefinition, registries: ServiceRegistry[] | undefined): void {
  for (const r of registries ?? []) {
    const svc = Object.values(ctx.s.cloudmap.services).find((x) => x.arn === r.registryArn);
    if (!svc) fail("ecs", "InvalidParameterException", `The service registry ${r.registryArn} does not exist in this account and region.`);
    const srv = svc.dnsRecords.some((d) => d.Type === "SRV");
    if (srv && r.containerPort === undefined && r.port === undefined) {
      fail("ecs", "InvalidParameterException", "When specifying a service registry with an SRV record, you must specify a containerName and containerPort.");
    }
    if (r.containerName !== undefined) checkContainer(td, r.containerName, r.containerPort);
  }
}
