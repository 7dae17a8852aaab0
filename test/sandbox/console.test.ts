// Out-of-band changes through the sandbox console are what the operator then observes through the
// API, as drift or damage to repair.
import { describe, expect, it } from "vitest";
import { DescribeClustersCommand, ListTagsForResourceCommand as EcsListTags } from "@aws-sdk/client-ecs";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateDBInstanceCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { CLUSTER_NAME, DB_SUBNET_GROUP_NAME, LOG_GROUP_NAME } from "../../src/cloud/names.js";
import { ACCOUNT, REGION, SandboxFixture } from "./fixture.js";
import { describeService, preparedAccount, SERVICE } from "./ecs-setup.js";

const DELAY = 1000;

async function world() {
  const f = new SandboxFixture({ delayMs: DELAY });
  const a = await preparedAccount(f);
  const v1 = await a.register("v1");
  const v2 = await a.register("v2");
  await a.createService(v1);
  await a.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", DBInstanceClass: "db.t4g.micro", Engine: "postgres", AllocatedStorage: 20, MasterUsername: "lg", MasterUserPassword: "password-123", DBSubnetGroupName: DB_SUBNET_GROUP_NAME }));
  await a.secrets.send(new CreateSecretCommand({ Name: "langgraph-cloud/demo/env", SecretString: "{}", Tags: [{ Key: "byoc:project-id", Value: "p1" }] }));
  f.advance(DELAY);
  return { f, a, v1, v2, console: f.cloud.console };
}

type World = Awaited<ReturnType<typeof world>>;
const dbOf = async (w: World) => (await w.a.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "lg-demo" }))).DBInstances![0];

describe("console changes the operator must notice", () => {
  const cases: { reason: string; change: (w: World) => Promise<unknown>; observe: (w: World) => Promise<unknown>; want: unknown }[] = [
    { reason: "a deleted service drains to INACTIVE", change: (w) => w.console.deleteService(ACCOUNT, REGION, SERVICE), observe: async (w) => (await w.a.service()).status, want: "INACTIVE" },
    { reason: "a changed desired count", change: (w) => w.console.setServiceDesiredCount(ACCOUNT, REGION, SERVICE, 1), observe: async (w) => [(await w.a.service()).desiredCount, (await w.a.service()).runningCount], want: [1, 1] },
    { reason: "a service pointed at another task definition", change: (w) => w.console.updateServiceTaskDefinition(ACCOUNT, REGION, SERVICE, "lg-demo-api:2"), observe: async (w) => (await w.a.service()).taskDefinition === w.v2, want: true },
    { reason: "a force-deleted cluster", change: (w) => w.console.deleteCluster(ACCOUNT, REGION), observe: async (w) => (await w.a.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME] }))).clusters![0].status, want: "INACTIVE" },
    { reason: "a deleted log group", change: (w) => w.console.deleteLogGroup(ACCOUNT, REGION), observe: async (w) => (await w.a.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }))).logGroups, want: [] },
    { reason: "a secret scheduled for deletion", change: (w) => w.console.deleteSecret(ACCOUNT, REGION, "langgraph-cloud/demo/env"), observe: async (w) => Boolean((await w.a.secrets.send(new DescribeSecretCommand({ SecretId: "langgraph-cloud/demo/env" }))).DeletedDate), want: true },
    { reason: "a secret value changed", change: (w) => w.console.putSecretValue(ACCOUNT, REGION, "langgraph-cloud/demo/env", '{"X":"1"}'), observe: async (w) => (await w.a.secrets.send(new GetSecretValueCommand({ SecretId: "langgraph-cloud/demo/env" }))).SecretString, want: '{"X":"1"}' },
    { reason: "a stopped DB instance", change: (w) => w.console.stopDBInstance(ACCOUNT, REGION, "lg-demo"), observe: async (w) => (await dbOf(w)).DBInstanceStatus, want: "stopped" },
    { reason: "a deleted DB instance", change: (w) => w.console.deleteDBInstance(ACCOUNT, REGION, "lg-demo"), observe: async (w) => (await w.a.rds.send(new DescribeDBInstancesCommand({}))).DBInstances, want: [] },
    { reason: "a resized DB instance", change: (w) => w.console.modifyDBInstance(ACCOUNT, REGION, "lg-demo", { instanceClass: "db.t4g.small", allocatedStorage: 30, deletionProtection: true }), observe: async (w) => { const d = await dbOf(w); return [d.DBInstanceClass, d.AllocatedStorage, d.DeletionProtection]; }, want: ["db.t4g.small", 30, true] },
    {
      reason: "a tag removed from the secret",
      change: async (w) => w.console.removeTag((await w.a.secrets.send(new DescribeSecretCommand({ SecretId: "langgraph-cloud/demo/env" }))).ARN!, "byoc:project-id"),
      observe: async (w) => (await w.a.secrets.send(new DescribeSecretCommand({ SecretId: "langgraph-cloud/demo/env" }))).Tags,
      want: undefined,
    },
  ];
  it.each(cases)("$reason", async ({ change, observe, want }) => {
    const w = await world();
    await change(w);
    w.f.advance(DELAY);
    expect(await observe(w)).toEqual(want);
  });
});

describe("same-named resources without our tags", () => {
  it("exist with AWS's shapes but none of our tags", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const c = await f.clients();
    await f.cloud.console.createServiceWithoutTags(ACCOUNT, REGION, "lg-other-api");
    await f.cloud.console.createSecretWithoutTags(ACCOUNT, REGION, "langgraph-cloud/other/env");
    await f.cloud.console.createDBInstanceWithoutTags(ACCOUNT, REGION, "lg-other");
    f.advance(DELAY);
    const svc = await describeService(c.ecs, "lg-other-api");
    expect([svc.status, svc.runningCount]).toEqual(["ACTIVE", 1]);
    expect((await c.ecs.send(new EcsListTags({ resourceArn: svc.serviceArn }))).tags).toEqual([]);
    const [secret] = (await c.secrets.send(new ListSecretsCommand({}))).SecretList!;
    expect([secret.Name, secret.Tags]).toEqual(["langgraph-cloud/other/env", undefined]);
    const [inst] = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "lg-other" }))).DBInstances!;
    expect([inst.DBInstanceStatus, inst.TagList]).toEqual(["available", []]);
  });
});
