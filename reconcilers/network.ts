// Network discovery (never creation): the VPC and subnets tagged by the customer's Terraform module,
// the service and load-balancer security groups, the DB subnet group, the Cloud Map namespace the api and
// queue find their Redis in, and the task execution role. Read once per account and region per
// PREREQUISITE_TTL_MS and shared by that account's projects.
// AWS calls: ec2:DescribeVpcs, ec2:DescribeSubnets, ec2:DescribeSecurityGroups, rds:DescribeDBSubnetGroups,
// servicediscovery:ListNamespaces.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet } from "@aws-sdk/client-ec2";
import { DescribeDBSubnetGroupsCommand } from "@aws-sdk/client-rds";
import { ListNamespacesCommand } from "@aws-sdk/client-servicediscovery";
import { awsErrorCode } from "../src/cloud/errors.js";
import {
  DB_SUBNET_GROUP_NAME, iamRoleArn, LB_SG_NAME, REDIS_NAMESPACE_NAME, SERVICE_SG_NAME, TAG_ENABLED, TAG_PRIVATE, TASK_EXECUTION_ROLE_NAME,
} from "../src/cloud/names.js";
import { accountFactTtlMs, blocked, done, halt, proceed, type NoInput, type PassContext, type Step } from "./contract.js";

/** What the network step provides. */
export interface Network {
  vpc: string;
  /** For tasks and databases (tagged langgraph-cloud-private=1), sorted. */
  privateSubnets: string[];
  /** For internet-facing load balancers (langgraph-cloud-private=0), sorted; empty in an account without them. */
  publicSubnets: string[];
  /**
   * What a load balancer is given: ELB takes one subnet per Availability Zone, so the first (by id) of each
   * zone's public subnets (internet-facing) or private ones (internal), sorted.
   */
  loadBalancerSubnets: { public: string[]; internal: string[] };
  serviceSg: string;
  /** `langgraph-cloud-lb-sg`; undefined in an account set up before load balancers (the ingress step says so). */
  lbSg: string | undefined;
  dbSubnetGroup: string;
  executionRoleArn: string;
  /** The Cloud Map namespace `langgraph-cloud-redis` (its id). */
  redisNamespaceId: string;
}

/** The id of the account's private DNS namespace `langgraph-cloud-redis` (ListNamespaces filters by type). */
async function redisNamespace(ctx: PassContext): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const out = await ctx.aws.cloudmap.send(new ListNamespacesCommand({ Filters: [{ Name: "TYPE", Values: ["DNS_PRIVATE"] }], NextToken }));
    const ns = out.Namespaces?.find((n) => n.Name === REDIS_NAMESPACE_NAME);
    if (ns?.Id) return ns.Id;
    NextToken = out.NextToken;
  } while (NextToken);
  return undefined;
}

/** The subnets tagged langgraph-cloud-private=<value>, by id. */
const taggedSubnets = (subnets: Subnet[], value: string) => subnets
  .filter((x) => x.SubnetId && x.Tags?.some((t) => t.Key === TAG_PRIVATE && t.Value === value))
  .sort((a, b) => a.SubnetId!.localeCompare(b.SubnetId!));

/** The first subnet (by id) of each Availability Zone, sorted: ELB takes no more than one per zone. */
export function onePerAvailabilityZone(subnets: Pick<Subnet, "SubnetId" | "AvailabilityZone">[]): string[] {
  const byZone = new Map<string, string>();
  for (const x of [...subnets].sort((a, b) => a.SubnetId!.localeCompare(b.SubnetId!))) {
    const zone = x.AvailabilityZone ?? x.SubnetId!;
    if (!byZone.has(zone)) byZone.set(zone, x.SubnetId!);
  }
  return [...byZone.values()].sort();
}

/** What is missing, for the user; discovery stops at the first. */
export type NetworkObservation = { found: Network } | { missing: string };

