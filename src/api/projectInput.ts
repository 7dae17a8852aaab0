// Turning validated API bodies into desired-state rows: docs/reference.md §3 defaults, reserved names, cpu/memory
// pairs, POSTGRES_URI_CUSTOM → external database, and sealing of secret values. Everything refused here
// is a spec the operator could never converge (AWS would refuse it on every pass) or one whose meaning
// is undefined (the same name in env and secrets).
import { parseRoleArn, partitionOfRegion, type RoleArn } from "../cloud/names.js";
import {
  RESERVED_ENV, resourcesOfRow, validMemoryForCpu, withDefaults, type DeploymentType, type ResourcesSpec,
} from "../model/project.js";
import { checkDatabaseChange, checkEngineVersion } from "./databaseInput.js";
import { checkCertificate, ingressOfCreate, patchIngress } from "./ingressInput.js";
import { checkScaling, followTypeDefault, patchResources } from "./resourcesInput.js";
import type { Sealer } from "../store/crypto.js";
import type { NewProject, ProjectRow } from "../store/projects.js";
import { ProblemError, type FieldError } from "./problem.js";
import type { ProjectCreate, ProjectPatch } from "./schemas.js";
import {
  SECRET_STRING_MAX_BYTES, secretStringBytes, TASK_DEFINITION_MAX_BYTES, taskDefinitionBytes,
} from "./specLimits.js";

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

/** A role ARN of a partition the region is in; the API and the cloud layer parse it with the same function. */
const NOT_A_ROLE_ARN = "must be arn:<aws|aws-cn|aws-us-gov>:iam::<12 digits>:role/<name>";

function checkRoleArn(roleArn: string, region: string, errors: FieldError[]): RoleArn | undefined {
  const role = parseRoleArn(roleArn);
  if (!role) { errors.push({ field: "roleArn", message: NOT_A_ROLE_ARN }); return undefined; }
  const regionPartition = partitionOfRegion(region);
  if (regionPartition !== role.partition) {
    errors.push({
      field: "region",
      message: `${region} is in partition ${regionPartition}, but roleArn is in ${role.partition}: `
        + "both must be in one partition",
    });
  }
  return role;
}

/**
 * The account is fixed at creation: moving a project would write its secrets into the new account and
 * leave the old one's services and database running unmanaged. A role in the same account may change.
 */
function checkSameAccount(current: ProjectRow, roleArn: string, errors: FieldError[]): RoleArn | undefined {
  const role = parseRoleArn(roleArn);
  const was = parseRoleArn(current.roleArn);
  if (!role) { errors.push({ field: "roleArn", message: NOT_A_ROLE_ARN }); return undefined; }
  if (role.accountId !== current.accountId || role.partition !== (was?.partition ?? "aws")) {
    errors.push({
      field: "roleArn",
      message: `the project's AWS account is fixed at creation (${was?.partition ?? "aws"} account ${current.accountId}); `
        + `to deploy into account ${role.accountId} (${role.partition}), create a new project there instead`,
    });
  }
  return role;
}

/** docs/reference.md §3: prod runs at least two API replicas; a spec saying fewer would read back a count that never runs. */
function checkProdReplicas(deploymentType: DeploymentType, resources: ResourcesSpec, errors: FieldError[]) {
  if (deploymentType === "prod" && resources.api.replicas < 2) {
    const message = `deploymentType prod runs at least 2 API replicas, not ${resources.api.replicas}`;
    errors.push({ field: "resources.api.replicas", message });
  }
}

/** Which of the two a container would see is undefined (ECS sets both), so one name may be in only one. */
function checkEnvSecretClash(
  env: Record<string, string>, secrets: Record<string, string>, fieldOf: (name: string) => string, errors: FieldError[],
) {
  for (const name of Object.keys(env)) {
    if (!Object.hasOwn(secrets, name)) continue;
    errors.push({ field: fieldOf(name), message: `${name} is in both env and secrets: keep it in one` });
  }
}

