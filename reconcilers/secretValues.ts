// What the secrets step and the endpoint step read of the project's two secrets, and how a value is
// written: the listing (batched across the account's passes), the values (batched too), the postgres
// secret's shape. Values are never logged and never leave this module except to AWS.
// AWS calls: ListSecrets, BatchGetSecretValue, PutSecretValue.
import {
  BatchGetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, type SecretListEntry, type SecretValueEntry,
} from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import type { AwsClients } from "../src/cloud/clients.js";
import { projectNames } from "../src/cloud/names.js";
import type { Change, PassContext } from "./contract.js";
import { fromTagList, type TagMap } from "./ownership.js";

export const DB_USERNAME = "langgraph";
export const DB_NAME = "langgraph";
/** On the postgres secret: when its password was last set on the RDS instance (after a recreated secret). */
export const TAG_PASSWORD_APPLIED = "byoc:password-applied";

export interface PostgresSecret { username: string; password: string; host: string; port: number; dbname: string; uri: string }

/** RDS forbids / @ " and spaces in master passwords; base64url minus - and _ keeps it safe. */
export const generatePassword = () => randomBytes(32).toString("base64url").replace(/[-_]/g, "").slice(0, 32);

/**
 * The URI of the project's RDS instance. `sslmode=require`: RDS for PostgreSQL 15 and later forces TLS
 * (rds.force_ssl), so a client without it is refused (docs/reference.md §4, the container contract).
 */
export function postgresUri(s: Omit<PostgresSecret, "uri">): string {
  return `postgres://${encodeURIComponent(s.username)}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.dbname}?sslmode=require`;
}

export function fromExternalUri(uri: string): PostgresSecret {
  const u = new URL(uri);
  return {
    username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), host: u.hostname,
    port: Number(u.port || 5432), dbname: u.pathname.replace(/^\//, "") || "postgres", uri,
  };
}

/** One of the project's secrets as ListSecrets (and, when live, BatchGetSecretValue) shows it. */
export interface SecretState {
  name: string;
  arn: string;
  tags: TagMap;
  deletedAt: Date | undefined;
  createdAt: number;
  /** The password-applied tag of the postgres secret (epoch ms; 0 when absent). */
  passwordAppliedAt: number;
  /** An interrupted create of ours left its intent open: this is the secret it created. */
  interrupted: boolean;
  /** Read only when both secrets exist and neither is scheduled for deletion. */
  value?: { parsed: Record<string, unknown>; createdAt: number };
}

export interface SecretsObservation { postgres: SecretState | undefined; env: SecretState | undefined }

