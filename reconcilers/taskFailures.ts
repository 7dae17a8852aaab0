// Why tasks stopped, for a rollout that fails or runs below its desired count (docs/reference.md §6):
// each stopped task of the target revision's task definitions is explained by its stoppedReason, its
// essential container's exit code and reason, and the last lines it logged (stream
// `<p>/<container>/<task id>` in the shared log group), with the project's secret values and the
// postgres password redacted. Read only while the rollout step asks (never on a pass with nothing wrong).
// AWS calls: ecs:ListTasks (desiredStatus STOPPED, per service), ecs:DescribeTasks (one call, up to 100
// tasks), logs:GetLogEvents (the last lines of each newly failed task's container).
import { DescribeTasksCommand, ListTasksCommand, type Task } from "@aws-sdk/client-ecs";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CLUSTER_NAME, LOG_GROUP_NAME, projectNames } from "../src/cloud/names.js";
import type { EventRecord } from "../src/model/project.js";
import type { PassContext } from "./contract.js";

/** How many of a failed container's last log lines are shown. */
export const LAST_LINES = 5;
const SEEN_TTL_MS = 24 * 3_600_000;

export interface TaskFailure { taskId: string; container: string; stoppedReason: string; exitCode: number | undefined; reason: string | undefined; lines: string[] }

/** Every secret value replaced by `***` (longest first, so a value containing another is hidden whole). */
export function redact(text: string, secrets: string[]): string {
  return [...secrets].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length).reduce((t, v) => t.split(v).join("***"), text);
}

export function describeFailure(f: TaskFailure): string {
  const exit = f.exitCode !== undefined ? `; container ${f.container} exited ${f.exitCode}${f.reason && f.reason !== f.stoppedReason ? ` (${f.reason})` : ""}` : "";
  const lines = f.lines.length ? `; last lines: ${f.lines.join(" | ")}` : "";
  return `task ${f.taskId} stopped: ${f.stoppedReason}${exit}${lines}`;
}

async function lastLines(ctx: PassContext, stream: string): Promise<string[]> {
  try {
    const out = await ctx.aws.logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP_NAME, logStreamName: stream, limit: LAST_LINES, startFromHead: false }));
    return (out.events ?? []).map((e) => (e.message ?? "").trim()).filter(Boolean);
  } catch {
    return []; // a task that never started has no stream
  }
}

/** The failed tasks of these task definitions, explained; `fresh` are the ones not reported before. */
export async function explainStoppedTasks(
  ctx: PassContext, services: string[], taskDefinitionArns: string[], secrets: string[],
): Promise<{ failures: TaskFailure[]; events: EventRecord[] }> {
  const arns: string[] = [];
  for (const serviceName of services) {
    const out = await ctx.aws.ecs.send(new ListTasksCommand({ cluster: CLUSTER_NAME, serviceName, desiredStatus: "STOPPED", maxResults: 100 }));
    arns.push(...(out.taskArns ?? []));
  }
  if (!arns.length) return { failures: [], events: [] };
  const described = await ctx.aws.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER_NAME, tasks: arns.slice(0, 100) }));
  const failed = (described.tasks ?? []).filter((t: Task) => taskDefinitionArns.includes(t.taskDefinitionArn ?? "") && isFailure(t));
  const failures: TaskFailure[] = [];
  const events: EventRecord[] = [];
  for (const t of failed.slice(0, 3)) {
    const taskId = t.taskArn!.split("/").pop()!;
    const c = t.containers?.find((x) => x.exitCode !== undefined && x.exitCode !== 0) ?? t.containers?.[0];
    const container = c?.name ?? "?";
    const lines = await lastLines(ctx, `${projectNames(ctx.project.name).logStreamPrefix}/${container}/${taskId}`);
    const f: TaskFailure = {
      taskId, container, stoppedReason: redact(t.stoppedReason ?? "stopped", secrets), exitCode: c?.exitCode, reason: c?.reason && redact(c.reason, secrets),
      lines: lines.slice(-LAST_LINES).map((l) => redact(l, secrets)),
    };
    failures.push(f);
    const key = `taskfailed|${t.taskArn}`;
    if (ctx.cache.get(key)) continue;
    if (!ctx.dryRun) ctx.cache.set(key, true, SEEN_TTL_MS);
    events.push({ type: "Warning", reason: "TaskFailed", message: describeFailure(f), resource: t.group?.replace(/^service:/, "") });
  }
  return { failures, events };
}

/** A task the scheduler stopped for scaling or a user stopped is no failure. */
function isFailure(t: Task): boolean {
  if (t.stopCode === "TaskFailedToStart") return true;
  if (t.stopCode !== "EssentialContainerExited") return false;
  return !/Scaling activity|stopped by user/i.test(t.stoppedReason ?? "");
}
