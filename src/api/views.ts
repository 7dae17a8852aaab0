// Rows → the JSON shapes of docs/reference.md §7. Secret values never pass through here: only their names.
import type { ProjectRow, RevisionRow } from "../store/projects.js";
import type { conditions, events, resourceStatus } from "../store/schema.js";
import { CONDITION_TYPES, replicasRun, resourcesOfRow } from "../model/project.js";
import type { Sealer } from "../store/crypto.js";
import { badRequest } from "./problem.js";

export function projectView(p: ProjectRow) {
  return {
    id: p.id, tenantId: p.tenantId, name: p.name, region: p.region, roleArn: p.roleArn, externalId: p.externalId,
    deploymentType: p.deploymentType, database: p.database,
    resources: replicasRun(p.deploymentType, resourcesOfRow(p.resources)),
    cpuArchitecture: p.cpuArchitecture, ingress: p.ingress, url: p.url ?? null, env: p.env,
    secretNames: [...p.secretNames].sort(), deletionPolicy: p.deletionPolicy,
    ...(p.image ? { image: p.image } : {}),
    generation: p.generation, phase: p.phase,
    createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
  };
}

export function revisionView(r: RevisionRow) {
  return {
    id: r.id, projectId: r.projectId, number: r.number, image: r.image, env: r.env, status: r.status,
    message: r.message, redeployOf: r.redeployOf, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
  };
}

export function statusView(p: Pick<ProjectRow, "phase" | "generation" | "observedGeneration" | "url">, s: {
  conditions: (typeof conditions.$inferSelect)[];
  resources: (typeof resourceStatus.$inferSelect)[];
  newestRevision?: RevisionRow;
  activeRevision?: RevisionRow;
}) {
  const order: readonly string[] = CONDITION_TYPES;
  return {
    phase: p.phase, generation: p.generation, observedGeneration: p.observedGeneration,
    conditions: [...s.conditions].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type)).map((c) => ({
      type: c.type, status: c.status as "True" | "False" | "Unknown", reason: c.reason, message: c.message,
      lastTransitionTime: c.lastTransitionTime.toISOString(), observedGeneration: c.observedGeneration,
    })),
    resources: s.resources.map((r) => ({
      kind: r.kind, name: r.name, arn: r.arn, phase: r.phase,
      lastError: r.lastErrorCode ? { code: r.lastErrorCode, message: r.lastErrorMessage ?? "" } : null,
      attempts: r.attempts, nextAttemptAt: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null,
    })),
    url: p.url ?? null,
    // Serving (the newest DEPLOYED) and desired (the newest): they differ during a rollout and after a failed one.
    activeRevision: revisionSummary(s.activeRevision),
    latestRevision: revisionSummary(s.newestRevision),
  };
}

const revisionSummary = (r: RevisionRow | undefined) => (r ? { number: r.number, image: r.image, status: r.status } : null);

export function eventView(e: typeof events.$inferSelect) {
  return { id: String(e.id), type: e.type, reason: e.reason, message: e.message, resource: e.resource, createdAt: e.createdAt.toISOString() };
}

export const encodeCursor = (v: string | number) => Buffer.from(String(v)).toString("base64url");

// A cursor is opaque to clients, so anything but one this API returned is their mistake (400), never a
// value handed to Postgres as is (a NUL byte or an out-of-range integer there would be a 500).
const notACursor = () => badRequest("query.cursor", "is not a cursor this API returned");
export function decodeCursor(c: string): string {
  const v = Buffer.from(c, "base64url").toString("utf8");
  if (encodeCursor(v) !== c) throw notACursor();
  return v;
}
/** A project list cursor: the last name of the previous page and its tenant (names repeat across tenants). */
export function decodeNameCursor(c: string | undefined): { name: string; tenantId?: string } | undefined {
  if (c === undefined) return undefined;
  const m = /^([a-z0-9-]{1,40})(?:\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?$/.exec(decodeCursor(c));
  if (!m) throw notACursor();
  return { name: m[1], tenantId: m[2] };
}
/** A revision or event list cursor: the last number (or id) of the previous page. */
export function decodeNumberCursor(c: string | undefined): number | undefined {
  if (c === undefined) return undefined;
  const v = decodeCursor(c);
  if (!/^[1-9]\d{0,14}$/.test(v)) throw notACursor();
  return Number(v);
}

/**
 * A logs cursor wraps CloudWatch Logs' nextToken, sealed (AES-GCM) with the project's id: a cursor that
 * was altered, or taken from another project, fails to open and is the caller's mistake (400), instead of
 * a token AWS refuses (a 502) or one that pages through another project's logs.
 */
export function encodeLogsCursor(sealer: Sealer, projectId: string, nextToken: string): string {
  return Buffer.from(sealer.seal(JSON.stringify({ p: projectId, t: nextToken }))).toString("base64url");
}
export function decodeLogsCursor(sealer: Sealer, projectId: string, c: string | undefined): string | undefined {
  if (c === undefined) return undefined;
  let v: { p?: unknown; t?: unknown } | undefined;
  try { v = JSON.parse(sealer.open(decodeCursor(c))); } catch { v = undefined; }
  if (v?.p !== projectId || typeof v.t !== "string") throw notACursor();
  return v.t;
}
