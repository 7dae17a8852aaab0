// The ECS service scheduler, simulated: the PRIMARY deployment is topped up to its desired count (so
// stopped tasks are replaced), and once all its tasks are healthy the older deployments are drained
// and it becomes COMPLETED. Failing tasks (see ecs-tasks.ts) count against the deployment; with the
// circuit breaker on, failures past ECS's threshold (half the desired count, at least 3, at most 200)
// mark it FAILED and, with rollback, start a new PRIMARY on the last COMPLETED task definition while
// the old tasks keep serving. Everything is driven by due times stored on tasks and replayed in time
// order by `advanceEcs`, which also forgets what ECS forgets (INACTIVE services, stopped tasks).
import { serviceTasks, type EcsDeployment, type EcsService, type EcsTask, type TaskStep } from "./ecs-model.js";
import { finishTask, launchTask, openStreams, stopTask } from "./ecs-tasks.js";
import { stableDigits, stableUuid } from "./ids.js";
import type { OpContext } from "./state.js";

const MAX_STEPS_PER_ADVANCE = 2_000;
const MAX_EVENTS = 100;
const MAX_STOPPED_TASKS_PER_SERVICE = 20;
const CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start.";

function addEvent(ctx: OpContext, svc: EcsService, at: number, message: string): void {
  svc.events.unshift({ id: stableUuid([ctx.seed, svc.arn, "event", ++ctx.s.seq]), createdAt: at, message: `(service ${svc.name}) ${message}` });
  if (svc.events.length > MAX_EVENTS) svc.events.length = MAX_EVENTS;
}

export function newDeployment(ctx: OpContext, svc: EcsService, taskDefinition: string, desiredCount: number, at: number): EcsDeployment {
  const id = `ecs-svc/${stableDigits([ctx.seed, svc.arn, "deployment", ++ctx.s.seq], 19)}`;
  return {
    id,
    status: "PRIMARY",
    taskDefinition,
    desiredCount,
    failedTasks: 0,
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: `ECS deployment ${id} in progress.`,
    createdAt: at,
    updatedAt: at,
    circuitBreaker: { ...svc.deploymentConfiguration.deploymentCircuitBreaker },
  };
}
function stopAll(ctx: OpContext, svc: EcsService, tasks: EcsTask[], at: number, reason: string): void {
  const stopping = tasks.filter((t) => t.desiredStatus === "RUNNING");
  for (const t of stopping) stopTask(ctx, t, at, reason, "ServiceSchedulerInitiated");
  if (stopping.length) addEvent(ctx, svc, at, `has stopped ${stopping.length} running tasks: ${stopping.map((t) => `(task ${t.id})`).join(" ")}.`);
}

function tripCircuitBreaker(ctx: OpContext, svc: EcsService, d: EcsDeployment, at: number): void {
  d.rolloutState = "FAILED";
  d.rolloutStateReason = CIRCUIT_BREAKER_REASON;
  d.updatedAt = at;
  addEvent(ctx, svc, at, `(deployment ${d.id}) deployment failed: tasks failed to start.`);
  stopAll(ctx, svc, serviceTasks(ctx, svc).filter((t) => t.deploymentId === d.id), at, `Scaling activity initiated by (deployment ${d.id})`);
  const target = svc.lastCompletedTaskDefinition;
  if (!d.circuitBreaker.rollback || !target || target === d.taskDefinition) return;
  const previous = svc.deployments.find((x) => x !== d && x.taskDefinition === target);
  d.status = "ACTIVE";
  const rollback = newDeployment(ctx, svc, target, d.desiredCount, at);
  svc.deployments.unshift(rollback);
  addEvent(ctx, svc, at, `rolling back to deployment ${previous?.id ?? rollback.id}.`);
}

function onTaskFailed(ctx: OpContext, svc: EcsService, task: EcsTask, at: number): void {
  const d = svc.deployments.find((x) => x.id === task.deploymentId);
  if (!d) return;
  d.failedTasks += 1;
  d.updatedAt = at;
  addEvent(ctx, svc, at, `(task ${task.id}) failed: ${task.stoppedReason}`);
  const threshold = Math.min(200, Math.max(3, Math.ceil(d.desiredCount * 0.5)));
  if (d.status === "PRIMARY" && d.rolloutState === "IN_PROGRESS" && d.circuitBreaker.enable && d.failedTasks >= threshold) {
    tripCircuitBreaker(ctx, svc, d, at);
  }
}

