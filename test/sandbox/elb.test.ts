// Elastic Load Balancing v2 and ACM in the sandbox, through the real SDK clients: what AWS refuses is
// refused with AWS's code (the wire code the operator keys on, and the SDK's modelled class), a new
// load balancer provisions before it is active, listeners need certificates ACM has in the account
// and region, and an ECS service's tasks become the target group's targets.
import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  CreateListenerCommand, DeleteListenerCommand, DeleteTargetGroupCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand, ModifyLoadBalancerAttributesCommand, AddTagsCommand, DescribeTagsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { awsErrorCode } from "../../src/cloud/errors.js";
import { ACCOUNT, REGION, SandboxFixture, rejection } from "./fixture.js";
import { ingressAccount } from "./ingress-setup.js";
import { SERVICE } from "./ecs-setup.js";

const DELAY = 1000;
const code = (e: unknown) => awsErrorCode(e);

describe("load balancers", () => {
  it("provision, then turn active, with a DNS name in the region, in the subnets and group asked for", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await ingressAccount(f);
    const lb = (await a.createLoadBalancer()).LoadBalancers![0];
    expect(lb.State?.Code).toBe("provisioning");
    expect(lb.DNSName).toMatch(new RegExp(`^lg-demo-\\d{10}\\.${REGION}\\.elb\\.amazonaws\\.com$`));
    expect([lb.Scheme, lb.SecurityGroups, lb.AvailabilityZones!.map((z) => z.SubnetId).sort()])
      .toEqual(["internet-facing", [a.lbGroup.GroupId], a.publicSubnets.map((s) => s.SubnetId).sort()]);
    f.advance(DELAY);
    const again = await a.elb.send(new DescribeLoadBalancersCommand({ Names: ["lg-demo"] }));
    expect(again.LoadBalancers![0].State?.Code).toBe("active");
  });

  it("are created once: the same request again returns the same load balancer, a different one is a duplicate", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await ingressAccount(f);
    const first = (await a.createLoadBalancer()).LoadBalancers![0];
    expect((await a.createLoadBalancer()).LoadBalancers![0].LoadBalancerArn).toBe(first.LoadBalancerArn);
    const err = await rejection(a.createLoadBalancer("lg-demo", { Scheme: "internal" }));
    expect([code(err), err.name]).toEqual(["DuplicateLoadBalancerName", "DuplicateLoadBalancerNameException"]);
  });

  it.each([
    { reason: "33 characters", name: "lg-" + "a".repeat(30) },
    { reason: "a leading hyphen", name: "-lg-demo" },
    { reason: "a trailing hyphen", name: "lg-demo-" },
    { reason: "an underscore", name: "lg_demo" },
    { reason: "the internal- prefix", name: "internal-demo" },
  ])("refuse a name with $reason (ValidationError)", async ({ name }) => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    expect(code(await rejection(a.createLoadBalancer(name)))).toBe("ValidationError");
  });

  it("need subnets in two Availability Zones", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const err = await rejection(a.createLoadBalancer("lg-demo", { Subnets: [a.publicSubnets[0].SubnetId] }));
    expect(code(err)).toBe("ValidationError");
  });

  it("take one subnet per Availability Zone: a second of the same zone is InvalidConfigurationRequest", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const zone = a.publicSubnets[0].AvailabilityZone;
    const sameZone = (await a.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [a.vpcId] }] }))).Subnets!
      .find((x) => x.AvailabilityZone === zone && x.SubnetId !== a.publicSubnets[0].SubnetId)!;
    const err = await rejection(a.createLoadBalancer("lg-demo", { Subnets: [...a.publicSubnets.map((x) => x.SubnetId), sameZone.SubnetId] }));
    expect(code(err)).toBe("InvalidConfigurationRequest");
  });

  it("described by names fail with LoadBalancerNotFound when any one is missing", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    await a.createLoadBalancer("lg-one");
    const err = await rejection(a.elb.send(new DescribeLoadBalancersCommand({ Names: ["lg-one", "lg-two"] })));
    expect([code(err), err.name]).toEqual(["LoadBalancerNotFound", "LoadBalancerNotFoundException"]);
  });

  it("keep the idle timeout they are given, and refuse one out of range", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const arn = (await a.createLoadBalancer()).LoadBalancers![0].LoadBalancerArn!;
    const before = await a.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    expect(before.Attributes!.find((x) => x.Key === "idle_timeout.timeout_seconds")?.Value).toBe("60");
    await a.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "3600" }] }));
    const after = await a.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    expect(after.Attributes!.find((x) => x.Key === "idle_timeout.timeout_seconds")?.Value).toBe("3600");
    const err = await rejection(a.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "5000" }] })));
    expect(code(err)).toBe("ValidationError");
  });

  it("carry the tags they are given", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const arn = (await a.createLoadBalancer()).LoadBalancers![0].LoadBalancerArn!;
    await a.elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: "langgraph-cloud", Value: "demo" }] }));
    const tags = await a.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    expect(tags.TagDescriptions![0].Tags).toEqual([{ Key: "langgraph-cloud", Value: "demo" }]);
  });
});