async function listByPrefixes(aws: AwsClients, prefixes: string[]): Promise<SecretListEntry[]> {
  const all: SecretListEntry[] = [];
  let NextToken: string | undefined;
  do {
    const out = await aws.secrets.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: prefixes }], IncludePlannedDeletion: true, MaxResults: 100, NextToken }));
    all.push(...(out.SecretList ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  return all;
}

/**
 * Several projects' prefixes in one filter, which AWS matches when any of them does. A project the
 * shared listing shows nothing of is listed again on its own before anything is created for it, so a
 * listing that said less than it should can cost a call, never a duplicate create.
 */
const listSecretsRead: BatchRead<string, SecretListEntry[]> = {
  key: "secretsmanager:ListSecrets",
  capacity: 10,
  async run(aws, prefixes) {
    const all = await listByPrefixes(aws, prefixes);
    const mine = (prefix: string, list: SecretListEntry[]) => list.filter((s) => s.Name?.startsWith(prefix));
    return Promise.all(prefixes.map(async (prefix) => {
      const found = mine(prefix, all);
      return found.length || prefixes.length === 1 ? found : mine(prefix, await listByPrefixes(aws, [prefix]));
    }));
  },
};

/** Values of up to 20 secrets a call; each caller gets the values of its own ARNs. */
const secretValuesRead: BatchRead<string[], SecretValueEntry[]> = {
  key: "secretsmanager:BatchGetSecretValue",
  capacity: 20,
  weight: (arns) => arns.length,
  async run(aws, lists) {
    const out = await aws.secrets.send(new BatchGetSecretValueCommand({ SecretIdList: lists.flat() }));
    return lists.map((arns) => (out.SecretValues ?? []).filter((v) => v.ARN !== undefined && arns.includes(v.ARN)));
  },
};

function safeParse(s: string | undefined): Record<string, unknown> {
  try { return JSON.parse(s ?? "{}"); } catch { return {}; }
}

function stateOf(ctx: PassContext, s: SecretListEntry | undefined): SecretState | undefined {
  if (!s?.ARN || !s.Name) return undefined;
  const tags = fromTagList(s.Tags);
  return {
    name: s.Name, arn: s.ARN, tags, deletedAt: s.DeletedDate, createdAt: s.CreatedDate?.getTime() ?? 0,
    passwordAppliedAt: Number(Date.parse(tags[TAG_PASSWORD_APPLIED] ?? "")) || 0,
    interrupted: ctx.intents.pending("Secret", s.Name),
  };
}

/**
 * Which value a listed secret holds now: its AWSCURRENT version id and LastChangedDate, both in the
 * ListSecrets answer. Any write of a value (ours or anyone's: PutSecretValue, UpdateSecret, a rotation)
 * makes a new AWSCURRENT version, so an unchanged stamp means an unchanged value. Undefined when the
 * listing does not say (then the value is read every pass, as before).
 */
export function valueStamp(s: Pick<SecretListEntry, "SecretVersionsToStages" | "LastChangedDate">): string | undefined {
  const current = Object.entries(s.SecretVersionsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
  return current ? `${current}|${s.LastChangedDate?.getTime() ?? ""}` : undefined;
}

/**
 * How long a value read is reused while its stamp stays the same. The stamp, not this, is what finds a
 * value changed out of band (within the pass that next lists it); this only bounds how long a value
 * lives in the operator's memory without being read again.
 */
export const VALUE_REUSE_MS = 30 * 60_000;
type KnownValue = { stamp: string; value: NonNullable<SecretState["value"]> };
const valueKey = (arn: string) => `secretvalue|${arn}`;

/** The project's two secrets; their values too unless `values: false` (or one is missing or scheduled for deletion). */
export async function observeSecrets(ctx: PassContext, opts: { values?: boolean } = {}): Promise<SecretsObservation> {
  const names = projectNames(ctx.project.name);
  const listed = await batched(ctx.aws, listSecretsRead, `langgraph-cloud/${ctx.project.name}/`);
  const byName = new Map(listed.map((s) => [s.Name, s]));
  const o = { postgres: stateOf(ctx, byName.get(names.postgresSecret)), env: stateOf(ctx, byName.get(names.envSecret)) };
  const live = [o.postgres, o.env].filter((s): s is SecretState => !!s && !s.deletedAt);
  if (opts.values === false || live.length < 2) return o;
  // A value whose stamp is the one we saw when we last read it is the value we read: no read.
  const stamps = new Map(live.map((s) => [s.arn, valueStamp(byName.get(s.name)!)]));
  for (const s of live) {
    const known = ctx.cache.get<KnownValue>(valueKey(s.arn));
    if (known && known.stamp === stamps.get(s.arn)) s.value = known.value;
  }
  const unread = live.filter((s) => !s.value);
  if (unread.length === 0) return o;
  for (const v of await batched(ctx.aws, secretValuesRead, unread.map((s) => s.arn))) {
    const s = unread.find((x) => x.arn === v.ARN);
    if (!s) continue;
    s.value = { parsed: safeParse(v.SecretString), createdAt: v.CreatedDate?.getTime() ?? 0 };
    // Kept only if the value read is the version the listing named (a write in between: read again).
    const stamp = stamps.get(s.arn);
    if (stamp && stamp.startsWith(`${v.VersionId}|`)) ctx.cache.set<KnownValue>(valueKey(s.arn), { stamp, value: s.value }, VALUE_REUSE_MS);
    else ctx.cache.delete(valueKey(s.arn));
  }
  return o;
}

/** A value write: the diff and the event say that it differs, never what it holds. */
export function valueChange(name: string, why: string, reason = "DriftRepaired"): Change {
  return {
    verb: "update", kind: "Secret", resource: name, reason: why,
    diffs: [{ field: "SecretString", actual: "(differs; value not shown)", desired: "(desired; value not shown)" }],
    event: { type: "Normal", reason, message: `secret ${name}: SecretString ${why}; wrote the desired value (values not shown)`, resource: name },
  };
}

export const putValue = (arn: string, name: string, value: string, why: string) =>
  ({ op: "put" as const, arn, value, ...valueChange(name, why) });

export async function writeSecretValue(ctx: PassContext, arn: string, value: string): Promise<void> {
  ctx.cache.delete(valueKey(arn));
  await ctx.aws.secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
}
