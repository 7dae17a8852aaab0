// EC2 network discovery: DescribeVpcs, DescribeSubnets, DescribeSecurityGroups over the seeded
// prerequisites. Follows EC2's filter semantics: values within one filter are OR'ed, filters are
// AND'ed, `*`/`?` wildcards match, an unknown filter name is InvalidParameterValue, and an id that
// does not exist fails the whole call with the `…NotFound` code rather than being skipped.
// GroupNames only look in the default VPC, as on AWS, so discovery must use the group-name filter.
import { fail } from "./errors.js";
import { partitionOf } from "./ids.js";
import type { OperationHandler, OpContext, Tags } from "./state.js";

export interface Vpc {
  id: string;
  cidr: string;
  isDefault: boolean;
  tags: Tags;
}

export interface Subnet {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  azId: string;
  mapPublicIpOnLaunch: boolean;
  defaultForAz: boolean;
  availableIps: number;
  tags: Tags;
}

/** One inbound rule: a port range open to CIDRs or to other security groups (the customer's module sets them). */
export interface IngressRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrs?: string[];
  groupIds?: string[];
  description?: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Tags;
  ingress?: IngressRule[];
}

function ipPermissions(ctx: OpContext, g: SecurityGroup) {
  if (g.name === "default") return [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: g.id, UserId: ctx.s.accountId }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] }];
  return (g.ingress ?? []).map((r) => ({
    IpProtocol: r.protocol,
    FromPort: r.protocol === "-1" ? undefined : r.fromPort,
    ToPort: r.protocol === "-1" ? undefined : r.toPort,
    IpRanges: (r.cidrs ?? []).map((CidrIp) => ({ CidrIp, Description: r.description })),
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: (r.groupIds ?? []).map((GroupId) => ({ GroupId, UserId: ctx.s.accountId, Description: r.description })),
  }));
}

export interface Ec2State {
  vpcs: Vpc[];
  subnets: Subnet[];
  securityGroups: SecurityGroup[];
}

interface Filter {
  Name?: string;
  Values?: string[];
}

/** Filter name → the values a resource has for it; undefined means the filter is not supported. */
type FilterFields = (name: string) => string[] | undefined;

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

function tagFields(tags: Tags, name: string): string[] | undefined {
  if (name.startsWith("tag:")) {
    const v = tags[name.slice(4)];
    return v === undefined ? [] : [v];
  }
  if (name === "tag-key") return Object.keys(tags);
  if (name === "tag-value") return Object.values(tags);
  return undefined;
}

function matches(filters: Filter[] | undefined, fields: FilterFields): boolean {
  return (filters ?? []).every((f) => {
    const have = fields(f.Name ?? "");
    if (have === undefined) fail("ec2", "InvalidParameterValue", `The filter '${f.Name}' is invalid`);
    return (f.Values ?? []).some((v) => have.some((h) => wildcard(v).test(h)));
  });
}

function byIds<T extends { id: string }>(items: T[], ids: string[] | undefined, code: string, noun: string): T[] {
  if (!ids?.length) return items;
  const missing = ids.filter((id) => !items.some((i) => i.id === id));
  if (missing.length) fail("ec2", code, `The ${noun} '${missing.join(", ")}' does not exist`);
  return items.filter((i) => ids.includes(i.id));
}