interface Placement { name: string; region: string; accountId: string }

function checkSizes(p: Placement, env: Record<string, string>, secrets: Record<string, string>,
  revisionEnv: Record<string, string>, errors: FieldError[]) {
  const secretBytes = secretStringBytes(secrets);
  if (secretBytes > SECRET_STRING_MAX_BYTES) {
    const message = `their JSON is ${secretBytes} bytes; Secrets Manager stores at most ${SECRET_STRING_MAX_BYTES}`;
    errors.push({ field: "secrets", message });
  }
  const tdBytes = taskDefinitionBytes({ ...p, env, secretNames: Object.keys(secrets) }, revisionEnv);
  if (tdBytes > TASK_DEFINITION_MAX_BYTES) {
    const message = `env and secret references make a task definition of about ${tdBytes} bytes; ECS registers at most `
      + `${TASK_DEFINITION_MAX_BYTES} (64 KiB): move large values into secrets or shorten them`;
    errors.push({ field: "env", message });
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
  const role = checkRoleArn(body.roleArn, body.region, errors);
  checkResources(resources, errors);
  checkScaling(resources, body.resources, errors);
  checkProdReplicas(deploymentType, resources, errors);
  checkEngineVersion(database, errors);
  const ingress = ingressOfCreate(body.ingress);
  if (role) checkCertificate(ingress, { region: body.region, accountId: role.accountId }, errors);
  checkEnvSecretClash(env, secrets, (name) => `secrets.${name}`, errors);
  if (role) checkSizes({ name: body.name, region: body.region, accountId: role.accountId }, env, secrets, {}, errors);
  if (errors.length || !role) invalid(errors);
  const sealed: SealedContent = { secrets, ...(databaseUri ? { databaseUri } : {}) };
  return {
    name: body.name, region: body.region, roleArn: body.roleArn, accountId: role.accountId,
    externalId: body.externalId, deploymentType, database, resources, env, secretNames: Object.keys(secrets),
    cpuArchitecture: body.cpuArchitecture ?? "X86_64", ingress,
    sealedSecrets: sealer.seal(JSON.stringify(sealed)), deletionPolicy: body.deletionPolicy ?? "snapshot", image: body.image,
  };
}

function mergeMap(current: Record<string, string>, patch: Record<string, string | null> | undefined) {
  const out = { ...current };
  for (const [k, v] of Object.entries(patch ?? {})) { if (v === null) delete out[k]; else out[k] = v; }
  return out;
}

/** Equal as JSON values, whatever the order of keys (jsonb reads them back in its own order). */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown => Array.isArray(v) ? v.map(canonical)
    : v && typeof v === "object"
      ? Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])
      : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * JSON Merge Patch of a project's spec. Returns only the fields whose value changes, so a PATCH that
 * repeats what the project already says changes nothing (and bumps no generation). `revisionEnv` is the
 * newest revision's env, which the task definition carries over the project's.
 */
