// Task definitions, families `lg-<p>-api`, `lg-<p>-queue`, `lg-<p>-redis`: one registration per distinct
// spec. The spec's hash is a tag (byoc:spec-hash), so re-registering the same spec — after a crash, or a
// rollback to an old revision — finds the existing one instead of creating a duplicate.
// AWS calls: ecs:ListTaskDefinitions (the account's, shared by its projects; a family's before registering),
// ecs:DescribeTaskDefinition (cached by ARN: they are immutable), ecs:RegisterTaskDefinition, ecs:DeregisterTaskDefinition.
import {
  DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand,
  type ContainerDefinition, type RegisterTaskDefinitionCommandInput, type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { createHash } from "node:crypto";
import { LOG_GROUP_NAME, projectNames, SERVICE_ROLES, TAG_PROJECT_ID, TAG_SPEC_HASH, type ServiceRole } from "../src/cloud/names.js";
import type { Revision } from "../src/model/project.js";
import { fromTagList, projectTags, toLowerKeyValue } from "./ownership.js";
import { describeProjectServices, resolveTargetRevision } from "./rollout.js";
import type { Action, PassContext, Step, StepPlan } from "./types.js";
import { done, mutableFactTtlMs } from "./types.js";

export const TAG_REVISION = "byoc:revision";
export const REDIS_IMAGE = "public.ecr.aws/docker/library/redis:7.4";
export const KEEP_ACTIVE_REVISIONS = 5;

export function specHash(input: RegisterTaskDefinitionCommandInput): string {
  const sortKeys = (v: unknown): unknown => Array.isArray(v) ? v.map(sortKeys)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
  return createHash("sha256").update(JSON.stringify(sortKeys({ ...input, tags: undefined }))).digest("hex").slice(0, 16);
}

const envList = (env: Record<string, string>) => Object.keys(env).sort().map((name) => ({ name, value: env[name] }));

function logConfig(ctx: PassContext) {
  return { logDriver: "awslogs" as const, options: { "awslogs-group": LOG_GROUP_NAME, "awslogs-region": ctx.aws.region, "awslogs-stream-prefix": ctx.project.name } };
}

/** The register input for one role; `rev` is the revision to run (api/queue only). */
export function desiredTaskDefinition(ctx: PassContext, role: ServiceRole, rev: Revision | undefined): RegisterTaskDefinitionCommandInput {
  const p = ctx.project;
  const names = projectNames(p.name);
  const base = {
    family: names.family(role), networkMode: "awsvpc" as const, requiresCompatibilities: ["FARGATE" as const],
    executionRoleArn: ctx.facts.executionRoleArn, runtimePlatform: { operatingSystemFamily: "LINUX" as const, cpuArchitecture: "X86_64" as const },
  };
  if (role === "redis") {
    return {
      ...base, cpu: "256", memory: "512",
      containerDefinitions: [{ name: "redis", image: REDIS_IMAGE, essential: true, portMappings: [{ containerPort: 6379, protocol: "tcp" }], logConfiguration: logConfig(ctx) }],
      tags: toLowerKeyValue(projectTags(ctx)),
    };
  }
  const r = p.resources[role];
  const env = {
    ...p.env, ...(rev?.env ?? {}),
    PORT: "8000", REDIS_URI: `redis://${names.service("redis")}:6379`,
    LANGSMITH_HOST_PROJECT_ID: p.id, LANGSMITH_HOST_REVISION_ID: rev?.id ?? "",
    ...(role === "queue" ? { N_JOBS_PER_WORKER: "10" } : {}),
  };
  const pgArn = ctx.facts.postgresSecretArn;
  const secrets = [
    { name: "POSTGRES_URI", valueFrom: `${pgArn}:uri::` },
    { name: "DATABASE_URI", valueFrom: `${pgArn}:uri::` },
    ...(ctx.facts.envSecretKeys ?? []).map((k) => ({ name: k, valueFrom: `${ctx.facts.envSecretArn}:${k}::` })),
  ];
  const container: ContainerDefinition = {
    name: role, image: rev?.image, essential: true, environment: envList(env), secrets, logConfiguration: logConfig(ctx),
    ...(role === "api" ? {
      portMappings: [{ containerPort: 8000, protocol: "tcp" as const }],
      healthCheck: { command: ["CMD-SHELL", "curl -fsS http://localhost:8000/ok || exit 1"], interval: 30, timeout: 5, retries: 3, startPeriod: 60 },
    } : {}),
  };
  return {
    ...base, cpu: String(r.cpu), memory: String(r.memoryMb), containerDefinitions: [container],
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
    const v = described(out.taskDefinition!, fromTagList(out.tags));
    // Immutable except for status; an INACTIVE one is looked at again after the resync interval.
    ctx.cache.set(key, v, v.td.status === "ACTIVE" ? ctx.resyncMs * 10 : ctx.resyncMs);
    return v;
  } catch (err) {
    if ((err as { name?: string }).name === "ClientException") return undefined;
    throw err;
  }
}

/** An ACTIVE registration of this family with this spec hash, and (when listed) how many are ACTIVE. */
async function findRegistered(ctx: PassContext, family: string, hash: string): Promise<{ arn?: string; active: number }> {
  const cacheKey = `td|${ctx.aws.accountId}|${ctx.aws.region}|${family}|${hash}`;
  const cached = ctx.cache.get<string>(cacheKey);
  if (cached) return { arn: cached, active: 0 };
  // The account's listing confirms the registration in the common case (and the confirmation expires
  // with the listing, so no fact is older than mutableFactTtlMs); a miss, which leads to a registration,
  // is checked against a fresh listing of the family, so a registration is never decided on a shared one.
  const shared = await activeInAccount(ctx);
  const arns = shared?.byFamily.get(family);
  const found = shared && arns ? await matchRegistered(ctx, cacheKey, hash, arns, shared.until - Date.now()) : undefined;
  if (found?.arn) return found;
  const list = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC", maxResults: 10 }));
  return matchRegistered(ctx, cacheKey, hash, (list.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family), mutableFactTtlMs(ctx));
}

const familyOf = (arn: string) => arn.split("/").pop()!.replace(/:\d+$/, "");
const registrationNumber = (arn: string) => Number(arn.slice(arn.lastIndexOf(":") + 1));

async function matchRegistered(ctx: PassContext, cacheKey: string, hash: string, arns: string[], ttlMs: number): Promise<{ arn?: string; active: number }> {
  for (const arn of arns) {
    const d = await describeTaskDefinitionCached(ctx, arn);
    if (d && d.tags[TAG_SPEC_HASH] === hash && d.tags[TAG_PROJECT_ID] === ctx.project.id && d.td.status === "ACTIVE") {
      if (ttlMs > 0) ctx.cache.set(cacheKey, arn, ttlMs);
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

async function planTaskDefinitions(ctx: PassContext): Promise<StepPlan> {
  await describeProjectServices(ctx);
  const target = await resolveTargetRevision(ctx);
  ctx.facts.targetRevision = target;
  ctx.facts.taskDefinitionArns = {};
  const actions: Action[] = [];
  for (const role of SERVICE_ROLES) {
    if (role !== "redis" && !target) continue;
    const input = desiredTaskDefinition(ctx, role, role === "redis" ? undefined : target);
    const hash = specHash(input);
    const { arn, active } = await findRegistered(ctx, input.family!, hash);
    if (arn) { ctx.facts.taskDefinitionArns[role] = arn; continue; }
    const deregistered = await deregisteredOutOfBand(ctx, role, hash);
    actions.push({
      verb: "create", kind: "TaskDefinition", resource: input.family!, reason: deregistered ? `${shortName(deregistered)} was deregistered out of band` : `no ACTIVE registration with spec hash ${hash}`,
      diffs: deregistered ? [{ field: "status", actual: `INACTIVE (${shortName(deregistered)})`, desired: "ACTIVE" }] : undefined,
      event: { type: "Normal", reason: "Registered", message: `registered task definition ${input.family}${role !== "redis" && target ? ` for revision ${target.number} (${target.image})` : ""}`, resource: input.family },
      run: async () => {
        const out = await ctx.aws.ecs.send(new RegisterTaskDefinitionCommand({ ...input, tags: [...(input.tags ?? []), { key: TAG_SPEC_HASH, value: hash }] }));
        const registered = out.taskDefinition!.taskDefinitionArn!;
        // What DescribeTaskDefinition would say of it (the rollout reads its revision tag): no need to ask.
        if (out.tags?.length) ctx.cache.set(`tdarn|${registered}`, described(out.taskDefinition!, fromTagList(out.tags)), ctx.resyncMs * 10);
        ctx.facts.taskDefinitionArns![role] = registered;
        ctx.cache.set(`td|${ctx.aws.accountId}|${ctx.aws.region}|${input.family}|${hash}`, registered, mutableFactTtlMs(ctx));
        ctx.cache.delete(accountListingKey(ctx));
        if (deregistered) {
          ctx.emit({
            type: "Normal", reason: "DriftRepaired", resource: input.family,
            message: `task definition ${shortName(deregistered)}: status INACTIVE → ACTIVE (it was deregistered out of band while ${projectNames(ctx.project.name).service(role)} ran it; registered the same spec again as ${shortName(registered)})`,
          });
        }
      },
    });
    if (ctx.dryRun) ctx.facts.taskDefinitionArns[role] = `${input.family}:(new)`;
    if (active + 1 > KEEP_ACTIVE_REVISIONS) actions.push(pruneAction(ctx, input.family!));
  }
  return { actions, after: done("TaskDefinitionsRegistered", target ? `task definitions for revision ${target.number}` : "redis task definition (no revision yet)") };
}

const shortName = (arn: string) => arn.split("/").pop()!;

/**
 * The registration of this spec that the role's service runs, when it is no longer ACTIVE: we never
 * deregister one in use (see pruneAction), so someone else did. Its tags are immutable, so the cached
 * describe is good for them; its status is not, and that entry is dropped.
 */
async function deregisteredOutOfBand(ctx: PassContext, role: ServiceRole, hash: string): Promise<string | undefined> {
  const running = ctx.facts.services?.get(projectNames(ctx.project.name).service(role))?.taskDefinition;
  if (!running) return undefined;
  const d = await describeTaskDefinitionCached(ctx, running);
  ctx.cache.delete(`tdarn|${running}`);
  return d && d.tags[TAG_SPEC_HASH] === hash && d.tags[TAG_PROJECT_ID] === ctx.project.id ? running : undefined;
}

/** After a new registration: deregister ours beyond the newest few, unless a deployment still runs one. */
function pruneAction(ctx: PassContext, family: string): Action {
  return {
    verb: "prune", kind: "TaskDefinition", resource: family, reason: `keep the newest ${KEEP_ACTIVE_REVISIONS} registrations`,
    event: { type: "Normal", reason: "Pruned", message: `${family}: no registration to deregister (those beyond the newest ${KEEP_ACTIVE_REVISIONS} are in use)`, resource: family },
    async run() {
      const pruned: string[] = [];
      const inUse = new Set<string>();
      for (const s of ctx.facts.services?.values() ?? []) for (const d of s.deployments ?? []) if (d.taskDefinition) inUse.add(d.taskDefinition);
      for (const arn of Object.values(ctx.facts.taskDefinitionArns ?? {})) if (arn) inUse.add(arn);
      const list = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC" }));
      const ours = (list.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family);
      for (const arn of ours.slice(KEEP_ACTIVE_REVISIONS)) {
        if (inUse.has(arn)) continue;
        const d = await describeTaskDefinitionCached(ctx, arn);
        if (d?.tags[TAG_PROJECT_ID] !== ctx.project.id) continue;
        await ctx.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
        ctx.cache.delete(`tdarn|${arn}`);
        ctx.cache.delete(accountListingKey(ctx));
        pruned.push(shortName(arn));
      }
      if (pruned.length) this.event.message = `deregistered ${pruned.join(", ")}: ${family} keeps its newest ${KEEP_ACTIVE_REVISIONS} registrations`;
    },
  };
}

async function planDeleteTaskDefinitions(ctx: PassContext): Promise<StepPlan> {
  const actions: Action[] = [];
  const names = projectNames(ctx.project.name);
  for (const role of SERVICE_ROLES) {
    const family = names.family(role);
    const list = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }));
    for (const arn of list.taskDefinitionArns ?? []) {
      if (familyOf(arn) !== family) continue;
      const d = await describeTaskDefinitionCached(ctx, arn);
      if (d?.tags[TAG_PROJECT_ID] !== ctx.project.id) continue;
      actions.push({
        verb: "delete", kind: "TaskDefinition", resource: arn.split("/").pop()!, reason: "project deleted",
        event: { type: "Normal", reason: "Deregistered", message: `deregistered task definition ${arn.split("/").pop()}`, resource: family },
        run: async () => { await ctx.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })); ctx.cache.delete(`tdarn|${arn}`); ctx.cache.delete(accountListingKey(ctx)); },
      });
    }
  }
  return { actions, after: done("Deregistered", "task definitions deregistered") };
}


export const taskDefinitions: Step = {
  kind: "TaskDefinition",
  condition: "ServicesReady",
  plan: planTaskDefinitions,
  planDelete: planDeleteTaskDefinitions,
};
