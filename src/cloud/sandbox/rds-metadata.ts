// RDS's supporting resources and tags: DescribeDBSnapshots (DBSnapshotNotFoundFault for an unknown
// identifier), DescribeDBSubnetGroups (DBSubnetGroupNotFoundFault), and ListTagsForResource /
// AddTagsToResource / RemoveTagsFromResource by the ARN of an instance, snapshot or subnet group.
import { fail } from "./errors.js";
import { dbSnapshotOutput, findInstance, subnetsOf } from "./rds-model.js";
import { tagList, tagsFromList, type OperationHandler, type OpContext } from "./state.js";

function describeDBSnapshots(ctx: OpContext, input: { DBInstanceIdentifier?: string; DBSnapshotIdentifier?: string; SnapshotType?: string }) {
  let list = Object.values(ctx.s.rds.snapshots);
  if (input.DBSnapshotIdentifier) {
    const snap = ctx.s.rds.snapshots[input.DBSnapshotIdentifier.toLowerCase()];
    if (!snap) fail("rds", "DBSnapshotNotFoundFault", `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, 404);
    list = [snap];
  }
  if (input.DBInstanceIdentifier) list = list.filter((x) => x.instanceId === input.DBInstanceIdentifier!.toLowerCase());
  if (input.SnapshotType) list = list.filter((x) => x.type === input.SnapshotType);
  return { DBSnapshots: list.sort((a, b) => a.createdAt - b.createdAt).map((x) => dbSnapshotOutput(ctx, x)) };
}

function describeDBSubnetGroups(ctx: OpContext, input: { DBSubnetGroupName?: string }) {
  let groups = ctx.s.rds.subnetGroups;
  if (input.DBSubnetGroupName) {
    groups = groups.filter((g) => g.name === input.DBSubnetGroupName);
    if (!groups.length) fail("rds", "DBSubnetGroupNotFoundFault", `DBSubnetGroup '${input.DBSubnetGroupName}' not found.`, 404);
  }
  return {
    DBSubnetGroups: groups.map((g) => ({
      DBSubnetGroupName: g.name,
      DBSubnetGroupDescription: g.description,
      VpcId: g.vpcId,
      SubnetGroupStatus: "Complete",
      Subnets: subnetsOf(ctx, g),
      DBSubnetGroupArn: g.arn,
      SupportedNetworkTypes: ["IPV4"],
    })),
  };
}

/** Tags by ARN: instances, snapshots and subnet groups, as RDS's tagging API accepts. */
function taggable(ctx: OpContext, arn: string | undefined) {
  const m = /^arn:[\w-]+:rds:[\w-]+:\d{12}:(db|snapshot|subgrp):(.+)$/.exec(arn ?? "");
  if (!m) fail("rds", "InvalidParameterValue", `Invalid resource name: ${arn}`);
  const [, kind, id] = m;
  if (kind === "db") return findInstance(ctx, id);
  if (kind === "snapshot") {
    const snap = ctx.s.rds.snapshots[id.toLowerCase()];
    if (!snap) fail("rds", "DBSnapshotNotFoundFault", `DBSnapshot ${id} not found.`, 404);
    return snap;
  }
  const group = ctx.s.rds.subnetGroups.find((g) => g.name === id);
  if (!group) fail("rds", "DBSubnetGroupNotFoundFault", `DBSubnetGroup '${id}' not found.`, 404);
  return group;
}

export const rdsMetadataHandlers: Record<string, OperationHandler> = {
  DescribeDBSnapshots: describeDBSnapshots,
  DescribeDBSubnetGroups: describeDBSubnetGroups,
  ListTagsForResource: (ctx, input: { ResourceName?: string }) => ({ TagList: tagList(taggable(ctx, input.ResourceName).tags) }),
  AddTagsToResource: (ctx, input: { ResourceName?: string; Tags?: { Key?: string; Value?: string }[] }) => {
    const r = taggable(ctx, input.ResourceName);
    r.tags = { ...r.tags, ...tagsFromList(input.Tags) };
    return {};
  },
  RemoveTagsFromResource: (ctx, input: { ResourceName?: string; TagKeys?: string[] }) => {
    const r = taggable(ctx, input.ResourceName);
    for (const k of input.TagKeys ?? []) delete r.tags[k];
    return {};
  },
};
