// Elastic Load Balancing v2, application load balancers, as the API behaves: CreateLoadBalancer is
// idempotent for identical settings and DuplicateLoadBalancerName otherwise, needs subnets in two
// Availability Zones of one VPC, starts `provisioning` and becomes `active`; DescribeLoadBalancers by
// Names fails with LoadBalancerNotFound when any one is missing; attributes (idle timeout) through
// Modify/DescribeLoadBalancerAttributes; SetSubnets/SetSecurityGroups; DeleteLoadBalancer takes its
// listeners with it and succeeds for a load balancer already gone; AddTags/RemoveTags/DescribeTags.
// Target groups and listeners have their own files; all ELBv2 operations are assembled here.
import { fail } from "./errors.js";
import { stableDigits } from "./ids.js";
import {
  checkName, elbArn, lbState, loadBalancerByArn, taggableElb, type LoadBalancer,
} from "./elb-model.js";
import { elbListenerHandlers } from "./elb-listeners.js";
import { elbTargetGroupHandlers } from "./elb-targets.js";
import { date, mintHex, tagList, tagsFromList, type OperationHandler, type OpContext } from "./state.js";

const DEFAULT_ATTRIBUTES: Record<string, string> = {
  "idle_timeout.timeout_seconds": "60",
  "deletion_protection.enabled": "false",
  "routing.http2.enabled": "true",
  "routing.http.drop_invalid_header_fields.enabled": "false",
  "access_logs.s3.enabled": "false",
  "client_keep_alive.seconds": "3600",
};

/** Where ELB's canonical hosted zones live; one id per region is enough for a reader of DNS names. */
const HOSTED_ZONE = "Z35SXDOTRQ7X7K";

function checkNetwork(ctx: OpContext, subnetIds: string[], groupIds: string[]): string {
  if (!subnetIds.length) fail("elbv2", "ValidationError", "At least two subnets in two different Availability Zones must be specified");
  const subnets = subnetIds.map((id) => {
    const s = ctx.s.ec2.subnets.find((x) => x.id === id);
    if (!s) fail("elbv2", "SubnetNotFoundException", `The subnet ID '${id}' is not valid`);
    return s;
  });
  if (new Set(subnets.map((s) => s.az)).size < 2) {
    fail("elbv2", "ValidationError", "At least two subnets in two different Availability Zones must be specified");
  }
  // ELB takes one subnet per Availability Zone ("You can specify only one subnet per Availability Zone").
  if (new Set(subnets.map((s) => s.az)).size < subnets.length) {
    fail("elbv2", "InvalidConfigurationRequestException", "A load balancer cannot be attached to multiple subnets in the same Availability Zone");
  }
  const vpcs = new Set(subnets.map((s) => s.vpcId));
  if (vpcs.size > 1) fail("elbv2", "InvalidConfigurationRequestException", "The subnets must all belong to the same VPC");
  const vpcId = subnets[0].vpcId;
  for (const id of groupIds) {
    const g = ctx.s.ec2.securityGroups.find((x) => x.id === id);
    if (!g || g.vpcId !== vpcId) fail("elbv2", "InvalidSecurityGroupException", `Security group '${id}' does not exist`);
  }
  return vpcId;
}

export function loadBalancerOutput(ctx: OpContext, lb: LoadBalancer) {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: HOSTED_ZONE,
    CreatedTime: date(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lbState(ctx, lb) },
    Type: lb.type,
    AvailabilityZones: lb.subnets.map((id) => {
      const s = ctx.s.ec2.subnets.find((x) => x.id === id);
      return { ZoneName: s?.az, SubnetId: id, LoadBalancerAddresses: [] };
    }),
    SecurityGroups: [...lb.securityGroups],
    IpAddressType: lb.ipAddressType,
  };
}

interface CreateLoadBalancerInput {
  Name?: string;
  Subnets?: string[];
  SubnetMappings?: { SubnetId?: string }[];
  SecurityGroups?: string[];
  Scheme?: string;
  Type?: string;
  IpAddressType?: string;
  Tags?: { Key?: string; Value?: string }[];
}

