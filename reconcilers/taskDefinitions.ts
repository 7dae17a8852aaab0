// Task definitions, families `lg-<p>-api`, `lg-<p>-queue`, `lg-<p>-redis`: one registration per distinct
// spec. The spec's hash is a tag (byoc:spec-hash), so re-registering the same spec — after a crash, or a
// rollback to an old revision — finds the existing one instead of creating a duplicate. Provides each
// role's registration (in a dry run, a registration this pass would make has no ARN: none is made up).
// AWS calls: ecs:ListTaskDefinitions (the account's, shared by its projects; a family's before registering),
// ecs:DescribeTaskDefinition (cached by ARN: they are immutable), ecs:RegisterTaskDefinition, ecs:DeregisterTaskDefinition.
// Idempotent create: the spec-hash lookup (RegisterTaskDefinition has no token). Idempotent delete:
// deregistering one already INACTIVE succeeds in ECS; one ECS no longer knows (ClientException) is gone.
import {
  DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput, type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { createHash } from "node:crypto";
import { awsErrorCode } from "../src/cloud/errors.js";
import { LOG_GROUP_NAME, projectNames, SERVICE_ROLES, TAG_PROJECT_ID, TAG_SPEC_HASH, type ServiceRole } from "../src/cloud/names.js";
import type { Revision } from "../src/model/project.js";
import { act, done, effectiveIntervalMs, mutableFactTtlMs, proceed, tolerate, type Action, type Change, type NoInput, type PassContext, type Recorder, type Step } from "./contract.js";
import { langGraphContainer, redisContainer, REDIS_CPU, REDIS_MEMORY_MB, runtimePlatform } from "./containers.js";
import type { Network } from "./network.js";
import { fromTagList, projectTags, toLowerKeyValue } from "./ownership.js";
import type { Secrets } from "./secrets.js";
import type { RunningServices } from "./services.js";

export interface TaskDefinitionsInput {
  network: Pick<Network, "executionRoleArn">;
  secrets: Pick<Secrets, "postgres" | "env">;
  /** The revision api and queue run (none yet: only redis is registered). */
  target: Revision | undefined;
  running: RunningServices;
}
/** A role's registration; `arn` undefined: registered by this pass, and this is a dry run. */
export interface TaskDefinitionRef { family: string; arn: string | undefined }
/** What the step provides: the registration of each role that has one to run. */
export type TaskDefinitions = Partial<Record<ServiceRole, TaskDefinitionRef>>;

const shortName = (arn: string) => arn.split("/").pop() ?? arn;

export const TAG_REVISION = "byoc:revision";
export const KEEP_ACTIVE_REVISIONS = 5;

export function specHash(input: RegisterTaskDefinitionCommandInput): string {
  const sortKeys = (v: unknown): unknown => Array.isArray(v) ? v.map(sortKeys)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
  return createHash("sha256").update(JSON.stringify(sortKeys({ ...input, tags: undefined }))).digest("hex").slice(0, 16);
}

function logConfig(ctx: PassContext) {
  return { logDriver: "awslogs" as const, options: { "awslogs-group": LOG_GROUP_NAME, "awslogs-region": ctx.aws.region, "awslogs-stream-prefix": ctx.project.name } };
}

/** The register input for one role; `rev` is the revision to run (api/queue only). The containers are containers.ts's. */
export function desiredTaskDefinition(ctx: PassContext, input: TaskDefinitionsInput, role: ServiceRole, rev: Revision | undefined): RegisterTaskDefinitionCommandInput {
  const p = ctx.project;
  const base = {
    family: projectNames(p.name).family(role), networkMode: "awsvpc" as const, requiresCompatibilities: ["FARGATE" as const],
    executionRoleArn: input.network.executionRoleArn, runtimePlatform: runtimePlatform(p.cpuArchitecture),
  };
  if (role === "redis") {
    return {
      ...base, cpu: String(REDIS_CPU), memory: String(REDIS_MEMORY_MB),
      containerDefinitions: [redisContainer(logConfig(ctx))], tags: toLowerKeyValue(projectTags(ctx)),
    };
  }
  const r = p.resources[role];
  const refs = { postgresArn: input.secrets.postgres.arn, envArn: input.secrets.env.arn, envKeys: input.secrets.env.keys };
  return {
    ...base, cpu: String(r.cpu), memory: String(r.memoryMb), containerDefinitions: [langGraphContainer(p, rev, role, refs, logConfig(ctx))],
    tags: [...toLowerKeyValue(projectTags(ctx)), ...(rev ? [{ key: TAG_REVISION, value: String(rev.number) }] : [])],
  };
}

/** What is kept of a described task definition: its status and tags (the whole one is a few KB, and there are three per project). */
type DescribedTaskDefinition = { td: Pick<TaskDefinition, "taskDefinitionArn" | "status">; tags: Record<string, string> };
const described = (td: TaskDefinition, tags: Record<string, string>): DescribedTaskDefinition => ({ td: { taskDefinitionArn: td.taskDefinitionArn, status: td.status }, tags });

export async function describeTaskDefinitionCached(ctx: PassContext, arn: string): Promise<DescribedTaskDefinition | undefined> {
  const key = `tdarn|${arn}`;
  const hit = ctx.cache.get<DescribedTaskDefinition>(key);
  if (hit) return hit;
  try {
    const out = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
    if (!out.taskDefinition) return undefined;
    const v = described(out.taskDefinition, fromTagList(out.tags));
    // Immutable except for status; an INACTIVE one is looked at again after the resync interval.
    ctx.cache.set(key, v, v.td.status === "ACTIVE" ? effectiveIntervalMs(ctx) * 10 : ctx.resyncMs);
    return v;
  } catch (err) {
    // ECS answers ClientException for an ARN it does not know (never registered, or purged).
    if (awsErrorCode(err) === "ClientException") return undefined;
    throw err;
  }
}

/**
 * How long "the registration the role's service runs is this spec's, and ACTIVE" is kept, in resync
 * intervals. Its identity (the spec-hash tag) is immutable and DescribeServices re-reads which one runs
 * every pass; only its status can change, and ECS keeps running and scaling a service whose registration
 * was deregistered, so that is re-checked against the account's listing every few intervals instead of
 * every pass: one ECS call a pass at one project per account (docs/reference.md "Drift repair").
 */
export const RUNNING_REGISTRATION_INTERVALS = 5;

/** An ACTIVE registration of this family with this spec hash, and (when listed) how many are ACTIVE. */
async function findRegistered(
  ctx: PassContext, family: string, hash: string, runningArn: string | undefined,
): Promise<{ arn?: string; active: number }> {
  const cacheKey = `td|${ctx.aws.accountId}|${ctx.aws.region}|${family}|${hash}`;
  const cached = ctx.cache.get<string>(cacheKey);
  if (cached) return { arn: cached, active: 0 };
  // The account's listing confirms the registration in the common case (and the confirmation expires
  // with the listing, so no fact is older than mutableFactTtlMs, unless the service runs it); a miss,
  // which leads to a registration, is checked against a fresh listing of the family, so a registration is
  // never decided on a shared one.
  const keep = (left: number) => (arn: string | undefined) =>
    arn !== undefined && arn === runningArn ? RUNNING_REGISTRATION_INTERVALS * effectiveIntervalMs(ctx) : left;
  const shared = await activeInAccount(ctx);
  const arns = shared?.byFamily.get(family);
  const found = shared && arns ? await matchRegistered(ctx, cacheKey, hash, arns, keep(shared.until - Date.now())) : undefined;
  if (found?.arn) return found;
  const list = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC", maxResults: 10 }));
  const mine = (list.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family);
  return matchRegistered(ctx, cacheKey, hash, mine, keep(mutableFactTtlMs(ctx)));
}

const familyOf = (arn: string) => shortName(arn).replace(/:\d+$/, "");
const registrationNumber = (arn: string) => Number(arn.slice(arn.lastIndexOf(":") + 1));

async function matchRegistered(
  ctx: PassContext, cacheKey: string, hash: string, arns: string[], ttlMs: (arn: string) => number,
): Promise<{ arn?: string; active: number }> {
  for (const arn of arns) {
    const d = await describeTaskDefinitionCached(ctx, arn);
    if (d && d.tags[TAG_SPEC_HASH] === hash && d.tags[TAG_PROJECT_ID] === ctx.project.id && d.td.status === "ACTIVE") {
      const ttl = ttlMs(arn);
      if (ttl > 0) ctx.cache.set(cacheKey, arn, ttl);
      return { arn, active: arns.length };
    }
  }
  return { active: arns.length };
}

const ACCOUNT_LISTING_MAX_PAGES = 5;
const accountListingKey = (ctx: PassContext) => `tdlist|${ctx.aws.accountId}|${ctx.aws.region}`;
interface AccountListing { until: number; byFamily: Map<string, string[]> }

/**
 * Every ACTIVE task definition of the account by family, newest first: ListTaskDefinitions with no
 * family (100 a page) once per account per mutableFactTtlMs, shared by the account's passes, instead of
 * one listing per family per pass (ECS's familyPrefix is a whole family name: families cannot be listed
 * together otherwise). Undefined when the account holds more than a few pages of them.
 */
function activeInAccount(ctx: PassContext): Promise<AccountListing | undefined> {
  return ctx.cache.shared(accountListingKey(ctx), mutableFactTtlMs(ctx), async () => {
    const until = Date.now() + mutableFactTtlMs(ctx);
    const byFamily = new Map<string, string[]>();
    let nextToken: string | undefined;
    for (let page = 0; page < ACCOUNT_LISTING_MAX_PAGES; page++) {
      const out = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ status: "ACTIVE", maxResults: 100, nextToken }));
      for (const arn of out.taskDefinitionArns ?? []) byFamily.set(familyOf(arn), [...(byFamily.get(familyOf(arn)) ?? []), arn]);
      nextToken = out.nextToken;
      if (!nextToken) {
        for (const arns of byFamily.values()) arns.sort((a, b) => registrationNumber(b) - registrationNumber(a));
        return { until, byFamily };
      }
    }
    return undefined;
  });
}

