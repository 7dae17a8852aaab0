// Secrets Manager: `langgraph-cloud/<p>/postgres` (DB credentials; the password is generated here and
// lives only in the customer's account) and `langgraph-cloud/<p>/env` (the project's secrets as JSON).
// AWS calls: ListSecrets (metadata of both, incl. planned deletion), BatchGetSecretValue, CreateSecret,
// PutSecretValue, RestoreSecret, TagResource, DeleteSecret. The two reads are batched across the
// account's passes that run together (up to 10 projects' prefixes in one listing, 20 secrets a read).
// Idempotent create: ClientRequestToken from an intent row, reused after a crash; ResourceExists → adopt.
import {
  BatchGetSecretValueCommand, CreateSecretCommand, DeleteSecretCommand, ListSecretsCommand, PutSecretValueCommand,
  RestoreSecretCommand, TagResourceCommand, type SecretListEntry, type SecretValueEntry,
} from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import type { AwsClients } from "../src/cloud/clients.js";
import { awsErrorCode } from "../src/cloud/errors.js";
import { projectNames, TAG_PROJECT_ID } from "../src/cloud/names.js";
import { adoptInterruptedCreate, conflict, fromTagList, missingTags, ownershipOf, projectTags, tagDrift, toKeyValue } from "./ownership.js";
import type { Action, Outcome, PassContext, PostgresSecret, Step, StepPlan } from "./types.js";
import { done, requeue } from "./types.js";

export const DB_USERNAME = "langgraph";
/** On the postgres secret: when its password was last set on the RDS instance (after a recreated secret). */
export const TAG_PASSWORD_APPLIED = "byoc:password-applied";
export const DB_NAME = "langgraph";
const RECOVERY_WINDOW_DAYS = 7;

/** RDS forbids / @ " and spaces in master passwords; base64url minus - and _ keeps it safe. */
export const generatePassword = () => randomBytes(32).toString("base64url").replace(/[-_]/g, "").slice(0, 32);

export function postgresUri(s: Omit<PostgresSecret, "uri">): string {
  return `postgres://${encodeURIComponent(s.username)}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.dbname}`;
}

function fromExternalUri(uri: string): PostgresSecret {
  const u = new URL(uri);
  return {
    username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), host: u.hostname,
    port: Number(u.port || 5432), dbname: u.pathname.replace(/^\//, "") || "postgres", uri,
  };
}

/** Stable JSON for comparing secret values without caring about key order. */
const canonical = (v: Record<string, unknown>) => JSON.stringify(Object.keys(v).sort().map((k) => [k, v[k]]));

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
    return lists.map((arns) => (out.SecretValues ?? []).filter((v) => arns.includes(v.ARN!)));
  },
};

async function listOurSecrets(ctx: PassContext): Promise<Map<string, SecretListEntry>> {
  const found = await batched(ctx.aws, listSecretsRead, `langgraph-cloud/${ctx.project.name}/`);
  return new Map(found.map((s) => [s.Name!, s]));
}

function createAction(ctx: PassContext, name: string, value: () => string): Action {
  return {
    verb: "create", kind: "Secret", resource: name, reason: "secret does not exist",
    event: { type: "Normal", reason: "Created", message: `created secret ${name}`, resource: name },
    async run() {
      const token = await ctx.intents.begin("Secret", name);
      try {
        const out = await ctx.aws.secrets.send(new CreateSecretCommand({
          Name: name, SecretString: value(), ClientRequestToken: token, Tags: toKeyValue(projectTags(ctx)),
          Description: `Managed by byoc-operator for project ${ctx.project.name}`,
        }));
        await ctx.intents.resolve("Secret", name, out.ARN!);
      } catch (err) {
        // Created by an earlier attempt whose answer we lost: the next pass adopts it by its tag.
        if (awsErrorCode(err) !== "ResourceExistsException") throw new Error(`create secret ${name}`, { cause: err });
      }
    },
  };
}

async function planSecrets(ctx: PassContext): Promise<StepPlan> {
  const names = projectNames(ctx.project.name);
  const existing = await listOurSecrets(ctx);
  const actions: Action[] = [];
  const wanted = [names.postgresSecret, names.envSecret];
  const live: string[] = [];
  for (const name of wanted) {
    const s = existing.get(name);
    if (!s) {
      const value = name === names.envSecret
        ? () => JSON.stringify(ctx.project.secrets)
        : () => JSON.stringify(initialPostgresSecret(ctx));
      actions.push(createAction(ctx, name, value));
      continue;
    }
    const tags = fromTagList(s.Tags);
    if (ownershipOf(tags, ctx.project.id) === "foreign") return { actions: [], after: conflict(`secret ${name}`, tags, ctx.resyncMs) };
    const adopted = adoptInterruptedCreate(ctx, "Secret", name, s.ARN);
    if (adopted) actions.push(adopted);
    if (s.DeletedDate) {
      actions.push({
        verb: "restore", kind: "Secret", resource: name, reason: `scheduled for deletion on ${s.DeletedDate.toISOString()}`,
        event: { type: "Warning", reason: "Restored", message: `secret ${name} was scheduled for deletion out of band; restored it`, resource: name },
        run: async () => { await ctx.aws.secrets.send(new RestoreSecretCommand({ SecretId: s.ARN })); },
      });
    }
    const missing = missingTags(tags, projectTags(ctx));
    if (Object.keys(missing).length) {
      actions.push({
        verb: "tag", kind: "Secret", resource: name, reason: "tags drifted",
        diffs: Object.keys(missing).map((k) => ({ field: `tags.${k}`, actual: tags[k] ?? "(absent)", desired: missing[k] })),
        event: { type: "Normal", reason: "DriftRepaired", message: `secret ${name}: ${tagDrift(tags, missing)}`, resource: name },
        run: async () => { await ctx.aws.secrets.send(new TagResourceCommand({ SecretId: s.ARN, Tags: toKeyValue(missing) })); },
      });
    }
    if (name === names.postgresSecret) {
      ctx.facts.postgresSecretArn = s.ARN;
      ctx.facts.postgresSecretMeta = { createdAt: s.CreatedDate?.getTime() ?? 0, passwordAppliedAt: Number(Date.parse(tags[TAG_PASSWORD_APPLIED] ?? "")) || 0 };
    }
    else ctx.facts.envSecretArn = s.ARN;
    if (!s.DeletedDate) live.push(s.ARN!);
  }
  if (actions.some((a) => a.verb === "create" || a.verb === "restore")) {
    return { actions, after: requeue(1000, "Creating", "secrets being created or restored") };
  }
  actions.push(...(await planValues(ctx, live)));
  ctx.facts.envSecretKeys = Object.keys(ctx.project.secrets).sort();
  return { actions, after: done("SecretsInSync", "both secrets exist with the desired values") };
}

