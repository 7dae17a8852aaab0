// The step contract (docs/architecture.md walks through one step). A step is one resource kind's part of
// a pass: it declares what it needs from earlier steps (`In`) and what it provides to later ones (`Out`),
// and reconcilers/pass.ts wires them in order, so the compiler checks that every input is provided.
// Inside a step: observe() reads AWS into a typed observation and changes nothing; a pure decide()
// turns the observation and the desired state into changes and an outcome; each change becomes an
// Action whose run() makes the AWS call. The pass applies the actions (or, for a dry run, only lists
// them) and src/engine/outcomes.ts turns the outcomes into conditions, a phase, a schedule and metrics.
// Reconcilers know nothing of SQL or HTTP; nothing in a step records anything while it plans.
import type { Logger } from "pino";
import type { AwsClients } from "../src/cloud/clients.js";
import { awsErrorCode, classifyFailure, rootAwsError } from "../src/cloud/errors.js";
import type { ConditionType, DesiredProject, EventRecord, ResourceObservation, RevisionStatus } from "../src/model/project.js";

// ---- Outcomes: what a step says about its part of the project once its actions are applied.

export interface Done { kind: "done"; reason: string; message: string }
/** Converging: AWS is working (DB creating, rollout in progress); look again after `afterMs`. */
export interface Requeue { kind: "requeue"; afterMs: number; reason: string; message: string }
/**
 * Cannot progress until something outside the operator changes (a Conflict, a missing prerequisite, no
 * revision yet). Looked at again after exactly `afterMs`: nothing caps it. `synced`: the spec itself was
 * applied as far as it can be (AwaitingRevision), so Synced stays True.
 */
export interface Blocked { kind: "blocked"; reason: string; message: string; afterMs: number; synced: boolean }
/** AWS refuses the request for good (permanent) or the role refuses it (denied); `code` is AWS's. */
export interface Terminal { kind: "terminal"; code: string; message: string; failure: "permanent" | "denied" }
/** A call failed in a way that may clear by itself; backed off. `code` is AWS's. */
export interface Failed { kind: "error"; code: string; message: string; throttled: boolean }

export type Outcome = Done | Requeue | Blocked | Terminal | Failed;
/** Any outcome but done: the pass stops at the step that says it. */
export type Halt = Exclude<Outcome, Done>;

export const done = (reason: string, message: string): Done => ({ kind: "done", reason, message });
export const requeue = (afterMs: number, reason: string, message: string): Requeue => ({ kind: "requeue", afterMs, reason, message });
export const blocked = (reason: string, message: string, o: { afterMs: number; synced?: boolean }): Blocked =>
  ({ kind: "blocked", reason, message, afterMs: o.afterMs, synced: o.synced ?? false });

/**
 * The one place a thrown failure becomes an outcome: classified once by classifyFailure (from AWS's
 * code and the failed operation), with `message` for the user. Permanent and denied are terminal (slow
 * retries, never a hot loop); throttling and transient failures are backed off.
 */
export function failed(err: unknown, message: string): Terminal | Failed {
  const root = rootAwsError(err);
  const code = awsErrorCode(root);
  const failure = classifyFailure(root);
  if (failure === "permanent" || failure === "denied") return { kind: "terminal", code, message, failure };
  return { kind: "error", code, message, throttled: failure === "throttle" };
}

/**
 * A failure a step explains better than the pass could (credentials: "check the trust policy"): the
 * pass classifies `cause` as always and shows this message instead of `<kind>: <AWS message>`.
 */
export class StepFailure extends Error {
  constructor(message: string, options: { cause: unknown }) { super(message, options); }
}

// ---- Changes and actions.

export interface FieldDiff { field: string; actual: string; desired: string }

/** A change decide() wants made, as plain data (what /plan shows and what the table tests compare). */
export interface Change {
  /** e.g. "create", "update", "delete", "restore", "start", "tag", "transition". */
  verb: string;
  kind: string;
  resource: string;
  reason: string;
  diffs?: FieldDiff[];
  /** The event recorded once the change is applied (none for a transition recorded on the revision itself). */
  event?: EventRecord;
}

/** What an action may record while it is applied (never while its step plans). */
export interface Recorder {
  emit(e: EventRecord): void;
  setRevisionStatus(number: number, status: RevisionStatus, message: string): void;
}

export interface Action extends Change {
  /**
   * Makes the change. Idempotent: a create tolerates "already exists" and a delete "already gone", by
   * AWS's error code. Resolves false when it turned out nothing could be changed (no event is recorded).
   */
  run(record: Recorder): Promise<void | boolean>;
}

/** A change bound to the call that makes it. */
export const act = (change: Change, run: Action["run"]): Action => ({ ...change, run });

// ---- Steps.

interface PlanBase {
  actions: Action[];
  /** Warnings about what was observed (a DB that cannot shrink), recorded when the pass applies. */
  events?: EventRecord[];
  /** Per-resource status for the project's status page. */
  observations?: ResourceObservation[];
  /** The deployment's endpoint as observed (the ingress step; null: no load balancer): the project's `url`. */
  url?: string | null;
}
/**
 * A step's plan. Done: `provide` gives later steps this step's output, called once the actions are
 * applied (in a dry run, with nothing applied: a value only applying would tell, such as a new ARN, is
 * then absent, never made up). Any other outcome stops the pass, so it provides nothing.
 */
export type StepPlan<Out> =
  | (PlanBase & { after: Done; provide: () => Out | Promise<Out> })
  | (PlanBase & { after: Halt });