export function applyPatch(
  current: ProjectRow, patch: ProjectPatch, sealer: Sealer, revisionEnv: Record<string, string> = {},
): Partial<NewProject> {
  const errors: FieldError[] = [];
  checkReserved(patch.env, "env", errors);
  checkReserved(patch.secrets, "secrets", errors);
  const role = patch.roleArn === undefined ? undefined : checkSameAccount(current, patch.roleArn, errors);
  const opened: SealedContent = JSON.parse(sealer.open(current.sealedSecrets));
  const env = mergeMap(current.env, patch.env);
  const secrets = mergeMap(opened.secrets, patch.secrets);
  const customUri = takeCustomUri(env, secrets);
  if (customUri && !/^postgres(ql)?:\/\//.test(customUri)) errors.push({ field: `${patch.secrets?.POSTGRES_URI_CUSTOM ? "secrets" : "env"}.POSTGRES_URI_CUSTOM`, message: "must be a postgres:// URI" });
  let databaseUri = opened.databaseUri;
  const deploymentType = patch.deploymentType ?? current.deploymentType;
  let database = current.database;
  const followClass = (c: string | undefined) =>
    followTypeDefault(current.deploymentType, deploymentType, c, (d) => d.database.instanceClass);
  if (patch.database?.mode === "external" || customUri) {
    databaseUri = patch.database?.mode === "external" ? patch.database.uri : customUri;
    database = { mode: "external" };
  } else if (current.database.mode === "rds" && !patch.database?.instanceClass
    && followClass(current.database.instanceClass) !== current.database.instanceClass) {
    const instanceClass = followClass(current.database.instanceClass);
    database = { ...current.database, ...patch.database, mode: "rds", instanceClass };
  } else if (patch.database) {
    const base = current.database.mode === "rds" ? current.database : withDefaults({ deploymentType }).database;
    database = { ...base, ...patch.database, mode: "rds" };
    databaseUri = undefined;
  }
  checkDatabaseChange(current.database, database, errors);
  const resources = patchResources(current, patch.resources, current.deploymentType, deploymentType);
  checkResources(resources, errors);
  checkScaling(resources, patch.resources, errors);
  checkProdReplicas(deploymentType, resources, errors);
  const ingress = patchIngress(current.ingress, patch.ingress);
  checkCertificate(ingress, current, errors);
  const cpuArchitecture = patch.cpuArchitecture ?? current.cpuArchitecture;
  checkEnvSecretClash(env, secrets, (name) => (patch.secrets?.[name] != null ? `secrets.${name}` : `env.${name}`), errors);
  checkSizes(current, env, secrets, revisionEnv, errors);
  if (errors.length) invalid(errors);
  const out: Partial<NewProject> = {};
  if (role && patch.roleArn !== current.roleArn) { out.roleArn = patch.roleArn; out.accountId = role.accountId; }
  if (patch.externalId !== undefined && patch.externalId !== current.externalId) out.externalId = patch.externalId;
  if (deploymentType !== current.deploymentType) out.deploymentType = deploymentType;
  if (patch.deletionPolicy !== undefined && patch.deletionPolicy !== current.deletionPolicy) {
    out.deletionPolicy = patch.deletionPolicy;
  }
  if (!sameJson(database, current.database)) out.database = database;
  if (!sameJson(resources, resourcesOfRow(current.resources))) out.resources = resources;
  if (cpuArchitecture !== current.cpuArchitecture) out.cpuArchitecture = cpuArchitecture;
  if (!sameJson(ingress, current.ingress)) out.ingress = ingress;
  if (!sameJson(env, current.env)) out.env = env;
  const sealed: SealedContent = { secrets, ...(databaseUri ? { databaseUri } : {}) };
  // Sealing draws a fresh IV, so the plaintexts are compared, never the sealed strings.
  const was: SealedContent = {
    secrets: opened.secrets, ...(opened.databaseUri ? { databaseUri: opened.databaseUri } : {}),
  };
  if (!sameJson(sealed, was)) {
    out.secretNames = Object.keys(secrets);
    out.sealedSecrets = sealer.seal(JSON.stringify(sealed));
  }
  return out;
}

/** A new revision's env goes over the project's in the task definition: it must fit there, and not shadow a secret. */
export function checkRevisionEnv(project: ProjectRow, env: Record<string, string>) {
  const errors: FieldError[] = [];
  const secrets = Object.fromEntries(project.secretNames.map((name) => [name, ""]));
  checkEnvSecretClash(env, secrets, (name) => `env.${name}`, errors);
  const tdBytes = taskDefinitionBytes(project, env);
  if (tdBytes > TASK_DEFINITION_MAX_BYTES) {
    const message = `with the project's env and secret references this makes a task definition of about ${tdBytes} bytes; `
      + `ECS registers at most ${TASK_DEFINITION_MAX_BYTES} (64 KiB)`;
    errors.push({ field: "env", message });
  }
  if (errors.length) invalid(errors);
}
