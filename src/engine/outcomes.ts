// The one place where step outcomes become conditions, a phase, the next schedule (the queue
// operation) and the metric labels. Mirrors controller-runtime's single switch: error → backoff,
// terminal → slow retry, requeue → after its delay, blocked → after its delay, done → resync.
import type { StepResult } from "../../reconcilers/pass.js";
import type { Outcome } from "../../reconcilers/contract.js";
import { CONDITION_TYPES, type ConditionStatus, type ConditionType, type ConditionUpdate, type Phase } from "../model/project.js";
import { fullJitterBackoff, resyncAfter, SLOW_CAP_MS } from "./backoff.js";

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
  /** Metric labels: one per step (byoc_reconciles_total{kind,outcome}) and the pass's (byoc_passes_total{outcome}). */
  labels: { steps: Array<{ kind: string; outcome: string }>; pass: Schedule["outcome"] };
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
  /** When the pass was due (epoch ms): a pass due on its slot is next due one interval after it (resyncAfter). */
  dueAt?: number;
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

interface Reading {
  condition: { status: ConditionStatus; reason: string; message: string };
  /** Whether the spec was applied as far as it can be (Synced True). */
  synced: boolean;
  /** The queue operation when this outcome ends the pass. */
  schedule: Schedule;
  label: string;
}

/** The switch: everything an outcome means, in one place. */
function read(o: Outcome, input: SettleInput): Reading {
  const attempts = input.previousAttempts + 1;
  switch (o.kind) {
    case "done": return {
      condition: { status: "True", reason: o.reason, message: o.message }, synced: true, label: "done",
      schedule: { op: "resync", afterMs: resyncAfter(input.resyncMs, input.accountId, input.dueAt, input.now), outcome: "success" },
    };
    case "requeue": return {
      condition: { status: "False", reason: o.reason, message: o.message }, synced: true, label: "requeue",
      schedule: { op: "requeue", afterMs: o.afterMs, outcome: "requeue" },
    };
    case "blocked": return {
      condition: { status: "False", reason: o.reason, message: o.message }, synced: o.synced, label: "blocked",
      // Exactly as the step asked: each says how soon its cause may clear (most: a resync interval).
      schedule: { op: "requeue", afterMs: o.afterMs, outcome: "requeue" },
    };
    case "terminal": return {
      condition: { status: "False", reason: o.code, message: o.message }, synced: false, label: "terminal",
      // Permanent until the spec or the role changes: slow retries (cap 15 min), never a hot loop.
      schedule: {
        op: "backoff", outcome: "terminal", attempts,
        afterMs: Math.max(1000, Math.min(SLOW_CAP_MS, fullJitterBackoff(attempts, { capMs: SLOW_CAP_MS, random: input.random }) + 1000)),
      },
    };
    case "error": return {
      condition: { status: "False", reason: o.code, message: o.message }, synced: false, label: "error",
      schedule: { op: "backoff", afterMs: fullJitterBackoff(attempts, { random: input.random }), outcome: "error", attempts },
    };
  }
}

export function settle(input: SettleInput): Settled {
  const byType = new Map<ConditionType, Reading["condition"]>();
  for (const step of input.steps) {
    if (step.informational && step.outcome.kind === "done") continue;
    const prev = byType.get(step.condition);
    // Several steps feed ServicesReady: the first that is not done speaks for it.
    if (!prev || prev.status === "True") byType.set(step.condition, read(step.outcome, input).condition);
  }
  const last = input.steps[input.steps.length - 1];
  const ending = last ? read(last.outcome, input) : undefined;
  const conditions: ConditionUpdate[] = [];
  for (const type of CONDITION_TYPES) {
    if (type === "Synced" || type === "Ready") continue;
    const waiting = last ? `waiting for ${last.condition}` : "not reconciled yet";
    const c = byType.get(type) ?? { status: "Unknown" as const, reason: "Waiting", message: waiting };
    conditions.push({ type, ...c });
  }
  const synced = ending?.synced ?? true;
  conditions.push(synced || !ending
    ? { type: "Synced", status: "True", reason: "ReconcileSucceeded", message: "the last pass applied the spec without error" }
    : { type: "Synced", status: "False", reason: ending.condition.reason, message: ending.condition.message });
  const notReady = conditions.find((c) => c.status !== "True");
  conditions.push(!notReady
    ? { type: "Ready", status: "True", reason: "AllConditionsTrue", message: "every resource is converged" }
    : {
      type: "Ready", status: "False", reason: notReady.type === "Synced" ? "NotSynced" : `${notReady.type}False`,
      message: `${notReady.type}: ${notReady.message}`,
    });

  const phase: Phase = input.deleting ? "Deleting"
    : input.failedRollout === "never-served" ? "Failed"
    : input.failedRollout === "serving" && last?.outcome.kind !== "terminal" ? "Degraded"
    : !notReady ? "Ready"
    : last?.outcome.kind === "terminal" ? "Failed"
    : input.wasReady && !input.changeRequested ? "Degraded"
    : "Provisioning";
  const schedule = ending?.schedule ?? read({ kind: "done", reason: "", message: "" }, input).schedule;
  const labels = { steps: input.steps.map((s) => ({ kind: s.kind, outcome: read(s.outcome, input).label })), pass: schedule.outcome };
  return { conditions, phase, schedule, synced, labels };
}
