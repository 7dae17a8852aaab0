// One reconcile pass over one project: the steps of docs/reference.md §5 in order (credentials → network → secrets
// → database → cluster/log group → ingress → revision → task definitions → services → rollout → target health → health), or the
// deletion steps. `creation` and `deletion` are the wiring: each step gets what earlier steps provided,
// so the compiler checks every input. Each step plans, then its actions are applied (or, for a dry run,
// only listed). The pass stops at the first step that is not done; the engine turns the step outcomes
// into conditions and a requeue (src/engine/outcomes.ts).
import type { Logger } from "pino";
import type { Cloud } from "../src/cloud/clients.js";
import { errorMessage, rootAwsError, awsErrorCode } from "../src/cloud/errors.js";
import type { ConditionType, DesiredProject, EventRecord, ResourceObservation, RevisionStatus } from "../src/model/project.js";
import { autoscaling, autoscalingDeletion } from "./autoscaling.js";
import { cluster } from "./cluster.js";
import {
  failed, StepFailure, type Action, type BaseContext, type FieldDiff, type Intents, type Outcome, type PassCache, type PassContext,
  type Recorder, type Step,
} from "./contract.js";
import { credentials } from "./credentials.js";
import { database, databaseDeletion } from "./database.js";
import { discovery, discoveryDeletion } from "./discovery.js";
import { health } from "./health.js";
import { ingress, ingressDeletion } from "./ingress.js";
import { ingressHealth } from "./ingressHealth.js";
import { logGroup } from "./logGroup.js";
import { network } from "./network.js";
import { revision } from "./revision.js";
import { rollout } from "./rollout.js";
import { secretEndpoint } from "./secretEndpoint.js";
import { secrets, secretsDeletion } from "./secrets.js";
import { services, servicesDeletion } from "./services.js";
import { taskDefinitions, taskDefinitionsDeletion } from "./taskDefinitions.js";

/** Runs one step: plans it, applies (or lists) its actions, and returns what it provides; throws PassStopped otherwise. */
export type RunStep = <In, Out, Ctx extends BaseContext>(step: Step<In, Out, Ctx>, ctx: Ctx, input: In) => Promise<Out>;

/** The creation path, SPEC §5's order. A new resource kind is a line here, between the steps it needs and those that need it. */
export async function creation(base: BaseContext, run: RunStep): Promise<void> {
  const aws = await run(credentials, base, {});
  const ctx: PassContext = { ...base, aws };
  const net = await run(network, ctx, {});
  const secret = await run(secrets, ctx, {});
  const db = await run(database, ctx, { network: net, postgres: secret.postgres });
  const postgres = await run(secretEndpoint, ctx, { postgres: secret.postgres, endpoint: db.endpoint });
  await run(cluster, ctx, {});
  await run(logGroup, ctx, {});
  const lb = await run(ingress, ctx, { network: net });
  const rev = await run(revision, ctx, {});
  const tds = await run(taskDefinitions, ctx, { network: net, secrets: secret, target: rev.target, running: rev.running });
  const registry = await run(discovery, ctx, { network: net });
  const svcs = await run(services, ctx, {
    network: net, taskDefinitions: tds, target: rev.target, running: rev.running, ingress: lb,
    secretsChangedAt: Math.max(secret.changedAt, postgres.changedAt), registry, licensed: secret.env.licensed,
  });
  await run(autoscaling, ctx, { services: svcs });
  await run(rollout, ctx, { revision: rev, taskDefinitions: tds, services: svcs, postgres: secret.postgres });
  await run(ingressHealth, ctx, { ingress: lb, services: svcs });
  await run(health, ctx, {});
}

/** The deletion path (finalizer), in reverse order of creation. */
export async function deletion(base: BaseContext, run: RunStep): Promise<void> {
  const aws = await run(credentials, base, {});
  const ctx: PassContext = { ...base, aws };
  const net = await run(network, ctx, {});
  await run(autoscalingDeletion, ctx, {});
  await run(ingressDeletion, ctx, {});
  await run(servicesDeletion, ctx, {});
  await run(discoveryDeletion, ctx, { network: net });
  await run(taskDefinitionsDeletion, ctx, {});
  await run(databaseDeletion, ctx, {});
  await run(secretsDeletion, ctx, {});
}

/** Thrown by a RunStep when a step was not done: the rest of the pass is not planned. */
export class PassStopped extends Error {}

export interface StepResult {
  kind: string;
  condition: ConditionType;
  informational?: boolean;
  outcome: Outcome;
  durationMs: number;
}

export interface PlannedAction { verb: string; kind: string; resource: string; reason: string; diffs: FieldDiff[] }

export interface PassResult {
  steps: StepResult[];
  observations: ResourceObservation[];
  events: EventRecord[];
  revisionUpdates: Array<{ number: number; status: RevisionStatus; message: string }>;
  planned: PlannedAction[];
  /** The deployment's endpoint if a step observed it (the ingress step; null once its load balancer is gone). */
  url?: string | null;
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
  /** How much further apart than the resync interval passes come now (stretches the cache lifetimes of mutableFactTtlMs). */
  stretchMs?: number;
  healGraceMs?: number;
  healthIntervalMs?: number;
  /** BYOC_LICENSE_KEY (docs/reference.md §3). */
  licenseKey?: string;
  /** List the actions, apply none, record nothing (the API's plan). */
  dryRun?: boolean;
  /**
   * The spec changed since a pass last took it to Ready (appliedGeneration < generation): a difference
   * this pass corrects is the user's change being applied, not drift, and is recorded as SpecApplied.
   */
  specChanged?: boolean;
  /** Aborted when this replica no longer holds the project's lease: nothing more may be changed. */
  signal?: AbortSignal;
}

