// What every sandbox account already holds before the operator touches it: the resources docs/reference.md §9
// says the customer's Terraform module (deploy/terraform) creates (private and public subnets in two
// zones, the LB and service security groups with their rules, the DB subnet group, the Cloud Map
// namespace for Redis, the execution role), plus the default VPC every real
// AWS account has, so that discovery has to filter by tag exactly as it must against AWS. Ids are
// derived from (account, region) alone, so the same account looks the same in every process and run.
import {
  CONTAINER_PORT,
  DB_SUBNET_GROUP_NAME,
  LB_SG_NAME,
  REDIS_NAMESPACE_NAME,
  SERVICE_SG_NAME,
  TAG_ENABLED,
  TAG_PRIVATE,
  TASK_EXECUTION_ROLE_NAME,
} from "../names.js";
import { seedNamespace } from "./cloudmap.js";
import type { Ec2State, SecurityGroup, Subnet, Vpc } from "./ec2.js";
import { partitionOf, stableHex, zoneIdPrefix } from "./ids.js";
import type { AccountState } from "./state.js";

export function seedPrerequisites(s: AccountState): AccountState {
  const { accountId, region } = s;
  const id = (prefix: string, name: string) => `${prefix}-0${stableHex([accountId, region, prefix, name], 16)}`;
  const partition = partitionOf(region);
  const zones = [`${region}a`, `${region}b`];
  const zoneIds = [`${zoneIdPrefix(region)}-az1`, `${zoneIdPrefix(region)}-az2`];

  const defaultVpc: Vpc = { id: id("vpc", "default"), cidr: "172.31.0.0/16", isDefault: true, tags: {} };
  const vpc: Vpc = {
    id: id("vpc", "langgraph"),
    cidr: "10.80.0.0/16",
    isDefault: false,
    tags: { Name: "langgraph-cloud-vpc", [TAG_ENABLED]: "1" },
  };

  const subnet = (name: string, vpcId: string, cidr: string, zone: number, isPublic: boolean, tags: Record<string, string>): Subnet => ({
    id: id("subnet", name),
    vpcId,
    cidr,
    az: zones[zone],
    azId: zoneIds[zone],
    mapPublicIpOnLaunch: isPublic,
    defaultForAz: vpcId === defaultVpc.id,
    availableIps: 4091,
    tags,
  });
  const subnets = [
    subnet("default-a", defaultVpc.id, "172.31.0.0/20", 0, true, {}),
    subnet("default-b", defaultVpc.id, "172.31.16.0/20", 1, true, {}),
    ...["a", "b"].map((z, i) =>
      subnet(`private-${z}`, vpc.id, `10.80.${i * 32}.0/19`, i, false, {
        Name: `langgraph-cloud-private-${zones[i]}`,
        [TAG_ENABLED]: "1",
        [TAG_PRIVATE]: "1",
      }),
    ),
    ...["a", "b"].map((z, i) =>
      subnet(`public-${z}`, vpc.id, `10.80.${128 + i * 32}.0/19`, i, true, {
        Name: `langgraph-cloud-public-${zones[i]}`,
        [TAG_ENABLED]: "1",
        [TAG_PRIVATE]: "0",
      }),
    ),
  ];

  const group = (name: string, vpcId: string, description: string, tags: Record<string, string>): SecurityGroup => ({
    id: id("sg", `${vpcId}/${name}`),
    name,
    description,
    vpcId,
    tags,
  });
  const lbGroup = group(LB_SG_NAME, vpc.id, "LangGraph Cloud load balancer", { [TAG_ENABLED]: "1" });
  lbGroup.ingress = [80, 443].map((port) => ({ protocol: "tcp", fromPort: port, toPort: port, cidrs: ["0.0.0.0/0"], description: "clients" }));
  const serviceGroup = group(SERVICE_SG_NAME, vpc.id, "LangGraph Cloud ECS services and RDS", { [TAG_ENABLED]: "1" });
  serviceGroup.ingress = [
    { protocol: "tcp", fromPort: CONTAINER_PORT, toPort: CONTAINER_PORT, groupIds: [lbGroup.id], description: "load balancer to the LangGraph server" },
    { protocol: "-1", fromPort: 0, toPort: 0, groupIds: [serviceGroup.id], description: "services, Redis and databases among themselves" },
  ];
  const securityGroups = [
    group("default", defaultVpc.id, "default VPC security group", {}),
    group("default", vpc.id, "default VPC security group", {}),
    serviceGroup,
    lbGroup,
  ];

  const ec2: Ec2State = { vpcs: [defaultVpc, vpc], subnets, securityGroups };
  s.ec2 = ec2;
  s.rds.subnetGroups = [
    {
      name: DB_SUBNET_GROUP_NAME,
      description: "LangGraph Cloud databases",
      vpcId: vpc.id,
      subnetIds: subnets.filter((x) => x.tags[TAG_PRIVATE] === "1").map((x) => x.id),
      arn: `arn:${partition}:rds:${region}:${accountId}:subgrp:${DB_SUBNET_GROUP_NAME}`,
      tags: { [TAG_ENABLED]: "1" },
    },
  ];
  s.iam.executionRoleArn = `arn:${partition}:iam::${accountId}:role/${TASK_EXECUTION_ROLE_NAME}`;
  seedRedisNamespace(s);
  return s;
}

/** The Cloud Map private DNS namespace `langgraph-cloud-redis` in the LangGraph VPC. */
export function seedRedisNamespace(s: AccountState): void {
  const vpc = s.ec2.vpcs.find((v) => v.tags[TAG_ENABLED] === "1");
  if (!vpc) return;
  const ns = seedNamespace(s, partitionOf(s.region), REDIS_NAMESPACE_NAME, vpc.id);
  s.cloudmap.namespaces[ns.id] = ns;
}
