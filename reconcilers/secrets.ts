// Secrets Manager: `langgraph-cloud/<p>/postgres` (DB credentials; the password is generated here and
// lives only in the customer's account) and `langgraph-cloud/<p>/env` (the project's secrets as JSON).
// Provides both ARNs, the postgres secret's value and when a value the containers read last changed.
// AWS calls: ListSecrets (metadata of both, incl. planned deletion), BatchGetSecretValue, CreateSecret,
// PutSecretValue, RestoreSecret, TagResource, DeleteSecret. The two reads are batched across the
// account's passes that run together (up to 10 projects' prefixes in one listing, 20 secrets a read).
// Idempotent create: ClientRequestToken from an intent row, reused after a crash; ResourceExistsException
// (an attempt whose answer was lost, with another token) → the next pass adopts it by its tag.
// Idempotent delete: ResourceNotFoundException (already gone) is what the delete wanted.
import {
  CreateSecretCommand, DeleteSecretCommand, RestoreSecretCommand, TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { awsErrorCode } from "../src/cloud/errors.js";
import { projectNames } from "../src/cloud/names.js";
import { LICENSE_SECRET_NAMES } from "../src/model/project.js";
import {
  act, done, halt, proceed, requeue, tolerate, type Action, type Change, type NoInput, type Outcome, type PassContext, type Step,
} from "./contract.js";
import { adoptChange, conflict, missingTags, ownershipOf, projectTags, tagChange, toKeyValue, type TagMap } from "./ownership.js";
import {
  fromExternalUri, generatePassword, observeSecrets, putValue, writeSecretValue, type PostgresSecret, type SecretsObservation, type SecretState,
} from "./secretValues.js";

import { DB_NAME, DB_USERNAME } from "./secretValues.js";
const RECOVERY_WINDOW_DAYS = 7;

/** What the secrets step provides. */
export interface Secrets {
  postgres: { arn: string; value: PostgresSecret | undefined; createdAt: number; passwordAppliedAt: number };
  /** `licensed`: the env secret holds a licence key (the project's own or BYOC_LICENSE_KEY's). */
  env: { arn: string; keys: string[]; licensed: boolean };
  /** When a secret value the containers read last changed (epoch ms; Infinity: written by this pass). */
  changedAt: number;
}

export interface SecretsDesired {
  projectId: string;
  tags: TagMap;
  env: Record<string, string>;
  /** database.mode external: the URI the postgres secret must hold. */
  externalUri: string | undefined;
  /** How soon a Conflict is looked at again. */
  resyncMs: number;
}

type SecretOp =
  | { op: "create"; which: "postgres" | "env" }
  | { op: "adopt"; arn: string }
  | { op: "restore"; arn: string }
  | { op: "tag"; arn: string; tags: TagMap }
  | { op: "put"; arn: string; value: string };
export type SecretChange = Change & SecretOp;

export interface SecretsDecision {
  changes: SecretChange[];
  after: Outcome;
  /** The postgres secret's value once the changes are applied. */
  postgresValue: PostgresSecret | undefined;
  changedAt: number;
}

/** Stable JSON for comparing secret values without caring about key order. */
const canonical = (v: Record<string, unknown>) => JSON.stringify(Object.keys(v).sort().map((k) => [k, v[k]]));

/** Which keys differ, by name only: an event may say which secret changed, never what it holds. */
function differingKeys(actual: Record<string, unknown>, desired: Record<string, string>): string {
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(desired)])].sort();
  return keys.filter((k) => actual[k] !== desired[k])
    .map((k) => `${k} (${!(k in actual) ? "missing" : !(k in desired) ? "not in the spec" : "value differs"})`).join(", ");
}

