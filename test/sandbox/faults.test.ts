// Fault injection goes through the SDK's own retry strategy, leaves no half-applied change, and is
// configured from BYOC_SANDBOX_FAULTS; every attempt is in the call log. Also: operations the sandbox
// does not model fail loudly.
import { describe, expect, it } from "vitest";
import { CreateSecretCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { DescribeClustersCommand, ECSClient, ListContainerInstancesCommand } from "@aws-sdk/client-ecs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeDBInstancesCommand, DescribeDBClustersCommand } from "@aws-sdk/client-rds";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { SandboxCloud, sandboxOperatorCredentials } from "../../src/cloud/sandbox/index.js";
import { ACCOUNT, REGION, SandboxFixture, rejection } from "./fixture.js";

describe("throttling", () => {
  it("is retried by the SDK until it gives up, and every attempt is logged", async () => {
    const f = new SandboxFixture();
    const c = await f.clients({ maxAttempts: 2 });
    f.cloud.setFaults({ throttleRate: 1 });
    const err = await rejection(c.ecs.send(new DescribeClustersCommand({})));
    expect(err.name).toBe("ThrottlingException");
    expect(err.$metadata.attempts).toBe(2);
    expect(f.cloud.calls.count("ecs:DescribeClusters", "ThrottlingException")).toBe(2);
    expect(f.cloud.calls.entries.at(-1)).toMatchObject({ service: "ecs", operation: "DescribeClusters", accountId: ACCOUNT, region: REGION, outcome: "ThrottlingException" });
  });

  const shapes = [
    { service: "rds", run: (c: any) => c.rds.send(new DescribeDBInstancesCommand({})), name: "Throttling", status: 400 },
    { service: "ec2", run: (c: any) => c.ec2.send(new DescribeVpcsCommand({})), name: "RequestLimitExceeded", status: 503 },
    { service: "secretsmanager", run: (c: any) => c.secrets.send(new ListSecretsCommand({})), name: "ThrottlingException", status: 400 },
  ];
  it.each(shapes)("has $service's own shape ($name)", async ({ run, name, status }) => {
    const f = new SandboxFixture();
    const c = await f.clients({ maxAttempts: 1 });
    f.cloud.setFaults({ throttleRate: 1 });
    const err = await rejection(run(c));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual([name, status]);
  });

  it("at a moderate rate is absorbed by retries: every request succeeds, with more attempts than requests", async () => {
    const f = new SandboxFixture({ seed: 3 });
    const c = await f.clients({ maxAttempts: 5 });
    f.cloud.setFaults({ throttleRate: 0.25 });
    f.cloud.calls.reset();
    for (let i = 0; i < 4; i++) await c.ecs.send(new DescribeClustersCommand({}));
    const attempts = f.cloud.calls.count("ecs:DescribeClusters");
    expect(f.cloud.calls.count("ecs:DescribeClusters", "ok")).toBe(4);
    expect(attempts).toBeGreaterThan(4);
    expect(f.cloud.calls.byOutcome().get("ThrottlingException")).toBe(attempts - 4);
  });
});

describe("server errors and timeouts", () => {
  const cases = [
    { fault: { serverErrorRate: 1 }, names: ["ServerException", "ServiceUnavailable"], fault_: "server" },
    { fault: { timeoutRate: 1 }, names: ["TimeoutError"], fault_: undefined },
  ];
  it.each(cases)("$names are retried as transient and fail the call only when attempts run out", async ({ fault, names, fault_ }) => {
    const f = new SandboxFixture();
    const c = await f.clients({ maxAttempts: 2 });
    f.cloud.setFaults(fault);
    const err = await rejection(c.ecs.send(new DescribeClustersCommand({})));
    expect(names).toContain(err.name);
    expect(err.$fault).toBe(fault_);
    expect(f.cloud.calls.count("ecs:DescribeClusters")).toBe(2);
  });

  it("never apply the faulted call", async () => {
    const f = new SandboxFixture();
    const c = await f.clients({ maxAttempts: 1 });
    f.cloud.setFaults({ serverErrorRate: 1 });
    await rejection(c.secrets.send(new CreateSecretCommand({ Name: "langgraph-cloud/demo/env", SecretString: "{}" })));
    f.cloud.setFaults({ serverErrorRate: 0 });
    expect((await c.secrets.send(new ListSecretsCommand({}))).SecretList).toEqual([]);
  });

  it("latency is added to every call", async () => {
    const f = new SandboxFixture();
    const c = await f.clients();
    f.cloud.setFaults({ latencyMs: 40 });
    const started = performance.now();
    await c.ecs.send(new DescribeClustersCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });
});

describe("SandboxCloud.fromEnv", () => {
  const bad = [
    { env: { BYOC_SANDBOX_FAULTS: "throttle=lots" }, variable: "BYOC_SANDBOX_FAULTS" },
    { env: { BYOC_SANDBOX_FAULTS: "throttle=1.5" }, variable: "BYOC_SANDBOX_FAULTS" },
    { env: { BYOC_SANDBOX_FAULTS: "jitter=0.1" }, variable: "BYOC_SANDBOX_FAULTS" },
    { env: { BYOC_SANDBOX_FAULTS: "latencyMs=-5" }, variable: "BYOC_SANDBOX_FAULTS" },
    { env: { BYOC_SANDBOX_DELAY_MS: "soon" }, variable: "BYOC_SANDBOX_DELAY_MS" },
    { env: { BYOC_SANDBOX_EXTERNAL_ID: "x" }, variable: "BYOC_SANDBOX_EXTERNAL_ID" },
  ];
  it.each(bad)("rejects $env with a message naming $variable", ({ env, variable }) => {
    expect(() => SandboxCloud.fromEnv(env)).toThrow(new RegExp(`^${variable}: `));
  });

  it("reads faults, delay and external id", async () => {
    const cloud = SandboxCloud.fromEnv({ BYOC_SANDBOX_FAULTS: "throttle=1,5xx=0,timeout=0,latencyMs=0", BYOC_SANDBOX_DELAY_MS: "0", BYOC_SANDBOX_EXTERNAL_ID: "from-env" });
    const ecs = cloud.attach(new ECSClient({ region: REGION, credentials: sandboxOperatorCredentials(), maxAttempts: 1 }));
    expect((await rejection(ecs.send(new DescribeClustersCommand({})))).name).toBe("ThrottlingException");
    cloud.setFaults({ throttleRate: 0 });
    const sts = cloud.attach(new STSClient({ region: REGION, credentials: sandboxOperatorCredentials() }));
    const ok = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/R`, RoleSessionName: "env", ExternalId: "from-env" }));
    expect(ok.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });
});

describe("operations the sandbox does not model", () => {
  const cases = [
    { protocol: "JSON (ECS)", run: (c: any) => c.ecs.send(new ListContainerInstancesCommand({})), name: "UnknownOperationException" },
    { protocol: "query (RDS)", run: (c: any) => c.rds.send(new DescribeDBClustersCommand({})), name: "InvalidAction" },
  ];
  it.each(cases)("fail loudly over $protocol", async ({ run, name }) => {
    const c = await new SandboxFixture().clients({ maxAttempts: 1 });
    const err = await rejection(run(c));
    expect(err.name).toBe(name);
    expect(err.message).toContain("does not model");
  });
});

describe("the seed", () => {
  it("makes generated ids reproducible, and another seed gives other ids", async () => {
    const arnFor = async (seed: number) => {
      const c = await new SandboxFixture({ seed }).clients();
      return (await c.secrets.send(new CreateSecretCommand({ Name: "langgraph-cloud/demo/env", SecretString: "{}" }))).ARN;
    };
    expect(await arnFor(11)).toBe(await arnFor(11));
    expect(await arnFor(11)).not.toBe(await arnFor(12));
  });
});