async function observeNetwork(ctx: PassContext): Promise<NetworkObservation> {
  const { ec2, rds, accountId } = ctx.aws;
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }));
  const vpc = vpcs.Vpcs?.[0]?.VpcId;
  if (!vpc) return { missing: `no VPC tagged ${TAG_ENABLED}=1` };
  // One listing of the enabled subnets, split by their private tag.
  const subnets = await ec2.send(new DescribeSubnetsCommand({
    Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: `tag:${TAG_ENABLED}`, Values: ["1"] }],
  }));
  const tagged = (value: string) => taggedSubnets(subnets.Subnets ?? [], value).map((x) => x.SubnetId!);
  const onePerZone = (value: string) => onePerAvailabilityZone(taggedSubnets(subnets.Subnets ?? [], value));
  const privateSubnets = tagged("1");
  if (privateSubnets.length === 0) return { missing: `no private subnets tagged ${TAG_PRIVATE}=1 in ${vpc}` };
  const sgs = await ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "group-name", Values: [SERVICE_SG_NAME, LB_SG_NAME] }],
  }));
  const sg = (name: string) => sgs.SecurityGroups?.find((g) => g.GroupName === name)?.GroupId;
  const serviceSg = sg(SERVICE_SG_NAME);
  if (!serviceSg) return { missing: `no security group ${SERVICE_SG_NAME} in ${vpc}` };
  try {
    await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: DB_SUBNET_GROUP_NAME }));
  } catch (err) {
    if (awsErrorCode(err) === "DBSubnetGroupNotFoundFault") return { missing: `no DB subnet group ${DB_SUBNET_GROUP_NAME}` };
    throw err;
  }
  const redisNamespaceId = await redisNamespace(ctx);
  if (!redisNamespaceId) return { missing: `no Cloud Map namespace ${REDIS_NAMESPACE_NAME}` };
  return {
    found: {
      vpc, privateSubnets, publicSubnets: tagged("0"), loadBalancerSubnets: { public: onePerZone("0"), internal: onePerZone("1") }, serviceSg, lbSg: sg(LB_SG_NAME), dbSubnetGroup: DB_SUBNET_GROUP_NAME,
      executionRoleArn: iamRoleArn(ctx.aws.region, accountId, TASK_EXECUTION_ROLE_NAME), redisNamespaceId,
    },
  };
}

/** How soon to look again for a missing prerequisite: someone has to run Terraform first. */
const PREREQUISITE_RECHECK_MS = 5 * 60_000;

/**
 * How long the account's prerequisites, once found, are trusted: they are the customer's (Terraform's),
 * not ours to repair, so reading them every resync only costs four calls a pass in an account of one
 * project. A pass of the account that fails drops them at once (src/engine/engine.ts, forgetAccountFacts),
 * so a subnet or security group removed under a running project is looked for on the next pass.
 */
export const PREREQUISITE_TTL_MS = 20 * 60_000;

export const networkCacheKey = (accountId: string, region: string) => `network|${accountId}|${region}`;

export const network: Step<NoInput, Network> = {
  kind: "Network",
  condition: "NetworkReady",
  async plan(ctx) {
    const key = networkCacheKey(ctx.aws.accountId, ctx.aws.region);
    // A missing prerequisite is not kept: the pass after the customer's Terraform run finds it.
    const ttl = Math.max(ctx.resyncMs, accountFactTtlMs(ctx, PREREQUISITE_TTL_MS));
    const o = await ctx.cache.shared(key, ttl, () => observeNetwork(ctx), (x) => "found" in x);
    if ("missing" in o) {
      const message = `${o.missing}: apply (or re-apply) deploy/terraform/customer-account in ${ctx.aws.accountId}/${ctx.aws.region}`;
      return halt([], blocked("PrerequisiteMissing", message, { afterMs: Math.min(PREREQUISITE_RECHECK_MS, ctx.resyncMs) }));
    }
    const net = o.found;
    return proceed([], done("Discovered", `VPC ${net.vpc}, ${net.privateSubnets.length} private subnets, ${SERVICE_SG_NAME} ${net.serviceSg}`), { provide: () => net });
  },
};
