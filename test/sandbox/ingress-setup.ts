// An account prepared up to ingress, as the operator prepares it (docs/reference.md §4): the ECS setup of
// ecs-setup.ts plus the public subnets and LB security group discovered by tag and name, and helpers
// that make the load balancer, target group and listener of a project.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { LB_SG_NAME, TAG_PRIVATE } from "../../src/cloud/names.js";
import { preparedAccount } from "./ecs-setup.js";
import type { SandboxFixture } from "./fixture.js";

export async function ingressAccount(f: SandboxFixture, opts: { logGroup?: boolean } = {}) {
  const a = await preparedAccount(f, opts);
  const publicSubnets = (await a.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: `tag:${TAG_PRIVATE}`, Values: ["0"] }] }))).Subnets!;
  const lbGroup = (await a.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [LB_SG_NAME] }] }))).SecurityGroups![0];
  const vpcId = publicSubnets[0].VpcId!;

  const createLoadBalancer = (name = "lg-demo", extra: Record<string, unknown> = {}) => a.elb.send(new CreateLoadBalancerCommand({
    Name: name, Type: "application", Scheme: "internet-facing", Subnets: publicSubnets.map((s) => s.SubnetId!), SecurityGroups: [lbGroup.GroupId!], ...extra,
  }));

  const createTargetGroup = (name = "lg-demo") => a.elb.send(new CreateTargetGroupCommand({
    Name: name, Protocol: "HTTP", Port: 8000, VpcId: vpcId, TargetType: "ip", HealthCheckPath: "/ok", Matcher: { HttpCode: "200" },
  }));

  /** Load balancer, target group and an HTTP 80 listener forwarding to it: what a service can be attached to. */
  async function ingress(name = "lg-demo") {
    const lb = (await createLoadBalancer(name)).LoadBalancers![0];
    const tg = (await createTargetGroup(name)).TargetGroups![0];
    const listener = (await a.elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }],
    }))).Listeners![0];
    return { lb, tg, listener };
  }

  return { ...a, publicSubnets, lbGroup, vpcId, createLoadBalancer, createTargetGroup, ingress };
}
