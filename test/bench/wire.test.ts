// The benchmarks' simulated AWS answers in AWS's wire format (bench/support/wire.ts) so that the operator's
// SDK parses what it parses from real AWS. An answer the SDK read back as anything but the output the
// simulator meant would make every benchmark measure broken passes, so each steady-state read is
// round-tripped here through the real clients' deserializers.
import { describe, expect, test } from "vitest";
import { ECSClient, DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { RDSClient, AddTagsToResourceCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { SecretsManagerClient, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  ElasticLoadBalancingV2Client, AddTagsCommand, DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand,
  DescribeTagsCommand, DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ServiceDiscoveryClient, ListServicesCommand, ListTagsForResourceCommand } from "@aws-sdk/client-servicediscovery";
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { answeringHandler, wireAnswer, WIRE_CLIENTS } from "../../bench/support/wire.js";

const config = { region: "us-east-1", credentials: { accessKeyId: "AKIAWIRETEST", secretAccessKey: "wire" } };
const at = (iso: string) => new Date(iso);
const lbArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-shop/50dc6c495c0c9188";
const tgArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/alb-shop/0123456789abcdef";
const tags = [{ Key: "langgraph-cloud", Value: "shop" }, { Key: "byoc:project-id", Value: "0b6f6c1e-0000-4000-8000-000000000001" }];

/** Sends `command` through `client` with `output` as the simulator's answer on the wire; returns what the SDK read. */
async function roundTrip(client: { send(c: unknown): Promise<unknown>; constructor: { name: string } }, command: { constructor: { name: string } }, output: Record<string, unknown>) {
  const answer = wireAnswer(client.constructor.name, command.constructor.name, output);
  (client as unknown as { config: { requestHandler: unknown } }).config.requestHandler = answeringHandler(() => answer);
  const { $metadata, ...read } = (await client.send(command)) as Record<string, unknown> & { $metadata: { requestId?: string; httpStatusCode?: number } };
  return { read, $metadata };
}

const cases: Array<[string, () => { client: any; command: any }, Record<string, unknown>]> = [
  ["ecs DescribeServices (awsJson1_1)", () => ({ client: new ECSClient(config), command: new DescribeServicesCommand({ cluster: "langgraph-cloud", services: ["lg-shop-api"] }) }), {
    services: [{
      serviceName: "lg-shop-api", status: "ACTIVE", desiredCount: 1, runningCount: 1, createdAt: at("2026-12-01T10:00:00.123Z"),
      deployments: [{ id: "ecs-svc/1", status: "PRIMARY", rolloutState: "COMPLETED", createdAt: at("2026-12-01T10:00:00Z"), updatedAt: at("2026-12-01T10:05:00Z") }],
      loadBalancers: [{ targetGroupArn: tgArn, containerName: "api", containerPort: 8000 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
      events: [{ id: "e1", createdAt: at("2026-12-01T10:05:00Z"), message: "(service lg-shop-api) has reached a steady state." }],
      enableExecuteCommand: false, tags: [{ key: "langgraph-cloud", value: "shop" }],
    }],
    failures: [],
  }],
  ["rds DescribeDBInstances (awsQuery, xmlName list members)", () => ({ client: new RDSClient(config), command: new DescribeDBInstancesCommand({}) }), {
    DBInstances: [{
      DBInstanceIdentifier: "lg-shop", DBInstanceClass: "db.t4g.micro", DBInstanceStatus: "available", AllocatedStorage: 20, DeletionProtection: false,
      Endpoint: { Address: "lg-shop.abc.us-east-1.rds.amazonaws.com", Port: 5432 }, InstanceCreateTime: at("2026-12-01T09:00:00Z"),
      VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-db", Status: "active" }], TagList: tags,
    }],
  }],
  ["secretsmanager ListSecrets (a map of lists)", () => ({ client: new SecretsManagerClient(config), command: new ListSecretsCommand({}) }), {
    SecretList: [{ ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:langgraph-cloud/shop/env-AbCdEf", Name: "langgraph-cloud/shop/env",
      LastChangedDate: at("2026-12-01T09:30:00Z"), SecretVersionsToStages: { "v-1": ["AWSCURRENT"], "v-0": ["AWSPREVIOUS"] }, Tags: tags }],
  }],
  ["logs DescribeLogGroups", () => ({ client: new CloudWatchLogsClient(config), command: new DescribeLogGroupsCommand({}) }), {
    logGroups: [{ logGroupName: "/aws/ecs/langgraph-cloud", retentionInDays: 30, creationTime: 1764580000000, arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/ecs/langgraph-cloud:*" }],
  }],
  ["elbv2 DescribeLoadBalancers", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeLoadBalancersCommand({ Names: ["alb-shop"] }) }), {
    LoadBalancers: [{ LoadBalancerArn: lbArn, LoadBalancerName: "alb-shop", DNSName: "alb-shop-1.us-east-1.elb.amazonaws.com", Scheme: "internet-facing",
      State: { Code: "active" }, Type: "application", CreatedTime: at("2026-12-01T09:10:00.5Z"),
      AvailabilityZones: [{ ZoneName: "us-east-1a", SubnetId: "subnet-a" }, { ZoneName: "us-east-1b", SubnetId: "subnet-b" }], SecurityGroups: ["sg-lb"] }],
  }],
  ["elbv2 DescribeLoadBalancers, none found", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeLoadBalancersCommand({}) }), { LoadBalancers: [] }],
  ["elbv2 DescribeTargetGroups", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeTargetGroupsCommand({ Names: ["alb-shop"] }) }), {
    TargetGroups: [{ TargetGroupArn: tgArn, TargetGroupName: "alb-shop", Protocol: "HTTP", Port: 8000, TargetType: "ip", HealthCheckPath: "/ok",
      HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckEnabled: true, Matcher: { HttpCode: "200" }, LoadBalancerArns: [lbArn] }],
  }],
  ["elbv2 DescribeTags", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeTagsCommand({ ResourceArns: [lbArn, tgArn] }) }), {
    TagDescriptions: [{ ResourceArn: lbArn, Tags: tags }, { ResourceArn: tgArn, Tags: tags }],
  }],
  ["elbv2 DescribeListeners", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeListenersCommand({ LoadBalancerArn: lbArn }) }), {
    Listeners: [{ ListenerArn: `${lbArn}/l-1`, LoadBalancerArn: lbArn, Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }],
  }],
  ["elbv2 DescribeLoadBalancerAttributes", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }) }), {
    Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "3600" }, { Key: "deletion_protection.enabled", Value: "false" }],
  }],
  ["elbv2 DescribeTargetGroupAttributes", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }) }), {
    Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }],
  }],
  ["servicediscovery ListServices", () => ({ client: new ServiceDiscoveryClient(config), command: new ListServicesCommand({}) }), {
    Services: [{ Id: "srv-1", Arn: "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1", Name: "lg-shop-redis", InstanceCount: 1,
      DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] }, CreateDate: at("2026-12-01T09:20:00Z") }],
  }],
  ["servicediscovery ListTagsForResource", () => ({ client: new ServiceDiscoveryClient(config), command: new ListTagsForResourceCommand({ ResourceARN: "arn:x" }) }), { Tags: tags }],
  ["application-autoscaling DescribeScalableTargets", () => ({ client: new ApplicationAutoScalingClient(config), command: new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs" }) }), {
    ScalableTargets: [{ ServiceNamespace: "ecs", ResourceId: "service/langgraph-cloud/lg-shop-api", ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: 1, MaxCapacity: 4, RoleARN: "arn:aws:iam::123456789012:role/aws-service-role", CreationTime: at("2026-12-01T09:40:00Z"),
      ScalableTargetARN: "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/0ec1" }],
  }],
  // Writes whose output has no members: the SDK must read an empty answer, not fail on it.
  ["logs CreateLogGroup (no output)", () => ({ client: new CloudWatchLogsClient(config), command: new CreateLogGroupCommand({ logGroupName: "/aws/ecs/langgraph-cloud" }) }), {}],
  ["rds AddTagsToResource (no output)", () => ({ client: new RDSClient(config), command: new AddTagsToResourceCommand({ ResourceName: "arn:x", Tags: tags }) }), {}],
  ["elbv2 AddTags (an empty output structure)", () => ({ client: new ElasticLoadBalancingV2Client(config), command: new AddTagsCommand({ ResourceArns: [lbArn], Tags: tags }) }), {}],
];

describe("the simulated AWS's answers on the wire", () => {
  test.each(cases)("%s reads back as the output it was made from", async (_what, make, output) => {
    const { client, command } = make();
    const { read, $metadata } = await roundTrip(client, command, output);
    expect(read).toEqual(output);
    expect($metadata.httpStatusCode).toBe(200);
    expect($metadata.requestId).toMatch(/^00000000-0000-4000-8000-\d{12}$/);
  });

  test("each steady-state client is covered, and a client without a wire format is refused", () => {
    const covered = new Set(cases.map(([, make]) => make().client.constructor.name));
    for (const name of covered) expect(WIRE_CLIENTS.has(name)).toBe(true);
    expect(() => wireAnswer("EC2Client", "DescribeVpcsCommand", {})).toThrow(/no wire format for EC2Client/);
  });
});
