// AWS errors as the SDK would surface them. Where a client models an exception (RDS
// DBInstanceNotFoundFault, ECS ServiceNotFoundException, …) the sandbox throws that very class so
// `instanceof` works in the operator; otherwise it throws the client's ServiceException with the exact
// AWS error code as `name`, as the SDK does for unmodelled codes. Query-protocol services (STS, EC2,
// RDS) also carry `Code`/`Type`/`Error` as their deserializer adds them. Each service has its own
// spelling for throttling, server faults and denied access; those shapes live here in one table.
import * as stsSdk from "@aws-sdk/client-sts";
import * as ec2Sdk from "@aws-sdk/client-ec2";
import * as rdsSdk from "@aws-sdk/client-rds";
import * as secretsSdk from "@aws-sdk/client-secrets-manager";
import * as ecsSdk from "@aws-sdk/client-ecs";
import * as logsSdk from "@aws-sdk/client-cloudwatch-logs";
import * as cloudwatchSdk from "@aws-sdk/client-cloudwatch";
import * as elbSdk from "@aws-sdk/client-elastic-load-balancing-v2";
import * as cloudMapSdk from "@aws-sdk/client-servicediscovery";
import * as scalingSdk from "@aws-sdk/client-application-auto-scaling";
import * as acmSdk from "@aws-sdk/client-acm";
import { randomUUID } from "node:crypto";

export type SandboxService =
  | "sts" | "ec2" | "rds" | "secretsmanager" | "ecs" | "logs" | "cloudwatch" | "elbv2" | "servicediscovery" | "application-autoscaling" | "acm";

type Shape = readonly [code: string, status: number];
type ExceptionCtor = new (opts: Record<string, unknown>) => Error;

interface ErrorFamily {
  base: ExceptionCtor;
  sdk: Record<string, unknown>;
  query: boolean;
  throttle: Shape;
  server: Shape;
  accessDenied: Shape;
  unrecognizedClient: Shape;
  unknownOperation: Shape;
}

const json = { unrecognizedClient: ["UnrecognizedClientException", 400], unknownOperation: ["UnknownOperationException", 400] } as const;
const query = { unrecognizedClient: ["InvalidClientTokenId", 403], unknownOperation: ["InvalidAction", 400] } as const;

const FAMILIES: Record<SandboxService, ErrorFamily> = {
  sts: { base: stsSdk.STSServiceException as unknown as ExceptionCtor, sdk: stsSdk, query: true, ...query,
    throttle: ["Throttling", 400], server: ["InternalFailure", 500], accessDenied: ["AccessDenied", 403] },
  ec2: { base: ec2Sdk.EC2ServiceException as unknown as ExceptionCtor, sdk: ec2Sdk, query: true,
    unrecognizedClient: ["AuthFailure", 401], unknownOperation: ["InvalidAction", 400],
    throttle: ["RequestLimitExceeded", 503], server: ["InternalError", 500], accessDenied: ["UnauthorizedOperation", 403] },
  rds: { base: rdsSdk.RDSServiceException as unknown as ExceptionCtor, sdk: rdsSdk, query: true, ...query,
    throttle: ["Throttling", 400], server: ["InternalFailure", 500], accessDenied: ["AccessDenied", 403] },
  secretsmanager: { base: secretsSdk.SecretsManagerServiceException as unknown as ExceptionCtor, sdk: secretsSdk, query: false, ...json,
    throttle: ["ThrottlingException", 400], server: ["InternalServiceError", 500], accessDenied: ["AccessDeniedException", 400] },
  ecs: { base: ecsSdk.ECSServiceException as unknown as ExceptionCtor, sdk: ecsSdk, query: false, ...json,
    throttle: ["ThrottlingException", 400], server: ["ServerException", 500], accessDenied: ["AccessDeniedException", 400] },
  logs: { base: logsSdk.CloudWatchLogsServiceException as unknown as ExceptionCtor, sdk: logsSdk, query: false, ...json,
    throttle: ["ThrottlingException", 400], server: ["ServiceUnavailableException", 500], accessDenied: ["AccessDeniedException", 400] },
  cloudwatch: { base: cloudwatchSdk.CloudWatchServiceException as unknown as ExceptionCtor, sdk: cloudwatchSdk, query: false, ...json,
    throttle: ["Throttling", 400], server: ["InternalServiceFault", 500], accessDenied: ["AccessDenied", 403] },
  elbv2: { base: elbSdk.ElasticLoadBalancingV2ServiceException as unknown as ExceptionCtor, sdk: elbSdk, query: true, ...query,
    throttle: ["Throttling", 400], server: ["InternalFailure", 500], accessDenied: ["AccessDenied", 403] },
  servicediscovery: { base: cloudMapSdk.ServiceDiscoveryServiceException as unknown as ExceptionCtor, sdk: cloudMapSdk, query: false, ...json,
    throttle: ["RequestLimitExceeded", 400], server: ["InternalFailure", 500], accessDenied: ["AccessDeniedException", 400] },
  "application-autoscaling": { base: scalingSdk.ApplicationAutoScalingServiceException as unknown as ExceptionCtor, sdk: scalingSdk, query: false, ...json,
    throttle: ["ThrottlingException", 400], server: ["InternalServiceException", 500], accessDenied: ["AccessDeniedException", 400] },
  acm: { base: acmSdk.ACMServiceException as unknown as ExceptionCtor, sdk: acmSdk, query: false, ...json,
    throttle: ["ThrottlingException", 400], server: ["InternalFailure", 500], accessDenied: ["AccessDeniedException", 400] },
};