export function proceed(actions: Action[], after: Done, extra?: Omit<PlanBase, "actions">): StepPlan<void>;
export function proceed<Out>(actions: Action[], after: Done, extra: Omit<PlanBase, "actions"> & { provide: () => Out | Promise<Out> }): StepPlan<Out>;
export function proceed<Out>(
  actions: Action[], after: Done, extra: Omit<PlanBase, "actions"> & { provide?: () => Out | Promise<Out> } = {},
): StepPlan<Out | void> {
  return { ...extra, actions, after, provide: extra.provide ?? (() => undefined) };
}
export const halt = <Out>(actions: Action[], after: Halt, extra: Omit<PlanBase, "actions"> = {}): StepPlan<Out> => ({ ...extra, actions, after });

/** What every step may use; credentials turns it into a PassContext by providing the AWS clients. */
export interface BaseContext {
  project: DesiredProject;
  /** Assume the project's role (cached session). */
  connect(): Promise<AwsClients>;
  operatorId: string;
  log: Logger;
  dryRun: boolean;
  /** How soon to look again while AWS is working (DB creating, rollout). */
  pollMs: number;
  resyncMs: number;
  /**
   * How much further apart than the resync interval a project's passes come now (0 on schedule, and 0 when
   * the engine runs late by a steady amount: each pass is due an interval after its slot): how much the
   * engine's lateness grew over the last interval (src/engine/lag.ts).
   */
  stretchMs?: number;
  /** Grace before self-healing a service below its desired count (default 60 s). */
  healGraceMs?: number;
  /** How often health metrics are read (default 5 min). */
  healthIntervalMs?: number;
  intents: Intents;
  /** Shared across passes of this replica: immutable AWS facts (task definitions by ARN, account prerequisites). */
  cache: PassCache;
  /** BYOC_LICENSE_KEY: the licence given to a project whose secrets hold none (docs/reference.md §3). */
  licenseKey?: string;
}

export interface PassContext extends BaseContext { aws: AwsClients }

export interface Step<In, Out, Ctx extends BaseContext = PassContext> {
  /** Resource kind, for metrics and status. */
  kind: string;
  condition: ConditionType;
  /** A done outcome of this step says nothing new about its condition (health readings). */
  informational?: boolean;
  plan(ctx: Ctx, input: In): Promise<StepPlan<Out>>;
}

/** Nothing needed from earlier steps. */
export type NoInput = Record<string, never>;

/** Intent rows written before creates whose identity or idempotency token must survive a crash. */
export interface Intents {
  /** Token for this create: reused from an unresolved intent after a crash, else fresh and recorded. */
  begin(kind: string, name: string): Promise<string>;
  resolve(kind: string, name: string, resourceId: string): Promise<void>;
  /** An intent of this pass's project left open by an interrupted create (loaded with the pass). */
  pending(kind: string, name: string): boolean;
  /** Forget the intent once the resource is gone, so a later re-create gets a fresh token. */
  clear(kind: string, name: string): Promise<void>;
}

export interface PassCache {
  get<T>(key: string): T | undefined;
  set<T>(key: string, value: T, ttlMs: number): void;
  delete(key: string): void;
  /**
   * The value under `key`, loaded once however many passes ask at the same time (an account's passes
   * run together): they share the load in flight, then its answer for `ttlMs`. A failed load, or an
   * answer `keep` refuses (e.g. "the cluster is gone"), is not kept: the next pass loads again.
   */
  shared<T>(key: string, ttlMs: number, load: () => Promise<T>, keep?: (v: T) => boolean): Promise<T>;
}

/**
 * How long a fact about AWS that can change out of band (the account's cluster or log group exists, a
 * spec's registration is ACTIVE) may be served from `ctx.cache`: half the resync interval, so every
 * resync pass (at 0.9–1.1 × the interval) reads it afresh and finds drift within one interval, while
 * the quick requeues of a rollout or a DB create do not repeat the reads. While the engine falls further
 * behind, a project's passes come further apart than the interval (`stretchMs`), so that is added: the
 * next pass of the account still finds the facts its previous pass read. Lateness that holds steady
 * stretches nothing (passes still come an interval apart), so facts are read every pass again.
 */
export const mutableFactTtlMs = (ctx: Pick<BaseContext, "resyncMs" | "stretchMs">) =>
  Math.max(1, Math.floor(ctx.resyncMs / 2 + Math.max(0, ctx.stretchMs ?? 0)));

/**
 * How long a long-lived account fact (the customer's prerequisites, the cluster) is trusted: `ttlMs`
 * shortened by up to a quarter, by an amount fixed per account. A daemon that starts reads every
 * account's facts in its first minutes; with one lifetime for all they would all expire, and be read
 * again, in the same minute, every `ttlMs` (at 10,000 accounts, five reads each: the 10k benchmark's
 * window that fell 20 minutes after its start made 1.1 such reads a pass instead of 0.25).
 */
export function accountFactTtlMs(ctx: { aws: { accountId: string; region: string } }, ttlMs: number): number {
  let h = 0x811c9dc5; // FNV-1a of the account and region: the same spread for the account on every pass
  for (const ch of `${ctx.aws.accountId}|${ctx.aws.region}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return Math.round(ttlMs * (0.75 + 0.25 * (h / 2 ** 32)));
}

/** The interval a project's passes come round at now: the resync interval, stretched while the engine falls further behind. */
export const effectiveIntervalMs = (ctx: Pick<BaseContext, "resyncMs" | "stretchMs">) => ctx.resyncMs + Math.max(0, ctx.stretchMs ?? 0);

/** A tolerated error code: `tolerate(call, ["ResourceNotFoundException"])` resolves false when AWS says so. */
export async function tolerate(call: () => Promise<unknown>, codes: readonly string[]): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (codes.includes(awsErrorCode(err))) return false;
    throw err;
  }
}