/** Metadata changes of one existing secret; undefined when it is not ours (a Conflict). */
function metadataChanges(name: string, s: SecretState, want: SecretsDesired): SecretChange[] {
  const changes: SecretChange[] = [];
  if (s.interrupted) changes.push({ op: "adopt", arn: s.arn, ...adoptChange("Secret", name) });
  if (s.deletedAt) {
    changes.push({
      op: "restore", arn: s.arn, verb: "restore", kind: "Secret", resource: name, reason: `scheduled for deletion on ${s.deletedAt.toISOString()}`,
      event: { type: "Warning", reason: "Restored", resource: name, message: `secret ${name} was scheduled for deletion out of band; restored it` },
    });
  }
  const missing = missingTags(s.tags, want.tags);
  if (Object.keys(missing).length) changes.push({ op: "tag", arn: s.arn, tags: missing, ...tagChange("Secret", `secret ${name}`, name, s.tags, missing) });
  return changes;
}

/**
 * Pure: the secrets' changes from what ListSecrets and BatchGetSecretValue said. Missing ones are
 * created, deleted ones restored (the pass then waits for them), values that differ from the spec
 * written back (values never shown, only which keys differ).
 */
export function decideSecrets(o: SecretsObservation, want: SecretsDesired, names: { postgres: string; env: string }): SecretsDecision {
  const changes: SecretChange[] = [];
  for (const [which, name, s] of [["postgres", names.postgres, o.postgres], ["env", names.env, o.env]] as const) {
      if (!s) {
      changes.push({
        op: "create", which, verb: "create", kind: "Secret", resource: name, reason: "secret does not exist",
        event: { type: "Normal", reason: "Created", message: `created secret ${name}`, resource: name },
      });
      continue;
    }
    if (ownershipOf(s.tags, want.projectId) === "foreign") {
      return { changes: [], after: conflict(`secret ${name}`, s.tags, want.resyncMs), postgresValue: undefined, changedAt: 0 };
    }
    changes.push(...metadataChanges(name, s, want));
  }
  if (changes.some((c) => c.op === "create" || c.op === "restore")) {
    return { changes, after: requeue(1000, "Creating", "secrets being created or restored"), postgresValue: undefined, changedAt: 0 };
  }
  let changedAt = Math.max(0, ...[o.postgres?.value, o.env?.value].map((v) => v?.createdAt ?? 0));
  let postgresValue = o.postgres?.value?.parsed as PostgresSecret | undefined;
  const env = o.env?.value;
  if (o.env && env && canonical(env.parsed) !== canonical(want.env)) {
    changes.push(putValue(o.env.arn, names.env, JSON.stringify(want.env), `differs from the project's secrets in ${differingKeys(env.parsed, want.env)}`));
  }
  if (o.postgres && postgresValue && want.externalUri && postgresValue.uri !== want.externalUri) {
    postgresValue = fromExternalUri(want.externalUri);
    changes.push(putValue(o.postgres.arn, names.postgres, JSON.stringify(postgresValue), "differs from the external database URI (POSTGRES_URI_CUSTOM)"));
  }
  if (changes.some((c) => c.op === "put")) changedAt = Number.POSITIVE_INFINITY;
  return { changes, after: done("SecretsInSync", "both secrets exist with the desired values"), postgresValue, changedAt };
}

/**
 * The env secret's value: the project's secrets, plus BYOC_LICENSE_KEY as LANGGRAPH_CLOUD_LICENSE_KEY when
 * they hold no licence of their own (docs/reference.md §3). Without either the LangGraph server will not start.
 */
export function envSecretValue(secrets: Record<string, string>, licenseKey: string | undefined): Record<string, string> {
  if (LICENSE_SECRET_NAMES.some((k) => secrets[k]) || !licenseKey) return secrets;
  return { ...secrets, LANGGRAPH_CLOUD_LICENSE_KEY: licenseKey };
}

const isLicensed = (env: Record<string, string>) => LICENSE_SECRET_NAMES.some((k) => !!env[k]);

function initialPostgresSecret(ctx: PassContext): PostgresSecret {
  if (ctx.project.database.mode === "external" && ctx.project.databaseUri) return fromExternalUri(ctx.project.databaseUri);
  return { username: DB_USERNAME, password: generatePassword(), host: "", port: 5432, dbname: DB_NAME, uri: "" };
}

