// Turning validated API bodies into desired-state rows: SPEC §3 defaults, reserved names, cpu/memory
// pairs, POSTGRES_URI_CUSTOM → external database, and sealing of secret values.
import { accountOfRoleArn } from "../cloud/names.js";
import { RESERVED_ENV, validMemoryForCpu, withDefaults, type ResourcesSpec } from "../model/project.js";
import type { Sealer } from "../store/crypto.js";
import type { NewProject, ProjectRow } from "../store/projects.js";
import { ProblemError, type FieldError } from "./problem.js";
import type { ProjectCreate, ProjectPatch } from "./schemas.js";

export interface SealedContent { secrets: Record<string, string>; databaseUri?: string }

function invalid(errors: FieldError[]): never {
  throw new ProblemError(400, "Invalid request", errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
}

function checkReserved(map: Record<string, unknown> | undefined, field: string, errors: FieldError[]) {
  for (const key of Object.keys(map ?? {})) {
    if ((RESERVED_ENV as readonly string[]).includes(key)) errors.push({ field: `${field}.${key}`, message: `${key} is reserved: the operator sets it` });
  }
}

function checkResources(resources: ResourcesSpec, errors: FieldError[]) {
  for (const role of ["api", "queue"] as const) {
    const { cpu, memoryMb } = resources[role];
    if (!validMemoryForCpu(cpu).includes(memoryMb)) {
      errors.push({ field: `resources.${role}.memoryMb`, message: `${memoryMb} MiB is not a valid Fargate memory size for cpu ${cpu}` });
    }
  }
}

/** POSTGRES_URI_CUSTOM given as a secret or env var means "bring your own database". */
function takeCustomUri(env: Record<string, string>, secrets: Record<string, string>): string | undefined {
  const uri = secrets.POSTGRES_URI_CUSTOM ?? env.POSTGRES_URI_CUSTOM;
  delete secrets.POSTGRES_URI_CUSTOM;
  delete env.POSTGRES_URI_CUSTOM;
  return uri;
}

/** `body` with the tenant's defaults already filled in (api/tenancy.ts withTenantDefaults). */
export function newProjectFromBody(body: ProjectCreate & { region: string; roleArn: string; externalId: string }, sealer: Sealer): NewProject {
  const errors: FieldError[] = [];
  checkReserved(body.env, "env", errors);
  checkReserved(body.secrets, "secrets", errors);
  const env = { ...(body.env ?? {}) };
  const secrets = { ...(body.secrets ?? {}) };
  const customUri = takeCustomUri(env, secrets);
  const bodyDb = body.database;
  const databaseUri = bodyDb?.mode === "external" ? bodyDb.uri : customUri;
  if (customUri && !/^postgres(ql)?:\/\//.test(customUri)) errors.push({ field: "secrets.POSTGRES_URI_CUSTOM", message: "must be a postgres:// URI" });
  const { deploymentType, database, resources } = withDefaults({
    deploymentType: body.deploymentType,
    database: databaseUri ? { mode: "external" } : bodyDb,
    resources: body.resources,
  });
  checkResources(resources, errors);
  if (errors.length) invalid(errors);
  const sealed: SealedContent = { secrets, ...(databaseUri ? { databaseUri } : {}) };
  return {
    name: body.name, region: body.region, roleArn: body.roleArn, accountId: accountOfRoleArn(body.roleArn),
    externalId: body.externalId, deploymentType, database, resources, env, secretNames: Object.keys(secrets),
    sealedSecrets: sealer.seal(JSON.stringify(sealed)), deletionPolicy: body.deletionPolicy ?? "snapshot", image: body.image,
  };
}

function mergeMap(current: Record<string, string>, patch: Record<string, string | null> | undefined) {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) { if (v === null) delete out[k]; else out[k] = v; }
  return out;
}

/** JSON Merge Patch of a project's spec. */
export function applyPatch(current: ProjectRow, patch: ProjectPatch, sealer: Sealer): Partial<NewProject> {
  const errors: FieldError[] = [];
  checkReserved(patch.env, "env", errors);
  checkReserved(patch.secrets, "secrets", errors);
  const opened: SealedContent = JSON.parse(sealer.open(current.sealedSecrets));
  const env = mergeMap(current.env, patch.env);
  const secrets = mergeMap(opened.secrets, patch.secrets);
  const customUri = takeCustomUri(env, secrets);
  if (customUri && !/^postgres(ql)?:\/\//.test(customUri)) errors.push({ field: `${patch.secrets?.POSTGRES_URI_CUSTOM ? "secrets" : "env"}.POSTGRES_URI_CUSTOM`, message: "must be a postgres:// URI" });
  let databaseUri = opened.databaseUri;
  const deploymentType = patch.deploymentType ?? current.deploymentType;
  let database = current.database;
  if (patch.database?.mode === "external" || customUri) {
    databaseUri = patch.database?.mode === "external" ? patch.database.uri : customUri;
    database = { mode: "external" };
  } else if (patch.deploymentType && patch.deploymentType !== current.deploymentType && current.database.mode === "rds" && !patch.database?.instanceClass
    && current.database.instanceClass === withDefaults({ deploymentType: current.deploymentType }).database.instanceClass) {
    // The class was the old type's default: follow the new type's default (dev ↔ prod).
    database = { ...current.database, ...patch.database, mode: "rds", instanceClass: withDefaults({ deploymentType }).database.instanceClass };
  } else if (patch.database) {
    const base = current.database.mode === "rds" ? current.database : withDefaults({ deploymentType }).database;
    database = { ...base, ...patch.database, mode: "rds" };
    databaseUri = undefined;
  }
  if (database.mode === "rds" && current.database.mode === "rds" && (database.allocatedStorageGb ?? 0) < (current.database.allocatedStorageGb ?? 0)) {
    errors.push({ field: "database.allocatedStorageGb", message: `RDS cannot shrink storage (${current.database.allocatedStorageGb} → ${database.allocatedStorageGb} GiB)` });
  }
  const resources: ResourcesSpec = {
    api: { ...current.resources.api, ...patch.resources?.api },
    queue: { ...current.resources.queue, ...patch.resources?.queue },
  };
  checkResources(resources, errors);
  if (errors.length) invalid(errors);
  const out: Partial<NewProject> = {};
  if (patch.roleArn) { out.roleArn = patch.roleArn; out.accountId = accountOfRoleArn(patch.roleArn); }
  if (patch.externalId) out.externalId = patch.externalId;
  if (patch.deploymentType) out.deploymentType = patch.deploymentType;
  if (patch.deletionPolicy) out.deletionPolicy = patch.deletionPolicy;
  if (patch.database || customUri || database !== current.database) out.database = database;
  if (patch.resources) out.resources = resources;
  if (patch.env || customUri) out.env = env;
  if (patch.secrets || patch.database || customUri) {
    out.secretNames = Object.keys(secrets);
    out.sealedSecrets = sealer.seal(JSON.stringify({ secrets, ...(databaseUri ? { databaseUri } : {}) }));
  }
  return out;
}
