// What a reconcile pass reads and writes. Loads are one statement for every claimed project at once; the
// write-back is one transaction fenced on the lease, and skips rows whose content did not change, so a
// no-drift pass costs a single UPDATE (sent alone, not in a transaction).
import type postgres from "postgres";
import type { Store } from "./db.js";
import type { Sealer } from "./crypto.js";
import {
  resourcesOfRow, type ConditionUpdate, type DesiredProject, type EventRecord, type Phase, type ResourceObservation, type Revision,
  type RevisionStatus,
} from "../model/project.js";

export interface LoadedProject {
  desired: DesiredProject;
  phase: Phase;
  observedGeneration: number;
  appliedGeneration: number;
  /** The deployment's endpoint as last recorded (null: no load balancer yet). */
  url: string | null;
  conditions: Map<string, { status: string; reason: string; message: string; observedGeneration: number }>;
  resources: Map<string, { phase: string; arn: string | null; code: string | null; message: string | null; attempts: number }>;
  /** "kind|name" of creates whose answer was never recorded (a crash): resolved by tag lookup. */
  pendingIntents: Set<string>;
}

const REVISIONS_PER_PASS = 20;

/**
 * The claimed projects with their revisions, conditions, resource status and open intents, in one
 * statement (JSON aggregates per project): at one project per account a claim takes one project at a
 * time, and five statements a pass were half the operator's Postgres round trips.
 */
export async function loadProjects(store: Store, sealer: Sealer, ids: string[]): Promise<Map<string, LoadedProject>> {
  const out = new Map<string, LoadedProject>();
  if (ids.length === 0) return out;
  const rows = await store.sql`
    SELECT p.*,
      (SELECT coalesce(json_agg(r ORDER BY r.number DESC), '[]') FROM (
        SELECT id, number, image, env, status, message, created_at FROM revisions
        WHERE project_id = p.id ORDER BY number DESC LIMIT ${REVISIONS_PER_PASS}) r) AS loaded_revisions,
      (SELECT coalesce(json_agg(c), '[]') FROM (
        SELECT type, status, reason, message, observed_generation FROM conditions WHERE project_id = p.id) c) AS loaded_conditions,
      (SELECT coalesce(json_agg(s), '[]') FROM (
        SELECT kind, name, phase, arn, last_error_code, last_error_message, attempts FROM resource_status WHERE project_id = p.id) s) AS loaded_resources,
      (SELECT coalesce(json_agg(i), '[]') FROM (
        SELECT kind, name FROM create_intents WHERE project_id = p.id AND resolved_at IS NULL) i) AS loaded_intents
    FROM projects p WHERE p.id = ANY(${ids}::uuid[])`;
  for (const p of rows) {
    const opened = JSON.parse(sealer.open(p.sealed_secrets)) as { secrets: Record<string, string>; databaseUri?: string };
    const revisions = (p.loaded_revisions as Array<Record<string, any>>).map((r) => ({
      id: r.id, projectId: p.id, number: r.number, image: r.image, env: r.env, status: r.status, message: r.message, createdAt: new Date(r.created_at),
    } satisfies Revision));
    out.set(p.id, {
      desired: {
        id: p.id, name: p.name, region: p.region, roleArn: p.role_arn, accountId: p.account_id, externalId: p.external_id,
        deploymentType: p.deployment_type, database: p.database, databaseUri: opened.databaseUri, resources: resourcesOfRow(p.resources),
        cpuArchitecture: p.cpu_architecture, ingress: p.ingress, env: p.env,
        secrets: opened.secrets, deletionPolicy: p.deletion_policy, generation: p.generation, deleting: p.deleting_at !== null, revisions,
      },
      phase: p.phase, observedGeneration: p.observed_generation, appliedGeneration: p.applied_generation, url: p.url ?? null,
      conditions: new Map((p.loaded_conditions as Array<Record<string, any>>).map((c) => [c.type, {
        status: c.status, reason: c.reason, message: c.message, observedGeneration: c.observed_generation,
      }])),
      resources: new Map((p.loaded_resources as Array<Record<string, any>>).map((r) => [`${r.kind}|${r.name}`, {
        phase: r.phase, arn: r.arn, code: r.last_error_code, message: r.last_error_message, attempts: r.attempts,
      }])),
      pendingIntents: new Set((p.loaded_intents as Array<{ kind: string; name: string }>).map((i) => `${i.kind}|${i.name}`)),
    });
  }
  return out;
}

