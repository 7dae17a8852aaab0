// One reconcile pass over one project: the steps of SPEC §5 in order (credentials → network → secrets
// → database → cluster/log group → task definitions → services → rollout), or the deletion steps in
// reverse. Each step plans, then its actions are applied (or only listed, for a dry run). The pass stops
// at the first step that is not done; the engine turns the step outcomes into conditions and a requeue.
import type { Logger } from "pino";
import type { AwsClients, Cloud } from "../src/cloud/clients.js";
import { awsErrorCode, classifyFailure, errorMessage, isAccessDenied, isThrottle, rootAwsError } from "../src/cloud/errors.js";
import { SLOW_RETRY_MS } from "./credentials.js";
import type { ConditionType, DesiredProject, EventRecord, ResourceObservation, RevisionStatus } from "../src/model/project.js";
import { cluster } from "./cluster.js";
import { credentials } from "./credentials.js";
import { database } from "./database.js";
import { health } from "./health.js";
import { logGroup } from "./logGroup.js";
import { network } from "./network.js";
import { rollout } from "./rollout.js";
import { secrets } from "./secrets.js";
import { services } from "./services.js";
import { taskDefinitions } from "./taskDefinitions.js";
import type { Action, FieldDiff, Intents, Outcome, PassCache, PassContext, Step } from "./types.js";

export const CREATE_STEPS: Step[] = [credentials, network, secrets, database, cluster, logGroup, taskDefinitions, services, rollout, health];
export const DELETE_STEPS: Step[] = [credentials, network, services, taskDefinitions, database, secrets];

export interface StepResult {
  kind: string;
  condition: ConditionType;
  informational?: boolean;
  outcome: Outcome | { kind: "error"; code: string; message: string; throttled: boolean };
  durationMs: number;
}

export interface PlannedAction { verb: string; kind: string; resource: string; reason: string; diffs: FieldDiff[] }

export interface PassResult {
  steps: StepResult[];
  observations: ResourceObservation[];
  events: EventRecord[];
  revisionUpdates: Array<{ number: number; status: RevisionStatus; message: string }>;
  planned: PlannedAction[];
  /** Actions applied in this pass, with the fields they changed (for metrics). */
  applied: Array<{ kind: string; reason: string; fields: string[] }>;
  /** Deletion path only: every step done, the rows may go. */
  deleted: boolean;
}

export interface PassDeps {
  cloud: Cloud;
  operatorId: string;
  cache: PassCache;
  intents: Intents;
  log: Logger;
  pollMs: number;
  resyncMs: number;
  healGraceMs?: number;
  healthIntervalMs?: number;
  dryRun?: boolean;
  /**
   * The spec changed since a pass last took it to Ready (appliedGeneration < generation): a difference
   * this pass corrects is the user's change being applied, not drift, and is recorded as SpecApplied.
   */
  specChanged?: boolean;
  /** Aborted when this replica no longer holds the project's lease: nothing more may be changed. */
  signal?: AbortSignal;
}

export async function runPass(project: DesiredProject, deps: PassDeps): Promise<PassResult> {
  const result: PassResult = { steps: [], observations: [], events: [], revisionUpdates: [], planned: [], applied: [], deleted: false };
  const ctx: PassContext = {
    project, operatorId: deps.operatorId, log: deps.log, dryRun: deps.dryRun ?? false, pollMs: deps.pollMs, resyncMs: deps.resyncMs, healGraceMs: deps.healGraceMs, healthIntervalMs: deps.healthIntervalMs,
    facts: {}, intents: deps.intents, cache: deps.cache,
    aws: undefined as unknown as AwsClients,
    async connect() {
      ctx.aws = await deps.cloud.clientsFor(project.roleArn, project.externalId, project.region);
      return ctx.aws;
    },
    observe: (r) => { result.observations.push(r); },
    emit: (e) => { result.events.push(e); },
    setRevisionStatus: (number, status, message) => {
      result.revisionUpdates.push({ number, status, message });
      const r = project.revisions.find((x) => x.number === number);
      if (r) r.status = status;
    },
  };
  // retain: leave every AWS resource as it is and stop managing it.
  const steps = project.deleting ? (project.deletionPolicy === "retain" ? [] : DELETE_STEPS) : CREATE_STEPS;
  if (project.deleting && steps.length === 0) {
    result.events.push({ type: "Normal", reason: "Retained", message: "deletionPolicy retain: AWS resources left in place and no longer managed" });
  }
  for (const step of steps) {
    const started = Date.now();
    const outcome = await runStep(ctx, step, project.deleting, result, deps.specChanged ?? false, deps.signal);
    // A denial may come from a session the customer revoked: the next attempt assumes the role afresh,
    // so fixing the role is enough and nobody has to restart the operator.
    if (outcome.kind === "terminal" && isAccessDenied({ name: outcome.code }) && !ctx.dryRun) deps.cloud.forgetSession(project.roleArn, project.externalId);
    result.steps.push({ kind: step.kind, condition: step.condition, informational: step.informational, outcome, durationMs: Date.now() - started });
    if (outcome.kind !== "done") break;
  }
  result.deleted = project.deleting && result.steps.length === steps.length && result.steps.every((s) => s.outcome.kind === "done");
  return result;
}

const LEASE_LOST = { kind: "error", code: "LeaseLost", message: "this replica no longer holds the project's lease; another pass owns it", throttled: false } as const;

async function runStep(ctx: PassContext, step: Step, deleting: boolean, result: PassResult, specChanged: boolean, signal?: AbortSignal): Promise<StepResult["outcome"]> {
  let current: Action | undefined;
  try {
    if (signal?.aborted) return LEASE_LOST;
    const plan = deleting && step.planDelete ? await step.planDelete(ctx) : await step.plan(ctx);
    for (const action of plan.actions) {
      result.planned.push({ verb: action.verb, kind: action.kind, resource: action.resource, reason: action.reason, diffs: action.diffs ?? [] });
      if (ctx.dryRun) continue;
      if (signal?.aborted) return LEASE_LOST;
      current = action;
      // false: the action found nothing it could change (its own Warning says why); no event.
      if ((await action.run()) === false) continue;
      const event = specChanged && action.event.reason === "DriftRepaired" ? { ...action.event, reason: "SpecApplied" } : action.event;
      ctx.log.info({ step: step.kind, verb: action.verb, resource: action.resource, reason: event.reason }, event.message);
      result.events.push(event);
      result.applied.push({ kind: action.kind, reason: event.reason, fields: (action.diffs ?? []).map((d) => d.field.split(".")[0]) });
    }
    return plan.after;
  } catch (err) {
    const root = rootAwsError(err);
    const code = awsErrorCode(root);
    const message = current ? `${current.verb} ${current.kind} ${current.resource}: ${errorMessage(root)}` : `${step.kind}: ${errorMessage(root)}`;
    ctx.log.warn({ step: step.kind, code, resource: current?.resource }, message);
    if (current) {
      result.observations.push({ kind: current.kind, name: current.resource, arn: null, phase: "Error", lastError: { code, message: errorMessage(root) } });
      result.events.push({ type: "Warning", reason: code, message, resource: current.resource, repeats: true });
    }
    // Permanent errors wait for the spec (or the customer's role) to change: slow retries, never a hot loop.
    if (classifyFailure(root) === "permanent" || isAccessDenied(root)) {
      return { kind: "terminal", code, reason: code, message, retryAfterMs: SLOW_RETRY_MS };
    }
    return { kind: "error", code, message, throttled: isThrottle(root) };
  }
}
