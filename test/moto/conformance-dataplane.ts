// The conformance steps of the data plane's new kinds (issue 14): Elastic Load Balancing v2, Cloud Map,
// Application Auto Scaling and ACM, in the order a project's ingress, Redis discovery and scaling are
// made, plus ECS services that name a target group and a registry. conformance.test.ts runs them on
// both backends between its ECS service steps and its deletes; each keeps only what the operator reads.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type IpPermission } from "@aws-sdk/client-ec2";
import {
  AddTagsCommand, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteListenerCommand, DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand, DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand, DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand, ModifyTargetGroupAttributesCommand, type Listener, type LoadBalancer, type TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CreateServiceCommand as CreateDiscoveryServiceCommand, DeleteServiceCommand as DeleteDiscoveryServiceCommand, GetServiceCommand,
  ListInstancesCommand, ListNamespacesCommand, ListServicesCommand,
} from "@aws-sdk/client-servicediscovery";
import {
  DeleteScalingPolicyCommand, DeregisterScalableTargetCommand, DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand, RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeCertificateCommand } from "@aws-sdk/client-acm";
import { CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { AwsClients } from "../../src/cloud/clients.js";
import { CLUSTER_NAME, LB_SG_NAME, REDIS_NAMESPACE_NAME, TAG_ENABLED, TAG_PRIVATE } from "../../src/cloud/names.js";

type Json = unknown;
interface Ctx { [k: string]: any }
interface B { aws: AwsClients; settle(ms?: number): Promise<void> }
interface Gap { aws: Json; moto: Json; doc: string }
export interface DataplaneStep { id: string; run(b: B, ctx: Ctx): Promise<Json>; gap?: Gap }

const P = "conf";
const NAME = `lg-${P}`;
const EDGE = `lg-${P}-edge`;
const RESOURCE = `service/${CLUSTER_NAME}/lg-${P}-api`;
const DIM = "ecs:service:DesiredCount" as const;
const TAGS = [{ Key: "langgraph-cloud", Value: P }, { Key: "byoc:project-id", Value: "00000000-0000-4000-8000-000000000001" }];

const lbView = (lb: LoadBalancer | undefined, ctx: Ctx) => lb && ({
  LoadBalancerName: lb.LoadBalancerName, Scheme: lb.Scheme, Type: lb.Type, VpcId: lb.VpcId === ctx.vpc,
  dns: lb.DNSName?.startsWith(`${NAME}-`) && lb.DNSName.endsWith(".us-east-1.elb.amazonaws.com"),
  subnets: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId).sort().join() === ctx.publicSubnets.join(),
  securityGroups: lb.SecurityGroups?.join() === ctx.lbSg, arn: /^arn:aws:elasticloadbalancing:us-east-1:\d{12}:loadbalancer\/app\/lg-conf\//.test(lb.LoadBalancerArn ?? ""),
});
const tgView = (tg: TargetGroup | undefined, ctx: Ctx) => tg && ({
  TargetGroupName: tg.TargetGroupName, Protocol: tg.Protocol, Port: tg.Port, TargetType: tg.TargetType, VpcId: tg.VpcId === ctx.vpc,
  HealthCheckPath: tg.HealthCheckPath, Matcher: tg.Matcher?.HttpCode, HealthCheckProtocol: tg.HealthCheckProtocol,
});
const listenerView = (l: Listener | undefined, ctx: Ctx) => l && ({
  Port: l.Port, Protocol: l.Protocol, loadBalancer: l.LoadBalancerArn === ctx.lbArn,
  actions: (l.DefaultActions ?? []).map((a) => ({ Type: a.Type, toTargetGroup: a.TargetGroupArn === ctx.tgArn, redirect: a.RedirectConfig?.StatusCode })),
});
const attr = (list: { Key?: string; Value?: string }[] | undefined, key: string) => list?.find((x) => x.Key === key)?.Value;
const ports = (perms: IpPermission[] | undefined) => (perms ?? []).map((p) => `${p.IpProtocol}:${p.FromPort ?? ""}`).sort();

