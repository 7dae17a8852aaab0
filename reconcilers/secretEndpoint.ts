// The postgres secret's endpoint: once the RDS instance answers, its address goes into the secret
// `langgraph-cloud/<p>/postgres` (host, port and the URI the containers read as POSTGRES_URI, with
// sslmode=require). An external database's URI is the user's and is never rewritten here. The
// secrets side of the database: it writes a secret, fed by the database step's output.
// AWS call: secretsmanager:PutSecretValue.
import { projectNames } from "../src/cloud/names.js";
import { act, done, proceed, type Change, type Step } from "./contract.js";
import type { Database } from "./database.js";
import type { Secrets } from "./secrets.js";
import { postgresUri, valueChange, writeSecretValue, type PostgresSecret } from "./secretValues.js";

export interface EndpointInput { postgres: Secrets["postgres"]; endpoint: Database["endpoint"] }
/** The postgres secret as the containers will read it, and when a value they read last changed. */
export interface PublishedSecret { value: PostgresSecret | undefined; changedAt: number }

/** Pure: the write that puts the endpoint into the secret, when it is not there yet or moved. */
export function decideEndpoint(secret: PostgresSecret | undefined, endpoint: Database["endpoint"], names: { secret: string; db: string }):
  { change?: Change; value: PostgresSecret | undefined } {
  if (!endpoint || !secret) return { value: secret };
  const next = { ...secret, host: endpoint.host, port: endpoint.port };
  const value = { ...next, uri: postgresUri(next) };
  if (secret.host === endpoint.host && secret.port === endpoint.port && secret.uri === value.uri) return { value: secret };
  const at = `${endpoint.host}:${endpoint.port}`;
  const why = !secret.host ? `has no endpoint yet → ${at} (${names.db})`
    : secret.host !== endpoint.host || secret.port !== endpoint.port ? `endpoint ${secret.host}:${secret.port} → ${at} (${names.db})`
      : `uri ${secret.uri ? "(not the URI of the instance with sslmode=require)" : "(absent)"} → the URI of ${at} with sslmode=require`;
  return { change: valueChange(names.secret, why, secret.host ? "DriftRepaired" : "EndpointPublished"), value };
}

export const secretEndpoint: Step<EndpointInput, PublishedSecret> = {
  kind: "Secret",
  condition: "SecretsReady",
  // SecretsReady is the secrets step's to say; this one only adds a write when the endpoint moved.
  informational: true,
  async plan(ctx, input) {
    const names = projectNames(ctx.project.name);
    const d = decideEndpoint(input.postgres.value, input.endpoint, { secret: names.postgresSecret, db: names.dbInstance });
    const actions = d.change ? [act(d.change, () => writeSecretValue(ctx, input.postgres.arn, JSON.stringify(d.value)))] : [];
    // A value written in this pass is newer than any deployment: the services step redeploys.
    const changedAt = d.change ? Number.POSITIVE_INFINITY : 0;
    return proceed(actions, done("EndpointPublished", "the postgres secret holds the database's endpoint"), { provide: () => ({ value: d.value, changedAt }) });
  },
};