/** One pass of the service scheduler at time `at`: place, stop, drain and complete deployments. */
export function scheduleService(ctx: OpContext, svc: EcsService, at: number): void {
  if (svc.status === "INACTIVE") return;
  const tasks = serviceTasks(ctx, svc);
  if (svc.status === "DRAINING") {
    stopAll(ctx, svc, tasks, at, "Service deleted");
    // As on AWS, DeleteService answers DRAINING even with no task left to stop; INACTIVE comes after.
    const drained = at >= (svc.drainingAt ?? 0) + ctx.timings.taskStop;
    if (drained && tasks.every((t) => t.lastStatus === "STOPPED")) {
      svc.status = "INACTIVE";
      svc.inactiveAt = at;
    }
    return;
  }
  const primary = svc.deployments.find((d) => d.status === "PRIMARY");
  if (!primary) return;
  const mine = tasks.filter((t) => t.deploymentId === primary.id && t.desiredStatus === "RUNNING");
  if (primary.rolloutState !== "FAILED" && mine.length < primary.desiredCount) {
    const started = Array.from({ length: primary.desiredCount - mine.length }, () => launchTask(ctx, svc, primary, at));
    addEvent(ctx, svc, at, `has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(" ")}.`);
    svc.steady = false;
  } else if (mine.length > primary.desiredCount) {
    const extra = [...mine].sort((a, b) => Number(a.ready) - Number(b.ready) || b.createdAt - a.createdAt).slice(0, mine.length - primary.desiredCount);
    stopAll(ctx, svc, extra, at, `Scaling activity initiated by (deployment ${primary.id})`);
  }
  const live = serviceTasks(ctx, svc).filter((t) => t.deploymentId === primary.id && t.desiredStatus === "RUNNING");
  if (primary.rolloutState === "FAILED" || live.length !== primary.desiredCount || !live.every((t) => t.ready)) return;
  const older = tasks.filter((t) => t.deploymentId !== primary.id);
  stopAll(ctx, svc, older, at, `Scaling activity initiated by (deployment ${primary.id})`);
  if (older.some((t) => t.lastStatus !== "STOPPED")) return;
  svc.deployments = [primary];
  if (primary.rolloutState === "IN_PROGRESS") {
    primary.rolloutState = "COMPLETED";
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = at;
    svc.lastCompletedTaskDefinition = primary.taskDefinition;
    addEvent(ctx, svc, at, `(deployment ${primary.id}) deployment completed.`);
  }
  if (!svc.steady) addEvent(ctx, svc, at, "has reached a steady state.");
  svc.steady = true;
}

function applyStep(ctx: OpContext, svc: EcsService, task: EcsTask, step: TaskStep): void {
  task.steps.shift();
  if (step.lastStatus) {
    task.lastStatus = step.lastStatus;
    if (step.lastStatus === "RUNNING") {
      task.startedAt = step.at;
      openStreams(ctx, task, step.at);
    }
  }
  if (step.health) task.healthStatus = step.health;
  if (step.ready) task.ready = true;
  if (step.stop) {
    finishTask(ctx, task, step.at, step.stop);
    if (step.stop.failed) onTaskFailed(ctx, svc, task, step.at);
  }
}

/** Replays every task step due by `until`, in time order, running the scheduler after each. */
function runUntil(ctx: OpContext, svc: EcsService, until: number): void {
  for (let n = 0; ; n++) {
    let next: EcsTask | undefined;
    for (const t of serviceTasks(ctx, svc)) {
      const due = t.steps[0];
      if (due && due.at <= until && (!next || due.at < next.steps[0].at)) next = t;
    }
    if (!next) return;
    if (n >= MAX_STEPS_PER_ADVANCE) {
      // A crash-looping service over a long gap: skip ahead rather than replay every cycle.
      const shift = until - next.steps[0].at;
      for (const t of serviceTasks(ctx, svc)) for (const s of t.steps) s.at += shift;
      return;
    }
    const step = next.steps[0];
    applyStep(ctx, svc, next, step);
    scheduleService(ctx, svc, step.at);
  }
}

function purge(ctx: OpContext): void {
  const { ecs } = ctx.s;
  const t = ctx.timings;
  const gone = new Set(ecs.services.filter((x) => x.status === "INACTIVE" && (x.inactiveAt ?? 0) + t.serviceInactiveRetention <= ctx.now));
  ecs.services = ecs.services.filter((x) => !gone.has(x));
  for (const [name, c] of Object.entries(ecs.clusters)) {
    if (c.status === "INACTIVE" && (c.deletedAt ?? 0) + t.clusterInactiveRetention <= ctx.now) delete ecs.clusters[name];
  }
  const stoppedByService = new Map<string, EcsTask[]>();
  for (const task of Object.values(ecs.tasks)) {
    if (task.lastStatus !== "STOPPED") continue;
    if ((task.stoppedAt ?? 0) + t.stoppedTaskRetention <= ctx.now) {
      delete ecs.tasks[task.id];
      continue;
    }
    const key = `${task.clusterName}/${task.serviceName}`;
    stoppedByService.set(key, [...(stoppedByService.get(key) ?? []), task]);
  }
  for (const stopped of stoppedByService.values()) {
    stopped.sort((a, b) => (b.stoppedAt ?? 0) - (a.stoppedAt ?? 0));
    for (const old of stopped.slice(MAX_STOPPED_TASKS_PER_SERVICE)) delete ecs.tasks[old.id];
  }
  for (const [family, revisions] of Object.entries(ecs.taskDefinitions)) {
    ecs.taskDefinitions[family] = revisions.filter((td) => td.status !== "DELETE_IN_PROGRESS" || (td.deleteAt ?? 0) > ctx.now);
  }
}

export function advanceEcs(ctx: OpContext): void {
  for (const svc of ctx.s.ecs.services) if (svc.status !== "INACTIVE") runUntil(ctx, svc, ctx.now);
  for (const svc of ctx.s.ecs.services) if (svc.status === "DRAINING") scheduleService(ctx, svc, ctx.now);
  purge(ctx);
}
