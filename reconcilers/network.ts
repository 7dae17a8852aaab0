// Network discovery (never creation): the VPC and private subnets tagged by the customer's Terraform
// module, the service security group and the DB subnet group. Read once per account and region per
// resync interval and shared by that account's projects.
// AWS calls: ec2:DescribeVpcs, ec2:DescribeSubnets, ec2:DescribeSecurityGroups, rds:DescribeDBSubnetGroups.
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeDBSubnetGroupsCommand } from "@aws-sdk/client-rds";
import { awsErrorCode } from "../src/cloud/errors.js";
import { DB_SUBNET_GROUP_NAME, SERVICE_SG_NAME, TAG_ENABLED, TAG_PRIVATE, TASK_EXECUTION_ROLE_NAME, iamRoleArn } from "../src/cloud/names.js";
import type { PassContext, PassFacts, Step } from "./types.js";
import { done } from "./types.js";

type Network = Pick<PassFacts, "vpcId" | "privateSubnetIds" | "serviceSecurityGroupId" | "dbSubnetGroup" | "executionRoleArn">;

class MissingPrerequisite extends Error {}

async function discover(ctx: PassContext): Promise<Network> {
  const { ec2, rds, accountId } = ctx.aws;
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }));
  const vpc = vpcs.Vpcs?.[0];
  if (!vpc?.VpcId) throw new MissingPrerequisite(`no VPC tagged ${TAG_ENABLED}=1`);
  const subnets = await ec2.send(new DescribeSubnetsCommand({
    Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }, { Name: `tag:${TAG_ENABLED}`, Values: ["1"] }, { Name: `tag:${TAG_PRIVATE}`, Values: ["1"] }],
  }));
  const privateSubnetIds = (subnets.Subnets ?? []).map((s) => s.SubnetId!).filter(Boolean).sort();
  if (privateSubnetIds.length === 0) throw new MissingPrerequisite(`no private subnets tagged ${TAG_PRIVATE}=1 in ${vpc.VpcId}`);
  const sgs = await ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }, { Name: "group-name", Values: [SERVICE_SG_NAME] }],
  }));
  const sg = sgs.SecurityGroups?.[0];
  if (!sg?.GroupId) throw new MissingPrerequisite(`no security group ${SERVICE_SG_NAME} in ${vpc.VpcId}`);
  try {
    await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: DB_SUBNET_GROUP_NAME }));
  } catch (err) {
    if (awsErrorCode(err) === "DBSubnetGroupNotFoundFault") throw new MissingPrerequisite(`no DB subnet group ${DB_SUBNET_GROUP_NAME}`);
    throw err;
  }
  return {
    vpcId: vpc.VpcId, privateSubnetIds, serviceSecurityGroupId: sg.GroupId, dbSubnetGroup: DB_SUBNET_GROUP_NAME,
    executionRoleArn: iamRoleArn(ctx.aws.region, accountId, TASK_EXECUTION_ROLE_NAME),
  };
}

export const network: Step = {
  kind: "Network",
  condition: "NetworkReady",
  async plan(ctx) {
    const key = `network|${ctx.aws.accountId}|${ctx.aws.region}`;
    let net: Network;
    try {
      net = await ctx.cache.shared(key, ctx.resyncMs, () => discover(ctx));
    } catch (err) {
      if (!(err instanceof MissingPrerequisite)) throw err;
      return {
        actions: [],
        after: { kind: "blocked", reason: "PrerequisiteMissing", afterMs: 5 * 60_000, message: `${err.message}: apply deploy/terraform/customer-account in ${ctx.aws.accountId}/${ctx.aws.region}` },
      };
    }
    Object.assign(ctx.facts, net);
    return { actions: [], after: done("Discovered", `VPC ${net.vpcId}, ${net.privateSubnetIds.length} private subnets, ${SERVICE_SG_NAME} ${net.serviceSecurityGroupId}`) };
  },
};
