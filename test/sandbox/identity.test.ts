// STS and caller identity: the external-id trust convention of docs/reference.md §2, session keys mapping to the
// customer account, unknown credentials refused, and a customer breaking (then fixing) the role.
import { describe, expect, it } from "vitest";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeClustersCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ACCOUNT, EXTERNAL_ID, REGION, ROLE_ARN, ROLE_NAME, SandboxFixture, rejection } from "./fixture.js";

describe("STS AssumeRole", () => {
  const refusals = [
    { reason: "another external id is refused as the trust policy condition would", input: { ExternalId: "someone-else" }, name: "AccessDenied", status: 403 },
    { reason: "a missing external id is refused", input: { ExternalId: undefined }, name: "AccessDenied", status: 403 },
    { reason: "a malformed role ARN is a validation error", input: { RoleArn: "arn:aws:iam::12345:role/x" }, name: "ValidationError", status: 400 },
    { reason: "a session longer than the role allows is a validation error", input: { DurationSeconds: 7200 }, name: "ValidationError", status: 400 },
  ];
  it.each(refusals)("$reason", async ({ input, name, status }) => {
    const f = new SandboxFixture();
    const err = await rejection(f.operatorSts().send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "byoc-test", ExternalId: EXTERNAL_ID, ...input })));
    expect(err.name).toBe(name);
    expect(err.$metadata.httpStatusCode).toBe(status);
    if (name === "AccessDenied") expect(err.message).toContain(`is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`);
  });

  it("issues temporary credentials that act in the role's account", async () => {
    const f = new SandboxFixture();
    const out = await f.operatorSts().send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "byoc-test", ExternalId: EXTERNAL_ID }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration).toBeInstanceOf(Date);
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/byoc-test`);

    const { sts } = await f.clients();
    const who = await sts.send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(ACCOUNT);
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/byoc-test`);
  });

  it("answers for the control-plane account with the operator's own keys", async () => {
    const f = new SandboxFixture();
    const who = await f.operatorSts().send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe("000000000000");
  });

  it("honours BYOC_SANDBOX_EXTERNAL_ID", async () => {
    const f = new SandboxFixture({ externalId: "custom-external-id" });
    const ok = await f.operatorSts().send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "byoc-test", ExternalId: "custom-external-id" }));
    expect(ok.Credentials?.AccessKeyId).toBeTruthy();
    const err = await rejection(f.operatorSts().send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: "byoc-test", ExternalId: EXTERNAL_ID })));
    expect(err.name).toBe("AccessDenied");
  });
});

describe("unknown credentials", () => {
  const unknown = { accessKeyId: "ASIAUNKNOWNUNKNOWN00", secretAccessKey: "x", sessionToken: "y" };
  const cases = [
    { service: "ecs (JSON protocol)", call: (f: SandboxFixture) => f.cloud.attach(new ECSClient({ region: REGION, credentials: unknown })).send(new DescribeClustersCommand({})), name: "UnrecognizedClientException", status: 400 },
    { service: "rds (query protocol)", call: (f: SandboxFixture) => f.cloud.attach(new RDSClient({ region: REGION, credentials: unknown })).send(new DescribeDBInstancesCommand({})), name: "InvalidClientTokenId", status: 403 },
    { service: "sts", call: (f: SandboxFixture) => f.cloud.attach(new STSClient({ region: REGION, credentials: unknown })).send(new GetCallerIdentityCommand({})), name: "InvalidClientTokenId", status: 403 },
  ];
  it.each(cases)("are refused by $service", async ({ call, name, status }) => {
    const err = await rejection(call(new SandboxFixture()));
    expect(err.name).toBe(name);
    expect(err.$metadata.httpStatusCode).toBe(status);
  });
});

describe("console.denyRole", () => {
  it("makes every call of the role's sessions fail in each service's own shape, until allowRole", async () => {
    const f = new SandboxFixture();
    const c = await f.clients();
    await f.cloud.console.denyRole(ACCOUNT, ROLE_NAME);
    const denied = [
      { call: c.ecs.send(new DescribeClustersCommand({})), name: "AccessDeniedException", status: 400 },
      { call: c.rds.send(new DescribeDBInstancesCommand({})), name: "AccessDenied", status: 403 },
      { call: c.ec2.send(new DescribeVpcsCommand({})), name: "UnauthorizedOperation", status: 403 },
      { call: c.secrets.send(new ListSecretsCommand({})), name: "AccessDeniedException", status: 400 },
      { call: c.logs.send(new DescribeLogGroupsCommand({})), name: "AccessDeniedException", status: 400 },
    ];
    for (const { call, name, status } of denied) {
      const err = await rejection(call);
      expect(err.name).toBe(name);
      expect(err.$metadata.httpStatusCode).toBe(status);
      expect(err.message).toContain(`assumed-role/${ROLE_NAME}/byoc-test is not authorized to perform`);
    }
    // Another role of the same account is unaffected.
    const other = await f.clients({ roleArn: `arn:aws:iam::${ACCOUNT}:role/SomethingElse` });
    await expect(other.ecs.send(new DescribeClustersCommand({}))).resolves.toBeDefined();

    await f.cloud.console.allowRole(ACCOUNT, ROLE_NAME);
    await expect(c.ecs.send(new DescribeClustersCommand({}))).resolves.toBeDefined();
  });
});
