// ECS state (clusters, task definitions, services with their deployments and events, tasks) and the
// lookups ECS accepts: name or ARN, the cluster defaulting to "default", `family` alone meaning its
// latest ACTIVE revision. Output shapes are in ecs-shapes.ts.
import { fail } from "./errors.js";
import { partitionOf } from "./ids.js";
import type { OpContext, Tags } from "./state.js";

export interface EcsCluster {
  name: string;
  arn: string;
  status: "ACTIVE" | "INACTIVE";
  tags: Tags;
  createdAt: number;
  deletedAt?: number;
  settings: { name: string; value: string }[];
}

export interface EcsTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  status: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS";
  registeredAt: number;
  registeredBy: string;
  deregisteredAt?: number;
  deleteAt?: number;
  tags: Tags;
  /** The registration input (containerDefinitions, cpu, memory, networkMode, …), normalised as ECS stores it. */
  spec: Record<string, unknown>;
}

export interface EcsDeployment {
  id: string;
  status: "PRIMARY" | "ACTIVE";
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason: string;
  createdAt: number;
  updatedAt: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

/** A target group the service's tasks are registered with (ALB/NLB form: no loadBalancerName). */
export interface ServiceLoadBalancer { targetGroupArn?: string; loadBalancerName?: string; containerName?: string; containerPort?: number }

/** A Cloud Map service the service's tasks are registered in. */
export interface ServiceRegistry { registryArn?: string; port?: number; containerName?: string; containerPort?: number }

export interface EcsService {
  arn: string;
  name: string;
  clusterName: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  desiredCount: number;
  launchType: string;
  platformVersion: string;
  networkConfiguration?: { awsvpcConfiguration?: { subnets?: string[]; securityGroups?: string[]; assignPublicIp?: string } };
  deploymentConfiguration: Record<string, unknown> & { deploymentCircuitBreaker: { enable: boolean; rollback: boolean } };
  loadBalancers: ServiceLoadBalancer[];
  serviceRegistries: ServiceRegistry[];
  healthCheckGracePeriodSeconds?: number;
  tags: Tags;
  createdAt: number;
  createdBy: string;
  clientToken?: string;
  /** Hash of the create request, so a repeated clientToken can be told apart from a different request. */
  requestHash: string;
  propagateTags: string;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  deployments: EcsDeployment[];
  events: ServiceEvent[];
  lastCompletedTaskDefinition?: string;
  inactiveAt?: number;
  /** When DeleteService was called: a deleted service reads DRAINING for at least a task's stop time. */
  drainingAt?: number;
  /** Number of tasks ever placed, for spreading tasks over subnets. */
  placements: number;
  /** Whether the last scheduling pass found the service at steady state (for the event ECS emits). */
  steady: boolean;
}

/** A change a task makes on its own at a given time (ECS's agent and health checks, simulated). */
export interface TaskStep {
  at: number;
  lastStatus?: string;
  health?: "HEALTHY" | "UNHEALTHY";
  stop?: { reason: string; code: string; exitCode?: number; failed: boolean };
  /** From here on the task counts towards a deployment's steady state (health check passed). */
  ready?: boolean;
}

export interface EcsTask {
  id: string;
  arn: string;
  clusterName: string;
  serviceName?: string;
  deploymentId?: string;
  taskDefinitionArn: string;
  group: string;
  startedBy?: string;
  lastStatus: string;
  desiredStatus: "RUNNING" | "STOPPED";
  healthStatus: "UNKNOWN" | "HEALTHY" | "UNHEALTHY";
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  subnetId?: string;
  az: string;
  privateIp: string;
  cpu?: string;
  memory?: string;
  steps: TaskStep[];
  ready: boolean;
  /** The container-contract rule this task's image broke (image-model.ts), if any. */
  contractFailure?: { rule: string; phase: string; line: string; exitCode: number };
  /** awslogs streams this task writes, closed when it stops. */
  logStreams: { group: string; stream: string }[];
  tags: Tags;
}

export interface EcsState {
  clusters: Record<string, EcsCluster>;
  /** Family → its revisions, oldest first. */
  taskDefinitions: Record<string, EcsTaskDefinition[]>;
  services: EcsService[];
  tasks: Record<string, EcsTask>;
  /** Family → last revision number ever issued: ECS never reuses one, even after deletion. */
  familyRevisions: Record<string, number>;
}

export function ecsArn(ctx: OpContext, resource: string): string {
  return `arn:${partitionOf(ctx.s.region)}:ecs:${ctx.s.region}:${ctx.s.accountId}:${resource}`;
}

/** Last path element of an ARN, or the name itself. */
export function nameOf(ref: string): string {
  return ref.startsWith("arn:") ? ref.slice(ref.lastIndexOf("/") + 1) : ref;
}

export function activeCluster(ctx: OpContext, ref: string | undefined): EcsCluster {
  const cluster = ctx.s.ecs.clusters[nameOf(ref ?? "default")];
  if (!cluster || cluster.status !== "ACTIVE") fail("ecs", "ClusterNotFoundException", "Cluster not found.");
  return cluster;
}

/** The live service of that name, else the most recent INACTIVE one (as DescribeServices shows it). */
export function findService(ctx: OpContext, cluster: EcsCluster, ref: string): EcsService | undefined {
  const name = nameOf(ref);
  const same = ctx.s.ecs.services.filter((x) => x.clusterName === cluster.name && x.name === name);
  return same.find((x) => x.status !== "INACTIVE") ?? same.at(-1);
}

export function serviceTasks(ctx: OpContext, svc: EcsService): EcsTask[] {
  return Object.values(ctx.s.ecs.tasks).filter((t) => t.clusterName === svc.clusterName && t.serviceName === svc.name);
}

/** Resolves `family`, `family:revision` or a task definition ARN; `family` alone means latest ACTIVE. */
export function findTaskDefinition(ctx: OpContext, ref: string | undefined): EcsTaskDefinition | undefined {
  if (!ref) return undefined;
  const short = ref.startsWith("arn:") ? ref.slice(ref.indexOf("task-definition/") + "task-definition/".length) : ref;
  const [family, rev] = short.split(":");
  const revisions = ctx.s.ecs.taskDefinitions[family] ?? [];
  if (rev === undefined) return revisions.filter((t) => t.status === "ACTIVE").at(-1);
  return revisions.find((t) => t.revision === Number(rev));
}

export const ecsTags = (tags: Tags) => Object.entries(tags).map(([key, value]) => ({ key, value }));

export function tagsFromEcs(list: readonly { key?: string; value?: string }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.key !== undefined) out[t.key] = t.value ?? "";
  return out;
}

/** ECS's paging: an opaque token over a stable order. */
export function ecsPage<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, fallback: number) {
  const start = nextToken ? Number(Buffer.from(nextToken, "base64").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) fail("ecs", "InvalidParameterException", "Invalid nextToken.");
  const size = Math.min(maxResults ?? fallback, 100);
  return { items: items.slice(start, start + size), nextToken: start + size < items.length ? Buffer.from(String(start + size)).toString("base64") : undefined };
}