/** One role's registration as found: the spec it should have, and what ECS holds of it. */
export interface TaskDefinitionSeen {
  role: ServiceRole;
  family: string;
  hash: string;
  /** An ACTIVE registration of ours with this spec hash. */
  registered: string | undefined;
  /** How many ACTIVE registrations the family has (0 when not listed). */
  active: number;
  /** The registration of this spec the role's service runs, deregistered out of band. */
  deregistered: string | undefined;
}

export type TaskDefinitionChange = Change & ({ op: "register"; role: ServiceRole; hash: string; deregistered: string | undefined } | { op: "prune" });

/** Pure: register each spec not registered yet; prune the family once it holds more than it keeps. */
export function decideTaskDefinitions(seen: TaskDefinitionSeen[], target: Revision | undefined, image: (role: ServiceRole) => string | undefined): TaskDefinitionChange[] {
  const changes: TaskDefinitionChange[] = [];
  for (const x of seen) {
    if (x.registered) continue;
    const was = x.deregistered ? shortName(x.deregistered) : undefined;
    changes.push({
      op: "register", role: x.role, hash: x.hash, deregistered: x.deregistered,
      verb: "create", kind: "TaskDefinition", resource: x.family,
      reason: was ? `${was} was deregistered out of band` : `no ACTIVE registration with spec hash ${x.hash}`,
      diffs: was ? [{ field: "status", actual: `INACTIVE (${was})`, desired: "ACTIVE" }] : undefined,
      event: { type: "Normal", reason: "Registered", message: `registered task definition ${x.family}${x.role !== "redis" && target ? ` for revision ${target.number} (${image(x.role)})` : ""}`, resource: x.family },
    });
    if (x.active + 1 > KEEP_ACTIVE_REVISIONS) {
      changes.push({
        op: "prune", verb: "prune", kind: "TaskDefinition", resource: x.family, reason: `keep the newest ${KEEP_ACTIVE_REVISIONS} registrations`,
        event: { type: "Normal", reason: "Pruned", message: `${x.family}: no registration to deregister (those beyond the newest ${KEEP_ACTIVE_REVISIONS} are in use)`, resource: x.family },
      });
    }
  }
  return changes;
}

