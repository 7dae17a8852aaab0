// ECS services as the API behaves: CreateService is idempotent only for a repeated clientToken with
// identical parameters, otherwise a live same-named service is "Creation of service was not
// idempotent."; awsvpc services need existing subnets and groups of one VPC and an ACTIVE task
// definition; UpdateService starts a new PRIMARY deployment for a new task definition, a new network
// configuration or forceNewDeployment, and only rescales for a desiredCount change; DeleteService
// needs force (or desiredCount 0), drains, then leaves the service INACTIVE for a while.
import { fail } from "./errors.js";
import { checkLoadBalancers, checkServiceRegistries } from "./ecs-attachments.js";
import {
  activeCluster, ecsArn, ecsPage, findService, findTaskDefinition, tagsFromEcs, type EcsService, type ServiceLoadBalancer, type ServiceRegistry,
} from "./ecs-model.js";
import { newDeployment, scheduleService } from "./ecs-scheduler.js";
import { serviceOutput } from "./ecs-shapes.js";
import { stableHex } from "./ids.js";
import type { OperationHandler, OpContext, Tags } from "./state.js";

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
type Network = EcsService["networkConfiguration"];

function checkNetwork(ctx: OpContext, network: Network): void {
  const vpc = network?.awsvpcConfiguration;
  if (!vpc) fail("ecs", "InvalidParameterException", "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (!vpc.subnets?.length) fail("ecs", "InvalidParameterException", "subnets can not be empty.");
  const vpcIds = new Set<string>();
  for (const id of vpc.subnets) {
    const subnet = ctx.s.ec2.subnets.find((x) => x.id === id);
    if (!subnet) fail("ecs", "InvalidParameterException", `Error retrieving subnet information for [${id}]: The subnet ID '${id}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`);
    vpcIds.add(subnet.vpcId);
  }
  for (const id of vpc.securityGroups ?? []) {
    const sg = ctx.s.ec2.securityGroups.find((x) => x.id === id);
    if (!sg) fail("ecs", "InvalidParameterException", `Error retrieving security group information for [${id}]: The security group '${id}' does not exist (ErrorCode: InvalidGroup.NotFound)`);
    vpcIds.add(sg.vpcId);
  }
  if (vpcIds.size > 1) fail("ecs", "InvalidParameterException", "Security groups and subnets must all belong to the same VPC.");
}

function serviceTaskDefinition(ctx: OpContext, ref: string | undefined, launchType: string) {
  if (!ref) fail("ecs", "InvalidParameterException", "TaskDefinition can not be blank.");
  const td = findTaskDefinition(ctx, ref);
  if (!td || td.status === "DELETE_IN_PROGRESS") fail("ecs", "ClientException", "Unable to describe task definition.");
  if (td.status !== "ACTIVE") fail("ecs", "InvalidParameterException", "TaskDefinition is inactive");
  const compat = (td.spec.requiresCompatibilities as string[] | undefined) ?? [];
  if (launchType === "FARGATE" && compat.length && !compat.includes("FARGATE")) {
    fail("ecs", "InvalidParameterException", "Task definition does not support launch_type FARGATE.");
  }
  return td;
}

const DEFAULT_DEPLOYMENT_CONFIGURATION = { deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 200, minimumHealthyPercent: 100 };

function mergeDeploymentConfiguration(base: EcsService["deploymentConfiguration"], change: Record<string, unknown> | undefined): EcsService["deploymentConfiguration"] {
  const breaker = { ...base.deploymentCircuitBreaker, ...((change?.deploymentCircuitBreaker as object | undefined) ?? {}) };
  return { ...base, ...structuredClone(change ?? {}), deploymentCircuitBreaker: breaker };
}

interface CreateServiceInput {
  cluster?: string;
  serviceName?: string;
  taskDefinition?: string;
  desiredCount?: number;
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: Network;
  deploymentConfiguration?: Record<string, unknown>;
  loadBalancers?: ServiceLoadBalancer[];
  serviceRegistries?: ServiceRegistry[];
  healthCheckGracePeriodSeconds?: number;
  tags?: { key?: string; value?: string }[];
  propagateTags?: string;
  enableECSManagedTags?: boolean;
  enableExecuteCommand?: boolean;
  clientToken?: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => `${k}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function createServiceNow(ctx: OpContext, input: CreateServiceInput, tags: Tags) {
  const cluster = activeCluster(ctx, input.cluster);
  const name = input.serviceName ?? "";
  if (!NAME.test(name)) fail("ecs", "InvalidParameterException", "Service name must be 1-255 letters, numbers, underscores and hyphens.");
  const { clientToken, ...request } = input;
  const requestHash = stableHex([canonical({ ...request, cluster: cluster.name })], 32);
  const existing = findService(ctx, cluster, name);
  if (existing && existing.status !== "INACTIVE") {
    if (clientToken && existing.clientToken === clientToken && existing.requestHash === requestHash) {
      return { service: serviceOutput(ctx, existing, ["TAGS"]) };
    }
    fail("ecs", "InvalidParameterException", "Creation of service was not idempotent.");
  }
  const launchType = input.launchType ?? "FARGATE";
  const td = serviceTaskDefinition(ctx, input.taskDefinition, launchType);
  if (td.spec.networkMode === "awsvpc" || input.networkConfiguration) checkNetwork(ctx, input.networkConfiguration);
  checkLoadBalancers(ctx, td, input.loadBalancers, input.healthCheckGracePeriodSeconds);
  checkServiceRegistries(ctx, td, input.serviceRegistries);
  ctx.s.ecs.services = ctx.s.ecs.services.filter((x) => !(x.clusterName === cluster.name && x.name === name));
  const svc: EcsService = {
    arn: ecsArn(ctx, `service/${cluster.name}/${name}`),
    name,
    clusterName: cluster.name,
    status: "ACTIVE",
    desiredCount: input.desiredCount ?? 0,
    launchType,
    platformVersion: input.platformVersion ?? "LATEST",
    networkConfiguration: structuredClone(input.networkConfiguration),
    deploymentConfiguration: mergeDeploymentConfiguration(DEFAULT_DEPLOYMENT_CONFIGURATION, input.deploymentConfiguration),
    loadBalancers: structuredClone(input.loadBalancers ?? []),
    serviceRegistries: structuredClone(input.serviceRegistries ?? []),
    healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
    tags,
    createdAt: ctx.now,
    createdBy: ctx.caller.roleArn ?? ctx.caller.arn,
    clientToken,
    requestHash,
    propagateTags: input.propagateTags ?? "NONE",
    enableECSManagedTags: input.enableECSManagedTags ?? false,
    enableExecuteCommand: input.enableExecuteCommand ?? false,
    deployments: [],
    events: [],
    placements: 0,
    steady: false,
  };
  svc.deployments.push(newDeployment(ctx, svc, td.arn, svc.desiredCount, ctx.now));
  ctx.s.ecs.services.push(svc);
  scheduleService(ctx, svc, ctx.now);
  return { service: serviceOutput(ctx, svc, ["TAGS"]) };
}

function liveService(ctx: OpContext, clusterRef: string | undefined, ref: string | undefined): EcsService {
  const cluster = activeCluster(ctx, clusterRef);
  const svc = ref ? findService(ctx, cluster, ref) : undefined;
  if (!svc) fail("ecs", "ServiceNotFoundException", "Service not found.");
  if (svc.status !== "ACTIVE") fail("ecs", "ServiceNotActiveException", "Service was not ACTIVE.");
  return svc;
}

interface UpdateServiceInput {
  cluster?: string;
  service?: string;
  desiredCount?: number;
  taskDefinition?: string;
  forceNewDeployment?: boolean;
  deploymentConfiguration?: Record<string, unknown>;
  networkConfiguration?: Network;
  loadBalancers?: ServiceLoadBalancer[];
  serviceRegistries?: ServiceRegistry[];
  healthCheckGracePeriodSeconds?: number;
  enableExecuteCommand?: boolean;
  propagateTags?: string;
  enableECSManagedTags?: boolean;
}

/** A change of load balancers or registries starts a new deployment, as ECS documents for UpdateService. */
function updateAttachments(ctx: OpContext, svc: EcsService, input: UpdateServiceInput, taskDefinition: string): boolean {
  const lbChanged = input.loadBalancers !== undefined && canonical(input.loadBalancers) !== canonical(svc.loadBalancers);
  const regChanged = input.serviceRegistries !== undefined && canonical(input.serviceRegistries) !== canonical(svc.serviceRegistries);
  const td = findTaskDefinition(ctx, taskDefinition)!;
  const lbs = input.loadBalancers ?? svc.loadBalancers;
  if (lbChanged || input.healthCheckGracePeriodSeconds !== undefined) checkLoadBalancers(ctx, td, lbs, input.healthCheckGracePeriodSeconds ?? svc.healthCheckGracePeriodSeconds);
  if (regChanged) checkServiceRegistries(ctx, td, input.serviceRegistries);
  if (lbChanged) svc.loadBalancers = structuredClone(input.loadBalancers!);
  if (regChanged) svc.serviceRegistries = structuredClone(input.serviceRegistries!);
  return lbChanged || regChanged;
}

export function updateServiceNow(ctx: OpContext, input: UpdateServiceInput) {
  const svc = liveService(ctx, input.cluster, input.service);
  const td = input.taskDefinition ? serviceTaskDefinition(ctx, input.taskDefinition, svc.launchType) : undefined;
  const networkChanged = input.networkConfiguration !== undefined && canonical(input.networkConfiguration) !== canonical(svc.networkConfiguration);
  if (networkChanged) checkNetwork(ctx, input.networkConfiguration);
  const current = svc.deployments.find((d) => d.status === "PRIMARY")!;
  const attachmentsChanged = updateAttachments(ctx, svc, input, td?.arn ?? current.taskDefinition);
  if (input.deploymentConfiguration) svc.deploymentConfiguration = mergeDeploymentConfiguration(svc.deploymentConfiguration, input.deploymentConfiguration);
  if (networkChanged) svc.networkConfiguration = structuredClone(input.networkConfiguration);
  if (input.healthCheckGracePeriodSeconds !== undefined) svc.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
  if (input.enableExecuteCommand !== undefined) svc.enableExecuteCommand = input.enableExecuteCommand;
  if (input.propagateTags !== undefined) svc.propagateTags = input.propagateTags;
  if (input.enableECSManagedTags !== undefined) svc.enableECSManagedTags = input.enableECSManagedTags;
  const primary = svc.deployments.find((d) => d.status === "PRIMARY")!;
  const desired = input.desiredCount ?? svc.desiredCount;
  if ((td && td.arn !== primary.taskDefinition) || input.forceNewDeployment || networkChanged || attachmentsChanged) {
    primary.status = "ACTIVE";
    svc.deployments.unshift(newDeployment(ctx, svc, td?.arn ?? primary.taskDefinition, desired, ctx.now));
  } else if (desired !== primary.desiredCount) {
    primary.desiredCount = desired;
    primary.updatedAt = ctx.now;
  }
  svc.desiredCount = desired;
  scheduleService(ctx, svc, ctx.now);
  return { service: serviceOutput(ctx, svc) };
}

export function deleteServiceNow(ctx: OpContext, input: { cluster?: string; service?: string; force?: boolean }) {
  const cluster = activeCluster(ctx, input.cluster);
  const svc = input.service ? findService(ctx, cluster, input.service) : undefined;
  if (!svc) fail("ecs", "ServiceNotFoundException", "Service not found.");
  if (svc.status !== "ACTIVE") fail("ecs", "ServiceNotActiveException", "Service was not ACTIVE.");
  if (svc.desiredCount > 0 && !input.force) fail("ecs", "InvalidParameterException", "The service cannot be stopped while it is scaled above 0.");
  svc.status = "DRAINING";
  svc.drainingAt = ctx.now;
  svc.desiredCount = 0;
  for (const d of svc.deployments) d.desiredCount = 0;
  scheduleService(ctx, svc, ctx.now);
  return { service: serviceOutput(ctx, svc) };
}

function describeServices(ctx: OpContext, input: { cluster?: string; services?: string[]; include?: string[] }) {
  const cluster = activeCluster(ctx, input.cluster);
  const refs = input.services ?? [];
  if (!refs.length || refs.length > 10) fail("ecs", "InvalidParameterException", "services must contain between 1 and 10 items.");
  const services = [];
  const failures = [];
  for (const ref of refs) {
    const svc = findService(ctx, cluster, ref);
    if (svc) services.push(serviceOutput(ctx, svc, input.include));
    else failures.push({ arn: ref.startsWith("arn:") ? ref : ecsArn(ctx, `service/${cluster.name}/${ref}`), reason: "MISSING" });
  }
  return { services, failures };
}

function listServices(ctx: OpContext, input: { cluster?: string; maxResults?: number; nextToken?: string; launchType?: string }) {
  const cluster = activeCluster(ctx, input.cluster);
  const arns = ctx.s.ecs.services
    .filter((x) => x.clusterName === cluster.name && x.status !== "INACTIVE" && (!input.launchType || x.launchType === input.launchType))
    .map((x) => x.arn);
  const { items: serviceArns, nextToken } = ecsPage(arns, input.maxResults, input.nextToken, 10);
  return { serviceArns, nextToken };
}

export const ecsServiceHandlers: Record<string, OperationHandler> = {
  CreateService: (ctx, input: CreateServiceInput) => createServiceNow(ctx, input, tagsFromEcs(input.tags)),
  DescribeServices: describeServices,
  UpdateService: updateServiceNow,
  DeleteService: deleteServiceNow,
  ListServices: listServices,
};