export interface PassWrite {
  owner: string;
  projectId: string;
  seenWakes: number;
  seenGeneration: number;
  nextDueInMs: number;
  attempts: number;
  outcome: string;
  phase: Phase;
  synced: boolean;
  conditions: ConditionUpdate[];
  observations: ResourceObservation[];
  events: EventRecord[];
  revisionUpdates: Array<{ number: number; status: RevisionStatus; message: string }>;
  /** The deployment's endpoint the pass observed; undefined: the pass did not get as far as the ingress. */
  url?: string | null;
  deleted: boolean;
}

/** Writes a pass's result; false when the lease was lost (another replica owns the project now). */
export async function savePass(store: Store, loaded: LoadedProject, w: PassWrite): Promise<boolean> {
  // A no-drift pass changes nothing but its lease: one statement, without BEGIN and COMMIT around it.
  if (onlyTheLeaseChanges(loaded, w)) return (await releaseWithResult(store.sql, w)).length > 0;
  return store.sql.begin(async (tx) => {
    // The project row first, as every API write takes it (then events, then the lease): taking the
    // lease first deadlocked with a revision POSTed while this pass was saving.
    await tx`SELECT 1 FROM projects WHERE id = ${w.projectId} FOR UPDATE`;
    const lease = await releaseWithResult(tx, w);
    if (lease.length === 0) return false;
    if (w.deleted) {
      await writeEvents(tx, w.projectId, w.events);
      await tx`SELECT byoc_record_change(${w.projectId}, ${loaded.desired.name}, 'deleted', NULL)`;
      await tx`DELETE FROM projects WHERE id = ${w.projectId} AND deleting_at IS NOT NULL`;
      return true;
    }
    const statusChanged = (await writeConditions(tx, loaded, w)) + (await writeResources(tx, loaded, w)) > 0 || w.revisionUpdates.length > 0;
    await writeEvents(tx, w.projectId, w.events);
    for (const r of w.revisionUpdates) {
      await tx`UPDATE revisions SET status = ${r.status}, message = ${r.message}, updated_at = now() WHERE project_id = ${w.projectId} AND number = ${r.number} AND (status, message) IS DISTINCT FROM (${r.status}, ${r.message})`;
    }
    const { observed, applied } = generationsAfter(loaded, w);
    const phaseChanged = loaded.phase !== w.phase || loaded.observedGeneration !== observed || loaded.appliedGeneration !== applied;
    const urlChanged = w.url !== undefined && w.url !== loaded.url;
    if (urlChanged) await tx`UPDATE projects SET url = ${w.url ?? null} WHERE id = ${w.projectId}`;
    if (phaseChanged) {
      await tx`UPDATE projects SET phase = CASE WHEN deleting_at IS NULL THEN ${w.phase} ELSE 'Deleting' END, observed_generation = GREATEST(observed_generation, ${observed}), applied_generation = GREATEST(applied_generation, ${applied}) WHERE id = ${w.projectId}`;
    }
    if (statusChanged || phaseChanged || urlChanged) await tx`SELECT byoc_record_change(${w.projectId}, ${loaded.desired.name}, 'status', NULL)`;
    return true;
  });
}

/** The lease released with the pass's result and next due time, fenced on the owner. */
function releaseWithResult(sql: postgres.Sql | postgres.TransactionSql, w: PassWrite) {
  return sql`
    UPDATE leases SET owner = NULL, expires_at = NULL, attempts = ${w.attempts}, last_outcome = ${w.outcome}, passes = passes + 1,
      due_at = CASE WHEN wakes = ${w.seenWakes} THEN now() + make_interval(secs => ${w.nextDueInMs / 1000}) ELSE now() END
    WHERE project_id = ${w.projectId} AND owner = ${w.owner} RETURNING project_id`;
}

/** observedGeneration: the spec a pass got through without error; appliedGeneration: one it took to Ready. */
function generationsAfter(loaded: LoadedProject, w: PassWrite): { observed: number; applied: number } {
  return {
    observed: w.synced ? w.seenGeneration : loaded.observedGeneration,
    // The Ready condition, not the phase: a project Degraded by a failed revision has still applied its spec.
    applied: w.conditions.some((c) => c.type === "Ready" && c.status === "True") ? w.seenGeneration : loaded.appliedGeneration,
  };
}

function onlyTheLeaseChanges(loaded: LoadedProject, w: PassWrite): boolean {
  const { observed, applied } = generationsAfter(loaded, w);
  return !w.deleted && w.events.length === 0 && w.revisionUpdates.length === 0 && loaded.phase === w.phase && loaded.observedGeneration === observed
    && (w.url === undefined || w.url === loaded.url)
    && loaded.appliedGeneration === applied
    && changedConditions(loaded, w).length === 0 && changedResources(loaded, w).length === 0;
}

