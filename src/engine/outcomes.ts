// The one place where step outcomes become conditions, a phase and the next schedule (the queue
// operation). Mirrors controller-runtime's single switch: error → backoff, terminal → slow retry,
// requeue → after its delay, done → resync.
import type { StepResult } from "../../reconcilers/pass.js";
import { CONDITION_TYPES, type ConditionStatus, type ConditionType, type ConditionUpdate, type Phase } from "../model/project.js";
import { accountResync, fullJitterBackoff, SLOW_CAP_MS } from "./backoff.js";

export type Schedule =
  | { op: "resync"; afterMs: number; outcome: "success" }
  | { op: "requeue"; afterMs: number; outcome: "requeue" }
  | { op: "backoff"; afterMs: number; outcome: "error" | "terminal"; attempts: number };

export interface Settled {
  conditions: ConditionUpdate[];
  phase: Phase;
  schedule: Schedule;
  /** The spec generation this pass fully applied (undefined when it did not get through). */
  synced: boolean;
}

export interface SettleInput {
  steps: StepResult[];
  deleting: boolean;
  previousAttempts: number;
  wasReady: boolean;
  /**
   * Someone asked for a change that is still being applied (a spec generation not yet taken to Ready, a
   * revision QUEUED or DEPLOYING): a project that was Ready reads Provisioning meanwhile, not Degraded.
   */
  changeRequested?: boolean;
  /**
   * The newest revision's rollout failed: "serving" while an earlier revision still serves (Degraded: it
   * serves, but not what was asked), "never-served" when none ever has (Failed). See failedRollout.
   */
  failedRollout?: "serving" | "never-served";
  resyncMs: number;
  /** Whose slot the next resync falls in (see accountResync). */
  accountId: string;
  now?: number;
  random?: () => number;
}

/**
 * Whether the newest revision failed, and if so whether an earlier one still serves, from a pass's
 * revisions (newest first) with the statuses the pass itself just wrote.
 */
export function failedRollout(
  revisions: Array<{ number: number; status: string }>, updates: Array<{ number: number; status: string }>,
): SettleInput["failedRollout"] {
  const statusOf = (r: { number: number; status: string }) => [...updates].reverse().find((u) => u.number === r.number)?.status ?? r.status;
  const [newest, ...older] = revisions;
  if (!newest || statusOf(newest) !== "DEPLOY_FAILED") return undefined;
  return older.some((r) => statusOf(r) === "DEPLOYED") ? "serving" : "never-served";
}

function conditionFor(step: StepResult): { status: ConditionStatus; reason: string; message: string } {
  const o = step.outcome;
  switch (o.kind) {
    case "done": return { status: "True", reason: o.reason, message: o.message };
    case "requeue": return { status: "False", reason: o.reason, message: o.message };
    case "blocked": return { status: "False", reason: o.reason, message: o.message };
    case "terminal": return { status: "False", reason: o.reason === "AssumeRoleFailed" ? o.code : o.reason, message: o.message };
    case "error": return { status: "False", reason: o.code, message: o.message };
  }
}

export function settle(input: SettleInput): Settled {
  const byType = new Map<ConditionType, { status: ConditionStatus; reason: string; message: string }>();
  for (const step of input.steps) {
    if (step.informational && step.outcome.kind === "done") continue;
    const prev = byType.get(step.condition);
    // Several steps feed ServicesReady: the first that is not done speaks for it.
    if (!prev || prev.status === "True") byType.set(step.condition, conditionFor(step));
  }
  const last = input.steps[input.steps.length - 1];
  const o = last?.outcome;
  const stoppedAt = last?.condition;
  const conditions: ConditionUpdate[] = [];
  for (const type of CONDITION_TYPES) {
    if (type === "Synced" || type === "Ready") continue;
    const c = byType.get(type) ?? { status: "Unknown" as const, reason: "Waiting", message: stoppedAt ? `waiting for ${stoppedAt}` : "not reconciled yet" };
    conditions.push({ type, ...c });
  }
  const synced = !o || o.kind === "done" || o.kind === "requeue" || (o.kind === "blocked" && o.synced === true);
  conditions.push(synced
    ? { type: "Synced", status: "True", reason: "ReconcileSucceeded", message: "the last pass applied the spec without error" }
    : { type: "Synced", status: "False", reason: o.kind === "error" ? o.code : o.kind === "terminal" ? o.code : o.reason, message: o.message });
  const allTrue = conditions.every((c) => c.status === "True");
  const notReady = conditions.find((c) => c.status !== "True");
  conditions.push(allTrue
    ? { type: "Ready", status: "True", reason: "AllConditionsTrue", message: "every resource is converged" }
    : { type: "Ready", status: "False", reason: notReady!.type === "Synced" ? "NotSynced" : `${notReady!.type}False`, message: `${notReady!.type}: ${notReady!.message}` });

  const phase: Phase = input.deleting ? "Deleting"
    : input.failedRollout === "never-served" ? "Failed"
    : input.failedRollout === "serving" && o?.kind !== "terminal" ? "Degraded"
    : allTrue ? "Ready"
    : o?.kind === "terminal" ? "Failed"
    : input.wasReady && !input.changeRequested ? "Degraded"
    : "Provisioning";

  let schedule: Schedule;
  const rnd = input.random;
  switch (o?.kind) {
    case undefined:
    case "done": schedule = { op: "resync", afterMs: accountResync(input.resyncMs, input.accountId, input.now), outcome: "success" }; break;
    case "requeue": schedule = { op: "requeue", afterMs: o.afterMs, outcome: "requeue" }; break;
    case "blocked": schedule = { op: "requeue", afterMs: Math.min(o.afterMs, input.resyncMs), outcome: "requeue" }; break;
    case "terminal": {
      const attempts = input.previousAttempts + 1;
      const afterMs = Math.max(1000, Math.min(o.retryAfterMs ?? SLOW_CAP_MS, fullJitterBackoff(attempts, { capMs: SLOW_CAP_MS, random: rnd }) + 1000));
      schedule = { op: "backoff", afterMs, outcome: "terminal", attempts };
      break;
    }
    case "error": {
      const attempts = input.previousAttempts + 1;
      schedule = { op: "backoff", afterMs: fullJitterBackoff(attempts, { random: rnd }), outcome: "error", attempts };
      break;
    }
  }
  return { conditions, phase, schedule, synced };
}