export function baseContext(project: DesiredProject, deps: PassDeps): BaseContext {
  return {
    project, operatorId: deps.operatorId, log: deps.log, dryRun: deps.dryRun ?? false, pollMs: deps.pollMs, resyncMs: deps.resyncMs,
    stretchMs: deps.stretchMs, healGraceMs: deps.healGraceMs, healthIntervalMs: deps.healthIntervalMs, intents: deps.intents, cache: deps.cache,
    licenseKey: deps.licenseKey, connect: () => deps.cloud.clientsFor(project.roleArn, project.externalId, project.region),
  };
}

export async function runPass(project: DesiredProject, deps: PassDeps): Promise<PassResult> {
  const result: PassResult = { steps: [], observations: [], events: [], revisionUpdates: [], planned: [], applied: [], deleted: false };
  // retain: leave every AWS resource as it is and stop managing it.
  if (project.deleting && project.deletionPolicy === "retain") {
    result.events.push({ type: "Normal", reason: "Retained", message: "deletionPolicy retain: AWS resources left in place and no longer managed" });
    result.deleted = true;
    return result;
  }
  const run = stepRunner(deps, result, project);
  try {
    await (project.deleting ? deletion : creation)(baseContext(project, deps), run);
    result.deleted = project.deleting;
  } catch (err) {
    if (!(err instanceof PassStopped)) throw err;
  }
  return result;
}

const LEASE_LOST: Outcome = { kind: "error", code: "LeaseLost", message: "this replica no longer holds the project's lease; another pass owns it", throttled: false };

function stepRunner(deps: PassDeps, result: PassResult, project: DesiredProject): RunStep {
  const dryRun = deps.dryRun ?? false;
  const record: Recorder = {
    emit: (e) => { result.events.push(e); },
    setRevisionStatus: (number, status, message) => {
      result.revisionUpdates.push({ number, status, message });
      // The engine reads the statuses after the pass (is a change still rolling out?).
      const r = project.revisions.find((x) => x.number === number);
      if (r) r.status = status;
    },
  };
  return async (step, ctx, input) => {
    const started = Date.now();
    const note = (outcome: Outcome) =>
      result.steps.push({ kind: step.kind, condition: step.condition, informational: step.informational, outcome, durationMs: Date.now() - started });
    const stop = (outcome: Outcome): never => {
      note(outcome);
      // A denial may come from a session the customer revoked: the next attempt assumes the role afresh,
      // so fixing the role is enough and nobody has to restart the operator.
      if (outcome.kind === "terminal" && outcome.failure === "denied" && !dryRun) deps.cloud.forgetSession(project.roleArn, project.externalId);
      throw new PassStopped(outcome.message);
    };
    let current: Action | undefined;
    try {
      if (deps.signal?.aborted) stop(LEASE_LOST);
      const plan = await step.plan(ctx, input);
      result.observations.push(...(plan.observations ?? []));
      if (plan.url !== undefined) result.url = plan.url;
      if (!dryRun) result.events.push(...(plan.events ?? []));
      for (const action of plan.actions) {
        result.planned.push({ verb: action.verb, kind: action.kind, resource: action.resource, reason: action.reason, diffs: action.diffs ?? [] });
        if (dryRun) continue;
        if (deps.signal?.aborted) stop(LEASE_LOST);
        current = action;
        // false: the action found nothing it could change (its own Warning says why); no event.
        if ((await action.run(record)) === false) continue;
        recordApplied(ctx.log, step.kind, action, result, deps.specChanged ?? false);
      }
      current = undefined;
      if (!("provide" in plan)) return stop(plan.after);
      const out = await plan.provide();
      note(plan.after);
      return out;
    } catch (err) {
      if (err instanceof PassStopped) throw err;
      return stop(failure(ctx.log, step.kind, current, err, result));
    }
  };
}

function recordApplied(log: Logger, kind: string, action: Action, result: PassResult, specChanged: boolean) {
  const fields = (action.diffs ?? []).map((d) => d.field.split(".")[0]);
  if (!action.event) {
    result.applied.push({ kind: action.kind, reason: action.verb, fields });
    return;
  }
  const event = specChanged && action.event.reason === "DriftRepaired" ? { ...action.event, reason: "SpecApplied" } : action.event;
  log.info({ step: kind, verb: action.verb, resource: action.resource, reason: event.reason }, event.message);
  result.events.push(event);
  result.applied.push({ kind: action.kind, reason: event.reason, fields });
}

/** A thrown failure, classified once (see failed()); the failing action's resource carries the AWS code. */
function failure(log: Logger, kind: string, current: Action | undefined, err: unknown, result: PassResult): Outcome {
  const root = rootAwsError(err);
  const code = awsErrorCode(root);
  const message = err instanceof StepFailure ? err.message
    : current ? `${current.verb} ${current.kind} ${current.resource}: ${errorMessage(root)}` : `${kind}: ${errorMessage(root)}`;
  log.warn({ step: kind, code, resource: current?.resource }, message);
  if (current) {
    result.observations.push({ kind: current.kind, name: current.resource, arn: null, phase: "Error", lastError: { code, message: errorMessage(root) } });
    result.events.push({ type: "Warning", reason: code, message, resource: current.resource, repeats: true });
  }
  return failed(err, message);
}
