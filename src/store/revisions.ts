// Reads for the LangSmith-compatible API (SPEC §7.1): a deployment is a project, read with its newest
// revision (latest), its newest DEPLOYED one (active: the one serving) and a status computed from the
// project's conditions, in SQL so that a `status` filter and offset pagination agree with what is shown.
import { and, desc, eq, inArray, sql as dsql } from "drizzle-orm";
import type { Store } from "./db.js";
import { projects, revisions } from "./schema.js";
import type { ProjectRow, RevisionRow, TenantScope } from "./projects.js";

export type DeploymentStatus = "AWAITING_DATABASE" | "READY" | "AWAITING_DELETE" | "UNKNOWN";

export interface DeploymentRow {
  project: ProjectRow;
  status: DeploymentStatus;
  latest?: RevisionRow;
  active?: RevisionRow;
}

export interface DeploymentQuery {
  id?: string;
  nameContains?: string;
  statuses?: DeploymentStatus[];
  limit: number;
  offset: number;
}

/**
 * Deployments in the caller's scope, by name. The status: deleting → AWAITING_DELETE; DatabaseReady True
 * → READY; no condition yet or DatabaseReady False → AWAITING_DATABASE; otherwise (an earlier step, such
 * as credentials, stopped the pass before the database was looked at) UNKNOWN.
 */
export async function readDeployments(store: Store, scope: TenantScope, q: DeploymentQuery): Promise<DeploymentRow[]> {
  const sql = store.sql;
  const rows = await sql<{ id: string; status: DeploymentStatus; latest: string | null; active: string | null }[]>`
    SELECT * FROM (
      SELECT p.id, p.name, p.tenant_id,
        CASE WHEN p.deleting_at IS NOT NULL THEN 'AWAITING_DELETE'
             WHEN db.status = 'True' THEN 'READY'
             WHEN db.status = 'False' OR NOT EXISTS (SELECT 1 FROM conditions c WHERE c.project_id = p.id) THEN 'AWAITING_DATABASE'
             ELSE 'UNKNOWN' END AS status,
        (SELECT v.id FROM revisions v WHERE v.project_id = p.id ORDER BY v.number DESC LIMIT 1) AS latest,
        (SELECT v.id FROM revisions v WHERE v.project_id = p.id AND v.status = 'DEPLOYED' ORDER BY v.number DESC LIMIT 1) AS active
      FROM projects p LEFT JOIN conditions db ON db.project_id = p.id AND db.type = 'DatabaseReady'
      WHERE true
        ${scope.tenantId === undefined ? sql`` : sql`AND p.tenant_id = ${scope.tenantId}`}
        ${q.id === undefined ? sql`` : sql`AND p.id = ${q.id}`}
        ${q.nameContains ? sql`AND position(lower(${q.nameContains}) in p.name) > 0` : sql``}
    ) d
    WHERE ${q.statuses?.length ? sql`d.status = ANY(${q.statuses})` : sql`true`}
    ORDER BY d.name, d.tenant_id LIMIT ${q.limit} OFFSET ${q.offset}`;
  if (rows.length === 0) return [];
  const revisionIds = rows.flatMap((r) => [r.latest, r.active]).filter((x): x is string => x !== null);
  const [projectRows, revisionRows] = await Promise.all([
    store.db.select().from(projects).where(inArray(projects.id, rows.map((r) => r.id))),
    revisionIds.length ? store.db.select().from(revisions).where(inArray(revisions.id, revisionIds)) : Promise.resolve([]),
  ]);
  const projectById = new Map(projectRows.map((p) => [p.id, p]));
  const revisionById = new Map(revisionRows.map((r) => [r.id, r]));
  // A project deleted between the two reads is simply not listed.
  return rows.filter((r) => projectById.has(r.id)).map((r) => ({
    project: projectById.get(r.id)!, status: r.status,
    latest: r.latest ? revisionById.get(r.latest) : undefined, active: r.active ? revisionById.get(r.active) : undefined,
  }));
}

export async function readDeployment(store: Store, scope: TenantScope, id: string): Promise<DeploymentRow | undefined> {
  const [row] = await readDeployments(store, scope, { id, limit: 1, offset: 0 });
  return row;
}

/** A project's revisions, newest first, optionally only those in `statuses`. */
export async function revisionsPage(
  store: Store, projectId: string, q: { statuses?: string[]; limit: number; offset: number },
): Promise<RevisionRow[]> {
  return store.db.select().from(revisions)
    .where(and(eq(revisions.projectId, projectId), q.statuses?.length ? inArray(revisions.status, q.statuses) : undefined))
    .orderBy(desc(revisions.number)).limit(q.limit).offset(q.offset);
}

export async function getRevisionById(store: Store, projectId: string, id: string): Promise<RevisionRow | undefined> {
  const [row] = await store.db.select().from(revisions).where(and(eq(revisions.projectId, projectId), eq(revisions.id, id)));
  return row;
}

/** The revision after `number` (its successor's creation ends the window in which its logs were written). */
export async function nextRevision(store: Store, projectId: string, number: number): Promise<RevisionRow | undefined> {
  const [row] = await store.db.select().from(revisions)
    .where(and(eq(revisions.projectId, projectId), dsql`${revisions.number} > ${number}`)).orderBy(revisions.number).limit(1);
  return row;
}
