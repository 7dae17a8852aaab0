// AWS errors as the reconcilers and the engine see them: the code AWS sent survives to the condition a
// user reads, and each failure is classed once, here, from that code (and, where one code means
// different things for different calls, the operation that failed): see classifyFailure.

export function awsErrorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.Code || e?.name || e?.code || "UnknownError";
}

export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** How a failure is handled: see classifyFailure. */
export type FailureClass = "throttle" | "transient" | "permanent" | "denied";

const THROTTLE = new Set([
  "ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
  "RequestThrottledException", "ProvisionedThroughputExceededException", "SlowDown",
]);
const DENIED = new Set([
  "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnrecognizedClientException",
  "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "AuthFailure",
]);
/**
 * Codes that mean "this request, as the spec makes it, will never succeed": retrying it unchanged is
 * pointless until the spec (or the customer's account) changes. Each names the request's content, not
 * the resource's current state: RDS's InvalidParameterCombination (storage grown by under 10%),
 * InvalidParameterValue (an engine version RDS does not offer), StorageQuotaExceeded, …
 */
const PERMANENT = new Set([
  "ValidationException", "ValidationError", "InvalidParameterValue", "InvalidParameterCombination",
  "InvalidParameterValueException", "StorageQuotaExceeded", "InvalidDBInstanceClass",
]);
/**
 * Codes too broad to class alone, permanent only for the operations named. ECS's ClientException
 * ("usually caused by a client action … or an identifier that isn't valid") and InvalidParameterException
 * ("the specified parameter isn't valid") are also what ECS answers about *state*: UpdateService naming
 * a task definition deregistered a moment ago, CreateService with a target group whose load balancer is
 * still being created, a create that was not idempotent. Those clear on a later pass, so they are
 * transient everywhere except RegisterTaskDefinition, whose input is the spec alone (cpu/memory, image).
 * Secrets Manager's InvalidRequestException is "not valid for the current state of the resource" (e.g.
 * scheduled for deletion, which the next pass restores): transient, never permanent.
 */
const PERMANENT_FOR: Record<string, ReadonlySet<string>> = {
  "ecs:RegisterTaskDefinition": new Set(["ClientException", "InvalidParameterException"]),
  // A certificate ACM does not know, or one of another account or region: the spec must change.
  "elasticloadbalancing:CreateListener": new Set(["CertificateNotFound", "CertificateNotFoundException"]),
  "elasticloadbalancing:ModifyListener": new Set(["CertificateNotFound", "CertificateNotFoundException"]),
};

export const operationOf = (err: unknown): string | undefined => (err as { $operation?: string })?.$operation;

/** A 403 counts as denied: a denial whose body the SDK could not parse (moto answers JSON APIs with XML) is still one. */
const statusOf = (err: unknown) => httpStatusOf(err) ?? (err as { $response?: { statusCode?: number } })?.$response?.statusCode;

/**
 * The one classification of a failed AWS call, from AWS's error code:
 * - throttle: slow the account's token bucket and back off (retried);
 * - denied: the role refuses it; retried slowly (cap 15 min) until the customer fixes the role;
 * - permanent: the request cannot succeed until the spec changes; retried slowly;
 * - transient: anything else (5xx, timeouts, state that clears, codes we do not know); backed off.
 * `operation` ("service:Operation", which the cloud layer puts on every error it passes on as
 * `$operation`) refines codes that mean different things for different calls.
 */
export function classifyFailure(err: unknown, operation = operationOf(err)): FailureClass {
  const code = awsErrorCode(err);
  const status = statusOf(err);
  if (THROTTLE.has(code) || status === 429) return "throttle";
  if (DENIED.has(code) || status === 403) return "denied";
  if (PERMANENT.has(code) || (operation !== undefined && PERMANENT_FOR[operation]?.has(code))) return "permanent";
  return "transient";
}

export const isThrottle = (err: unknown) => classifyFailure(err) === "throttle";
export const isAccessDenied = (err: unknown) => classifyFailure(err) === "denied";

export function errorMessage(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  return msg.length > 500 ? `${msg.slice(0, 500)}…` : msg;
}

/** Walks `cause` to the AWS error that started it. */
export function rootAwsError(err: unknown): unknown {
  let cur = err as { cause?: unknown; $metadata?: unknown } | undefined;
  for (let i = 0; i < 10 && cur; i++) {
    if (cur.$metadata) return cur;
    cur = cur.cause as typeof cur;
  }
  return err;
}
