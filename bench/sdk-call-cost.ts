// The operator's own CPU per AWS call, with nothing beneath the SDK: the real clients of src/cloud/clients.ts
// (shared per region, each request signed with its account's session) answered at the deserialize step at
// once, so what is measured is the SDK's middleware, serialisation and signing, and ours around it.
// Usage: npx tsx bench/sdk-call-cost.ts [accounts=300] [calls=20000]
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { Cloud, type CloudBackend } from "../src/cloud/clients.js";

const accounts = Number(process.argv[2] ?? 300);
const calls = Number(process.argv[3] ?? 20_000);
const answer = { services: [{ serviceName: "lg-a-api", deployments: [{ id: "ecs-svc/1", status: "PRIMARY" }] }], failures: [] };
const backend: CloudBackend = {
  attach(client) {
    client.middlewareStack.add(() => async () => ({ output: { $metadata: {}, ...answer }, response: {} }), { step: "deserialize", priority: "high", name: "answerAtOnce", override: true });
    return client;
  },
};
const cloud = new Cloud({ backend, baseCredentials: { accessKeyId: "AKIABENCH", secretAccessKey: "bench" }, operatorId: "bench" });
// One session per account, as AssumeRole would give (no STS call: its cost is once an hour per account).
const sessions = new Map<string, { accessKeyId: string; secretAccessKey: string; sessionToken: string }>();
cloud.assumeRoleSession = async (roleArn: string) => {
  let s = sessions.get(roleArn);
  if (!s) sessions.set(roleArn, (s = { accessKeyId: `ASIA${roleArn.slice(13, 25)}`, secretAccessKey: `secret-${roleArn}`, sessionToken: `token-${roleArn}` }));
  return s;
};
const views = await Promise.all(Array.from({ length: accounts }, (_, i) =>
  cloud.clientsFor(`arn:aws:iam::${100000000000 + i}:role/LangGraphCloudOperatorRole`, "bench", "us-east-1")));
const send = (i: number) => views[i % accounts].ecs.send(new DescribeServicesCommand({ cluster: "langgraph-cloud", services: ["lg-a-api"], include: ["TAGS"] }));
for (let i = 0; i < Math.min(calls, 3000); i++) await send(i);
const before = process.cpuUsage();
for (let i = 0; i < calls; i++) await send(i);
const used = process.cpuUsage(before);
console.log(`${accounts} accounts, ${calls} calls: ${((used.user + used.system) / calls).toFixed(0)} µs CPU per call`);
