// Desired state: projects and revisions as the API writes and reads them. Every write that changes
// what the engine should do makes the project due and NOTIFYs in the same transaction.
import { and, asc, desc, eq, gt, lt, or, sql as dsql } from "drizzle-orm";
import type { Store } from "./db.js";
import { conditions, events, leases, projects, resourceStatus, revisions } from "./schema.js";
import type { ProjectSpec, RevisionStatus } from "../model/project.js";
import { claimAccount, ensureDefaultTenant } from "./tenants.js";

export const DESIRED_CHANNEL = "byoc_desired";
export type ProjectRow = typeof projects.$inferSelect;
export type RevisionRow = typeof revisions.$inferSelect;

/** A project row to write: the spec, with its secrets sealed and only their names in the clear. */
export interface NewProject extends Omit<ProjectSpec, "cpuArchitecture" | "ingress">, Partial<Pick<ProjectSpec, "cpuArchitecture" | "ingress">> {
  secretNames: string[];
  sealedSecrets: string;
  image?: string;
  /** The owning tenant; absent → `default` (store-level callers: tests, benchmarks). */
  tenantId?: string;
}

/**
 * Whose projects a lookup may see: one tenant's, or every tenant's (`tenantId` undefined: an admin key
 * without X-Tenant-Id). Every project lookup below takes one, so no route can read another tenant's
 * project by forgetting a filter; the API builds it from the caller in one place (api/auth.ts scopeOf).
 */
export interface TenantScope { readonly tenantId: string | undefined }
export const ALL_TENANTS: TenantScope = { tenantId: undefined };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const byIdOrName = (scope: TenantScope, idOrName: string) => and(
  UUID.test(idOrName) ? eq(projects.id, idOrName) : eq(projects.name, idOrName),
  scope.tenantId === undefined ? undefined : eq(projects.tenantId, scope.tenantId),
);

/** A name several tenants use, asked for across all tenants: the caller must say which (SPEC §7). */
export class AmbiguousProjectError extends Error {}
function one<T>(rows: T[], idOrName: string): T | undefined {
  if (rows.length > 1) throw new AmbiguousProjectError(idOrName);
  return rows[0];
}

type Tx = Parameters<Parameters<Store["db"]["transaction"]>[0]>[0];

/** Make the project due now and wake every engine listening. */
async function wake(tx: Tx, projectId: string) {
  await tx.update(leases).set({ dueAt: dsql`now()`, attempts: 0, wakes: dsql`${leases.wakes} + 1` }).where(eq(leases.projectId, projectId));
  await tx.execute(dsql`SELECT pg_notify(${DESIRED_CHANNEL}, ${projectId})`);
}

export class NameTakenError extends Error {}
export class StaleGenerationError extends Error {
  constructor(readonly current: number) { super(`generation is ${current}`); }
}
export class ProjectDeletingError extends Error {}

export async function createProject(store: Store, p: NewProject): Promise<{ project: ProjectRow; revision?: RevisionRow }> {
  try {
    return await store.db.transaction(async (tx) => {
      const tenantId = p.tenantId ?? (await ensureDefaultTenant(tx)).id;
      await claimAccount(tx, p.accountId, tenantId);
      const [project] = await tx.insert(projects).values({ ...p, tenantId, image: p.image ?? null }).returning();
      await tx.insert(leases).values({ projectId: project.id });
      let revision: RevisionRow | undefined;
      if (p.image) [revision] = await tx.insert(revisions).values({ projectId: project.id, number: 1, image: p.image }).returning();
      await event(tx, project.id, { type: "Normal", reason: "Created", message: `project ${p.name} created (generation 1)` });
      // Revision 1 gets the same audit line as any later revision (see addRevision).
      if (revision) await event(tx, project.id, { type: "Normal", reason: "RevisionQueued", message: `revision 1 queued: ${revision.image}` });
      await wake(tx, project.id);
      return { project, revision };
    });
  } catch (err) {
    if ((err as { code?: string }).code === "23505" || (err as { cause?: { code?: string } }).cause?.code === "23505") throw new NameTakenError(p.name);
    throw err;
  }
}

async function event(tx: Tx, projectId: string, e: { type: "Normal" | "Warning"; reason: string; message: string }) {
  await tx.insert(events).values({ projectId, ...e });
}

export async function getProject(store: Store, scope: TenantScope, idOrName: string): Promise<ProjectRow | undefined> {
  return one(await store.db.select().from(projects).where(byIdOrName(scope, idOrName)).limit(2), idOrName);
}