const ec2Tags = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function describeVpcs(ctx: OpContext, input: { VpcIds?: string[]; Filters?: Filter[] }) {
  const vpcs = byIds(ctx.s.ec2.vpcs, input.VpcIds, "InvalidVpcID.NotFound", "vpc ID").filter((v) =>
    matches(input.Filters, (name) => {
      if (name === "vpc-id") return [v.id];
      if (name === "cidr" || name === "cidr-block-association.cidr-block") return [v.cidr];
      if (name === "is-default") return [String(v.isDefault)];
      if (name === "state") return ["available"];
      if (name === "owner-id") return [ctx.s.accountId];
      return tagFields(v.tags, name);
    }),
  );
  return {
    Vpcs: vpcs.map((v) => ({
      VpcId: v.id,
      CidrBlock: v.cidr,
      State: "available",
      OwnerId: ctx.s.accountId,
      InstanceTenancy: "default",
      IsDefault: v.isDefault,
      DhcpOptionsId: `dopt-0${v.id.slice(5, 21)}`,
      CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-0${v.id.slice(5, 21)}`, CidrBlock: v.cidr, CidrBlockState: { State: "associated" } }],
      Tags: v.tags && Object.keys(v.tags).length ? ec2Tags(v.tags) : undefined,
    })),
  };
}

function describeSubnets(ctx: OpContext, input: { SubnetIds?: string[]; Filters?: Filter[] }) {
  const partition = partitionOf(ctx.s.region);
  const subnets = byIds(ctx.s.ec2.subnets, input.SubnetIds, "InvalidSubnetID.NotFound", "subnet ID").filter((x) =>
    matches(input.Filters, (name) => {
      if (name === "vpc-id") return [x.vpcId];
      if (name === "subnet-id") return [x.id];
      if (name === "availability-zone" || name === "availabilityZone") return [x.az];
      if (name === "availability-zone-id") return [x.azId];
      if (name === "cidr-block" || name === "cidr" || name === "cidrBlock") return [x.cidr];
      if (name === "default-for-az" || name === "defaultForAz") return [String(x.defaultForAz)];
      if (name === "map-public-ip-on-launch") return [String(x.mapPublicIpOnLaunch)];
      if (name === "state") return ["available"];
      if (name === "owner-id") return [ctx.s.accountId];
      return tagFields(x.tags, name);
    }),
  );
  return {
    Subnets: subnets.map((x) => ({
      SubnetId: x.id,
      VpcId: x.vpcId,
      CidrBlock: x.cidr,
      AvailabilityZone: x.az,
      AvailabilityZoneId: x.azId,
      AvailableIpAddressCount: x.availableIps,
      DefaultForAz: x.defaultForAz,
      MapPublicIpOnLaunch: x.mapPublicIpOnLaunch,
      State: "available",
      OwnerId: ctx.s.accountId,
      AssignIpv6AddressOnCreation: false,
      Ipv6CidrBlockAssociationSet: [],
      SubnetArn: `arn:${partition}:ec2:${ctx.s.region}:${ctx.s.accountId}:subnet/${x.id}`,
      Tags: Object.keys(x.tags).length ? ec2Tags(x.tags) : undefined,
    })),
  };
}

function describeSecurityGroups(ctx: OpContext, input: { GroupIds?: string[]; GroupNames?: string[]; Filters?: Filter[] }) {
  const partition = partitionOf(ctx.s.region);
  let groups = byIds(ctx.s.ec2.securityGroups, input.GroupIds, "InvalidGroup.NotFound", "security group");
  if (input.GroupNames?.length) {
    const defaultVpc = ctx.s.ec2.vpcs.find((v) => v.isDefault);
    const inDefault = groups.filter((g) => g.vpcId === defaultVpc?.id);
    const missing = input.GroupNames.filter((n) => !inDefault.some((g) => g.name === n));
    if (missing.length) {
      fail("ec2", "InvalidGroup.NotFound", `The security group '${missing[0]}' does not exist in default VPC '${defaultVpc?.id}'`);
    }
    groups = inDefault.filter((g) => input.GroupNames!.includes(g.name));
  }
  groups = groups.filter((g) =>
    matches(input.Filters, (name) => {
      if (name === "group-name") return [g.name];
      if (name === "group-id") return [g.id];
      if (name === "vpc-id") return [g.vpcId];
      if (name === "description") return [g.description];
      if (name === "owner-id") return [ctx.s.accountId];
      return tagFields(g.tags, name);
    }),
  );
  return {
    SecurityGroups: groups.map((g) => ({
      GroupId: g.id,
      GroupName: g.name,
      Description: g.description,
      VpcId: g.vpcId,
      OwnerId: ctx.s.accountId,
      SecurityGroupArn: `arn:${partition}:ec2:${ctx.s.region}:${ctx.s.accountId}:security-group/${g.id}`,
      IpPermissions: ipPermissions(ctx, g),
      IpPermissionsEgress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }],
      Tags: Object.keys(g.tags).length ? ec2Tags(g.tags) : undefined,
    })),
  };
}

export const ec2Handlers: Record<string, OperationHandler> = {
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
};
