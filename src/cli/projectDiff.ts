// What `byoc apply` would change in an existing project: a JSON merge patch (RFC 7396) of the fields the
// file sets that differ from what the server has, and the same as readable changes. The file is the
// body of POST /v1/projects; a field it leaves out keeps the server's value (so defaults never show as
// changes), while `env` and `secrets`, when given, are the whole map: names missing from them are removed.
// Secret values are write-only, so they cannot be compared: the ones in the file are always sent. `ingress`,
// when given, is the whole ingress too: a file without `certificateArn` removes the server's (visibility
// defaults to public), so the file says what the load balancer serves.
import type { Static } from "typebox";
import type { ProjectCreate } from "../api/schemas.js";
import type { ProjectView } from "./client.js";

interface ServiceSpec { cpu: number; memoryMb: number; replicas: number; maxReplicas?: number }
/**
 * The file: the create body. `resources` is spelled out because TypeBox infers the cpu union (built from
 * an array of literals) as `never`.
 */
export type ProjectFile = Omit<Static<typeof ProjectCreate>, "resources"> & { resources?: { api?: ServiceSpec; queue?: ServiceSpec } };

/** `from`/`to` undefined: the field was absent / is removed. */
export interface Change { field: string; from?: unknown; to?: unknown }

export interface ProjectDiff {
  patch: Record<string, unknown>;
  changes: Change[];
  /** Fields sent without comparing (secret values, an external database URI). */
  writeOnly: string[];
  /** A new revision to create, when the file's image is not the newest revision's. */
  image?: { from?: string; to: string };
  /** Differences the API cannot make (the region): the project has to be recreated. */
  immutable: Change[];
}

const SCALARS = ["roleArn", "externalId", "deploymentType", "cpuArchitecture", "deletionPolicy"] as const;
const SERVICE_FIELDS = ["cpu", "memoryMb", "replicas", "maxReplicas"] as const;
const RDS_FIELDS = ["instanceClass", "allocatedStorageGb", "engineVersion"] as const;
/** Accepted in env but turned into database settings by the server, so never listed back in env. */
const WRITE_ONLY_ENV = new Set(["POSTGRES_URI_CUSTOM"]);

export function diffProject(file: ProjectFile, current: ProjectView, newestImage: string | undefined): ProjectDiff {
  const d: ProjectDiff = { patch: {}, changes: [], writeOnly: [], immutable: [] };
  if (file.region !== current.region) d.immutable.push({ field: "region", from: current.region, to: file.region });
  for (const k of SCALARS) {
    if (file[k] !== undefined && file[k] !== current[k]) {
      d.patch[k] = file[k];
      d.changes.push({ field: k, from: current[k], to: file[k] });
    }
  }
  diffDatabase(file, current, d);
  diffResources(file, current, d);
  diffIngress(file, current, d);
  diffEnv(file, current, d);
  diffSecrets(file, current, d);
  if (file.image !== undefined && file.image !== newestImage) d.image = { from: newestImage, to: file.image };
  return d;
}

function diffDatabase(file: ProjectFile, current: ProjectView, d: ProjectDiff) {
  const want = file.database;
  if (!want) return;
  if (want.mode === "external") {
    d.patch.database = want;
    d.writeOnly.push("database.uri");
    if (current.database.mode !== "external") d.changes.push({ field: "database.mode", from: current.database.mode, to: "external" });
    return;
  }
  const patch: Record<string, unknown> = {};
  if (current.database.mode !== "rds") {
    patch.mode = "rds";
    d.changes.push({ field: "database.mode", from: current.database.mode, to: "rds" });
  }
  for (const k of RDS_FIELDS) {
    if (want[k] !== undefined && want[k] !== current.database[k]) {
      patch[k] = want[k];
      d.changes.push({ field: `database.${k}`, from: current.database[k], to: want[k] });
    }
  }
  if (Object.keys(patch).length) d.patch.database = patch;
}

function diffResources(file: ProjectFile, current: ProjectView, d: ProjectDiff) {
  const patch: Record<string, Record<string, number | undefined>> = {};
  for (const role of ["api", "queue"] as const) {
    const want = file.resources?.[role];
    if (!want) continue;
    for (const k of SERVICE_FIELDS) {
      if (want[k] !== undefined && want[k] !== current.resources[role][k]) {
        (patch[role] ??= {})[k] = want[k];
        d.changes.push({ field: `resources.${role}.${k}`, from: current.resources[role][k], to: want[k] });
      }
    }
  }
  if (Object.keys(patch).length) d.patch.resources = patch;
}

function diffIngress(file: ProjectFile, current: ProjectView, d: ProjectDiff) {
  if (!file.ingress) return;
  const patch: Record<string, string | null> = {};
  const visibility = file.ingress.visibility ?? "public";
  if (visibility !== current.ingress.visibility) {
    patch.visibility = visibility;
    d.changes.push({ field: "ingress.visibility", from: current.ingress.visibility, to: visibility });
  }
  const [from, to] = [current.ingress.certificateArn, file.ingress.certificateArn];
  if (from !== to) {
    patch.certificateArn = to ?? null;
    d.changes.push({ field: "ingress.certificateArn", from, to });
  }
  if (Object.keys(patch).length) d.patch.ingress = patch;
}

function diffEnv(file: ProjectFile, current: ProjectView, d: ProjectDiff) {
  if (!file.env) return;
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(file.env)) {
    if (WRITE_ONLY_ENV.has(k)) { patch[k] = v; d.writeOnly.push(`env.${k}`); continue; }
    if (current.env[k] !== v) { patch[k] = v; d.changes.push({ field: `env.${k}`, from: current.env[k], to: v }); }
  }
  for (const k of Object.keys(current.env)) {
    if (!(k in file.env)) { patch[k] = null; d.changes.push({ field: `env.${k}`, from: current.env[k] }); }
  }
  if (Object.keys(patch).length) d.patch.env = patch;
}

function diffSecrets(file: ProjectFile, current: ProjectView, d: ProjectDiff) {
  if (!file.secrets) return;
  const patch: Record<string, string | null> = { ...file.secrets };
  for (const k of Object.keys(file.secrets)) d.writeOnly.push(`secrets.${k}`);
  for (const k of current.secretNames) {
    if (!(k in file.secrets)) { patch[k] = null; d.changes.push({ field: `secrets.${k}`, from: "(set)" }); }
  }
  if (Object.keys(patch).length) d.patch.secrets = patch;
}

export const isEmpty = (d: ProjectDiff) => Object.keys(d.patch).length === 0 && !d.image;