/**
 * The registration of this spec that the role's service runs, when it is no longer ACTIVE: we never
 * deregister one in use (see prune), so someone else did. Its tags are immutable, so the cached
 * describe is good for them; its status is not, and that entry is dropped.
 */
async function deregisteredOutOfBand(ctx: PassContext, running: RunningServices, role: ServiceRole, hash: string): Promise<string | undefined> {
  const arn = running.byRole.get(role)?.taskDefinition;
  if (!arn) return undefined;
  const d = await describeTaskDefinitionCached(ctx, arn);
  ctx.cache.delete(`tdarn|${arn}`);
  return d && d.tags[TAG_SPEC_HASH] === hash && d.tags[TAG_PROJECT_ID] === ctx.project.id ? arn : undefined;
}

async function register(ctx: PassContext, input: RegisterTaskDefinitionCommandInput, c: TaskDefinitionChange & { op: "register" }, record: Recorder): Promise<string | undefined> {
  const out = await ctx.aws.ecs.send(new RegisterTaskDefinitionCommand({ ...input, tags: [...(input.tags ?? []), { key: TAG_SPEC_HASH, value: c.hash }] }));
  const registered = out.taskDefinition?.taskDefinitionArn;
  if (!out.taskDefinition || !registered) return undefined;
  // What DescribeTaskDefinition would say of it (the revision step reads its revision tag): no need to ask.
  if (out.tags?.length) ctx.cache.set(`tdarn|${registered}`, described(out.taskDefinition, fromTagList(out.tags)), effectiveIntervalMs(ctx) * 10);
  ctx.cache.set(`td|${ctx.aws.accountId}|${ctx.aws.region}|${c.resource}|${c.hash}`, registered, mutableFactTtlMs(ctx));
  ctx.cache.delete(accountListingKey(ctx));
  if (c.deregistered) {
    record.emit({
      type: "Normal", reason: "DriftRepaired", resource: c.resource,
      message: `task definition ${shortName(c.deregistered)}: status INACTIVE → ACTIVE (it was deregistered out of band while ${projectNames(ctx.project.name).service(c.role)} ran it; registered the same spec again as ${shortName(registered)})`,
    });
  }
  return registered;
}

