// Cloud Map and Application Auto Scaling in the sandbox, through the real SDK clients: the seeded
// `langgraph-cloud-redis` namespace, a Cloud Map service whose instances are the running tasks of the
// ECS service registered in it, and scalable targets that hold a service's desired count in range.
import { describe, expect, it } from "vitest";
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand, DeleteServiceCommand as DeleteDiscoveryServiceCommand, DiscoverInstancesCommand,
  GetNamespaceCommand, ListNamespacesCommand,
} from "@aws-sdk/client-servicediscovery";
import {
  DeregisterScalableTargetCommand, DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand, PutScalingPolicyCommand, RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { awsErrorCode } from "../../src/cloud/errors.js";
import { CLUSTER_NAME, REDIS_NAMESPACE_NAME } from "../../src/cloud/names.js";
import { ACCOUNT, REGION, SandboxFixture, rejection } from "./fixture.js";
import { preparedAccount, SERVICE } from "./ecs-setup.js";

const DELAY = 1000;
const RESOURCE = `service/${CLUSTER_NAME}/${SERVICE}`;

async function namespaceId(a: Awaited<ReturnType<typeof preparedAccount>>) {
  const out = await a.cloudmap.send(new ListNamespacesCommand({ Filters: [{ Name: "TYPE", Values: ["DNS_PRIVATE"] }] }));
  return out.Namespaces!.find((n) => n.Name === REDIS_NAMESPACE_NAME)?.Id;
}

function discoveryService(a: Awaited<ReturnType<typeof preparedAccount>>, NamespaceId: string, CreatorRequestId = "req-1") {
  return a.cloudmap.send(new CreateDiscoveryServiceCommand({
    Name: "lg-demo-redis", NamespaceId, CreatorRequestId, DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] },
  }));
}

describe("Cloud Map", () => {
  it("has the module's private DNS namespace in the LangGraph VPC, until the console removes it", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const id = await namespaceId(a);
    const ns = await a.cloudmap.send(new GetNamespaceCommand({ Id: id }));
    expect([ns.Namespace?.Name, ns.Namespace?.Type]).toEqual([REDIS_NAMESPACE_NAME, "DNS_PRIVATE"]);
    await f.cloud.console.deleteNamespace(ACCOUNT, REGION);
    expect(await namespaceId(a)).toBeUndefined();
    const err = await rejection(a.cloudmap.send(new GetNamespaceCommand({ Id: id })));
    expect([awsErrorCode(err), err.name]).toEqual(["NamespaceNotFound", "NamespaceNotFound"]);
  });

  it("creates a service once per name: its own request again is answered, another is ServiceAlreadyExists", async () => {
    const a = await preparedAccount(new SandboxFixture({ delayMs: DELAY }));
    const ns = (await namespaceId(a))!;
    const first = (await discoveryService(a, ns)).Service!;
    expect(first.DnsConfig?.DnsRecords).toEqual([{ Type: "A", TTL: 10 }]);
    expect((await discoveryService(a, ns)).Service!.Id).toBe(first.Id);
    expect(awsErrorCode(await rejection(discoveryService(a, ns, "req-2")))).toBe("ServiceAlreadyExists");
  });

  it("lists the running tasks of the ECS service registered in it, and will not be deleted while they run", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const registry = (await discoveryService(a, (await namespaceId(a))!)).Service!;
    await a.createService(await a.register("v1"), { desiredCount: 1, serviceRegistries: [{ registryArn: registry.Arn }] });
    const discover = async () => (await a.cloudmap.send(new DiscoverInstancesCommand({ NamespaceName: REDIS_NAMESPACE_NAME, ServiceName: "lg-demo-redis" }))).Instances!;
    expect(await discover()).toEqual([]);
    f.advance(DELAY);
    const [instance] = await discover();
    const [task] = (await a.service()).serviceRegistries!;
    expect(task).toEqual({ registryArn: registry.Arn });
    expect(instance.Attributes?.AWS_INSTANCE_IPV4).toMatch(/^10\.80\./);
    const busy = await rejection(a.cloudmap.send(new DeleteDiscoveryServiceCommand({ Id: registry.Id })));
    expect(awsErrorCode(busy)).toBe("ResourceInUse");
    await f.cloud.console.setServiceDesiredCount(ACCOUNT, REGION, SERVICE, 0);
    expect(await discover()).toEqual([]);
    f.advance(DELAY);
    await a.cloudmap.send(new DeleteDiscoveryServiceCommand({ Id: registry.Id }));
  });

  it("is refused as an ECS registry when the Cloud Map service does not exist", async () => {
    const a = await preparedAccount(new SandboxFixture({ delayMs: DELAY }));
    const arn = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/srv-0000000000000000`;
    expect(awsErrorCode(await rejection(a.createService(await a.register("v1"), { serviceRegistries: [{ registryArn: arn }] })))).toBe("InvalidParameterException");
  });
});

describe("Application Auto Scaling", () => {
  const register = (a: Awaited<ReturnType<typeof preparedAccount>>, min?: number, max?: number) =>
    a.autoscaling.send(new RegisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: "ecs:service:DesiredCount", MinCapacity: min, MaxCapacity: max }));

  it("refuses a service that does not exist (ValidationException)", async () => {
    const a = await preparedAccount(new SandboxFixture({ delayMs: DELAY }));
    const err = await rejection(register(a, 1, 3));
    expect([awsErrorCode(err), err.message]).toEqual(["ValidationException", `ECS service doesn't exist: ${RESOURCE}`]);
  });

  it("moves the desired count into [min, max] on registering, and the autoscaler keeps it there", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("v1"), { desiredCount: 1 });
    await register(a, 2, 4);
    expect((await a.service()).desiredCount).toBe(2);
    expect(await f.cloud.console.autoscale(ACCOUNT, REGION, SERVICE, 3)).toBe(3);
    expect((await a.service()).desiredCount).toBe(3);
    expect(await f.cloud.console.autoscale(ACCOUNT, REGION, SERVICE, 9)).toBe(4);
    const targets = await a.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs", ResourceIds: [RESOURCE] }));
    expect(targets.ScalableTargets!.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[2, 4]]);
  });

  it("needs min and max for a new target, and min not above max", async () => {
    const a = await preparedAccount(new SandboxFixture({ delayMs: DELAY }));
    await a.createService(await a.register("v1"), { desiredCount: 1 });
    expect(awsErrorCode(await rejection(register(a, 1)))).toBe("ValidationException");
    expect(awsErrorCode(await rejection(register(a, 5, 2)))).toBe("ValidationException");
  });

  it("takes target-tracking policies only for a registered target, and drops them with it", async () => {
    const a = await preparedAccount(new SandboxFixture({ delayMs: DELAY }));
    await a.createService(await a.register("v1"), { desiredCount: 1 });
    const policy = () => a.autoscaling.send(new PutScalingPolicyCommand({
      PolicyName: "lg-demo-api-cpu", ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: "ecs:service:DesiredCount", PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 75, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" }, ScaleOutCooldown: 60, ScaleInCooldown: 1800 },
    }));
    expect(awsErrorCode(await rejection(policy()))).toBe("ObjectNotFoundException");
    await register(a, 1, 10);
    await policy();
    const listed = async () => (await a.autoscaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE }))).ScalingPolicies!;
    expect((await listed()).map((p) => [p.PolicyName, p.TargetTrackingScalingPolicyConfiguration?.TargetValue])).toEqual([["lg-demo-api-cpu", 75]]);
    await a.autoscaling.send(new DeregisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: "ecs:service:DesiredCount" }));
    expect(await listed()).toEqual([]);
  });
});
