// Scheduling rows for the engine: claim due projects with a lease (FOR UPDATE SKIP LOCKED, so replicas
// never claim the same project; an expired lease is taken over), renew while a pass runs, and release
// with the next due time. Every write is fenced on owner, so a replica that lost its lease cannot
// overwrite the new owner's schedule.
import type { Store } from "./db.js";

export interface Claim {
  projectId: string; attempts: number; accountId: string; wakes: number;
  /** When the project was due (epoch ms), and how late the claim took it (ms, Postgres' clock for both). */
  dueAt: number; lateMs: number;
}

/**
 * An account's projects share a resync slot, but each pass saved its due time at its own moment, a few
 * ms apart: a claim also takes what falls due within this margin, so they start (and batch) together.
 */
export const CLAIM_AHEAD_MS = 50;

/**
 * Claims up to `limit` due projects and says, in the same statement, when the next unclaimed one falls
 * due (undefined: none): the claim loop sleeps until then without asking again.
 */
export async function claimDue(store: Store, owner: string, limit: number, leaseMs: number): Promise<{ claims: Claim[]; nextDueMs?: number }> {
  if (limit <= 0) return { claims: [] };
  const [row] = await store.sql<{ claimed: Array<{ project_id: string; attempts: number; account_id: string; wakes: number; due_ms: number; late_ms: number }>; next_due_ms: number | null }[]>`
    WITH due AS (
      SELECT l.project_id FROM leases l
      WHERE l.due_at <= now() + make_interval(secs => ${CLAIM_AHEAD_MS / 1000}) AND (l.owner IS NULL OR l.expires_at < now())
      ORDER BY l.due_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE leases l SET owner = ${owner}, expires_at = now() + make_interval(secs => ${leaseMs / 1000})
      FROM due, projects p
      WHERE l.project_id = due.project_id AND p.id = l.project_id
      RETURNING l.project_id, l.attempts, l.wakes, p.account_id, l.due_at,
        (extract(epoch FROM l.due_at) * 1000)::float8 AS due_ms, (extract(epoch FROM now() - l.due_at) * 1000)::float8 AS late_ms
    )
    SELECT
      (SELECT coalesce(json_agg(json_build_object('project_id', project_id, 'attempts', attempts, 'wakes', wakes, 'account_id', account_id,
        'due_ms', due_ms, 'late_ms', late_ms) ORDER BY due_at), '[]') FROM claimed) AS claimed,
      -- The statement's snapshot still shows the rows it claimed as free: they are left out by hand.
      (SELECT (extract(epoch FROM (min(l.due_at) - now())) * 1000)::float8 FROM leases l
        WHERE (l.owner IS NULL OR l.expires_at < now()) AND NOT EXISTS (SELECT 1 FROM claimed c WHERE c.project_id = l.project_id)) AS next_due_ms`;
  return {
    claims: row.claimed.map((r) => ({
      projectId: r.project_id, attempts: r.attempts, accountId: r.account_id, wakes: r.wakes, dueAt: r.due_ms, lateMs: r.late_ms,
    })),
    nextDueMs: row.next_due_ms ?? undefined,
  };
}

export async function claimDueProjects(store: Store, owner: string, limit: number, leaseMs: number): Promise<Claim[]> {
  return (await claimDue(store, owner, limit, leaseMs)).claims;
}

/** Extend every lease this replica holds; returns the ids it no longer holds. */
export async function renewLeases(store: Store, owner: string, projectIds: string[], leaseMs: number): Promise<Set<string>> {
  if (projectIds.length === 0) return new Set();
  const rows = await store.sql<{ project_id: string }[]>`
    UPDATE leases SET expires_at = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE owner = ${owner} AND project_id = ANY(${projectIds}::uuid[])
    RETURNING project_id`;
  const kept = new Set(rows.map((r) => r.project_id));
  return new Set(projectIds.filter((id) => !kept.has(id)));
}

/** Release without a result (shutdown, lost work): due again at once for whoever claims it. */
export async function releaseLeases(store: Store, owner: string, projectIds?: string[]): Promise<number> {
  const rows = projectIds
    ? await store.sql`UPDATE leases SET owner = NULL, expires_at = NULL WHERE owner = ${owner} AND project_id = ANY(${projectIds}::uuid[]) RETURNING project_id`
    : await store.sql`UPDATE leases SET owner = NULL, expires_at = NULL WHERE owner = ${owner} RETURNING project_id`;
  return rows.length;
}

/** Seconds until the earliest due project, for the claim loop's sleep (capped by the caller). */
export async function nextDueInMs(store: Store): Promise<number | undefined> {
  const [row] = await store.sql<{ ms: number | null }[]>`
    SELECT (extract(epoch FROM (min(due_at) - now())) * 1000)::float8 AS ms FROM leases WHERE owner IS NULL OR expires_at < now()`;
  return row?.ms ?? undefined;
}
