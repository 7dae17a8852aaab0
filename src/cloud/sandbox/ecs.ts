// ECS clusters, tasks and tags as the API behaves: CreateCluster returns the existing ACTIVE cluster
// of that name; DeleteCluster refuses while services or tasks are active and leaves the cluster
// INACTIVE for a while; DescribeClusters/Tasks report unknown names under failures as MISSING;
// tagging takes the long ARN of a cluster, service, task definition or task. Services and task
// definitions have their own files; all ECS operations are assembled here.
import { fail } from "./errors.js";
import { activeCluster, ecsArn, ecsPage, ecsTags, findService, findTaskDefinition, nameOf, tagsFromEcs, type EcsCluster } from "./ecs-model.js";
import { scheduleService } from "./ecs-scheduler.js";
import { stopTask } from "./ecs-tasks.js";
import { ecsServiceHandlers } from "./ecs-services.js";
import { clusterOutput, taskOutput } from "./ecs-shapes.js";
import { ecsTaskDefinitionHandlers } from "./ecs-taskdefs.js";
import type { OperationHandler, OpContext, Tags } from "./state.js";

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;

function createCluster(ctx: OpContext, input: { clusterName?: string; tags?: { key?: string; value?: string }[]; settings?: { name: string; value: string }[] }) {
  const name = input.clusterName ?? "default";
  if (!NAME.test(name)) fail("ecs", "InvalidParameterException", "Cluster name must be 1-255 letters, numbers, underscores and hyphens.");
  const existing = ctx.s.ecs.clusters[name];
  if (existing?.status === "ACTIVE") return { cluster: clusterOutput(ctx, existing, ["TAGS", "SETTINGS"]) };
  const cluster: EcsCluster = {
    name,
    arn: ecsArn(ctx, `cluster/${name}`),
    status: "ACTIVE",
    tags: tagsFromEcs(input.tags),
    createdAt: ctx.now,
    settings: input.settings?.length ? input.settings.map((x) => ({ ...x })) : [{ name: "containerInsights", value: "disabled" }],
  };
  ctx.s.ecs.clusters[name] = cluster;
  return { cluster: clusterOutput(ctx, cluster, ["TAGS", "SETTINGS"]) };
}

function describeClusters(ctx: OpContext, input: { clusters?: string[]; include?: string[] }) {
  const refs = input.clusters?.length ? input.clusters : ["default"];
  const clusters = [];
  const failures = [];
  for (const ref of refs) {
    const c = ctx.s.ecs.clusters[nameOf(ref)];
    if (c) clusters.push(clusterOutput(ctx, c, input.include));
    else failures.push({ arn: ref.startsWith("arn:") ? ref : ecsArn(ctx, `cluster/${ref}`), reason: "MISSING" });
  }
  return { clusters, failures };
}

