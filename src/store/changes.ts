// Reading the watch feed (see drizzle/0001_watch_feed.sql).
import type { Store } from "./db.js";

export const CHANGES_CHANNEL = "byoc_changes";

export interface ChangeRow { id: number; projectId: string; projectName: string; kind: "event" | "status" | "deleted"; eventId: number | null }

export async function changesAfter(store: Store, afterId: number, opts: { projectName?: string; limit?: number } = {}): Promise<ChangeRow[]> {
  const rows = await store.sql<{ id: string; project_id: string; project_name: string; kind: ChangeRow["kind"]; event_id: string | null }[]>`
    SELECT id, project_id, project_name, kind, event_id FROM changes
    WHERE id > ${afterId} ${opts.projectName ? store.sql`AND project_name = ${opts.projectName}` : store.sql``}
    ORDER BY id LIMIT ${opts.limit ?? 500}`;
  return rows.map((r) => ({ id: Number(r.id), projectId: r.project_id, projectName: r.project_name, kind: r.kind, eventId: r.event_id === null ? null : Number(r.event_id) }));
}

export async function latestChangeId(store: Store): Promise<number> {
  const [row] = await store.sql<{ id: string | null }[]>`SELECT max(id) AS id FROM changes`;
  return Number(row.id ?? 0);
}

export async function eventById(store: Store, id: number) {
  const [row] = await store.sql`SELECT id, type, reason, message, resource, created_at FROM events WHERE id = ${id}`;
  return row ? { id: String(row.id), type: row.type, reason: row.reason, message: row.message, resource: row.resource, createdAt: new Date(row.created_at).toISOString() } : undefined;
}
