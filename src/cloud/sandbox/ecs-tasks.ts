// One ECS task's life on Fargate, simulated: placed in one of the service's subnets, PROVISIONING →
// PENDING → RUNNING → healthy over `taskStart`, writing to its awslogs streams while it runs.
// docs/reference.md §2: an image whose tag begins with `fail` never passes its health check (or, without one, its
// essential container exits). As on Fargate, a task fails to start when its awslogs group is missing
// (unless awslogs-create-group) or a secret it references is missing, scheduled for deletion, or
// lacks the JSON key asked for. With the image model on (image-model.ts), a LangGraph container that
// breaks the container contract starts, logs why, and exits (or fails its health check).
import { contractFailure, isLangGraphImage, langGraphContainers, type ContractFailure } from "./image-model.js";
import { findTaskDefinition, type EcsDeployment, type EcsService, type EcsTask, type EcsTaskDefinition, type TaskStep } from "./ecs-model.js";
import { closeLogStream, openLogStream } from "./logs.js";
import { mintHex, type OpContext } from "./state.js";

interface ContainerDef {
  name?: string;
  image?: string;
  essential?: boolean;
  healthCheck?: unknown;
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
  secrets?: { name?: string; valueFrom?: string }[];
}

const containersOf = (td: EcsTaskDefinition | undefined) => (td?.spec.containerDefinitions ?? []) as ContainerDef[];

/** docs/reference.md §2: an image whose tag begins with `fail` never becomes healthy. Digests never fail. */
export function imageFails(image: string | undefined): boolean {
  if (!image || image.includes("@")) return false;
  const tag = image.slice(image.lastIndexOf("/") + 1).split(":")[1];
  return tag?.startsWith("fail") ?? false;
}