function initialPostgresSecret(ctx: PassContext): PostgresSecret {
  if (ctx.project.database.mode === "external" && ctx.project.databaseUri) return fromExternalUri(ctx.project.databaseUri);
  const base = { username: DB_USERNAME, password: generatePassword(), host: "", port: 5432, dbname: DB_NAME };
  return { ...base, uri: "" };
}

async function planValues(ctx: PassContext, arns: string[]): Promise<Action[]> {
  if (arns.length === 0) return [];
  const names = projectNames(ctx.project.name);
  const values = await batched(ctx.aws, secretValuesRead, arns);
  const actions: Action[] = [];
  for (const v of values) {
    const parsed = safeParse(v.SecretString);
    noteValueChange(ctx, v.CreatedDate?.getTime() ?? 0);
    if (v.Name === names.envSecret) {
      if (canonical(parsed) !== canonical(ctx.project.secrets)) {
        actions.push(putValueAction(ctx, v.ARN!, names.envSecret, JSON.stringify(ctx.project.secrets), `differs from the project's secrets in ${differingKeys(parsed, ctx.project.secrets)}`));
      }
    } else if (v.Name === names.postgresSecret) {
      const current = parsed as unknown as PostgresSecret;
      ctx.facts.postgresSecret = current;
      if (ctx.project.database.mode === "external" && ctx.project.databaseUri && current.uri !== ctx.project.databaseUri) {
        const desired = fromExternalUri(ctx.project.databaseUri);
        ctx.facts.postgresSecret = desired;
        actions.push(putValueAction(ctx, v.ARN!, names.postgresSecret, JSON.stringify(desired), "differs from the external database URI (POSTGRES_URI_CUSTOM)"));
      }
    }
  }
  return actions;
}

/** Which keys differ, by name only: an event may say which secret changed, never what it holds. */
function differingKeys(actual: Record<string, unknown>, desired: Record<string, string>): string {
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(desired)])].sort();
  return keys.filter((k) => actual[k] !== desired[k])
    .map((k) => `${k} (${!(k in actual) ? "missing" : !(k in desired) ? "not in the spec" : "value differs"})`).join(", ");
}

/**
 * Containers read secrets when they start, so running tasks keep an old value until they are replaced:
 * the services step redeploys api and queue when a value changed after their deployment started. A
 * write in this pass counts as later than any deployment (set at plan time, so a dry run shows it too).
 */
function noteValueChange(ctx: PassContext, at: number) {
  ctx.facts.secretsChangedAt = Math.max(ctx.facts.secretsChangedAt ?? 0, at);
}

function safeParse(s: string | undefined): Record<string, unknown> {
  try { return JSON.parse(s ?? "{}"); } catch { return {}; }
}

export function putValueAction(ctx: PassContext, arn: string, name: string, value: string, why: string, reason = "DriftRepaired"): Action {
  noteValueChange(ctx, Number.POSITIVE_INFINITY);
  return {
    verb: "update", kind: "Secret", resource: name, reason: why,
    diffs: [{ field: "SecretString", actual: "(differs; value not shown)", desired: "(desired; value not shown)" }],
    event: { type: "Normal", reason, message: `secret ${name}: SecretString ${why}; wrote the desired value (values not shown)`, resource: name },
    run: async () => { await ctx.aws.secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value })); },
  };
}

async function planDeleteSecrets(ctx: PassContext): Promise<StepPlan> {
  const existing = await listOurSecrets(ctx);
  const actions: Action[] = [];
  for (const s of existing.values()) {
    const tags = fromTagList(s.Tags);
    if (tags[TAG_PROJECT_ID] !== ctx.project.id || s.DeletedDate) continue;
    actions.push({
      verb: "delete", kind: "Secret", resource: s.Name!, reason: "project deleted",
      event: { type: "Normal", reason: "Deleted", message: `secret ${s.Name} scheduled for deletion (${RECOVERY_WINDOW_DAYS}-day recovery window)`, resource: s.Name },
      run: async () => {
        await ctx.aws.secrets.send(new DeleteSecretCommand({ SecretId: s.ARN, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS }));
        await ctx.intents.clear("Secret", s.Name!);
      },
    });
  }
  const after: Outcome = actions.length ? requeue(1000, "Deleting", "secrets being deleted") : done("Deleted", "secrets deleted");
  return { actions, after };
}

export const secrets: Step = {
  kind: "Secret",
  condition: "SecretsReady",
  plan: planSecrets,
  planDelete: planDeleteSecrets,
};
