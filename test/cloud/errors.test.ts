// The one classification of a failed AWS call (src/cloud/errors.ts classifyFailure), one row per rule,
// and the failed operation it reads: put on every error by the cloud layer, seen here through the real
// SDK clients over the sandbox.
import { describe, expect, test } from "vitest";
import { RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { classifyFailure, operationOf } from "../../src/cloud/errors.js";
import { CLUSTER_NAME, SANDBOX_DEFAULT_EXTERNAL_ID } from "../../src/cloud/names.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { failed } from "../../reconcilers/contract.js";

const aws = (name: string, status = 400, $operation?: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $operation });

describe("classifyFailure", () => {
  test.each([
    { reason: "ThrottlingException → throttle", err: aws("ThrottlingException"), want: "throttle" },
    { reason: "EC2's RequestLimitExceeded → throttle", err: aws("RequestLimitExceeded", 503), want: "throttle" },
    { reason: "an unparsed 429 → throttle", err: aws("UnknownError", 429), want: "throttle" },
    { reason: "AccessDeniedException → denied", err: aws("AccessDeniedException"), want: "denied" },
    { reason: "EC2's UnauthorizedOperation → denied", err: aws("UnauthorizedOperation"), want: "denied" },
    { reason: "a 403 whose body the SDK could not parse → denied", err: aws("UnknownError", 403), want: "denied" },
    { reason: "RDS InvalidParameterCombination (storage +<10%) → permanent", err: aws("InvalidParameterCombination", 400, "rds:ModifyDBInstance"), want: "permanent" },
    { reason: "ValidationException → permanent", err: aws("ValidationException"), want: "permanent" },
    { reason: "ECS ClientException on RegisterTaskDefinition (the spec's cpu/memory) → permanent", err: aws("ClientException", 400, "ecs:RegisterTaskDefinition"), want: "permanent" },
    { reason: "ECS InvalidParameterException on RegisterTaskDefinition → permanent", err: aws("InvalidParameterException", 400, "ecs:RegisterTaskDefinition"), want: "permanent" },
    { reason: "ECS ClientException on UpdateService (a task definition deregistered a moment ago) → transient", err: aws("ClientException", 400, "ecs:UpdateService"), want: "transient" },
    { reason: "ECS InvalidParameterException on CreateService (e.g. a load balancer still being created) → transient", err: aws("InvalidParameterException", 400, "ecs:CreateService"), want: "transient" },
    { reason: "ECS InvalidParameterException with no operation known → transient", err: aws("InvalidParameterException"), want: "transient" },
    { reason: "Secrets Manager InvalidRequestException (scheduled for deletion: state) → transient", err: aws("InvalidRequestException", 400, "secretsmanager:PutSecretValue"), want: "transient" },
    { reason: "ServiceUnavailable → transient", err: aws("ServiceUnavailable", 503), want: "transient" },
    { reason: "a code nobody listed → transient (backed off, never a hot loop, never Failed)", err: aws("SomethingNew"), want: "transient" },
  ])("$reason", ({ err, want }) => expect(classifyFailure(err)).toBe(want));

  test.each([
    { reason: "permanent → terminal, with the code", err: aws("InvalidParameterCombination"), want: { kind: "terminal", code: "InvalidParameterCombination", failure: "permanent" } },
    { reason: "denied → terminal", err: aws("AccessDenied", 403), want: { kind: "terminal", code: "AccessDenied", failure: "denied" } },
    { reason: "throttle → error, throttled", err: aws("Throttling"), want: { kind: "error", code: "Throttling", throttled: true } },
    { reason: "transient → error, the AWS code kept through a wrapping Error", err: new Error("create secret x", { cause: aws("InternalFailure", 500) }), want: { kind: "error", code: "InternalFailure", throttled: false } },
  ])("failed(): $reason", ({ err, want }) => expect(failed(err, "m")).toEqual({ ...want, message: "m" }));
});

describe("the failed operation travels with the error", () => {
  const cloud = new Cloud({ backend: new SandboxCloud({ delayMs: 0, seed: 4 }), baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "errors" });
  const clients = () => cloud.clientsFor("arn:aws:iam::300000000077:role/LangGraphCloudOperatorRole", SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
  const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a refusal"); }, (e: unknown) => e);

  test("ECS's ClientException for a Fargate cpu/memory it refuses is permanent: RegisterTaskDefinition's input is the spec", async () => {
    const err = await rejection((await clients()).ecs.send(new RegisterTaskDefinitionCommand({
      family: "x", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "1024", memory: "1000", containerDefinitions: [{ name: "api", image: "x:1" }],
    })));
    expect(operationOf(err)).toBe("ecs:RegisterTaskDefinition");
    expect(classifyFailure(err)).toBe("permanent");
  });

  test("the same family of codes from UpdateService is transient", async () => {
    const err = await rejection((await clients()).ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: "nope", desiredCount: 1 })));
    expect(operationOf(err)).toBe("ecs:UpdateService");
    expect(classifyFailure(err)).not.toBe("permanent");
  });
});
