// AWS errors as the reconcilers and the engine see them: the code AWS sent survives to the condition a
// user reads, and each code is classed once here (throttling, transient, permanent, not found).

export function awsErrorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.Code || e?.name || e?.code || "UnknownError";
}

export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

const THROTTLE = new Set(["ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException", "SlowDown"]);
const ACCESS = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "AuthFailure"]);
const TRANSIENT = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalError", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException", "ServerException", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);
const VALIDATION = new Set(["ValidationException", "ValidationError", "InvalidParameterException", "InvalidParameterValue", "InvalidParameterCombination", "InvalidParameterValueException", "ClientException", "InvalidRequestException", "StorageQuotaExceeded", "InvalidDBInstanceClass"]);

export const isThrottle = (err: unknown) => THROTTLE.has(awsErrorCode(err)) || httpStatusOf(err) === 429;
/** 403 counts too: a denial whose body the SDK could not parse (moto answers JSON APIs with XML) is still one. */
export const isAccessDenied = (err: unknown) => ACCESS.has(awsErrorCode(err)) || httpStatusOf(err) === 403
  || (err as { $response?: { statusCode?: number } })?.$response?.statusCode === 403;
export const isTransient = (err: unknown) => {
  const status = httpStatusOf(err);
  return TRANSIENT.has(awsErrorCode(err)) || (status !== undefined && status >= 500) || isThrottle(err);
};
export const isValidation = (err: unknown) => VALIDATION.has(awsErrorCode(err));

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
