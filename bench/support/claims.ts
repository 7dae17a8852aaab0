// "No pass late": a trigger records, for every claim of a lease, the due time it had and when it was
// claimed (both from Postgres' clock). It runs inside the claim statement, so it adds no round trip to
// the operator's counted queries; its insert is the only cost it adds to the server.
import type postgres from "postgres";

export async function recordClaims(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`
    CREATE UNLOGGED TABLE IF NOT EXISTS bench_claims (project_id uuid NOT NULL, due_at timestamptz NOT NULL, claimed_at timestamptz NOT NULL, owner text);
    CREATE OR REPLACE FUNCTION bench_record_claim() RETURNS trigger AS $$
    BEGIN
      INSERT INTO bench_claims VALUES (NEW.project_id, OLD.due_at, clock_timestamp(), NEW.owner);
      RETURN NULL;
    END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS bench_claim ON leases;
    CREATE TRIGGER bench_claim AFTER UPDATE OF owner ON leases FOR EACH ROW
      WHEN (NEW.owner IS NOT NULL AND OLD.owner IS DISTINCT FROM NEW.owner) EXECUTE FUNCTION bench_record_claim();
  `);
}

export interface ClaimRow { projectId: string; dueMs: number; claimedMs: number; owner: string }

export async function claimsSince(sql: postgres.Sql, sinceMs: number): Promise<ClaimRow[]> {
  const rows = await sql<{ project_id: string; due: number; claimed: number; owner: string }[]>`
    SELECT project_id, (extract(epoch FROM due_at) * 1000)::float8 AS due, (extract(epoch FROM claimed_at) * 1000)::float8 AS claimed, owner
    FROM bench_claims WHERE claimed_at >= to_timestamp(${sinceMs / 1000})`;
  return rows.map((r) => ({ projectId: r.project_id, dueMs: r.due, claimedMs: r.claimed, owner: r.owner }));
}

/**
 * Lateness of each pass: its start (seen in the operator) minus the due time of the claim that started it
 * (the newest claim of that project at or before the start).
 */
export function passLateness(claims: ClaimRow[], starts: Array<{ projectId: string; atMs: number }>) {
  const byProject = new Map<string, ClaimRow[]>();
  for (const c of claims) {
    const list = byProject.get(c.projectId) ?? [];
    list.push(c);
    byProject.set(c.projectId, list);
  }
  for (const list of byProject.values()) list.sort((a, b) => a.claimedMs - b.claimedMs);
  const late: number[] = [];
  const claimLag: number[] = [];
  const queueWait: number[] = [];
  for (const s of starts) {
    const list = byProject.get(s.projectId);
    if (!list) continue;
    let claim: ClaimRow | undefined;
    for (const c of list) if (c.claimedMs <= s.atMs + 5) claim = c;
    if (!claim) continue;
    late.push(s.atMs - claim.dueMs);
    claimLag.push(claim.claimedMs - claim.dueMs);
    queueWait.push(s.atMs - claim.claimedMs);
  }
  return { late, claimLag, queueWait };
}
