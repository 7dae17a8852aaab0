// The sandbox refuses what AWS refuses on size and on tokens it never issued (issue 12.9), through the
// real SDK clients: a SecretString over 65,536 bytes, a task definition request over 64 KiB, an altered
// FilterLogEvents nextToken. The operator's API refuses them first; these keep the sandbox honest.
import { describe, expect, it } from "vitest";
import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { ClientException, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { CreateLogGroupCommand, FilterLogEventsCommand, InvalidParameterException } from "@aws-sdk/client-cloudwatch-logs";
import { SandboxFixture, rejection } from "./fixture.js";

const register = (env: Record<string, string>) => new RegisterTaskDefinitionCommand({
  family: "lg-demo-api", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
  containerDefinitions: [{ name: "api", image: "x:1", environment: Object.entries(env).map(([name, value]) => ({ name, value })) }],
});

describe("sizes AWS refuses", () => {
  it("Secrets Manager takes a SecretString of 65,536 bytes and refuses one byte more with ValidationException", async () => {
    const { secrets } = await new SandboxFixture().clients();
    await secrets.send(new CreateSecretCommand({ Name: "exact", SecretString: "s".repeat(65_536) }));
    const create = await rejection(secrets.send(new CreateSecretCommand({ Name: "over", SecretString: "s".repeat(65_537) })));
    expect(create.name).toBe("ValidationException");
    expect(create.message).toContain("65536");
    const put = await rejection(secrets.send(new PutSecretValueCommand({ SecretId: "exact", SecretString: "é".repeat(32_769) })));
    expect(put.name).toBe("ValidationException");
  });

  it("ECS refuses a RegisterTaskDefinition request over 64 KiB with ClientException, and registers one under it", async () => {
    const { ecs } = await new SandboxFixture().clients();
    await ecs.send(register({ A: "a".repeat(60_000) }));
    const err = await rejection(ecs.send(register({ A: "a".repeat(32_000), B: "b".repeat(32_000), C: "c".repeat(2_000) })));
    expect(err).toBeInstanceOf(ClientException);
    expect(err.message).toMatch(/Max allowed length is '65536' bytes/);
  });
});

describe("tokens AWS never issued", () => {
  it.each(["not-base64-json", Buffer.from("[1,2]").toString("base64"), Buffer.from('{"t":"x"}').toString("base64")])(
    "FilterLogEvents refuses nextToken %s with InvalidParameterException", async (nextToken) => {
      const { logs } = await new SandboxFixture().clients();
      await logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/ecs/langgraph-cloud" }));
      const err = await rejection(logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/ecs/langgraph-cloud", nextToken })));
      expect(err).toBeInstanceOf(InvalidParameterException);
    });
});