describe("listeners", () => {
  it("on HTTPS need a certificate ACM holds in this account and region", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await ingressAccount(f);
    const lb = (await a.createLoadBalancer()).LoadBalancers![0];
    const tg = (await a.createTargetGroup()).TargetGroups![0];
    const https = (CertificateArn: string) => a.elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTPS", Port: 443, Certificates: [{ CertificateArn }],
      SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", DefaultActions: [{ Type: "forward", TargetGroupArn: tg.TargetGroupArn }],
    }));
    const unknown = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`;
    const elsewhere = await f.cloud.console.issueCertificate(ACCOUNT, "us-west-2", "agent.example.com");
    for (const arn of [unknown, elsewhere]) {
      const err = await rejection(https(arn));
      expect([code(err), err.name]).toEqual(["CertificateNotFound", "CertificateNotFoundException"]);
    }
    const cert = await f.cloud.console.issueCertificate(ACCOUNT, REGION, "agent.example.com");
    const listener = (await https(cert)).Listeners![0];
    expect([listener.Protocol, listener.Certificates]).toEqual(["HTTPS", [{ CertificateArn: cert }]]);
    const described = await a.acm.send(new DescribeCertificateCommand({ CertificateArn: cert }));
    expect(described.Certificate?.InUseBy).toEqual([lb.LoadBalancerArn]);
  });

  it("hold their target group: deleting it is ResourceInUse until the listener goes", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const { tg, listener } = await a.ingress();
    const err = await rejection(a.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })));
    expect([code(err), err.name]).toEqual(["ResourceInUse", "ResourceInUseException"]);
    await a.elb.send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
    await a.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
  });

  it("on a port already taken by a different listener are DuplicateListener", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const { lb } = await a.ingress();
    const err = await rejection(a.elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: 80,
      DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }],
    })));
    expect(code(err)).toBe("DuplicateListener");
  });
});

describe("an ECS service with loadBalancers", () => {
  it("is refused while its target group has no load balancer, or given a grace period without one", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const td = await a.register("v1");
    const tg = (await a.createTargetGroup()).TargetGroups![0];
    const detached = await rejection(a.createService(td, { loadBalancers: [{ targetGroupArn: tg.TargetGroupArn, containerName: "api", containerPort: 8000 }] }));
    expect([code(detached), detached.message]).toEqual(["InvalidParameterException", `The target group with targetGroupArn ${tg.TargetGroupArn} does not have an associated load balancer.`]);
    const grace = await rejection(a.createService(td, { healthCheckGracePeriodSeconds: 120 }));
    expect(code(grace)).toBe("InvalidParameterException");
  });

  it("is refused for a container port the task definition does not map", async () => {
    const a = await ingressAccount(new SandboxFixture({ delayMs: DELAY }));
    const { tg } = await a.ingress();
    const err = await rejection(a.createService(await a.register("v1"), { loadBalancers: [{ targetGroupArn: tg.TargetGroupArn, containerName: "api", containerPort: 9000 }] }));
    expect(err.message).toBe("The container api did not have a container port 9000 defined.");
  });

  it("registers its tasks as targets: initial while they start, healthy once they serve, draining as they stop", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await ingressAccount(f);
    const { tg } = await a.ingress();
    await a.createService(await a.register("v1"), {
      loadBalancers: [{ targetGroupArn: tg.TargetGroupArn, containerName: "api", containerPort: 8000 }], healthCheckGracePeriodSeconds: 120,
    });
    const states = async () => (await a.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })))
      .TargetHealthDescriptions!.map((d) => d.TargetHealth!.State).sort();
    expect(await states()).toEqual([]);
    f.advance(DELAY * 0.35);
    expect(await states()).toEqual(["initial", "initial"]);
    f.advance(DELAY * 0.2);
    expect(await states()).toEqual(["healthy", "healthy"]);
    await f.cloud.console.stopTasks(ACCOUNT, REGION, SERVICE, 1);
    expect(await states()).toEqual(["draining", "healthy"]);
    expect((await a.service()).loadBalancers).toEqual([{ targetGroupArn: tg.TargetGroupArn, containerName: "api", containerPort: 8000 }]);
  });

  it("with a failing image never has a healthy target", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await ingressAccount(f);
    const { tg } = await a.ingress();
    await a.createService(await a.register("fail-health"), { desiredCount: 1, loadBalancers: [{ targetGroupArn: tg.TargetGroupArn, containerName: "api", containerPort: 8000 }] });
    const seen = new Set<string>();
    for (let t = 0; t < DELAY * 3; t += 50) {
      f.advance(50);
      const health = await a.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
      for (const d of health.TargetHealthDescriptions!) seen.add(d.TargetHealth!.State!);
    }
    expect(seen.has("initial")).toBe(true);
    expect(seen.has("healthy")).toBe(false);
  });
});