/** Ordered by name, then tenant (names repeat across tenants); `after` is the last row of the previous page. */
export async function listProjects(store: Store, scope: TenantScope, limit: number, after?: { name: string; tenantId?: string }): Promise<ProjectRow[]> {
  const page = after === undefined ? undefined : after.tenantId === undefined ? gt(projects.name, after.name)
    : or(gt(projects.name, after.name), and(eq(projects.name, after.name), gt(projects.tenantId, after.tenantId)));
  return store.db.select().from(projects)
    .where(and(page, scope.tenantId === undefined ? undefined : eq(projects.tenantId, scope.tenantId)))
    .orderBy(asc(projects.name), asc(projects.tenantId)).limit(limit);
}

/** Apply a spec change when `expectedGeneration` is still current; bumps the generation. */
export async function updateProject(
  store: Store, scope: TenantScope, idOrName: string, expectedGeneration: number,
  change: (current: ProjectRow) => Partial<NewProject>,
): Promise<ProjectRow | undefined> {
  return store.db.transaction(async (tx) => {
    const current = one(await tx.select().from(projects).where(byIdOrName(scope, idOrName)).limit(2).for("update"), idOrName);
    if (!current) return undefined;
    if (current.generation !== expectedGeneration) throw new StaleGenerationError(current.generation);
    if (current.deletingAt) throw new ProjectDeletingError(current.name);
    const { tenantId: _never, ...values } = change(current);
    // Nothing differs (a PATCH repeating the spec): no new generation, no event, no wake-up.
    if (Object.keys(values).length === 0) return current;
    if (values.accountId !== undefined && values.accountId !== current.accountId) await claimAccount(tx, values.accountId, current.tenantId);
    const generation = current.generation + 1;
    const [row] = await tx.update(projects).set({ ...values, generation, updatedAt: dsql`now()` }).where(eq(projects.id, current.id)).returning();
    await event(tx, current.id, { type: "Normal", reason: "SpecChanged", message: `spec changed (generation ${generation}): ${Object.keys(values).sort().join(", ")}` });
    await wake(tx, current.id);
    return row;
  });
}

export async function markDeleting(store: Store, scope: TenantScope, idOrName: string): Promise<ProjectRow | undefined> {
  return store.db.transaction(async (tx) => {
    const current = one(await tx.select().from(projects).where(byIdOrName(scope, idOrName)).limit(2).for("update"), idOrName);
    if (!current) return undefined;
    if (current.deletingAt) return current;
    const [row] = await tx.update(projects).set({ deletingAt: dsql`now()`, phase: "Deleting", updatedAt: dsql`now()` }).where(eq(projects.id, current.id)).returning();
    await event(tx, current.id, { type: "Normal", reason: "DeletionRequested", message: `deletion requested (deletionPolicy ${current.deletionPolicy})` });
    await wake(tx, current.id);
    return row;
  });
}

export async function requestReconcile(store: Store, projectId: string): Promise<void> {
  await store.db.transaction((tx) => wake(tx, projectId));
}

export class RevisionNotFoundError extends Error {}

/** The next revision of a project, locked against deletion and numbered in the same transaction. */
async function insertRevision(tx: Tx, projectId: string, r: { image: string; env: Record<string, string>; redeployOf?: number }): Promise<RevisionRow> {
  const [p] = await tx.select({ id: projects.id, deletingAt: projects.deletingAt, name: projects.name }).from(projects).where(eq(projects.id, projectId)).for("update");
  if (p.deletingAt) throw new ProjectDeletingError(p.name);
  const [{ next }] = await tx.select({ next: dsql<number>`coalesce(max(${revisions.number}), 0) + 1` }).from(revisions).where(eq(revisions.projectId, projectId));
  const [row] = await tx.insert(revisions).values({ projectId, number: Number(next), image: r.image, env: r.env, redeployOf: r.redeployOf ?? null }).returning();
  const what = r.redeployOf === undefined ? r.image : `redeploy of revision ${r.redeployOf} (${r.image})`;
  await event(tx, projectId, { type: "Normal", reason: "RevisionQueued", message: `revision ${row.number} queued: ${what}` });
  await wake(tx, projectId);
  return row;
}

export async function addRevision(store: Store, projectId: string, image: string, env: Record<string, string>): Promise<RevisionRow> {
  return store.db.transaction((tx) => insertRevision(tx, projectId, { image, env }));
}

/**
 * Roll back (or forward): a new revision with revision `number`'s image and env, marked as its redeploy.
 * A new number rather than re-marking the old row, so the history reads as what happened.
 */
export async function redeployRevision(store: Store, projectId: string, number: number): Promise<RevisionRow> {
  return store.db.transaction(async (tx) => {
    const [source] = await tx.select().from(revisions).where(and(eq(revisions.projectId, projectId), eq(revisions.number, number)));
    if (!source) throw new RevisionNotFoundError(`revision ${number}`);
    return insertRevision(tx, projectId, { image: source.image, env: source.env, redeployOf: number });
  });
}