/**
 * Query-protocol wire codes drop the suffix their SDK class names carry: RDS's `Fault`
 * (DBInstanceNotFound → DBInstanceNotFoundFault), ELBv2's `Exception` (LoadBalancerNotFound →
 * LoadBalancerNotFoundException).
 */
function wireCode(service: SandboxService, name: string): string {
  if (service === "elbv2") return name.replace(/Exception$/, "");
  if (service !== "rds" || name === "DBSubnetGroupNotFoundFault") return name;
  return name.replace(/Fault$/, "");
}

function modelledClass(family: ErrorFamily, name: string): ExceptionCtor | undefined {
  const candidate = family.sdk[name];
  if (typeof candidate !== "function") return undefined;
  return candidate.prototype instanceof family.base ? (candidate as ExceptionCtor) : undefined;
}

/** An error as the SDK for `service` would throw it for the AWS error code `name`. */
export function awsError(service: SandboxService, name: string, message: string, status = 400, extra: Record<string, unknown> = {}): Error {
  const family = FAMILIES[service];
  const $metadata = { httpStatusCode: status, requestId: randomUUID() };
  const $fault = status >= 500 ? "server" : "client";
  const Ctor = modelledClass(family, name);
  const err = Ctor
    ? new Ctor({ message, $metadata, ...extra })
    : Object.assign(new family.base({ name, $fault, message, $metadata }), extra);
  if (family.query) {
    const Code = wireCode(service, name);
    const Type = $fault === "server" ? "Receiver" : "Sender";
    Object.assign(err, { Code, Type, Error: { Code, Type, Message: message } });
  }
  return err;
}

/** Throw-expression form for handlers: `return fail("ecs", "ClusterNotFoundException", "Cluster not found.")`. */
export function fail(service: SandboxService, name: string, message: string, status = 400, extra: Record<string, unknown> = {}): never {
  throw awsError(service, name, message, status, extra);
}

export function throttlingError(service: SandboxService): Error {
  const [code, status] = FAMILIES[service].throttle;
  return awsError(service, code, "Rate exceeded", status);
}

/** Half of injected server faults are the service's own 500, half a generic 503 from the front door. */
export function serverError(service: SandboxService, unavailable: boolean): Error {
  if (unavailable) return awsError(service, "ServiceUnavailable", "Service is currently unavailable. Please try again later.", 503);
  const [code, status] = FAMILIES[service].server;
  return awsError(service, code, "We encountered an internal error. Please try again.", status);
}

/** What the SDK's node HTTP handler throws when a request outlives its timeout; retried as transient. */
export function timeoutError(): Error {
  return Object.assign(new Error("Connection timed out after 30000 ms"), { name: "TimeoutError", $metadata: {} });
}

export function accessDeniedError(service: SandboxService, code: string, callerArn: string, action: string, resource: string): Error {
  const [deniedCode, status] = FAMILIES[service].accessDenied;
  const message = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  if (code === "AccessDenied" || code === deniedCode) return awsError(service, deniedCode, message, status);
  return awsError(service, code, message, 403);
}

export function unrecognizedClientError(service: SandboxService): Error {
  const [code, status] = FAMILIES[service].unrecognizedClient;
  const message = service === "ec2"
    ? "AWS was not able to validate the provided access credentials"
    : "The security token included in the request is invalid.";
  return awsError(service, code, message, status);
}

export function unknownOperationError(service: SandboxService, operation: string): Error {
  const [code, status] = FAMILIES[service].unknownOperation;
  return awsError(service, code, `The sandbox cloud does not model ${service}:${operation}.`, status);
}