export function deleteClusterNow(ctx: OpContext, cluster: EcsCluster) {
  if (ctx.s.ecs.services.some((x) => x.clusterName === cluster.name && x.status !== "INACTIVE")) {
    fail("ecs", "ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.");
  }
  if (Object.values(ctx.s.ecs.tasks).some((t) => t.clusterName === cluster.name && t.lastStatus !== "STOPPED")) {
    fail("ecs", "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
  }
  cluster.status = "INACTIVE";
  cluster.deletedAt = ctx.now;
  return { cluster: clusterOutput(ctx, cluster, ["TAGS"]) };
}

function listTasks(ctx: OpContext, input: { cluster?: string; serviceName?: string; family?: string; desiredStatus?: string; startedBy?: string; maxResults?: number; nextToken?: string }) {
  const cluster = activeCluster(ctx, input.cluster);
  if (input.serviceName && !findService(ctx, cluster, input.serviceName)) fail("ecs", "ServiceNotFoundException", "Service not found.");
  const want = input.desiredStatus ?? "RUNNING";
  const arns = Object.values(ctx.s.ecs.tasks)
    .filter((t) => t.clusterName === cluster.name && t.desiredStatus === want)
    .filter((t) => !input.serviceName || t.serviceName === nameOf(input.serviceName))
    .filter((t) => !input.family || t.taskDefinitionArn.includes(`task-definition/${input.family}:`))
    .filter((t) => !input.startedBy || t.startedBy === input.startedBy)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((t) => t.arn);
  const { items: taskArns, nextToken } = ecsPage(arns, input.maxResults, input.nextToken, 100);
  return { taskArns, nextToken };
}

function describeTasks(ctx: OpContext, input: { cluster?: string; tasks?: string[]; include?: string[] }) {
  const cluster = activeCluster(ctx, input.cluster);
  const refs = input.tasks ?? [];
  if (!refs.length || refs.length > 100) fail("ecs", "InvalidParameterException", "Tasks cannot be empty.");
  const tasks = [];
  const failures = [];
  for (const ref of refs) {
    const t = ctx.s.ecs.tasks[nameOf(ref)];
    if (t && t.clusterName === cluster.name) tasks.push(taskOutput(ctx, t, input.include));
    else failures.push({ arn: ref, reason: "MISSING" });
  }
  return { tasks, failures };
}

/** The tags map of the cluster, service, task definition or task an ECS ARN names. */
function taggable(ctx: OpContext, arn: string | undefined): { tags: Tags } {
  const m = /^arn:[\w-]+:ecs:[\w-]+:\d{12}:(cluster|service|task-definition|task)\/(.+)$/.exec(arn ?? "");
  if (!m) fail("ecs", "InvalidParameterException", "The ARN provided is invalid.");
  const [, kind, rest] = m;
  if (kind === "cluster") {
    const c = ctx.s.ecs.clusters[rest];
    if (!c) fail("ecs", "ClusterNotFoundException", "Cluster not found.");
    return c;
  }
  if (kind === "service") {
    const [clusterName, serviceName] = rest.split("/");
    if (!serviceName) fail("ecs", "InvalidParameterException", "Long arn format must be used for tagging operations");
    const svc = ctx.s.ecs.services.find((x) => x.clusterName === clusterName && x.name === serviceName && x.status !== "INACTIVE");
    if (!svc) fail("ecs", "ServiceNotFoundException", "Service not found.");
    return svc;
  }
  if (kind === "task-definition") {
    const td = findTaskDefinition(ctx, arn);
    if (!td) fail("ecs", "ClientException", "Unable to describe task definition.");
    return td;
  }
  const task = ctx.s.ecs.tasks[rest.split("/").at(-1)!];
  if (!task) fail("ecs", "InvalidParameterException", "The specified task was not found.");
  return task;
}

export const ecsHandlers: Record<string, OperationHandler> = {
  ...ecsTaskDefinitionHandlers,
  ...ecsServiceHandlers,
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  ListClusters: (ctx) => ({ clusterArns: Object.values(ctx.s.ecs.clusters).filter((c) => c.status === "ACTIVE").map((c) => c.arn) }),
  DeleteCluster: (ctx, input: { cluster?: string }) => deleteClusterNow(ctx, activeCluster(ctx, input.cluster)),
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
  StopTask: (ctx, input: { cluster?: string; task?: string; reason?: string }) => {
    const cluster = activeCluster(ctx, input.cluster);
    const task = ctx.s.ecs.tasks[nameOf(input.task ?? "")];
    if (!task || task.clusterName !== cluster.name) fail("ecs", "InvalidParameterException", "The referenced task was not found.");
    stopTask(ctx, task, ctx.now, input.reason ?? "Task stopped by user", "UserInitiated");
    const svc = ctx.s.ecs.services.find((x) => x.clusterName === cluster.name && x.name === task.serviceName && x.status !== "INACTIVE");
    if (svc) scheduleService(ctx, svc, ctx.now);
    return { task: taskOutput(ctx, task) };
  },
  TagResource: (ctx, input: { resourceArn?: string; tags?: { key?: string; value?: string }[] }) => {
    const r = taggable(ctx, input.resourceArn);
    r.tags = { ...r.tags, ...tagsFromEcs(input.tags) };
    return {};
  },
  UntagResource: (ctx, input: { resourceArn?: string; tagKeys?: string[] }) => {
    const r = taggable(ctx, input.resourceArn);
    for (const k of input.tagKeys ?? []) delete r.tags[k];
    return {};
  },
  ListTagsForResource: (ctx, input: { resourceArn?: string }) => ({ tags: ecsTags(taggable(ctx, input.resourceArn).tags) }),
};
