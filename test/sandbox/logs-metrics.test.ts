// CloudWatch Logs (log groups, tags by ARN, task log streams with LangGraph server output, paging)
// and CloudWatch metrics (deterministic values, forced values), as the logs endpoint and health
// checks of the operator read them.
import { describe, expect, it } from "vitest";
import {
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  TagResourceCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { CreateDBInstanceCommand } from "@aws-sdk/client-rds";
import { CLUSTER_NAME, DB_SUBNET_GROUP_NAME, LOG_GROUP_NAME } from "../../src/cloud/names.js";
import { ACCOUNT, REGION, SandboxFixture, rejection } from "./fixture.js";
import { preparedAccount, SERVICE } from "./ecs-setup.js";

const DELAY = 1000;

describe("log groups", () => {
  it("are created once, tagged by the ARN without ':*', and keep their retention", async () => {
    const { logs } = await new SandboxFixture().clients();
    await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME, tags: { "langgraph-cloud": "x" } }));
    expect(await rejection(logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME })))).toBeInstanceOf(ResourceAlreadyExistsException);
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: 30 }));
    const [group] = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/ecs/" }))).logGroups!;
    expect(group).toMatchObject({ logGroupName: LOG_GROUP_NAME, retentionInDays: 30, arn: `${group.logGroupArn}:*` });
    expect(await rejection(logs.send(new TagResourceCommand({ resourceArn: group.arn, tags: { a: "b" } })))).toHaveProperty("name", "InvalidParameterException");
    await logs.send(new TagResourceCommand({ resourceArn: group.logGroupArn, tags: { a: "b" } }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: group.logGroupArn }))).tags).toEqual({ "langgraph-cloud": "x", a: "b" });
    const badRetention = await rejection(logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: 2 })));
    expect(badRetention.name).toBe("InvalidParameterException");
  });
});

describe("task logs", () => {
  async function runningService() {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("v1"), { desiredCount: 1 });
    f.advance(60_000);
    return { f, a };
  }

  it("appear in streams <prefix>/<container>/<taskId> as LangGraph server output", async () => {
    const { a } = await runningService();
    const { logStreams } = await a.logs.send(new DescribeLogStreamsCommand({ logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: "demo/api/" }));
    expect(logStreams).toHaveLength(1);
    expect(logStreams![0].logStreamName).toMatch(/^demo\/api\/[0-9a-f]{32}$/);
    const { events } = await a.logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP_NAME, logStreamName: logStreams![0].logStreamName, startFromHead: true, limit: 20 }));
    const messages = events!.map((e) => JSON.parse(e.message!).event);
    expect(messages).toContain("Application startup complete.");
    expect(messages.some((m) => /^GET \/ok 200/.test(m))).toBe(true);
  });

  it("page through FilterLogEvents without gaps or repeats, the same on every read", async () => {
    const { a } = await runningService();
    const read = async () => {
      const all: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await a.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: "demo/", limit: 4, nextToken }));
        all.push(...out.events!.map((e) => `${e.timestamp} ${e.message}`));
        nextToken = out.nextToken;
      } while (nextToken);
      return all;
    };
    const whole = (await a.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP_NAME }))).events!.map((e) => `${e.timestamp} ${e.message}`);
    expect(whole.length).toBeGreaterThan(10);
    expect(await read()).toEqual(whole);
    expect(await read()).toEqual(whole);
  });

  it("honour startTime and a filter pattern", async () => {
    const { f, a } = await runningService();
    const since = f.t - 20_000;
    const out = await a.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP_NAME, startTime: since, filterPattern: '"GET /ok"' }));
    expect(out.events!.length).toBeGreaterThan(0);
    expect(out.events!.every((e) => e.timestamp! >= since && e.message!.includes("GET /ok"))).toBe(true);
  });
});

describe("GetMetricData", () => {
  it("returns plausible ECS and RDS values newest first, and a forced value once set", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("v1"), { desiredCount: 1 });
    await a.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", DBInstanceClass: "db.t4g.micro", Engine: "postgres", AllocatedStorage: 20, MasterUsername: "lg", MasterUserPassword: "password-123", DBSubnetGroupName: DB_SUBNET_GROUP_NAME }));
    f.advance(3_600_000);
    const query = () => a.cloudwatch.send(new GetMetricDataCommand({
      StartTime: new Date(f.t - 1_800_000),
      EndTime: new Date(f.t),
      MetricDataQueries: [
        { Id: "cpu", MetricStat: { Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: [{ Name: "ClusterName", Value: CLUSTER_NAME }, { Name: "ServiceName", Value: SERVICE }] }, Period: 300, Stat: "Average" } },
        { Id: "disk", MetricStat: { Metric: { Namespace: "AWS/RDS", MetricName: "FreeStorageSpace", Dimensions: [{ Name: "DBInstanceIdentifier", Value: "lg-demo" }] }, Period: 300, Stat: "Minimum" } },
      ],
    }));
    const [cpu, disk] = (await query()).MetricDataResults!;
    expect(cpu.Values).toHaveLength(6);
    expect(cpu.Values!.every((v) => v > 0 && v < 100)).toBe(true);
    expect(cpu.Timestamps![0].getTime()).toBeGreaterThan(cpu.Timestamps![1].getTime());
    expect(disk.Values!.every((v) => v > 10 * 1024 ** 3 && v < 20 * 1024 ** 3)).toBe(true);
    expect((await query()).MetricDataResults).toEqual((await query()).MetricDataResults);

    await f.cloud.console.setMetric(ACCOUNT, REGION, "AWS/RDS", "FreeStorageSpace", { DBInstanceIdentifier: "lg-demo" }, 1024 ** 3);
    const [, forced] = (await query()).MetricDataResults!;
    expect(forced.Values![0]).toBe(1024 ** 3);
  });
});
