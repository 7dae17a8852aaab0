// Secrets Manager state and the rules every operation shares: ARNs with the six-character suffix,
// lookup by name, full or partial ARN; ClientRequestToken as the version id (same token and value
// is a no-op, same token with another value is ResourceExistsException); AWSCURRENT moving to each
// new version with AWSPREVIOUS behind it; deletion scheduled for a recovery window (one `delayMs` per
// day here) during which reads fail, and the purge when it has passed.
import { fail } from "./errors.js";
import { mintHex, type OpContext, type Tags } from "./state.js";

const SECRET_VALUE_MAX_BYTES = 65_536;

export interface SecretVersion {
  id: string;
  value?: string;
  /** base64 of SecretBinary. */
  binary?: string;
  stages: string[];
  createdAt: number;
}

export interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tags;
  createdAt: number;
  lastChangedAt: number;
  lastAccessedAt?: number;
  deletedAt?: number;
  purgeAt?: number;
  versions: SecretVersion[];
}

export interface SecretsState {
  /** Keyed by name; a purged secret's name is free again. */
  secrets: Record<string, Secret>;
}

const MARKED = "You can't perform this operation on the secret because it was marked for deletion.";
const KEEP_DEPRECATED_VERSIONS = 10;

export function advanceSecrets(ctx: OpContext): void {
  for (const [name, secret] of Object.entries(ctx.s.secrets.secrets)) {
    if (secret.purgeAt !== undefined && secret.purgeAt <= ctx.now) delete ctx.s.secrets.secrets[name];
  }
}

export function findSecret(ctx: OpContext, id: string | undefined): Secret {
  const all = ctx.s.secrets.secrets;
  const byName = id ? all[id] : undefined;
  const found = byName ?? Object.values(all).find((x) => x.arn === id || (id?.startsWith("arn:") && x.arn.slice(0, -7) === id));
  if (!found) fail("secretsmanager", "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
  return found;
}

export function live(secret: Secret): Secret {
  if (secret.deletedAt !== undefined) fail("secretsmanager", "InvalidRequestException", MARKED);
  return secret;
}

export interface ValueInput {
  ClientRequestToken?: string;
  SecretString?: string;
  SecretBinary?: Uint8Array;
  VersionStages?: string[];
}

export function hasValue(input: ValueInput): boolean {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    fail("secretsmanager", "InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  return input.SecretString !== undefined || input.SecretBinary !== undefined;
}

/**
 * Adds a version, or returns the existing one when the token repeats with the same value; the token is
 * the version id, which is what makes a retried create or put idempotent.
 */
export function putVersion(ctx: OpContext, secret: Secret, input: ValueInput): SecretVersion {
  // The API model's constraint on SecretString (and SecretBinary): at most 65,536 bytes, checked by
  // AWS's front end before the operation runs, hence the generic ValidationException.
  if (input.SecretString !== undefined && Buffer.byteLength(input.SecretString) > SECRET_VALUE_MAX_BYTES) {
    fail("secretsmanager", "ValidationException", `1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${SECRET_VALUE_MAX_BYTES}`);
  }
  const id = input.ClientRequestToken ?? mintHex(ctx, "secret-version", 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
  const binary = input.SecretBinary ? Buffer.from(input.SecretBinary).toString("base64") : undefined;
  const existing = secret.versions.find((v) => v.id === id);
  if (existing) {
    if (existing.value === input.SecretString && existing.binary === binary) return existing;
    fail("secretsmanager", "ResourceExistsException", "You can't modify an existing version, you can only create a new version.");
  }
  const stages = input.VersionStages?.length ? [...input.VersionStages] : ["AWSCURRENT"];
  if (stages.includes("AWSCURRENT")) {
    for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== "AWSPREVIOUS");
    const current = secret.versions.find((v) => v.stages.includes("AWSCURRENT"));
    if (current) current.stages = [...current.stages.filter((s) => s !== "AWSCURRENT"), "AWSPREVIOUS"];
  }
  for (const v of secret.versions) v.stages = v.stages.filter((s) => s === "AWSPREVIOUS" || s === "AWSCURRENT" || !stages.includes(s));
  const version: SecretVersion = { id, value: input.SecretString, binary, stages, createdAt: ctx.now };
  secret.versions.push(version);
  const deprecated = secret.versions.filter((v) => v.stages.length === 0);
  for (const old of deprecated.slice(0, Math.max(0, deprecated.length - KEEP_DEPRECATED_VERSIONS))) {
    secret.versions.splice(secret.versions.indexOf(old), 1);
  }
  secret.lastChangedAt = ctx.now;
  return version;
}

export function versionsToStages(secret: Secret): Record<string, string[]> {
  return Object.fromEntries(secret.versions.filter((v) => v.stages.length).map((v) => [v.id, [...v.stages]]));
}

export function valueOutput(ctx: OpContext, secret: Secret, version: SecretVersion) {
  secret.lastAccessedAt = Math.floor(ctx.now / 86_400_000) * 86_400_000; // AWS records the day only
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.id,
    SecretString: version.value,
    SecretBinary: version.binary === undefined ? undefined : new Uint8Array(Buffer.from(version.binary, "base64")),
    VersionStages: [...version.stages],
    CreatedDate: new Date(version.createdAt),
  };
}

export function scheduleDeletion(ctx: OpContext, secret: Secret, days: number): void {
  secret.deletedAt = ctx.now;
  secret.purgeAt = ctx.now + days * ctx.timings.secretRecoveryDay;
}

/** GetSecretValue, also behind BatchGetSecretValue. */
export function readSecretValue(ctx: OpContext, input: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
  const secret = live(findSecret(ctx, input.SecretId));
  const stage = input.VersionStage ?? (input.VersionId ? undefined : "AWSCURRENT");
  const version = secret.versions.find((v) => (!input.VersionId || v.id === input.VersionId) && (!stage || v.stages.includes(stage)));
  if (!version) {
    const what = input.VersionId ? `version id: ${input.VersionId}` : `staging label: ${stage}`;
    fail("secretsmanager", "ResourceNotFoundException", `Secrets Manager can't find the specified secret value for ${what}`);
  }
  return valueOutput(ctx, secret, version);
}
