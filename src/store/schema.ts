// The control plane's tables. Desired state (projects, revisions) is written by the API; observed state
// (conditions, resource status, events, phase, observedGeneration) and scheduling (leases, intents) by
// the engine. Migrations are generated from this file by drizzle-kit into drizzle/.
import { sql } from "drizzle-orm";
import {
  bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid,
} from "drizzle-orm/pg-core";
import type { CpuArchitecture, DatabaseSpec, IngressSpec, ResourcesSpec } from "../model/project.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** One customer (SPEC §3). `externalId` is generated here, never chosen by the tenant, never changed. */
export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  externalId: text("external_id").notNull(),
  defaultRegion: text("default_region"),
  defaultRoleArn: text("default_role_arn"),
  createdAt: ts("created_at").notNull().defaultNow(),
}, (t) => [uniqueIndex("tenants_name_key").on(t.name), uniqueIndex("tenants_external_id_key").on(t.externalId)]);

/**
 * An AWS account belongs to the first tenant whose project names a role in it; another tenant's project
 * naming that account is refused, so tenants never collide on AWS names and a leaked role ARN is useless.
 */
export const accountBindings = pgTable("account_bindings", {
  accountId: text("account_id").primaryKey(),
  tenantId: uuid("tenant_id").notNull().references(() => tenants.id),
  createdAt: ts("created_at").notNull().defaultNow(),
});

