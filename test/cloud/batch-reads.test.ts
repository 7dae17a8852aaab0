// The new batchable reads (load balancers, target groups, scalable targets) against the sandbox beneath
// the real SDK clients: the projects of one account that read together share a call, each gets its own
// answer, and a missing resource, which fails AWS's whole by-name call, still leaves the others theirs.
import { describe, expect, test } from "vitest";
import { CreateLoadBalancerCommand, CreateTargetGroupCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { batched, loadBalancersRead, scalableTargetsRead, targetGroupsRead } from "../../src/cloud/batch.js";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { LB_SG_NAME, SANDBOX_DEFAULT_EXTERNAL_ID, TAG_ENABLED, TAG_PRIVATE } from "../../src/cloud/names.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";

const ROLE = "arn:aws:iam::400000000001:role/LangGraphCloudOperatorRole";

async function account() {
  const sandbox = new SandboxCloud({ delayMs: 0, seed: 5 });
  const cloud = new Cloud({ backend: sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "batch" });
  const aws = await cloud.clientsFor(ROLE, SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
  const vpc = (await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }))).Vpcs![0].VpcId!;
  const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: `tag:${TAG_PRIVATE}`, Values: ["0"] }] }))).Subnets!.map((s) => s.SubnetId!);
  const sg = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [LB_SG_NAME] }] }))).SecurityGroups![0].GroupId!;
  for (const p of ["one", "two", "three"]) {
    await aws.elb.send(new CreateLoadBalancerCommand({ Name: `lg-${p}`, Subnets: subnets, SecurityGroups: [sg] }));
    await aws.elb.send(new CreateTargetGroupCommand({ Name: `lg-${p}`, Protocol: "HTTP", Port: 8000, VpcId: vpc, TargetType: "ip" }));
  }
  sandbox.calls.reset();
  return { sandbox, aws };
}

describe("batched ingress reads", () => {
  test("three projects' load balancers in one DescribeLoadBalancers, each answered with its own", async () => {
    const { sandbox, aws } = await account();
    const got = await Promise.all(["lg-one", "lg-two", "lg-three"].map((n) => batched(aws, loadBalancersRead, n)));
    expect(got.map((lb) => lb?.LoadBalancerName)).toEqual(["lg-one", "lg-two", "lg-three"]);
    expect(sandbox.calls.count("elbv2:DescribeLoadBalancers")).toBe(1);
  });

  test("a missing load balancer reads as absent and the others are still found (one call each after AWS's refusal)", async () => {
    const { sandbox, aws } = await account();
    const got = await Promise.all(["lg-one", "lg-new", "lg-three"].map((n) => batched(aws, loadBalancersRead, n)));
    expect(got.map((lb) => lb?.LoadBalancerName)).toEqual(["lg-one", undefined, "lg-three"]);
    expect(sandbox.calls.count("elbv2:DescribeLoadBalancers", "LoadBalancerNotFoundException")).toBe(2);
    expect(sandbox.calls.count("elbv2:DescribeLoadBalancers")).toBe(4);
  });

  test("target groups likewise, with TargetGroupNotFound", async () => {
    const { sandbox, aws } = await account();
    const got = await Promise.all(["lg-two", "lg-gone"].map((n) => batched(aws, targetGroupsRead, n)));
    expect(got.map((tg) => tg?.TargetGroupName)).toEqual(["lg-two", undefined]);
    expect(sandbox.calls.count("elbv2:DescribeTargetGroups")).toBe(3);
  });

  test("scalable targets of several projects in one call; a project without any gets none", async () => {
    const { sandbox, aws } = await account();
    const ids = (p: string) => [`service/langgraph-cloud-cluster/lg-${p}-api`, `service/langgraph-cloud-cluster/lg-${p}-queue`];
    const got = await Promise.all(["one", "two"].map((p) => batched(aws, scalableTargetsRead, ids(p))));
    expect(got).toEqual([[], []]);
    expect(sandbox.calls.count("application-autoscaling:DescribeScalableTargets")).toBe(1);
  });
});
