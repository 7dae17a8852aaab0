// The contract between the engine and the reconcilers. A step observes AWS (never changing it), turns
// the difference into actions, and says what the project's state is once they are applied. The engine
// applies actions (or, for a dry run, only lists them) and turns outcomes into conditions and requeues
// in one place. Reconcilers know nothing of SQL or HTTP.
import type { Logger } from "pino";
import type { AwsClients } from "../src/cloud/clients.js";
import type { ConditionType, DesiredProject, EventRecord, ResourceObservation, RevisionStatus } from "../src/model/project.js";

/** What a step says about its part of the project. */
export type Outcome =
  | { kind: "done"; reason: string; message: string }
  /** Converging: AWS is working (DB creating, rollout in progress); look again after `afterMs`. */
  | { kind: "requeue"; afterMs: number; reason: string; message: string }
  /** Cannot progress until the spec or the customer's account changes; `code` is AWS's. */
  | { kind: "terminal"; code: string; reason: string; message: string; retryAfterMs?: number }
  /** Blocked by something a user must see but that may clear by itself (e.g. Conflict). */
  | { kind: "blocked"; reason: string; message: string; afterMs: number; synced?: boolean };

export interface FieldDiff { field: string; actual: string; desired: string }

export interface Action {
  /** e.g. "create", "update", "delete", "restore", "start". */
  verb: string;
  resource: string;
  kind: string;
  reason: string;
  diffs?: FieldDiff[];
  /** Resolves false when it turned out nothing could be changed (the event is then not recorded). */
  run(): Promise<void | boolean>;
  /** The event recorded once `run` succeeded. */
  event: EventRecord;
}

export interface StepPlan {
  actions: Action[];
  /** The step's outcome once `actions` are applied. */
  after: Outcome;
}

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

/** Facts steps pass forward within one pass. */
export interface PassFacts {
  vpcId: string;
  privateSubnetIds: string[];
  serviceSecurityGroupId: string;
  dbSubnetGroup: string;
  executionRoleArn: string;
  postgresSecretArn: string;
  envSecretArn: string;
  envSecretKeys: string[];
  /** The postgres secret's current value (never logged, never stored in the control plane). */
  postgresSecret: PostgresSecret | undefined;
  dbEndpoint: { host: string; port: number } | undefined;
  taskDefinitionArns: Partial<Record<"api" | "queue" | "redis", string>>;
  /** The revision the services should run (newest, unless it failed: then the last deployed). */
  targetRevision: DesiredProject["revisions"][number] | undefined;
  services: Map<string, import("@aws-sdk/client-ecs").Service>;
  /** DescribeServices said the cluster is gone (deleted out of band): services wait for the cluster step. */
  clusterMissing: boolean;
  /** When a secret value the containers read last changed (epoch ms; Infinity: written in this pass). */
  secretsChangedAt: number;
  /** When the postgres secret was created, and when its password was last pushed to the DB instance. */
  postgresSecretMeta: { createdAt: number; passwordAppliedAt: number };
}

export interface PostgresSecret { username: string; password: string; host: string; port: number; dbname: string; uri: string }

export interface PassContext {
  project: DesiredProject;
  aws: AwsClients;
  /** Assume the project's role (cached session) and set `aws`. */
  connect(): Promise<AwsClients>;
  operatorId: string;
  log: Logger;
  dryRun: boolean;
  /** How soon to look again while AWS is working (DB creating, rollout). */
  pollMs: number;
  resyncMs: number;
  /** Grace before self-healing a service below its desired count (default 60 s). */
  healGraceMs?: number;
  /** How often health metrics are read (default 5 min). */
  healthIntervalMs?: number;
  facts: Partial<PassFacts>;
  intents: Intents;
  /** Shared across passes of this replica: immutable AWS facts (task definitions by ARN, account prerequisites). */
  cache: PassCache;
  observe(r: ResourceObservation): void;
  emit(e: EventRecord): void;
  setRevisionStatus(number: number, status: RevisionStatus, message: string): void;
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

export interface Step {
  /** Resource kind, for metrics and status. */
  kind: string;
  condition: ConditionType;
  /** A done outcome of this step says nothing new about its condition (health readings). */
  informational?: boolean;
  plan(ctx: PassContext): Promise<StepPlan>;
  /** Deletion path (finalizer), in reverse order of creation. */
  planDelete?(ctx: PassContext): Promise<StepPlan>;
}

/**
 * How long a fact about AWS that can change out of band (the account's cluster or log group exists, a
 * spec's registration is ACTIVE) may be served from `ctx.cache`: half the resync interval, so every
 * resync pass (at 0.9–1.1 × the interval) reads it afresh and finds drift within one interval, while
 * the quick requeues of a rollout or a DB create do not repeat the reads.
 */
export const mutableFactTtlMs = (ctx: Pick<PassContext, "resyncMs">) => Math.max(1, Math.floor(ctx.resyncMs / 2));

export const done = (reason: string, message: string): Outcome => ({ kind: "done", reason, message });
export const requeue = (afterMs: number, reason: string, message: string): Outcome => ({ kind: "requeue", afterMs, reason, message });