function changedConditions(loaded: LoadedProject, w: PassWrite): ConditionUpdate[] {
  return w.conditions.filter((c) => {
    const prev = loaded.conditions.get(c.type);
    return !prev || prev.status !== c.status || prev.reason !== c.reason || prev.message !== c.message || prev.observedGeneration !== w.seenGeneration;
  });
}

async function writeConditions(tx: postgres.TransactionSql, loaded: LoadedProject, w: PassWrite): Promise<number> {
  const changed = changedConditions(loaded, w);
  if (changed.length === 0) return 0;
  const rows = changed.map((c) => ({ project_id: w.projectId, type: c.type, status: c.status, reason: c.reason, message: c.message, observed_generation: w.seenGeneration }));
  await tx`
    INSERT INTO conditions ${tx(rows, "project_id", "type", "status", "reason", "message", "observed_generation")}
    ON CONFLICT (project_id, type) DO UPDATE SET
      last_transition_time = CASE WHEN conditions.status <> EXCLUDED.status THEN now() ELSE conditions.last_transition_time END,
      status = EXCLUDED.status, reason = EXCLUDED.reason, message = EXCLUDED.message, observed_generation = EXCLUDED.observed_generation`;
  return changed.length;
}

function changedResources(loaded: LoadedProject, w: PassWrite) {
  const byKey = new Map<string, ResourceObservation>();
  for (const o of w.observations) {
    const key = `${o.kind}|${o.name}`;
    const prev = byKey.get(key);
    byKey.set(key, prev?.lastError && !o.lastError ? prev : { ...o, arn: o.arn ?? prev?.arn ?? null });
  }
  return [...byKey.entries()].filter(([key, o]) => {
    const prev = loaded.resources.get(key);
    return !prev || prev.phase !== o.phase || prev.arn !== (o.arn ?? prev.arn) || prev.code !== (o.lastError?.code ?? null) || prev.message !== (o.lastError?.message ?? null) || (o.lastError !== null) || prev.attempts !== 0;
  }).map(([key, o]) => {
    const prev = loaded.resources.get(key);
    const failing = o.lastError !== null;
    return {
      project_id: w.projectId, kind: o.kind, name: o.name, arn: o.arn ?? prev?.arn ?? null, phase: o.phase,
      last_error_code: o.lastError?.code ?? null, last_error_message: o.lastError?.message ?? null,
      attempts: failing ? (prev?.attempts ?? 0) + 1 : 0,
      // A string, not a Date: drizzle replaces postgres.js's timestamptz serializer with the identity
      // function on this client, so a Date given to raw sql reaches the wire unserialized and throws.
      next_attempt_at: failing ? new Date(Date.now() + w.nextDueInMs).toISOString() : null,
    };
  });
}

async function writeResources(tx: postgres.TransactionSql, loaded: LoadedProject, w: PassWrite): Promise<number> {
  const rows = changedResources(loaded, w);
  if (rows.length === 0) return 0;
  await tx`
    INSERT INTO resource_status ${tx(rows, "project_id", "kind", "name", "arn", "phase", "last_error_code", "last_error_message", "attempts", "next_attempt_at")}
    ON CONFLICT (project_id, kind, name) DO UPDATE SET arn = EXCLUDED.arn, phase = EXCLUDED.phase, last_error_code = EXCLUDED.last_error_code,
      last_error_message = EXCLUDED.last_error_message, attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at, updated_at = now()`;
  return rows.length;
}

/**
 * An event that repeats by nature (a Warning from every retry of a failing step) is recorded once per
 * ten minutes, not per retry; every change the operator made is recorded, however alike two of them are.
 */
async function writeEvents(tx: postgres.TransactionSql, projectId: string, events: EventRecord[]) {
  for (const e of events) {
    if (e.repeats) {
      await tx`
        INSERT INTO events (project_id, type, reason, message, resource)
        SELECT ${projectId}, ${e.type}, ${e.reason}, ${e.message}, ${e.resource ?? null}
        WHERE NOT EXISTS (SELECT 1 FROM events WHERE project_id = ${projectId} AND reason = ${e.reason} AND message = ${e.message} AND created_at > now() - interval '10 minutes')`;
    } else {
      await tx`INSERT INTO events (project_id, type, reason, message, resource) VALUES (${projectId}, ${e.type}, ${e.reason}, ${e.message}, ${e.resource ?? null})`;
    }
  }
}
