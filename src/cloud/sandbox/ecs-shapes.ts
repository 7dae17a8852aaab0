// The ECS output shapes (Cluster, TaskDefinition, Service with its deployments and events, Task)
// as DescribeClusters/TaskDefinition/Services/Tasks return them once deserialised: Date timestamps,
// counts derived from the tasks' current states, tags only when `include: ["TAGS"]` asks for them.
import { ecsArn, ecsTags, findTaskDefinition, serviceTasks, type EcsCluster, type EcsDeployment, type EcsService, type EcsTask, type EcsTaskDefinition } from "./ecs-model.js";
import { date, type OpContext } from "./state.js";

export function clusterOutput(ctx: OpContext, c: EcsCluster, include: string[] = []) {
  const services = ctx.s.ecs.services.filter((x) => x.clusterName === c.name && x.status === "ACTIVE");
  const tasks = Object.values(ctx.s.ecs.tasks).filter((t) => t.clusterName === c.name);
  return {
    clusterArn: c.arn,
    clusterName: c.name,
    status: c.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: c.status === "ACTIVE" ? tasks.filter((t) => t.lastStatus === "RUNNING").length : 0,
    pendingTasksCount: c.status === "ACTIVE" ? tasks.filter((t) => ["PROVISIONING", "PENDING"].includes(t.lastStatus)).length : 0,
    activeServicesCount: c.status === "ACTIVE" ? services.length : 0,
    statistics: [],
    tags: include.includes("TAGS") ? ecsTags(c.tags) : undefined,
    settings: include.includes("SETTINGS") ? c.settings.map((x) => ({ ...x })) : undefined,
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}

export function taskDefinitionOutput(td: EcsTaskDefinition) {
  return {
    ...structuredClone(td.spec),
    taskDefinitionArn: td.arn,
    family: td.family,
    revision: td.revision,
    status: td.status,
    requiresAttributes: [{ name: "com.amazonaws.ecs.capability.docker-remote-api.1.18" }, { name: "ecs.capability.task-eni" }],
    compatibilities: ["EC2", "FARGATE"],
    registeredAt: new Date(td.registeredAt),
    registeredBy: td.registeredBy,
    deregisteredAt: date(td.deregisteredAt),
  };
}

export const isPendingTask = (t: EcsTask) => t.desiredStatus === "RUNNING" && ["PROVISIONING", "PENDING", "ACTIVATING"].includes(t.lastStatus);
export const isRunningTask = (t: EcsTask) => t.lastStatus === "RUNNING";

function deploymentOutput(svc: EcsService, d: EcsDeployment, tasks: EcsTask[]) {
  const mine = tasks.filter((t) => t.deploymentId === d.id);
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.desiredCount,
    pendingCount: mine.filter(isPendingTask).length,
    runningCount: mine.filter(isRunningTask).length,
    failedTasks: d.failedTasks,
    createdAt: new Date(d.createdAt),
    updatedAt: new Date(d.updatedAt),
    launchType: svc.launchType,
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    networkConfiguration: structuredClone(svc.networkConfiguration),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
}

export function serviceOutput(ctx: OpContext, svc: EcsService, include: string[] = []) {
  const tasks = serviceTasks(ctx, svc);
  const primary = svc.deployments.find((d) => d.status === "PRIMARY");
  return {
    serviceArn: svc.arn,
    serviceName: svc.name,
    clusterArn: ecsArn(ctx, `cluster/${svc.clusterName}`),
    loadBalancers: structuredClone(svc.loadBalancers),
    serviceRegistries: structuredClone(svc.serviceRegistries ?? []),
    status: svc.status,
    desiredCount: svc.desiredCount,
    runningCount: tasks.filter(isRunningTask).length,
    pendingCount: tasks.filter(isPendingTask).length,
    launchType: svc.launchType,
    platformVersion: svc.platformVersion,
    platformFamily: "Linux",
    taskDefinition: primary?.taskDefinition,
    deploymentConfiguration: structuredClone(svc.deploymentConfiguration),
    deployments: svc.deployments.map((d) => deploymentOutput(svc, d, tasks)),
    events: svc.events.map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
    createdAt: new Date(svc.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: structuredClone(svc.networkConfiguration),
    healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds,
    schedulingStrategy: "REPLICA",
    deploymentController: { type: "ECS" },
    tags: include.includes("TAGS") ? ecsTags(svc.tags) : undefined,
    createdBy: svc.createdBy,
    enableECSManagedTags: svc.enableECSManagedTags,
    propagateTags: svc.propagateTags,
    enableExecuteCommand: svc.enableExecuteCommand,
    availabilityZoneRebalancing: "ENABLED",
  };
}

export function taskOutput(ctx: OpContext, t: EcsTask, include: string[] = []) {
  const td = findTaskDefinition(ctx, t.taskDefinitionArn);
  const containers = ((td?.spec.containerDefinitions ?? []) as { name?: string; image?: string }[]).map((c, i) => ({
    containerArn: ecsArn(ctx, `container/${t.clusterName}/${t.id}/${t.id.slice(0, 8)}-${String(i).padStart(4, "0")}`),
    taskArn: t.arn,
    name: c.name,
    image: c.image,
    runtimeId: t.startedAt ? `${t.id}-${i}` : undefined,
    lastStatus: t.lastStatus === "STOPPED" ? "STOPPED" : t.lastStatus === "RUNNING" ? "RUNNING" : "PENDING",
    exitCode: t.lastStatus === "STOPPED" ? t.exitCode : undefined,
    reason: t.lastStatus === "STOPPED" ? t.stoppedReason : undefined,
    networkBindings: [],
    networkInterfaces: [{ attachmentId: `${t.id.slice(0, 8)}-eni`, privateIpv4Address: t.privateIp }],
    healthStatus: t.healthStatus,
    cpu: "0",
  }));
  return {
    attachments: [{
      id: `${t.id.slice(0, 8)}-eni`,
      type: "ElasticNetworkInterface",
      status: t.lastStatus === "STOPPED" ? "DELETED" : "ATTACHED",
      details: [{ name: "subnetId", value: t.subnetId }, { name: "privateIPv4Address", value: t.privateIp }],
    }],
    availabilityZone: t.az,
    clusterArn: ecsArn(ctx, `cluster/${t.clusterName}`),
    connectivity: t.startedAt ? "CONNECTED" : undefined,
    containers,
    cpu: t.cpu,
    createdAt: new Date(t.createdAt),
    desiredStatus: t.desiredStatus,
    enableExecuteCommand: false,
    group: t.group,
    healthStatus: t.healthStatus,
    lastStatus: t.lastStatus,
    launchType: "FARGATE",
    memory: t.memory,
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    startedAt: date(t.startedAt),
    startedBy: t.startedBy,
    stopCode: t.stopCode,
    stoppedAt: date(t.stoppedAt),
    stoppedReason: t.stoppedReason,
    stoppingAt: date(t.stoppingAt),
    tags: include.includes("TAGS") ? ecsTags(t.tags) : undefined,
    taskArn: t.arn,
    taskDefinitionArn: t.taskDefinitionArn,
    version: 1 + (t.startedAt ? 1 : 0) + (t.stoppedAt ? 1 : 0),
  };
}
