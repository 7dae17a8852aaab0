// The operator's own CPU per AWS call, with nothing beneath the SDK: the real clients of src/cloud/clients.ts
// (shared per region, each request signed with its account's session). By default each call is answered
// at the deserialize step at once, so what is measured is the SDK's middleware, serialisation and signing,
// and ours around it. With --wire the answer comes from the request handler instead, as bytes in AWS's
// wire format (a JSON DescribeServices, an XML DescribeLoadBalancers), so the SDK's response parsing is
// measured too: the part of a real call the benchmarks' simulated AWS skips (it hands back objects).
// Neither has a socket or TLS. Usage: npx tsx bench/sdk-call-cost.ts [accounts=300] [calls=20000] [--wire]
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Cloud, type CloudBackend } from "../src/cloud/clients.js";
import { answeringHandler } from "./support/wire.js";

const [accounts, calls] = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number);
const nAccounts = accounts || 300;
const nCalls = calls || 20_000;
const wire = process.argv.includes("--wire");

// One service as ECS describes it: a deployment, its network and load balancer, tags and a few events
// (ECS keeps the last 100 events; a steady service has few new ones).
const serviceJson = JSON.stringify({
  services: [{
    serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/langgraph-cloud/lg-a-api", serviceName: "lg-a-api",
    clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/langgraph-cloud", status: "ACTIVE", desiredCount: 1, runningCount: 1, pendingCount: 0,
    launchType: "FARGATE", platformVersion: "LATEST", taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/lg-a-api:3",
    loadBalancers: [{ targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/alb-a/0123456789abcdef", containerName: "api", containerPort: 8000 }],
    deployments: [{
      id: "ecs-svc/1234567890123456789", status: "PRIMARY", taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/lg-a-api:3",
      desiredCount: 1, pendingCount: 0, runningCount: 1, failedTasks: 0, createdAt: 1764700000.123, updatedAt: 1764700300.456, launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d", "subnet-1a2b3c4d"], securityGroups: ["sg-0123456789abcdef0"], assignPublicIp: "DISABLED" } },
      rolloutState: "COMPLETED", rolloutStateReason: "ECS deployment ecs-svc/1234567890123456789 completed.",
    }],
    events: Array.from({ length: 5 }, (_, i) => ({ id: `e${i}-0000-1111-2222`, createdAt: 1764700000 + i * 3600, message: "(service lg-a-api) has reached a steady state." })),
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d", "subnet-1a2b3c4d"], securityGroups: ["sg-0123456789abcdef0"], assignPublicIp: "DISABLED" } },
    healthCheckGracePeriodSeconds: 60, schedulingStrategy: "REPLICA", enableExecuteCommand: false, propagateTags: "SERVICE",
    tags: [{ key: "langgraph-cloud", value: "a" }, { key: "byoc:project-id", value: "00000000-0000-0000-0000-000000000001" }, { key: "byoc:managed-by", value: "daemon" }],
  }],
  failures: [],
});
const loadBalancersXml = `<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeLoadBalancersResult><LoadBalancers><member>
    <LoadBalancerArn>arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-a/50dc6c495c0c9188</LoadBalancerArn>
    <Scheme>internet-facing</Scheme><LoadBalancerName>alb-a</LoadBalancerName><VpcId>vpc-3ac0fb5f</VpcId>
    <CanonicalHostedZoneId>Z35SXDOTRQ7X7K</CanonicalHostedZoneId><CreatedTime>2026-11-25T21:29:48.850Z</CreatedTime>
    <AvailabilityZones>
      <member><SubnetId>subnet-8360a9e7</SubnetId><ZoneName>us-east-1a</ZoneName></member>
      <member><SubnetId>subnet-b7d581c0</SubnetId><ZoneName>us-east-1b</ZoneName></member>
    </AvailabilityZones>
    <SecurityGroups><member>sg-5943793c</member></SecurityGroups>
    <DNSName>alb-a-424835706.us-east-1.elb.amazonaws.com</DNSName><State><Code>active</Code></State>
    <Type>application</Type><IpAddressType>ipv4</IpAddressType>
  </member></LoadBalancers></DescribeLoadBalancersResult>
  <ResponseMetadata><RequestId>6581c0ac-f39f-11e5-bb98-57e23ae6e76d</RequestId></ResponseMetadata>
</DescribeLoadBalancersResponse>`;
const encoder = new TextEncoder();
const answers: Record<string, { headers: Record<string, string>; body: Uint8Array }> = {
  ECSClient: { headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "6581c0ac-f39f-11e5-bb98-57e23ae6e76d" }, body: encoder.encode(serviceJson) },
  ElasticLoadBalancingV2Client: { headers: { "content-type": "text/xml", "x-amzn-requestid": "6581c0ac-f39f-11e5-bb98-57e23ae6e76d" }, body: encoder.encode(loadBalancersXml) },
};
const atOnce = { services: JSON.parse(serviceJson).services, failures: [] };

const backend: CloudBackend = {
  attach(client) {
    const name = (client as { constructor: { name: string } }).constructor.name;
    if (wire) {
      const answer = answers[name];
      (client as unknown as { config: { requestHandler: unknown } }).config.requestHandler =
        answeringHandler(() => ({ statusCode: 200, headers: { ...answer?.headers }, body: answer?.body ?? new Uint8Array() }));
    } else {
      client.middlewareStack.add(() => async () => ({ output: { $metadata: {}, ...atOnce }, response: {} }), { step: "deserialize", priority: "high", name: "answerAtOnce", override: true });
    }
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
const views = await Promise.all(Array.from({ length: nAccounts }, (_, i) =>
  cloud.clientsFor(`arn:aws:iam::${100000000000 + i}:role/LangGraphCloudOperatorRole`, "bench", "us-east-1")));
const sends: Record<string, (i: number) => Promise<unknown>> = {
  "ecs:DescribeServices (JSON)": (i) => views[i % nAccounts].ecs.send(new DescribeServicesCommand({ cluster: "langgraph-cloud", services: ["lg-a-api"], include: ["TAGS"] })),
  "elasticloadbalancing:DescribeLoadBalancers (XML)": (i) => views[i % nAccounts].elb.send(new DescribeLoadBalancersCommand({ Names: ["alb-a"] })),
};
for (const [what, send] of Object.entries(sends)) {
  for (let i = 0; i < Math.min(nCalls, 3000); i++) await send(i);
  const before = process.cpuUsage();
  for (let i = 0; i < nCalls; i++) await send(i);
  const used = process.cpuUsage(before);
  console.log(`${what}, ${wire ? "answered on the wire" : "answered at once"}, ${nAccounts} accounts, ${nCalls} calls: ${((used.user + used.system) / nCalls).toFixed(0)} µs CPU per call`);
}
