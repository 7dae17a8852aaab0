// Desired state: projects and revisions as the API writes and reads them. Every write that changes
// what the engine should do makes the project due and NOTIFYs in the same transaction.
import { and, asc, desc, eq, gt, lt, sql as dsql } from "drizzle-orm";
import type { Store } from "./db.js";
import { conditions, events, leases, projects, resourceStatus, revisions } from "./schema.js";
import type { DatabaseSpec, DeletionPolicy, DeploymentType, ResourcesSpec, RevisionStatus } from "../model/project.js";

export const DESIRED_CHANNEL = "byoc_desired";
export type ProjectRow = typeof projects.$inferSelect;
export type RevisionRow = typeof revisions.$inferSelect;

export interface NewProject {
  name: string;
  region: string;
  roleArn: string;
  accountId: string;
  externalId: string;
  deploymentType: DeploymentType;
  database: DatabaseSpec;
  resources: ResourcesSpec;
  env: Record<string, string>;
  secretNames: string[];
  sealedSecrets: string;
  deletionPolicy: DeletionPolicy;
  image?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const byIdOrName = (idOrName: string) => (UUID.test(idOrName) ? eq(projects.id, idOrName) : eq(projects.name, idOrName));

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
      const [project] = await tx.insert(projects).values({ ...p, image: p.image ?? null }).returning();
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

export async function getProject(store: Store, idOrName: string): Promise<ProjectRow | undefined> {
  const [row] = await store.db.select().from(projects).where(byIdOrName(idOrName)).limit(1);
  return row;
}

export async function listProjects(store: Store, limit: number, afterName?: string): Promise<ProjectRow[]> {
  return store.db.select().from(projects).where(afterName ? gt(projects.name, afterName) : undefined).orderBy(asc(projects.name)).limit(limit);
}

/** Apply a spec change when `expectedGeneration` is still current; bumps the generation. */
export async function updateProject(
  store: Store, idOrName: string, expectedGeneration: number,
  change: (current: ProjectRow) => Partial<NewProject>,
): Promise<ProjectRow | undefined> {
  return store.db.transaction(async (tx) => {
    const [current] = await tx.select().from(projects).where(byIdOrName(idOrName)).for("update");
    if (!current) return undefined;
    if (current.generation !== expectedGeneration) throw new StaleGenerationError(current.generation);
    if (current.deletingAt) throw new ProjectDeletingError(current.name);
    const values = change(current);
    const generation = current.generation + 1;
    const [row] = await tx.update(projects).set({ ...values, generation, updatedAt: dsql`now()` }).where(eq(projects.id, current.id)).returning();
    await event(tx, current.id, { type: "Normal", reason: "SpecChanged", message: `spec changed (generation ${generation}): ${Object.keys(values).sort().join(", ")}` });
    await wake(tx, current.id);
    return row;
  });
}

export async function markDeleting(store: Store, idOrName: string): Promise<ProjectRow | undefined> {
  return store.db.transaction(async (tx) => {
    const [current] = await tx.select().from(projects).where(byIdOrName(idOrName)).for("update");
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

export async function addRevision(store: Store, projectId: string, image: string, env: Record<string, string>): Promise<RevisionRow> {
  return store.db.transaction(async (tx) => {
    const [p] = await tx.select({ id: projects.id, deletingAt: projects.deletingAt, name: projects.name }).from(projects).where(eq(projects.id, projectId)).for("update");
    if (p.deletingAt) throw new ProjectDeletingError(p.name);
    const [{ next }] = await tx.select({ next: dsql<number>`coalesce(max(${revisions.number}), 0) + 1` }).from(revisions).where(eq(revisions.projectId, projectId));
    const [row] = await tx.insert(revisions).values({ projectId, number: Number(next), image, env }).returning();
    await event(tx, projectId, { type: "Normal", reason: "RevisionQueued", message: `revision ${row.number} queued: ${image}` });
    await wake(tx, projectId);
    return row;
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
  const [conds, res, [active]] = await Promise.all([
    store.db.select().from(conditions).where(eq(conditions.projectId, projectId)),
    store.db.select().from(resourceStatus).where(eq(resourceStatus.projectId, projectId)).orderBy(asc(resourceStatus.kind), asc(resourceStatus.name)),
    store.db.select().from(revisions).where(eq(revisions.projectId, projectId)).orderBy(desc(revisions.number)).limit(1),
  ]);
  return { conditions: conds, resources: res, newestRevision: active as RevisionRow | undefined };
}

export async function listEvents(store: Store, projectId: string, limit: number, opts: { since?: Date; beforeId?: number }) {
  return store.db.select().from(events)
    .where(and(eq(events.projectId, projectId), opts.since ? gt(events.createdAt, opts.since) : undefined, opts.beforeId ? lt(events.id, opts.beforeId) : undefined))
    .orderBy(desc(events.id)).limit(limit);
}

export type { RevisionStatus };