export async function listRevisions(store: Store, projectId: string, limit: number, beforeNumber?: number): Promise<RevisionRow[]> {
  return store.db.select().from(revisions)
    .where(and(eq(revisions.projectId, projectId), beforeNumber ? lt(revisions.number, beforeNumber) : undefined))
    .orderBy(desc(revisions.number)).limit(limit);
}

export async function getRevision(store: Store, projectId: string, number: number): Promise<RevisionRow | undefined> {
  const [row] = await store.db.select().from(revisions).where(and(eq(revisions.projectId, projectId), eq(revisions.number, number)));
  return row;
}

export async function readStatus(store: Store, projectId: string) {
  const newest = (where: ReturnType<typeof eq>) => store.db.select().from(revisions).where(where).orderBy(desc(revisions.number)).limit(1);
  const [conds, res, [latest], [active]] = await Promise.all([
    store.db.select().from(conditions).where(eq(conditions.projectId, projectId)),
    store.db.select().from(resourceStatus).where(eq(resourceStatus.projectId, projectId)).orderBy(asc(resourceStatus.kind), asc(resourceStatus.name)),
    newest(eq(revisions.projectId, projectId)),
    newest(and(eq(revisions.projectId, projectId), eq(revisions.status, "DEPLOYED"))!),
  ]);
  return { conditions: conds, resources: res, newestRevision: latest as RevisionRow | undefined, activeRevision: active as RevisionRow | undefined };
}

type StatusRows = Awaited<ReturnType<typeof readStatus>>;

/**
 * A project's status in one statement, for GET /status (the API's hottest read): the project's phase and
 * generations with its conditions, per-resource status, newest revision and the one serving (the newest
 * DEPLOYED: ECS's circuit breaker rolls a failed rollout back to it), as readStatus returns them.
 */
export async function readProjectStatus(store: Store, scope: TenantScope, idOrName: string): Promise<{ project: Pick<ProjectRow, "phase" | "generation" | "observedGeneration" | "url">; status: StatusRows } | undefined> {
  const sql = store.sql;
  const rows = await sql<{ phase: string; generation: number; observed_generation: number; url: string | null; conditions: Record<string, any>[]; resources: Record<string, any>[]; newest: Record<string, any> | null; active: Record<string, any> | null }[]>`
    SELECT p.phase, p.generation, p.observed_generation, p.url,
      (SELECT coalesce(json_agg(c), '[]') FROM conditions c WHERE c.project_id = p.id) AS conditions,
      (SELECT coalesce(json_agg(r ORDER BY r.kind, r.name), '[]') FROM resource_status r WHERE r.project_id = p.id) AS resources,
      (SELECT row_to_json(v) FROM revisions v WHERE v.project_id = p.id ORDER BY v.number DESC LIMIT 1) AS newest,
      (SELECT row_to_json(v) FROM revisions v WHERE v.project_id = p.id AND v.status = 'DEPLOYED' ORDER BY v.number DESC LIMIT 1) AS active
    FROM projects p WHERE ${UUID.test(idOrName) ? sql`p.id = ${idOrName}` : sql`p.name = ${idOrName}`}
    ${scope.tenantId === undefined ? sql`` : sql`AND p.tenant_id = ${scope.tenantId}`} LIMIT 2`;
  const row = one(rows, idOrName);
  if (!row) return undefined;
  const date = (v: string) => new Date(v);
  const revision = (n: Record<string, any> | null): RevisionRow | undefined => n ? {
    id: n.id, projectId: n.project_id, number: n.number, image: n.image, env: n.env, status: n.status, message: n.message,
    redeployOf: n.redeploy_of, createdAt: date(n.created_at), updatedAt: date(n.updated_at),
  } : undefined;
  return {
    project: { phase: row.phase, generation: row.generation, observedGeneration: row.observed_generation, url: row.url },
    status: {
      conditions: row.conditions.map((c) => ({
        projectId: c.project_id, type: c.type, status: c.status, reason: c.reason, message: c.message,
        lastTransitionTime: date(c.last_transition_time), observedGeneration: c.observed_generation,
      })),
      resources: row.resources.map((r) => ({
        projectId: r.project_id, kind: r.kind, name: r.name, arn: r.arn, phase: r.phase, lastErrorCode: r.last_error_code, lastErrorMessage: r.last_error_message,
        attempts: r.attempts, nextAttemptAt: r.next_attempt_at === null ? null : date(r.next_attempt_at), updatedAt: date(r.updated_at),
      })),
      newestRevision: revision(row.newest),
      activeRevision: revision(row.active),
    },
  };
}

export async function listEvents(store: Store, projectId: string, limit: number, opts: { since?: Date; beforeId?: number }) {
  return store.db.select().from(events)
    .where(and(eq(events.projectId, projectId), opts.since ? gt(events.createdAt, opts.since) : undefined, opts.beforeId ? lt(events.id, opts.beforeId) : undefined))
    .orderBy(desc(events.id)).limit(limit);
}

export type { RevisionStatus };