function secretProblem(ctx: OpContext, valueFrom: string): string | undefined {
  if (!valueFrom.includes(":secretsmanager:")) return undefined;
  const parts = valueFrom.split(":");
  const arn = parts.slice(0, 7).join(":");
  const jsonKey = parts[7];
  const secret = Object.values(ctx.s.secrets.secrets).find((x) => x.arn === arn || x.arn.slice(0, -7) === arn);
  const prefix = `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${arn} from secrets manager:`;
  if (!secret) return `${prefix} ResourceNotFoundException: Secrets Manager can't find the specified secret.`;
  if (secret.deletedAt !== undefined) return `${prefix} InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion.`;
  if (!jsonKey) return undefined;
  const current = secret.versions.find((v) => v.stages.includes("AWSCURRENT"))?.value;
  try {
    if (current !== undefined && jsonKey in (JSON.parse(current) as Record<string, unknown>)) return undefined;
  } catch {
    // not JSON: falls through to the same error ECS gives
  }
  return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: retrieved secret from Secrets Manager did not contain json key ${jsonKey}`;
}

/** Why Fargate would fail to start this task definition right now, if it would. */
function startFailure(ctx: OpContext, td: EcsTaskDefinition | undefined): string | undefined {
  if (!td) return "ResourceInitializationError: the task definition is no longer available";
  for (const c of containersOf(td)) {
    const opts = c.logConfiguration?.logDriver === "awslogs" ? c.logConfiguration.options ?? {} : undefined;
    const group = opts?.["awslogs-group"];
    const sameRegion = !opts?.["awslogs-region"] || opts["awslogs-region"] === ctx.s.region;
    if (group && sameRegion && !ctx.s.logs.groups[group]) {
      if (opts?.["awslogs-create-group"] === "true") ctx.s.logs.groups[group] = { name: group, createdAt: ctx.now, tags: {}, streams: {} };
      else return "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1";
    }
    for (const s of c.secrets ?? []) {
      const problem = s.valueFrom ? secretProblem(ctx, s.valueFrom) : undefined;
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The first contract rule any LangGraph container of the task breaks. */
function brokenContract(ctx: OpContext, td: EcsTaskDefinition, ip: string): ContractFailure | undefined {
  for (const c of langGraphContainers(ctx, td, ip)) {
    const broken = contractFailure(ctx, c);
    if (broken) return broken;
  }
  return undefined;
}

export function launchTask(ctx: OpContext, svc: EcsService, d: EcsDeployment, at: number): EcsTask {
  const td = findTaskDefinition(ctx, d.taskDefinition);
  const subnets = svc.networkConfiguration?.awsvpcConfiguration?.subnets ?? [];
  const subnetId = subnets.length ? subnets[svc.placements % subnets.length] : undefined;
  svc.placements += 1;
  const subnet = ctx.s.ec2.subnets.find((x) => x.id === subnetId);
  const id = mintHex(ctx, "task", 32);
  const T = ctx.timings.taskStart;
  const containers = containersOf(td);
  const healthChecked = containers.some((c) => c.healthCheck);
  const failure = startFailure(ctx, td);
  const failing = containers.some((c) => c.essential !== false && imageFails(c.image));
  const octet = parseInt(id.slice(0, 4), 16);
  const privateIp = `${subnet?.cidr.split(".").slice(0, 2).join(".") ?? "10.0"}.${(octet >> 8) % 32}.${(octet % 250) + 4}`;
  const broken = !failure && ctx.imageModel && td ? brokenContract(ctx, td, privateIp) : undefined;
  const steps: TaskStep[] = [{ at: at + T * 0.2, lastStatus: "PENDING" }];
  if (failure) {
    steps.push({ at: at + T * 0.3, stop: { reason: failure, code: "TaskFailedToStart", failed: true } });
  } else if (broken) {
    steps.push({ at: at + T * 0.6, lastStatus: "RUNNING" });
    const stop = { reason: broken.stoppedReason, code: "EssentialContainerExited", exitCode: broken.exitCode, failed: true };
    if (broken.phase === "startup") steps.push({ at: at + T * 0.8, stop });
    else steps.push({ at: at + T, health: "UNHEALTHY", stop });
  } else if (failing) {
    steps.push({ at: at + T * 0.6, lastStatus: "RUNNING" });
    const reason = healthChecked ? "Task failed container health checks" : "Essential container in task exited";
    steps.push({ at: at + T, health: healthChecked ? "UNHEALTHY" : undefined, stop: { reason, code: "EssentialContainerExited", exitCode: 1, failed: true } });
  } else {
    steps.push({ at: at + T * 0.6, lastStatus: "RUNNING" }, { at: at + T, health: healthChecked ? "HEALTHY" : undefined, ready: true });
  }
  const task: EcsTask = {
    id,
    arn: `${svc.arn.replace(/:service\/.*/, "")}:task/${svc.clusterName}/${id}`,
    clusterName: svc.clusterName,
    serviceName: svc.name,
    deploymentId: d.id,
    taskDefinitionArn: d.taskDefinition,
    group: `service:${svc.name}`,
    startedBy: d.id,
    lastStatus: "PROVISIONING",
    desiredStatus: "RUNNING",
    healthStatus: "UNKNOWN",
    createdAt: at,
    subnetId,
    az: subnet?.az ?? `${ctx.s.region}a`,
    privateIp,
    cpu: td?.spec.cpu as string | undefined,
    memory: td?.spec.memory as string | undefined,
    steps,
    ready: false,
    logStreams: [],
    contractFailure: broken && { rule: broken.rule, phase: broken.phase, line: broken.line, exitCode: broken.exitCode },
    tags: svc.propagateTags === "SERVICE" ? { ...svc.tags } : svc.propagateTags === "TASK_DEFINITION" ? { ...(td?.tags ?? {}) } : {},
  };
  ctx.s.ecs.tasks[id] = task;
  return task;
}

export function openStreams(ctx: OpContext, task: EcsTask, at: number): void {
  const td = findTaskDefinition(ctx, task.taskDefinitionArn);
  for (const c of containersOf(td)) {
    const opts = c.logConfiguration?.logDriver === "awslogs" ? c.logConfiguration.options ?? {} : undefined;
    const group = opts?.["awslogs-group"];
    if (!group || !c.name) continue;
    const prefix = opts["awslogs-stream-prefix"];
    const stream = prefix ? `${prefix}/${c.name}/${task.id}` : task.id;
    const role = ["api", "queue", "redis"].includes(c.name) ? c.name : td?.family.split("-").at(-1) ?? "other";
    const contract = task.contractFailure && isLangGraphImage(c.image ?? "") ? task.contractFailure : undefined;
    const source = { taskId: task.id, container: c.name, role, image: c.image ?? "", failing: imageFails(c.image), contract };
    if (openLogStream(ctx, group, stream, source, at)) task.logStreams.push({ group, stream });
  }
}

export function finishTask(ctx: OpContext, task: EcsTask, at: number, stop: NonNullable<TaskStep["stop"]>): void {
  task.lastStatus = "STOPPED";
  task.desiredStatus = "STOPPED";
  task.stoppingAt ??= at;
  task.stoppedAt = at;
  task.stoppedReason = stop.reason;
  task.stopCode = stop.code;
  task.exitCode = stop.exitCode;
  task.steps = [];
  task.ready = false;
  for (const l of task.logStreams) closeLogStream(ctx, l.group, l.stream, at);
}

/** Ask a task to stop; it reaches STOPPED after `taskStop`, as ECS drains and deprovisions it. */
export function stopTask(ctx: OpContext, task: EcsTask, at: number, reason: string, code: string): void {
  if (task.desiredStatus === "STOPPED") return;
  const wasRunning = task.lastStatus === "RUNNING";
  task.desiredStatus = "STOPPED";
  task.stoppingAt = at;
  task.lastStatus = wasRunning ? "DEACTIVATING" : "DEPROVISIONING";
  task.ready = false;
  task.steps = [{ at: at + ctx.timings.taskStop, stop: { reason, code, exitCode: wasRunning ? 0 : undefined, failed: false } }];
}