function apply(ctx: PassContext, c: SecretChange): Action {
  return act(c, async () => {
    const { secrets } = ctx.aws;
    switch (c.op) {
      case "create": {
        const value = c.which === "env" ? JSON.stringify(envSecretValue(ctx.project.secrets, ctx.licenseKey)) : JSON.stringify(initialPostgresSecret(ctx));
        const token = await ctx.intents.begin("Secret", c.resource);
        try {
          const out = await secrets.send(new CreateSecretCommand({
            Name: c.resource, SecretString: value, ClientRequestToken: token, Tags: toKeyValue(projectTags(ctx)),
            Description: `Managed by byoc-operator for project ${ctx.project.name}`,
          }));
          if (out.ARN) await ctx.intents.resolve("Secret", c.resource, out.ARN);
        } catch (err) {
          // Created by an earlier attempt whose answer we lost: the next pass adopts it by its tag.
          if (awsErrorCode(err) !== "ResourceExistsException") throw new Error(`create secret ${c.resource}`, { cause: err });
        }
        return;
      }
      case "adopt": return ctx.intents.resolve("Secret", c.resource, c.arn);
      case "restore": await secrets.send(new RestoreSecretCommand({ SecretId: c.arn })); return;
      case "tag": await secrets.send(new TagResourceCommand({ SecretId: c.arn, Tags: toKeyValue(c.tags) })); return;
      case "put": return writeSecretValue(ctx, c.arn, c.value);
    }
  });
}

export const secrets: Step<NoInput, Secrets> = {
  kind: "Secret",
  condition: "SecretsReady",
  async plan(ctx) {
    const names = projectNames(ctx.project.name);
    const o = await observeSecrets(ctx);
    const env = envSecretValue(ctx.project.secrets, ctx.licenseKey);
    const want: SecretsDesired = {
      projectId: ctx.project.id, tags: projectTags(ctx), env,
      externalUri: ctx.project.database.mode === "external" ? ctx.project.databaseUri : undefined, resyncMs: ctx.resyncMs,
    };
    const d = decideSecrets(o, want, { postgres: names.postgresSecret, env: names.envSecret });
    const actions = d.changes.map((c) => apply(ctx, c));
    const { postgres, env: envSecret } = o;
    if (d.after.kind !== "done" || !postgres || !envSecret) return halt(actions, d.after.kind === "done" ? requeue(1000, "Creating", "secrets being created") : d.after);
    return proceed(actions, d.after, {
      provide: () => ({
        postgres: { arn: postgres.arn, value: d.postgresValue, createdAt: postgres.createdAt, passwordAppliedAt: postgres.passwordAppliedAt },
        env: { arn: envSecret.arn, keys: Object.keys(env).sort(), licensed: isLicensed(env) },
        changedAt: d.changedAt,
      }),
    });
  },
};

/** Deletion: both secrets, with a recovery window; one already gone (or scheduled) is what we wanted. */
export const secretsDeletion: Step<NoInput, void> = {
  kind: "Secret",
  condition: "SecretsReady",
  async plan(ctx) {
    const o = await observeSecrets(ctx, { values: false });
    const actions: Action[] = [];
    for (const s of [o.postgres, o.env]) {
      if (!s || s.deletedAt || ownershipOf(s.tags, ctx.project.id) !== "ours") continue;
      actions.push(act({
        verb: "delete", kind: "Secret", resource: s.name, reason: "project deleted",
        event: { type: "Normal", reason: "Deleted", message: `secret ${s.name} scheduled for deletion (${RECOVERY_WINDOW_DAYS}-day recovery window)`, resource: s.name },
      }, async () => {
        await tolerate(() => ctx.aws.secrets.send(new DeleteSecretCommand({ SecretId: s.arn, RecoveryWindowInDays: RECOVERY_WINDOW_DAYS })), ["ResourceNotFoundException"]);
        await ctx.intents.clear("Secret", s.name);
      }));
    }
    return actions.length ? halt(actions, requeue(1000, "Deleting", "secrets being deleted")) : proceed(actions, done("Deleted", "secrets deleted"));
  },
};
