// The prerequisites the customer's Terraform module creates are discoverable the way the operator
// discovers them on AWS: by tag and name filters, next to a default VPC that must not be picked.
import { describe, expect, it } from "vitest";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeDBSubnetGroupsCommand } from "@aws-sdk/client-rds";
import { DB_SUBNET_GROUP_NAME, LB_SG_NAME, SERVICE_SG_NAME, TAG_ENABLED, TAG_PRIVATE } from "../../src/cloud/names.js";
import { ACCOUNT, SandboxFixture, rejection } from "./fixture.js";

describe("seeded network prerequisites", () => {
  it("finds exactly one VPC by the enabled tag, beside the account's default VPC", async () => {
    const { ec2 } = await new SandboxFixture().clients();
    const all = await ec2.send(new DescribeVpcsCommand({}));
    expect(all.Vpcs).toHaveLength(2);
    const tagged = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }));
    expect(tagged.Vpcs).toHaveLength(1);
    expect(tagged.Vpcs![0].VpcId).toMatch(/^vpc-0[0-9a-f]{16}$/);
    expect(tagged.Vpcs![0].IsDefault).toBe(false);
    expect(tagged.Vpcs![0].OwnerId).toBe(ACCOUNT);
  });

  it("has two private subnets in two zones of the region, and two public ones", async () => {
    const { ec2 } = await new SandboxFixture().clients({ region: "us-east-2" });
    const [vpc] = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }))).Vpcs!;
    const query = (isPrivate: string) => ec2.send(new DescribeSubnetsCommand({
      Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }, { Name: `tag:${TAG_ENABLED}`, Values: ["1"] }, { Name: `tag:${TAG_PRIVATE}`, Values: [isPrivate] }],
    }));
    const priv = (await query("1")).Subnets!;
    const pub = (await query("0")).Subnets!;
    expect(priv.map((s) => s.AvailabilityZone).sort()).toEqual(["us-east-2a", "us-east-2b"]);
    expect(pub).toHaveLength(2);
    expect(priv.every((s) => s.MapPublicIpOnLaunch === false && s.SubnetArn?.startsWith("arn:aws:ec2:us-east-2:"))).toBe(true);
  });

  it("finds the two security groups by group-name in that VPC", async () => {
    const { ec2 } = await new SandboxFixture().clients();
    const [vpc] = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }))).Vpcs!;
    const out = await ec2.send(new DescribeSecurityGroupsCommand({
      Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }, { Name: "group-name", Values: [SERVICE_SG_NAME, LB_SG_NAME] }],
    }));
    expect(out.SecurityGroups!.map((g) => g.GroupName).sort()).toEqual([LB_SG_NAME, SERVICE_SG_NAME].sort());
    expect(out.SecurityGroups!.every((g) => /^sg-0[0-9a-f]{16}$/.test(g.GroupId!))).toBe(true);
  });

  it("serves the DB subnet group over the private subnets", async () => {
    const { ec2, rds } = await new SandboxFixture().clients();
    const group = (await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: DB_SUBNET_GROUP_NAME }))).DBSubnetGroups![0];
    const priv = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: `tag:${TAG_PRIVATE}`, Values: ["1"] }] }))).Subnets!;
    expect(group.Subnets!.map((s) => s.SubnetIdentifier).sort()).toEqual(priv.map((s) => s.SubnetId).sort());
    expect(group.VpcId).toBe(priv[0].VpcId);
  });

  it("is identical for the same account in another sandbox (ids derive from account and region)", async () => {
    const a = await new SandboxFixture({ seed: 1 }).clients();
    const b = await new SandboxFixture({ seed: 2 }).clients();
    const ids = async (c: typeof a) => (await c.ec2.send(new DescribeSubnetsCommand({}))).Subnets!.map((s) => s.SubnetId).sort();
    expect(await ids(a)).toEqual(await ids(b));
  });

  const errors = [
    { reason: "an unknown subnet id fails the whole call", call: (c: any) => c.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0000000000000000f"] })), name: "InvalidSubnetID.NotFound" },
    { reason: "GroupNames only searches the default VPC", call: (c: any) => c.ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: [SERVICE_SG_NAME] })), name: "InvalidGroup.NotFound" },
    { reason: "an unknown filter is refused", call: (c: any) => c.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "colour", Values: ["blue"] }] })), name: "InvalidParameterValue" },
    { reason: "an unknown DB subnet group is a modelled fault", call: (c: any) => c.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: "nope" })), name: "DBSubnetGroupNotFoundFault" },
  ];
  it.each(errors)("$reason", async ({ call, name }) => {
    const c = await new SandboxFixture().clients();
    expect((await rejection(call(c))).name).toBe(name);
  });
});

describe("SandboxCloud.state", () => {
  it("snapshots an account's region, seeded on first touch, without letting the snapshot change the cloud", async () => {
    const f = new SandboxFixture();
    const snapshot = await f.cloud.state(ACCOUNT, "ap-southeast-2");
    // default, private and public subnet in each of two zones
    expect(snapshot.ec2.subnets.map((s) => s.az).sort()).toEqual(["ap-southeast-2a", "ap-southeast-2a", "ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2b", "ap-southeast-2b"]);
    expect(snapshot.iam.executionRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/LangGraphCloudECSTaskExecutionRole`);
    snapshot.ec2.vpcs = [];
    const { ec2 } = await f.clients({ region: "ap-southeast-2" });
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(2);
  });
});
