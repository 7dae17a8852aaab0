// Reading the watch feed (see drizzle/0001_watch_feed.sql and 0003_tenants.sql). An event change comes
// back with its event row joined in, so fanning a batch out to many watchers costs one statement.
import type { Store } from "./db.js";

export const CHANGES_CHANNEL = "byoc_changes";

export interface ChangeEvent { id: string; type: string; reason: string; message: string; resource: string | null; createdAt: string }
export interface ChangeRow {
  id: number; projectId: string; projectName: string; tenantId: string | null; kind: "event" | "status" | "deleted";
  eventId: number | null; event: ChangeEvent | undefined;
}
export interface ChangeFilter { projectName?: string; tenantId?: string; limit?: number }

export async function changesAfter(store: Store, afterId: number, opts: ChangeFilter = {}): Promise<ChangeRow[]> {
  const sql = store.sql;
  const rows = await sql<{
    id: string; project_id: string; project_name: string; tenant_id: string | null; kind: ChangeRow["kind"]; event_id: string | null;
    e_type: string | null; reason: string | null; message: string | null; resource: string | null; e_created_at: Date | null;
  }[]>`
    SELECT c.id, c.project_id, c.project_name, c.tenant_id, c.kind, c.event_id,
      e.type AS e_type, e.reason, e.message, e.resource, e.created_at AS e_created_at
    FROM changes c LEFT JOIN events e ON e.id = c.event_id
    WHERE c.id > ${afterId}
      ${opts.projectName ? sql`AND c.project_name = ${opts.projectName}` : sql``}
      ${opts.tenantId ? sql`AND c.tenant_id = ${opts.tenantId}` : sql``}
    ORDER BY c.id LIMIT ${opts.limit ?? 500}`;
  return rows.map((r) => ({
    id: Number(r.id), projectId: r.project_id, projectName: r.project_name, tenantId: r.tenant_id, kind: r.kind,
    eventId: r.event_id === null ? null : Number(r.event_id),
    event: r.e_type === null ? undefined : {
      id: String(r.event_id), type: r.e_type, reason: r.reason!, message: r.message!, resource: r.resource, createdAt: new Date(r.e_created_at!).toISOString(),
    },
  }));
}

export async function latestChangeId(store: Store): Promise<number> {
  const [row] = await store.sql<{ id: string | null }[]>`SELECT max(id) AS id FROM changes`;
  return Number(row.id ?? 0);
}