export const projects = pgTable("projects", {
  id: uuid("id").primaryKey().defaultRandom(),
  tenantId: uuid("tenant_id").notNull().references(() => tenants.id),
  name: text("name").notNull(),
  region: text("region").notNull(),
  roleArn: text("role_arn").notNull(),
  accountId: text("account_id").notNull(),
  externalId: text("external_id").notNull(),
  deploymentType: text("deployment_type").notNull().$type<"dev" | "prod">(),
  database: jsonb("database").notNull().$type<DatabaseSpec>(),
  resources: jsonb("resources").notNull().$type<ResourcesSpec>(),
  cpuArchitecture: text("cpu_architecture").notNull().default("X86_64").$type<CpuArchitecture>(),
  ingress: jsonb("ingress").notNull().default({ visibility: "public" }).$type<IngressSpec>(),
  env: jsonb("env").notNull().$type<Record<string, string>>(),
  secretNames: text("secret_names").array().notNull().default(sql`'{}'::text[]`),
  /** AES-256-GCM sealed JSON { secrets, databaseUri? }; see store/crypto.ts. */
  sealedSecrets: text("sealed_secrets").notNull(),
  deletionPolicy: text("deletion_policy").notNull().$type<"snapshot" | "delete" | "retain">(),
  image: text("image"),
  generation: integer("generation").notNull().default(1),
  observedGeneration: integer("observed_generation").notNull().default(0),
  /** The last generation a pass took all the way to Ready: until then, what a pass changes is the spec being applied, not drift. */
  appliedGeneration: integer("applied_generation").notNull().default(0),
  phase: text("phase").notNull().default("Provisioning"),
  /** The deployment's endpoint (docs/reference.md §6): null until its load balancer exists. */
  url: text("url"),
  deletingAt: ts("deleting_at"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
}, (t) => [uniqueIndex("projects_tenant_name_key").on(t.tenantId, t.name), index("projects_name_idx").on(t.name)]);

export const revisions = pgTable("revisions", {
  id: uuid("id").primaryKey().defaultRandom(),
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  number: integer("number").notNull(),
  image: text("image").notNull(),
  env: jsonb("env").notNull().$type<Record<string, string>>().default({}),
  status: text("status").notNull().default("QUEUED"),
  message: text("message").notNull().default(""),
  /** The revision whose image and env this one copied (a roll back or forward); null for a new image. */
  redeployOf: integer("redeploy_of"),
  createdAt: ts("created_at").notNull().defaultNow(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
}, (t) => [uniqueIndex("revisions_project_number_key").on(t.projectId, t.number)]);

export const conditions = pgTable("conditions", {
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  type: text("type").notNull(),
  status: text("status").notNull(),
  reason: text("reason").notNull(),
  message: text("message").notNull().default(""),
  lastTransitionTime: ts("last_transition_time").notNull().defaultNow(),
  observedGeneration: integer("observed_generation").notNull().default(0),
}, (t) => [primaryKey({ columns: [t.projectId, t.type] })]);

export const resourceStatus = pgTable("resource_status", {
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  kind: text("kind").notNull(),
  name: text("name").notNull(),
  arn: text("arn"),
  phase: text("phase").notNull(),
  lastErrorCode: text("last_error_code"),
  lastErrorMessage: text("last_error_message"),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: ts("next_attempt_at"),
  updatedAt: ts("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.projectId, t.kind, t.name] })]);

export const events = pgTable("events", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  type: text("type").notNull().$type<"Normal" | "Warning">(),
  reason: text("reason").notNull(),
  message: text("message").notNull(),
  resource: text("resource"),
  createdAt: ts("created_at").notNull().defaultNow(),
}, (t) => [index("events_project_id_idx").on(t.projectId, t.id)]);

/** Written before a create whose identity AWS assigns, resolved by tag lookup after a crash. */
export const createIntents = pgTable("create_intents", {
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  kind: text("kind").notNull(),
  name: text("name").notNull(),
  token: text("token").notNull(),
  startedAt: ts("started_at").notNull().defaultNow(),
  resolvedAt: ts("resolved_at"),
  resourceId: text("resource_id"),
}, (t) => [primaryKey({ columns: [t.projectId, t.kind, t.name] })]);

/** Scheduling and ownership of each project's reconcile: due time, backoff attempts and the lease. */
export const leases = pgTable("leases", {
  projectId: uuid("project_id").primaryKey().references(() => projects.id, { onDelete: "cascade" }),
  dueAt: ts("due_at").notNull().defaultNow(),
  owner: text("owner"),
  expiresAt: ts("expires_at"),
  attempts: integer("attempts").notNull().default(0),
  lastOutcome: text("last_outcome"),
  passes: integer("passes").notNull().default(0),
  /** Bumped by every desired-state write; a pass that saw an older value leaves the project due. */
  wakes: integer("wakes").notNull().default(0),
}, (t) => [index("leases_due_idx").on(t.dueAt)]);

/**
 * Keys, admin and tenant alike (SPEC §7): a null `tenantId` is an admin key. Only a SHA-256 of the key is
 * stored. `lastUsedAt` is written at most once a minute; a revoked or expired key is refused at once.
 */
export const apiTokens = pgTable("api_tokens", {
  id: uuid("id").primaryKey().defaultRandom(),
  tenantId: uuid("tenant_id").references(() => tenants.id),
  name: text("name").notNull(),
  scope: text("scope").notNull().$type<"read" | "write">(),
  tokenHash: text("token_hash").notNull(),
  createdBy: text("created_by").notNull().default(""),
  createdAt: ts("created_at").notNull().defaultNow(),
  expiresAt: ts("expires_at"),
  lastUsedAt: ts("last_used_at"),
  revokedAt: ts("revoked_at"),
}, (t) => [uniqueIndex("api_tokens_hash_key").on(t.tokenHash), index("api_tokens_tenant_idx").on(t.tenantId)]);

/**
 * The watch feed: one row per status change or event, in commit order (inserts take a transaction-level
 * advisory lock), so an SSE client resuming from Last-Event-ID neither misses nor repeats a change.
 * No foreign key: a project's "deleted" change outlives the project.
 */
export const changes = pgTable("changes", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  projectId: uuid("project_id").notNull(),
  projectName: text("project_name").notNull(),
  /** Whose change it is, so one listener per replica can fan it out to the right tenant's watchers. */
  tenantId: uuid("tenant_id"),
  kind: text("kind").notNull().$type<"event" | "status" | "deleted">(),
  eventId: bigint("event_id", { mode: "number" }),
  createdAt: ts("created_at").notNull().defaultNow(),
}, (t) => [index("changes_project_idx").on(t.projectId, t.id)]);
