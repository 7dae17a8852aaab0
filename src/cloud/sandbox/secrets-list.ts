// ListSecrets and BatchGetSecretValue: secrets scheduled for deletion are hidden unless
// IncludePlannedDeletion; filters are prefix matches (name, tag-key, tag-value case-sensitive,
// description case-insensitive, `all` by words) with `!` negation, values OR'ed and keys AND'ed;
// a batch by id reports each missing or deleted secret under Errors instead of failing the call.
import { fail } from "./errors.js";
import { readSecretValue, valueOutput, versionsToStages, type Secret } from "./secrets-model.js";
import { date, tagList, type OpContext } from "./state.js";

type Filter = { Key?: string; Values?: string[] };

function checkFilters(filters: Filter[] | undefined) {
  for (const f of filters ?? []) {
    const n = f.Values?.length ?? 0;
    if (n < 1 || n > 10) fail("secretsmanager", "InvalidParameterException", `Filter ${f.Key} must have between 1 and 10 values, got ${n}.`);
  }
}

function filterMatches(secret: Secret, filters: Filter[] | undefined): boolean {
  return (filters ?? []).every((f) => {
    const haystack = (): string[] => {
      switch (f.Key) {
        case "name": return [secret.name];
        case "description": return [secret.description ?? ""];
        case "tag-key": return Object.keys(secret.tags);
        case "tag-value": return Object.values(secret.tags);
        case "primary-region": return [];
        case "owning-service": return [];
        case "all": return [secret.name, secret.description ?? "", ...Object.keys(secret.tags), ...Object.values(secret.tags)];
        default: return fail("secretsmanager", "InvalidParameterException", `Invalid filter key: ${f.Key}`);
      }
    };
    const caseless = f.Key === "description" || f.Key === "all";
    const norm = (x: string) => (caseless ? x.toLowerCase() : x);
    const values = haystack().map(norm);
    return (f.Values ?? []).some((raw) => {
      const negate = raw.startsWith("!");
      const v = norm(negate ? raw.slice(1) : raw);
      const hit = f.Key === "all"
        ? v.split(/\s+/).every((word) => values.some((h) => h.includes(word)))
        : values.some((h) => h.startsWith(v));
      return negate ? !hit : hit;
    });
  });
}

function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, limit: number) {
  const start = nextToken ? Number(Buffer.from(nextToken, "base64").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) fail("secretsmanager", "InvalidNextTokenException", "The NextToken value is invalid.");
  const size = Math.min(maxResults ?? limit, limit);
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(String(end)).toString("base64") : undefined };
}

export function listSecrets(ctx: OpContext, input: { IncludePlannedDeletion?: boolean; MaxResults?: number; NextToken?: string; Filters?: Filter[]; SortOrder?: string }) {
  checkFilters(input.Filters);
  const all = Object.values(ctx.s.secrets.secrets)
    .filter((x) => input.IncludePlannedDeletion || x.deletedAt === undefined)
    .filter((x) => filterMatches(x, input.Filters))
    .sort((a, b) => (input.SortOrder === "desc" ? b.createdAt - a.createdAt : a.createdAt - b.createdAt));
  const { items, next } = page(all, input.MaxResults, input.NextToken, 100);
  return {
    SecretList: items.map((x) => ({
      ARN: x.arn,
      Name: x.name,
      Description: x.description,
      KmsKeyId: x.kmsKeyId,
      LastChangedDate: new Date(x.lastChangedAt),
      LastAccessedDate: date(x.lastAccessedAt),
      DeletedDate: date(x.deletedAt),
      Tags: Object.keys(x.tags).length ? tagList(x.tags) : undefined,
      SecretVersionsToStages: versionsToStages(x),
      CreatedDate: new Date(x.createdAt),
    })),
    NextToken: next,
  };
}

export function batchGetSecretValue(ctx: OpContext, input: { SecretIdList?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
  if (input.SecretIdList?.length && input.Filters?.length) {
    fail("secretsmanager", "InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both.");
  }
  if (input.SecretIdList?.length) {
    if (input.SecretIdList.length > 20) fail("secretsmanager", "InvalidParameterException", "SecretIdList can contain at most 20 secrets.");
    const SecretValues = [];
    const Errors = [];
    for (const id of input.SecretIdList) {
      try {
        SecretValues.push(readSecretValue(ctx, { SecretId: id }));
      } catch (err) {
        const e = err as Error;
        Errors.push({ SecretId: id, ErrorCode: e.name, Message: e.message });
      }
    }
    return { SecretValues, Errors };
  }
  checkFilters(input.Filters);
  const matching = Object.values(ctx.s.secrets.secrets).filter((x) => x.deletedAt === undefined && filterMatches(x, input.Filters));
  const { items, next } = page(matching, input.MaxResults, input.NextToken, 20);
  const SecretValues = items.flatMap((x) => {
    const current = x.versions.find((v) => v.stages.includes("AWSCURRENT"));
    return current ? [valueOutput(ctx, x, current)] : [];
  });
  return { SecretValues, Errors: [], NextToken: next };
}