function createLoadBalancer(ctx: OpContext, input: CreateLoadBalancerInput) {
  const name = checkName("LoadBalancer", input.Name);
  const type = input.Type ?? "application";
  if (type !== "application") fail("elbv2", "ValidationError", `The sandbox models application load balancers only, not '${type}'`);
  const scheme = input.Scheme ?? "internet-facing";
  if (scheme !== "internet-facing" && scheme !== "internal") fail("elbv2", "ValidationError", `'${scheme}' is not a valid scheme`);
  const subnets = input.Subnets ?? (input.SubnetMappings ?? []).map((m) => m.SubnetId ?? "");
  const groups = input.SecurityGroups ?? [];
  const vpcId = checkNetwork(ctx, subnets, groups);
  const existing = ctx.s.elb.loadBalancers[name];
  if (existing) {
    // Idempotent for the same settings, as AWS documents; anything else is a different load balancer.
    const same = existing.scheme === scheme && [...existing.subnets].sort().join() === [...subnets].sort().join()
      && [...existing.securityGroups].sort().join() === [...groups].sort().join();
    if (same) return { LoadBalancers: [loadBalancerOutput(ctx, existing)] };
    fail("elbv2", "DuplicateLoadBalancerNameException", "A load balancer with the same name already exists");
  }
  const id = mintHex(ctx, "elb", 16);
  const digits = stableDigits([ctx.seed, ctx.s.accountId, name, id], 10);
  const lb: LoadBalancer = {
    name,
    arn: elbArn(ctx, `loadbalancer/app/${name}/${id}`),
    dnsName: `${scheme === "internal" ? "internal-" : ""}${name}-${digits}.${ctx.s.region}.elb.amazonaws.com`,
    scheme,
    type: "application",
    vpcId,
    subnets: [...subnets],
    securityGroups: groups.length ? [...groups] : defaultGroup(ctx, vpcId),
    ipAddressType: input.IpAddressType ?? "ipv4",
    createdAt: ctx.now,
    activeAt: ctx.now + ctx.timings.lbProvision,
    attributes: { ...DEFAULT_ATTRIBUTES },
    tags: tagsFromList(input.Tags),
  };
  ctx.s.elb.loadBalancers[name] = lb;
  return { LoadBalancers: [loadBalancerOutput(ctx, lb)] };
}

/** Without SecurityGroups, an ALB gets its VPC's default group. */
function defaultGroup(ctx: OpContext, vpcId: string): string[] {
  return ctx.s.ec2.securityGroups.filter((g) => g.vpcId === vpcId && g.name === "default").map((g) => g.id);
}

interface DescribeInput { LoadBalancerArns?: string[]; Names?: string[]; Marker?: string; PageSize?: number }

function describeLoadBalancers(ctx: OpContext, input: DescribeInput) {
  if (input.LoadBalancerArns?.length && input.Names?.length) {
    fail("elbv2", "ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time");
  }
  const all = Object.values(ctx.s.elb.loadBalancers).sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  let chosen = all;
  if (input.Names?.length) {
    if (input.Names.length > 20) fail("elbv2", "ValidationError", "A maximum of 20 load balancer names can be specified");
    const missing = input.Names.filter((n) => !ctx.s.elb.loadBalancers[n]);
    if (missing.length) fail("elbv2", "LoadBalancerNotFoundException", `Load balancers '[${missing.join(", ")}]' not found`);
    chosen = all.filter((lb) => input.Names!.includes(lb.name));
  } else if (input.LoadBalancerArns?.length) {
    if (input.LoadBalancerArns.length > 20) fail("elbv2", "ValidationError", "A maximum of 20 load balancer ARNs can be specified");
    const missing = input.LoadBalancerArns.filter((a) => !all.some((lb) => lb.arn === a));
    if (missing.length) fail("elbv2", "LoadBalancerNotFoundException", `Load balancers '[${missing.join(", ")}]' not found`);
    chosen = all.filter((lb) => input.LoadBalancerArns!.includes(lb.arn));
  }
  const { items, marker } = elbPage(chosen, input.Marker, input.PageSize);
  return { LoadBalancers: items.map((lb) => loadBalancerOutput(ctx, lb)), NextMarker: marker };
}

/** ELBv2's paging: an opaque marker, pages of at most 400. */
export function elbPage<T>(items: T[], marker: string | undefined, pageSize: number | undefined) {
  const start = marker ? Number(Buffer.from(marker, "base64").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) fail("elbv2", "ValidationError", "Invalid marker");
  const size = pageSize ?? 400;
  if (size < 1 || size > 400) fail("elbv2", "ValidationError", "Page size must be between 1 and 400");
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString("base64") : undefined;
  return { items: items.slice(start, start + size), marker: next };
}