export function dataplaneSteps(attempt: (fn: () => Promise<Json>) => Promise<Json>): DataplaneStep[] {
  return [
    // --- prerequisites: public subnets, the LB security group and its rules ------------------------------
    {
      id: "ec2:DescribeSubnets of the public subnets (langgraph-cloud-private=0)",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.ec2.send(new DescribeSubnetsCommand({
          Filters: [{ Name: "vpc-id", Values: [ctx.vpc] }, { Name: `tag:${TAG_ENABLED}`, Values: ["1"] }, { Name: `tag:${TAG_PRIVATE}`, Values: ["0"] }],
        }));
        ctx.publicSubnets = (o.Subnets ?? []).map((s) => s.SubnetId!).sort();
        return { zones: new Set((o.Subnets ?? []).map((s) => s.AvailabilityZone)).size, notPrivate: ctx.publicSubnets.every((s: string) => !ctx.subnets.includes(s)) };
      }),
    },
    {
      id: "ec2:DescribeSecurityGroups of the LB group, and the service group's inbound from it",
      run: (b, ctx) => attempt(async () => {
        const lb = (await b.aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [ctx.vpc] }, { Name: "group-name", Values: [LB_SG_NAME] }] }))).SecurityGroups?.[0];
        ctx.lbSg = lb?.GroupId;
        const svc = (await b.aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [ctx.sg] }))).SecurityGroups?.[0];
        const fromLb = (svc?.IpPermissions ?? []).filter((p) => p.UserIdGroupPairs?.some((g) => g.GroupId === ctx.lbSg)).map((p) => p.FromPort);
        return { lbInbound: ports(lb?.IpPermissions), lbFromAnywhere: lb?.IpPermissions?.every((p) => p.IpRanges?.some((r) => r.CidrIp === "0.0.0.0/0")), serviceFromLb: fromLb };
      }),
    },

    // --- ELBv2 ---------------------------------------------------------------------------------------
    { id: "elbv2:DescribeLoadBalancers by name before any create", run: (b) => attempt(() => b.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [NAME] }))) },
    {
      id: "elbv2:CreateLoadBalancer internet-facing in the public subnets with the LB group",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.elb.send(new CreateLoadBalancerCommand({
          Name: NAME, Type: "application", Scheme: "internet-facing", Subnets: ctx.publicSubnets, SecurityGroups: [ctx.lbSg], Tags: TAGS,
        }));
        ctx.lbArn = o.LoadBalancers?.[0]?.LoadBalancerArn;
        return lbView(o.LoadBalancers?.[0], ctx);
      }),
    },
    {
      id: "elbv2:CreateLoadBalancer again with the same settings (a retry)",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.elb.send(new CreateLoadBalancerCommand({
          Name: NAME, Type: "application", Scheme: "internet-facing", Subnets: ctx.publicSubnets, SecurityGroups: [ctx.lbSg], Tags: TAGS,
        }));
        return { sameArn: o.LoadBalancers?.[0]?.LoadBalancerArn === ctx.lbArn };
      }),
      gap: { aws: { sameArn: true }, moto: { sameArn: false }, doc: "moto-elbv2-duplicates" },
    },
    {
      id: "elbv2:CreateLoadBalancer with a 33-character name",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.elb.send(new CreateLoadBalancerCommand({ Name: `lg-${"x".repeat(30)}`, Subnets: ctx.publicSubnets, SecurityGroups: [ctx.lbSg] }));
        await b.aws.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: o.LoadBalancers?.[0]?.LoadBalancerArn }));
        return { created: true };
      }),
      gap: { aws: { error: "ValidationError", name: "ValidationError", status: 400 }, moto: { created: true }, doc: "moto-elbv2-name-rules" },
    },
    {
      id: "elbv2:DescribeLoadBalancers by several names, one of them missing (the batched read)",
      run: (b) => attempt(async () => {
        const o = await b.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [NAME, "lg-other"] }));
        return { found: [...new Set((o.LoadBalancers ?? []).map((lb) => lb.LoadBalancerName))] };
      }),
      gap: { aws: { error: "LoadBalancerNotFound", name: "LoadBalancerNotFoundException", status: 400 }, moto: { found: [NAME] }, doc: "moto-elbv2-names-partial" },
    },
    {
      id: "elbv2:DescribeLoadBalancers by name once settled",
      run: (b, ctx) => attempt(async () => {
        await b.settle();
        const lb = (await b.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [NAME] }))).LoadBalancers?.[0];
        return { ...lbView(lb, ctx), state: lb?.State?.Code };
      }),
    },
    {
      id: "elbv2:ModifyLoadBalancerAttributes idle timeout 3600, then Describe",
      run: (b, ctx) => attempt(async () => {
        const before = attr((await b.aws.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: ctx.lbArn }))).Attributes, "idle_timeout.timeout_seconds");
        await b.aws.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: ctx.lbArn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "3600" }] }));
        const after = attr((await b.aws.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: ctx.lbArn }))).Attributes, "idle_timeout.timeout_seconds");
        return { before, after };
      }),
      gap: { aws: { before: "60", after: "3600" }, moto: { after: "3600" }, doc: "moto-elbv2-default-attributes" },
    },
    {
      id: "elbv2:AddTags, then DescribeTags",
      run: (b, ctx) => attempt(async () => {
        await b.aws.elb.send(new AddTagsCommand({ ResourceArns: [ctx.lbArn], Tags: [{ Key: "byoc:managed-by", Value: "conformance" }] }));
        const o = await b.aws.elb.send(new DescribeTagsCommand({ ResourceArns: [ctx.lbArn] }));
        return Object.fromEntries((o.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
      }),
    },
    { id: "elbv2:DescribeTargetGroups by name before any create", run: (b) => attempt(() => b.aws.elb.send(new DescribeTargetGroupsCommand({ Names: [NAME] }))) },
    {
      id: "elbv2:CreateTargetGroup ip, HTTP 8000, health check GET /ok",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.elb.send(new CreateTargetGroupCommand({
          Name: NAME, Protocol: "HTTP", Port: 8000, VpcId: ctx.vpc, TargetType: "ip", HealthCheckPath: "/ok", HealthCheckProtocol: "HTTP", Matcher: { HttpCode: "200" }, Tags: TAGS,
        }));
        ctx.tgArn = o.TargetGroups?.[0]?.TargetGroupArn;
        return tgView(o.TargetGroups?.[0], ctx);
      }),
    },
    {
      id: "elbv2:ModifyTargetGroupAttributes deregistration delay 30, then Describe",
      run: (b, ctx) => attempt(async () => {
        await b.aws.elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: ctx.tgArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "30" }] }));
        return attr((await b.aws.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: ctx.tgArn }))).Attributes, "deregistration_delay.timeout_seconds");
      }),
    },
    {
      id: "elbv2:CreateListener HTTPS with a certificate ACM does not have",
      run: (b, ctx) => attempt(() => b.aws.elb.send(new CreateListenerCommand({
        LoadBalancerArn: ctx.lbArn, Protocol: "HTTPS", Port: 443, SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates: [{ CertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000" }],
        DefaultActions: [{ Type: "forward", TargetGroupArn: ctx.tgArn }],
      }))),
    },
    {
      id: "elbv2:CreateListener HTTP 80 forwarding to the target group, then DescribeListeners",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.elb.send(new CreateListenerCommand({ LoadBalancerArn: ctx.lbArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "forward", TargetGroupArn: ctx.tgArn }] }));
        ctx.listenerArn = o.Listeners?.[0]?.ListenerArn;
        const listed = await b.aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: ctx.lbArn }));
        return { created: listenerView(o.Listeners?.[0], ctx), listed: (listed.Listeners ?? []).map((l) => listenerView(l, ctx)) };
      }),
    },
    {
      id: "elbv2:DescribeTargetGroups by name: the load balancer it is attached to",
      run: (b, ctx) => attempt(async () => {
        const tg = (await b.aws.elb.send(new DescribeTargetGroupsCommand({ Names: [NAME] }))).TargetGroups?.[0];
        return { ...tgView(tg, ctx), loadBalancers: tg?.LoadBalancerArns?.map((a) => a === ctx.lbArn) };
      }),
    },
    {
      id: "elbv2:ModifyListener to a redirect and back",
      run: (b, ctx) => attempt(async () => {
        const redirect = await b.aws.elb.send(new ModifyListenerCommand({
          ListenerArn: ctx.listenerArn, DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }],
        }));
        const back = await b.aws.elb.send(new ModifyListenerCommand({ ListenerArn: ctx.listenerArn, DefaultActions: [{ Type: "forward", TargetGroupArn: ctx.tgArn }] }));
        return { redirect: listenerView(redirect.Listeners?.[0], ctx), back: listenerView(back.Listeners?.[0], ctx) };
      }),
    },
    { id: "elbv2:DeleteTargetGroup while a listener forwards to it", run: (b, ctx) => attempt(() => b.aws.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: ctx.tgArn }))) },
    {
      id: "elbv2:DescribeTargetHealth before any service uses the target group",
      run: (b, ctx) => attempt(async () => (await b.aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: ctx.tgArn }))).TargetHealthDescriptions),
    },
    { id: "acm:DescribeCertificate of a certificate ACM does not have", run: (b) => attempt(() => b.aws.acm.send(new DescribeCertificateCommand({ CertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000" }))) },

    // --- Cloud Map -------------------------------------------------------------------------------------
    {
      id: "servicediscovery:ListNamespaces: the module's private DNS namespace",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.cloudmap.send(new ListNamespacesCommand({ Filters: [{ Name: "TYPE", Values: ["DNS_PRIVATE"] }] }));
        const ns = (o.Namespaces ?? []).find((n) => n.Name === REDIS_NAMESPACE_NAME);
        ctx.namespaceId = ns?.Id;
        return { found: !!ns, Type: ns?.Type, id: /^ns-[a-z0-9]+$/.test(ns?.Id ?? "") };
      }),
    },
    {
      id: "servicediscovery:CreateService with an A record, TTL 10",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.cloudmap.send(new CreateDiscoveryServiceCommand({
          Name: `lg-${P}-redis`, NamespaceId: ctx.namespaceId, CreatorRequestId: "conf-redis-1",
          DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] }, Tags: TAGS,
        }));
        ctx.registryArn = o.Service?.Arn;
        ctx.registryId = o.Service?.Id;
        return { Name: o.Service?.Name, NamespaceId: o.Service?.NamespaceId === ctx.namespaceId, records: o.Service?.DnsConfig?.DnsRecords, id: /^srv-[a-z0-9]+$/.test(o.Service?.Id ?? "") };
      }),
    },
    {
      id: "servicediscovery:CreateService of a taken name with another request id",
      run: (b, ctx) => attempt(async () => {
        const o = await b.aws.cloudmap.send(new CreateDiscoveryServiceCommand({
          Name: `lg-${P}-redis`, NamespaceId: ctx.namespaceId, CreatorRequestId: "conf-redis-2", DnsConfig: { DnsRecords: [{ Type: "A", TTL: 10 }] },
        }));
        // Leave one service of the name, as AWS would have, for the steps after this one.
        await b.aws.cloudmap.send(new DeleteDiscoveryServiceCommand({ Id: o.Service?.Id }));
        return { created: true };
      }),
      gap: { aws: { error: "ServiceAlreadyExists", name: "ServiceAlreadyExists", status: 400 }, moto: { created: true }, doc: "moto-servicediscovery-duplicates" },
    },
    {
      id: "servicediscovery:GetService and ListServices in the namespace",
      run: (b, ctx) => attempt(async () => {
        const got = await b.aws.cloudmap.send(new GetServiceCommand({ Id: ctx.registryId }));
        const listed = await b.aws.cloudmap.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [ctx.namespaceId], Condition: "EQ" }] }));
        return { name: got.Service?.Name, ttl: got.Service?.DnsConfig?.DnsRecords?.[0]?.TTL, listed: (listed.Services ?? []).map((s) => s.Name) };
      }),
    },
    { id: "servicediscovery:GetService of a missing service", run: (b) => attempt(() => b.aws.cloudmap.send(new GetServiceCommand({ Id: "srv-0000000000000000" }))) },

    // --- ECS services with a target group and a registry ------------------------------------------------
    {
      id: "ecs:CreateService with loadBalancers, serviceRegistries and a grace period",
      run: (b, ctx) => attempt(async () => {
        // A task that can start before the log group and secrets exist: no awslogs, no secrets.
        const td = await b.aws.ecs.send(new RegisterTaskDefinitionCommand({
          family: EDGE, networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512",
          // A container the sandbox's image model lets run (licence, databases it can reach, LangChain's health check).
          containerDefinitions: [{
            name: "api", image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/agent:v1", essential: true, portMappings: [{ containerPort: 8000 }],
            environment: [
              { name: "LANGGRAPH_CLOUD_LICENSE_KEY", value: "conformance" }, { name: "POSTGRES_URI", value: "postgres://u:p@db.example.com:5432/d" },
              { name: "REDIS_URI", value: "redis://10.0.0.9:6379" },
            ],
            healthCheck: { command: ["CMD", "python", "/api/healthcheck.py"] },
          }],
        }));
        await b.aws.ecs.send(new CreateServiceCommand({
          cluster: CLUSTER_NAME, serviceName: EDGE, taskDefinition: td.taskDefinition?.taskDefinitionArn, desiredCount: 1, launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: ctx.subnets, securityGroups: [ctx.sg], assignPublicIp: "DISABLED" } },
          loadBalancers: [{ targetGroupArn: ctx.tgArn, containerName: "api", containerPort: 8000 }], healthCheckGracePeriodSeconds: 120,
          serviceRegistries: [{ registryArn: ctx.registryArn }],
        }));
        const s = (await b.aws.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: [EDGE] }))).services?.[0];
        return {
          loadBalancers: s?.loadBalancers?.map((l) => ({ tg: l.targetGroupArn === ctx.tgArn, containerName: l.containerName, containerPort: l.containerPort })),
          registries: s?.serviceRegistries?.map((r) => r.registryArn === ctx.registryArn), grace: s?.healthCheckGracePeriodSeconds ?? null,
        };
      }),
      gap: {
        aws: { loadBalancers: [{ tg: true, containerName: "api", containerPort: 8000 }], registries: [true], grace: 120 },
        moto: { loadBalancers: [{ tg: true, containerName: "api", containerPort: 8000 }], registries: [true], grace: null },
        doc: "moto-ecs-create-service-config",
      },
    },
    {
      id: "servicediscovery:ListInstances once the service's task runs",
      run: (b, ctx) => attempt(async () => {
        await b.settle();
        return { instances: (await b.aws.cloudmap.send(new ListInstancesCommand({ ServiceId: ctx.registryId }))).Instances?.length };
      }),
      gap: { aws: { instances: 1 }, moto: { instances: 0 }, doc: "moto-ecs-registers-nothing" },
    },
    {
      id: "elbv2:DescribeTargetHealth once the service's task runs",
      run: (b, ctx) => attempt(async () => (await b.aws.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: ctx.tgArn }))).TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)),
      gap: { aws: ["healthy"], moto: [], doc: "moto-ecs-registers-nothing" },
    },

    // --- Application Auto Scaling ------------------------------------------------------------------------
    {
      id: "application-autoscaling:RegisterScalableTarget for a service that does not exist",
      run: (b) => attempt(async () => {
        await b.aws.autoscaling.send(new RegisterScalableTargetCommand({
          ServiceNamespace: "ecs", ResourceId: `service/${CLUSTER_NAME}/lg-${P}-nothing`, ScalableDimension: DIM, MinCapacity: 1, MaxCapacity: 3,
        }));
        return { registered: true };
      }),
    },
    {
      id: "application-autoscaling:RegisterScalableTarget 2..5, then DescribeScalableTargets by ResourceIds (the batched read)",
      run: (b) => attempt(async () => {
        await b.aws.autoscaling.send(new RegisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: DIM, MinCapacity: 2, MaxCapacity: 5 }));
        const o = await b.aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs", ResourceIds: [RESOURCE, `service/${CLUSTER_NAME}/lg-other-api`], ScalableDimension: DIM }));
        return (o.ScalableTargets ?? []).filter((t) => t.ResourceId !== `service/${CLUSTER_NAME}/lg-${P}-nothing`).map((t) => ({ ResourceId: t.ResourceId, min: t.MinCapacity, max: t.MaxCapacity }));
      }),
    },
    {
      id: "application-autoscaling:PutScalingPolicy target tracking on CPU, then DescribeScalingPolicies",
      run: (b) => attempt(async () => {
        const put = await b.aws.autoscaling.send(new PutScalingPolicyCommand({
          PolicyName: `lg-${P}-api-cpu`, ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: DIM, PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: { TargetValue: 75, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" }, ScaleOutCooldown: 60, ScaleInCooldown: 1800 },
        }));
        const o = await b.aws.autoscaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: DIM }));
        return {
          arn: !!put.PolicyARN,
          policies: (o.ScalingPolicies ?? []).map((p) => ({
            PolicyName: p.PolicyName, PolicyType: p.PolicyType, target: p.TargetTrackingScalingPolicyConfiguration?.TargetValue,
            metric: p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType,
            out: p.TargetTrackingScalingPolicyConfiguration?.ScaleOutCooldown, in: p.TargetTrackingScalingPolicyConfiguration?.ScaleInCooldown,
          })),
        };
      }),
    },
    {
      id: "application-autoscaling:PutScalingPolicy for a target never registered",
      run: (b) => attempt(() => b.aws.autoscaling.send(new PutScalingPolicyCommand({
        PolicyName: "x", ServiceNamespace: "ecs", ResourceId: `service/${CLUSTER_NAME}/lg-other-api`, ScalableDimension: DIM, PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: { TargetValue: 75, PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" } },
      })).then((o) => ({ created: !!o.PolicyARN }))),
      gap: { aws: { error: "ObjectNotFoundException", name: "ObjectNotFoundException", status: 400 }, moto: { created: true }, doc: "moto-autoscaling-policy-without-target" },
    },
    {
      id: "application-autoscaling:DeleteScalingPolicy, DeregisterScalableTarget, then a second deregister",
      run: (b) => attempt(async () => {
        await b.aws.autoscaling.send(new DeleteScalingPolicyCommand({ PolicyName: `lg-${P}-api-cpu`, ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: DIM }));
        await b.aws.autoscaling.send(new DeregisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: DIM }));
        return { again: await attempt(() => b.aws.autoscaling.send(new DeregisterScalableTargetCommand({ ServiceNamespace: "ecs", ResourceId: RESOURCE, ScalableDimension: DIM }))) };
      }),
      gap: {
        aws: { again: { error: "ObjectNotFoundException", name: "ObjectNotFoundException", status: 400 } },
        moto: { again: { error: "ValidationException", name: "ValidationException", status: 400 } },
        doc: "moto-autoscaling-deregister-missing",
      },
    },

    // --- teardown in the operator's order: services, listeners, target group, load balancer, registry ------
    {
      id: "teardown: ECS service, listener, target group, load balancer, then the Cloud Map service",
      run: (b, ctx) => attempt(async () => {
        await b.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: EDGE, desiredCount: 0 }));
        await b.aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: EDGE, force: true }));
        await b.settle();
        await b.aws.elb.send(new DeleteListenerCommand({ ListenerArn: ctx.listenerArn }));
        await b.aws.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: ctx.tgArn }));
        // Every load balancer of the name (moto made a second one above, see moto-elbv2-duplicates).
        const named = (await b.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [NAME] }))).LoadBalancers ?? [];
        for (const lb of named) await b.aws.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
        const again = await attempt(async () => { await b.aws.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: ctx.lbArn })); return "deleted"; });
        await b.aws.cloudmap.send(new DeleteDiscoveryServiceCommand({ Id: ctx.registryId }));
        const lbs = await attempt(() => b.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [NAME] })));
        return { deleteAgain: again, lbs, registry: await attempt(() => b.aws.cloudmap.send(new GetServiceCommand({ Id: ctx.registryId }))) };
      }),
    },
  ];
}