/** After a new registration: deregister ours beyond the newest few, unless a deployment still runs one. */
async function prune(ctx: PassContext, family: string, inUse: Set<string>, action: Action): Promise<void> {
  const pruned: string[] = [];
  const list = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC" }));
  const ours = (list.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family);
  for (const arn of ours.slice(KEEP_ACTIVE_REVISIONS)) {
    if (inUse.has(arn)) continue;
    const d = await describeTaskDefinitionCached(ctx, arn);
    if (d?.tags[TAG_PROJECT_ID] !== ctx.project.id) continue;
    await deregister(ctx, arn);
    pruned.push(shortName(arn));
  }
  if (pruned.length && action.event) action.event = { ...action.event, message: `deregistered ${pruned.join(", ")}: ${family} keeps its newest ${KEEP_ACTIVE_REVISIONS} registrations` };
}

/** Deregistering an INACTIVE one succeeds in ECS; one it no longer knows answers ClientException: gone either way. */
async function deregister(ctx: PassContext, arn: string): Promise<void> {
  await tolerate(() => ctx.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })), ["ClientException"]);
  ctx.cache.delete(`tdarn|${arn}`);
  ctx.cache.delete(accountListingKey(ctx));
}

export const taskDefinitions: Step<TaskDefinitionsInput, TaskDefinitions> = {
  kind: "TaskDefinition",
  condition: "ServicesReady",
  async plan(ctx, input) {
    const { target } = input;
    // Without a licence the api and queue are not rolled out (the services step says MissingLicenseKey).
    const roles = SERVICE_ROLES.filter((role) => role === "redis" || (target && input.secrets.env.licensed));
    const inputs = new Map(roles.map((role) => [role, desiredTaskDefinition(ctx, input, role, role === "redis" ? undefined : target)]));
    // The roles are looked up side by side (reads only): a pass with cold caches describes three registrations.
    const looked = await Promise.all(roles.map(async (role): Promise<TaskDefinitionSeen | undefined> => {
      const td = inputs.get(role);
      if (!td?.family) return undefined;
      const hash = specHash(td);
      const { arn, active } = await findRegistered(ctx, td.family, hash, input.running.byRole.get(role)?.taskDefinition);
      return { role, family: td.family, hash, registered: arn, active, deregistered: arn ? undefined : await deregisteredOutOfBand(ctx, input.running, role, hash) };
    }));
    const seen = looked.filter((x): x is TaskDefinitionSeen => x !== undefined);
    const refs: TaskDefinitions = Object.fromEntries(seen.map((x) => [x.role, { family: x.family, arn: x.registered }]));
    const changes = decideTaskDefinitions(seen, target, (role) => inputs.get(role)?.containerDefinitions?.[0]?.image);
    const actions = changes.map((c): Action => {
      if (c.op === "prune") {
        const action: Action = act(c, () => {
          const inUse = new Set<string>();
          for (const s of input.running.byRole.values()) for (const d of s.deployments ?? []) if (d.taskDefinition) inUse.add(d.taskDefinition);
          for (const ref of Object.values(refs)) if (ref?.arn) inUse.add(ref.arn);
          return prune(ctx, c.resource, inUse, action);
        });
        return action;
      }
      return act(c, async (record) => {
        const td = inputs.get(c.role);
        const arn = td && (await register(ctx, td, c, record));
        if (!arn) throw new Error(`register task definition ${c.resource}: ECS returned no ARN`);
        refs[c.role] = { family: c.resource, arn };
      });
    });
    const message = target ? `task definitions for revision ${target.number}` : "redis task definition (no revision yet)";
    return proceed(actions, done("TaskDefinitionsRegistered", message), { provide: () => refs });
  },
};

/** Deletion: every ACTIVE registration of ours in the project's families. */
export const taskDefinitionsDeletion: Step<NoInput, void> = {
  kind: "TaskDefinition",
  condition: "ServicesReady",
  async plan(ctx) {
    const actions: Action[] = [];
    const names = projectNames(ctx.project.name);
    for (const role of SERVICE_ROLES) {
      const family = names.family(role);
      const list = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }));
      for (const arn of list.taskDefinitionArns ?? []) {
        if (familyOf(arn) !== family) continue;
        const d = await describeTaskDefinitionCached(ctx, arn);
        if (d?.tags[TAG_PROJECT_ID] !== ctx.project.id) continue;
        actions.push(act({
          verb: "delete", kind: "TaskDefinition", resource: shortName(arn), reason: "project deleted",
          event: { type: "Normal", reason: "Deregistered", message: `deregistered task definition ${shortName(arn)}`, resource: family },
        }, () => deregister(ctx, arn)));
      }
    }
    return proceed(actions, done("Deregistered", "task definitions deregistered"));
  },
};