function modifyLoadBalancerAttributes(ctx: OpContext, input: { LoadBalancerArn?: string; Attributes?: { Key?: string; Value?: string }[] }) {
  const lb = loadBalancerByArn(ctx, input.LoadBalancerArn);
  for (const { Key, Value } of input.Attributes ?? []) {
    if (!Key || !(Key in DEFAULT_ATTRIBUTES)) fail("elbv2", "InvalidConfigurationRequestException", `Key ${Key} not valid`);
    if (Key === "idle_timeout.timeout_seconds") {
      const n = Number(Value);
      if (!Number.isInteger(n) || n < 1 || n > 4000) fail("elbv2", "ValidationError", "Idle timeout must be between 1 and 4000 seconds");
    }
    lb.attributes[Key] = String(Value ?? "");
  }
  return { Attributes: attributeList(lb.attributes) };
}

export const attributeList = (a: Record<string, string>) => Object.entries(a).map(([Key, Value]) => ({ Key, Value }));

function deleteLoadBalancer(ctx: OpContext, input: { LoadBalancerArn?: string }) {
  const lb = Object.values(ctx.s.elb.loadBalancers).find((x) => x.arn === input.LoadBalancerArn);
  if (!lb) return {};
  if (lb.attributes["deletion_protection.enabled"] === "true") {
    fail("elbv2", "OperationNotPermittedException", `Load balancer '${lb.arn}' cannot be deleted because deletion protection is enabled`);
  }
  for (const [arn, l] of Object.entries(ctx.s.elb.listeners)) if (l.loadBalancerArn === lb.arn) delete ctx.s.elb.listeners[arn];
  delete ctx.s.elb.loadBalancers[lb.name];
  return {};
}

function describeTags(ctx: OpContext, input: { ResourceArns?: string[] }) {
  const arns = input.ResourceArns ?? [];
  if (!arns.length || arns.length > 20) fail("elbv2", "ValidationError", "Between 1 and 20 resource ARNs must be specified");
  return { TagDescriptions: arns.map((arn) => ({ ResourceArn: arn, Tags: tagList(taggableElb(ctx, arn).tags) })) };
}

export const elbHandlers: Record<string, OperationHandler> = {
  ...elbTargetGroupHandlers,
  ...elbListenerHandlers,
  CreateLoadBalancer: createLoadBalancer,
  DescribeLoadBalancers: describeLoadBalancers,
  DeleteLoadBalancer: deleteLoadBalancer,
  DescribeLoadBalancerAttributes: (ctx, input: { LoadBalancerArn?: string }) => ({
    Attributes: attributeList(loadBalancerByArn(ctx, input.LoadBalancerArn).attributes),
  }),
  ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
  SetSubnets: (ctx, input: { LoadBalancerArn?: string; Subnets?: string[] }) => {
    const lb = loadBalancerByArn(ctx, input.LoadBalancerArn);
    const vpcId = checkNetwork(ctx, input.Subnets ?? [], []);
    if (vpcId !== lb.vpcId) fail("elbv2", "InvalidConfigurationRequestException", "The subnets must belong to the load balancer's VPC");
    lb.subnets = [...(input.Subnets ?? [])];
    return { AvailabilityZones: loadBalancerOutput(ctx, lb).AvailabilityZones };
  },
  SetSecurityGroups: (ctx, input: { LoadBalancerArn?: string; SecurityGroups?: string[] }) => {
    const lb = loadBalancerByArn(ctx, input.LoadBalancerArn);
    for (const id of input.SecurityGroups ?? []) {
      const g = ctx.s.ec2.securityGroups.find((x) => x.id === id);
      if (!g || g.vpcId !== lb.vpcId) fail("elbv2", "InvalidSecurityGroupException", `Security group '${id}' does not exist`);
    }
    lb.securityGroups = [...(input.SecurityGroups ?? [])];
    return { SecurityGroupIds: [...lb.securityGroups] };
  },
  AddTags: (ctx, input: { ResourceArns?: string[]; Tags?: { Key?: string; Value?: string }[] }) => {
    for (const arn of input.ResourceArns ?? []) {
      const r = taggableElb(ctx, arn);
      r.tags = { ...r.tags, ...tagsFromList(input.Tags) };
    }
    return {};
  },
  RemoveTags: (ctx, input: { ResourceArns?: string[]; TagKeys?: string[] }) => {
    for (const arn of input.ResourceArns ?? []) {
      const r = taggableElb(ctx, arn);
      for (const k of input.TagKeys ?? []) delete r.tags[k];
    }
    return {};
  },
  DescribeTags: describeTags,
};
