// Secrets Manager operations as documented: CreateSecret of an existing name is ResourceExistsException
// unless it repeats the same token and value, and of a name scheduled for deletion is
// InvalidRequestException; reads and writes of a scheduled secret are InvalidRequestException;
// DeleteSecret takes a 7–30 day window (default 30) or ForceDeleteWithoutRecovery, not both, and
// refuses a secret already scheduled unless forced; RestoreSecret cancels the deletion.
import { fail } from "./errors.js";
import { partitionOf, stableSuffix } from "./ids.js";
import { batchGetSecretValue, listSecrets } from "./secrets-list.js";
import {
  findSecret,
  hasValue,
  live,
  putVersion,
  readSecretValue,
  scheduleDeletion,
  versionsToStages,
  type Secret,
  type ValueInput,
} from "./secrets-model.js";
import { date, tagList, tagsFromList, type OperationHandler, type OpContext } from "./state.js";

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

interface CreateInput extends ValueInput {
  Name?: string;
  Description?: string;
  KmsKeyId?: string;
  Tags?: { Key?: string; Value?: string }[];
}

function createSecret(ctx: OpContext, input: CreateInput) {
  const name = input.Name ?? "";
  if (!NAME.test(name)) fail("secretsmanager", "InvalidParameterException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
  const withValue = hasValue(input);
  const existing = ctx.s.secrets.secrets[name];
  if (existing?.deletedAt !== undefined) {
    fail("secretsmanager", "InvalidRequestException", "You can't create this secret because a secret with this name is already scheduled for deletion.");
  }
  if (existing) {
    const same = input.ClientRequestToken && existing.versions.find((v) => v.id === input.ClientRequestToken);
    if (!same) fail("secretsmanager", "ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
    const version = putVersion(ctx, existing, input);
    return { ARN: existing.arn, Name: name, VersionId: version.id, ReplicationStatus: [] };
  }
  const partition = partitionOf(ctx.s.region);
  const suffix = stableSuffix([ctx.seed, ctx.s.accountId, ctx.s.region, name, ++ctx.s.seq]);
  const secret: Secret = {
    arn: `arn:${partition}:secretsmanager:${ctx.s.region}:${ctx.s.accountId}:secret:${name}-${suffix}`,
    name,
    description: input.Description,
    kmsKeyId: input.KmsKeyId,
    tags: tagsFromList(input.Tags),
    createdAt: ctx.now,
    lastChangedAt: ctx.now,
    versions: [],
  };
  const version = withValue ? putVersion(ctx, secret, input) : undefined;
  ctx.s.secrets.secrets[name] = secret;
  return { ARN: secret.arn, Name: name, VersionId: version?.id, ReplicationStatus: [] };
}

function describeSecret(ctx: OpContext, input: { SecretId?: string }) {
  const secret = findSecret(ctx, input.SecretId);
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    RotationEnabled: false,
    LastChangedDate: new Date(secret.lastChangedAt),
    LastAccessedDate: date(secret.lastAccessedAt),
    DeletedDate: date(secret.deletedAt),
    Tags: Object.keys(secret.tags).length ? tagList(secret.tags) : undefined,
    VersionIdsToStages: versionsToStages(secret),
    CreatedDate: new Date(secret.createdAt),
  };
}

function putSecretValue(ctx: OpContext, input: ValueInput & { SecretId?: string }) {
  const secret = live(findSecret(ctx, input.SecretId));
  if (!hasValue(input)) fail("secretsmanager", "InvalidRequestException", "You must provide either SecretString or SecretBinary.");
  const version = putVersion(ctx, secret, input);
  return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
}

function updateSecret(ctx: OpContext, input: ValueInput & { SecretId?: string; Description?: string; KmsKeyId?: string }) {
  const secret = live(findSecret(ctx, input.SecretId));
  if (input.Description !== undefined) secret.description = input.Description;
  if (input.KmsKeyId !== undefined) secret.kmsKeyId = input.KmsKeyId;
  secret.lastChangedAt = ctx.now;
  const version = hasValue(input) ? putVersion(ctx, secret, { ...input, VersionStages: undefined }) : undefined;
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.id };
}

function deleteSecret(ctx: OpContext, input: { SecretId?: string; RecoveryWindowInDays?: number; ForceDeleteWithoutRecovery?: boolean }) {
  if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
    fail("secretsmanager", "InvalidParameterException", "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  const days = input.RecoveryWindowInDays ?? 30;
  if (days < 7 || days > 30) fail("secretsmanager", "InvalidParameterException", "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
  const secret = findSecret(ctx, input.SecretId);
  if (input.ForceDeleteWithoutRecovery) {
    delete ctx.s.secrets.secrets[secret.name];
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(ctx.now) };
  }
  if (secret.deletedAt !== undefined) {
    fail("secretsmanager", "InvalidRequestException", "You tried to perform the operation on a secret that's currently marked deleted.");
  }
  scheduleDeletion(ctx, secret, days);
  return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(secret.purgeAt!) };
}

function restoreSecret(ctx: OpContext, input: { SecretId?: string }) {
  const secret = findSecret(ctx, input.SecretId);
  delete secret.deletedAt;
  delete secret.purgeAt;
  return { ARN: secret.arn, Name: secret.name };
}

export const secretsHandlers: Record<string, OperationHandler> = {
  CreateSecret: createSecret,
  DescribeSecret: describeSecret,
  GetSecretValue: readSecretValue,
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  ListSecrets: listSecrets,
  BatchGetSecretValue: batchGetSecretValue,
  TagResource: (ctx, input: { SecretId?: string; Tags?: { Key?: string; Value?: string }[] }) => {
    const secret = live(findSecret(ctx, input.SecretId));
    secret.tags = { ...secret.tags, ...tagsFromList(input.Tags) };
    return {};
  },
  UntagResource: (ctx, input: { SecretId?: string; TagKeys?: string[] }) => {
    const secret = live(findSecret(ctx, input.SecretId));
    for (const k of input.TagKeys ?? []) delete secret.tags[k];
    return {};
  },
};
