// Heap the operator keeps per customer account for its AWS clients: Cloud.clientsFor for N accounts
// (default 1,000), then one call per service per account, measured after GC against a baseline taken
// once every account's session is assumed (so sessions are not counted). AWS is a stub that answers
// every command with an empty output, so no simulated account state is counted either.
//   node --expose-gc --import tsx bench/support/client-memory.ts [accounts]
import { setTimeout as sleep } from "node:timers/promises";
import { ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { ListClustersCommand } from "@aws-sdk/client-ecs";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS, type CloudBackend } from "../../src/cloud/clients.js";

const N = Number(process.argv[2] ?? 1000);
const REGION = "us-east-1";
const EXTERNAL_ID = "memory-external-id";
const roleOf = (i: number) => `arn:aws:iam::${String(100_000_000_000 + i)}:role/LangGraphCloudOperatorRole`;

const stub: CloudBackend = {
  attach(client) {
    client.middlewareStack.add((_next: unknown, context: { commandName?: string }) => async (args: { input: { RoleArn?: string } }) => {
      const output = context.commandName === "AssumeRoleCommand"
        ? { Credentials: { AccessKeyId: `ASIA${args.input.RoleArn!.split(":")[4]}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3_600_000) } }
        : {};
      return { output: { ...output, $metadata: {} }, response: { statusCode: 200, headers: {}, body: "" } };
    }, { step: "deserialize", priority: "high", name: "memoryStub", override: true });
    return client;
  },
};

async function heapMb(): Promise<number> {
  if (!global.gc) throw new Error("run with --expose-gc");
  for (let i = 0; i < 3; i++) { global.gc(); await sleep(10); }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const cloud = new Cloud({ backend: stub, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "memory" });
// A first account end to end, so the SDK's lazily loaded modules are in the baseline.
const warm = await cloud.clientsFor(roleOf(N), EXTERNAL_ID, REGION);
await warm.ecs.send(new ListClustersCommand({}));
for (let i = 0; i < N; i++) await cloud.assumeRoleSession(roleOf(i), EXTERNAL_ID, REGION);
const base = await heapMb();

const held = [];
for (let i = 0; i < N; i++) held.push(await cloud.clientsFor(roleOf(i), EXTERNAL_ID, REGION));
// Kept reachable to the end: V8 frees what no later line of this module reads.
(globalThis as { measured?: unknown }).measured = { cloud, held };
const built = await heapMb();

for (const aws of held) {
  await Promise.all([
    aws.ecs.send(new ListClustersCommand({})),
    aws.rds.send(new DescribeDBInstancesCommand({})),
    aws.secrets.send(new ListSecretsCommand({})),
    aws.logs.send(new DescribeLogGroupsCommand({})),
    aws.cloudwatch.send(new ListMetricsCommand({})),
    aws.ec2.send(new DescribeVpcsCommand({})),
  ]);
}
const used = await heapMb();

const fmt = (mb: number) => `${mb.toFixed(1)} MB (${((mb * 1024) / N).toFixed(1)} KB per account)`;
console.log(`${N} accounts, heap after GC above the sessions-only baseline of ${base.toFixed(1)} MB:`);
console.log(`  after clientsFor:                  ${fmt(built - base)}`);
console.log(`  after one call per service each:   ${fmt(used - base)}`);
