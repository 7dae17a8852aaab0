// The account's shared ECS cluster `langgraph-cloud-cluster` (one per account and region, used by every
// project there). Checked at most once per account per half resync interval (see mutableFactTtlMs), one
// read shared by the account's passes that ask together, and at once when DescribeServices finds it
// gone (rollout.ts drops the cached fact); recreated if deleted.
// AWS calls: ecs:DescribeClusters, ecs:CreateCluster (idempotent by name in AWS).
import { CreateClusterCommand, DescribeClustersCommand } from "@aws-sdk/client-ecs";
import { CLUSTER_NAME, TAG_MANAGED_BY } from "../src/cloud/names.js";
import type { PassContext, Step } from "./types.js";
import { done, mutableFactTtlMs } from "./types.js";

/** `existed`: AWS still lists it, INACTIVE (deleted out of band). */
async function describeCluster(ctx: PassContext): Promise<{ active: boolean; existed: boolean }> {
  const out = await ctx.aws.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME] }));
  return { active: !!out.clusters?.some((x) => x.clusterName === CLUSTER_NAME && x.status === "ACTIVE"), existed: !!out.clusters?.length };
}

export const cluster: Step = {
  kind: "Cluster",
  condition: "ServicesReady",
  async plan(ctx: PassContext) {
    const key = `cluster|${ctx.aws.accountId}|${ctx.aws.region}`;
    const seen = await ctx.cache.shared(key, mutableFactTtlMs(ctx), () => describeCluster(ctx), (c) => c.active);
    if (seen.active) return { actions: [], after: done("ClusterActive", `${CLUSTER_NAME} is active`) };
    return {
      actions: [{
        verb: "create", kind: "Cluster", resource: CLUSTER_NAME, reason: "cluster does not exist",
        event: { type: seen.existed ? "Warning" : "Normal", reason: "Created", message: `created ECS cluster ${CLUSTER_NAME}${seen.existed ? " (it had been deleted)" : ""}`, resource: CLUSTER_NAME },
        run: async () => {
          await ctx.aws.ecs.send(new CreateClusterCommand({
            clusterName: CLUSTER_NAME, tags: [{ key: TAG_MANAGED_BY, value: ctx.operatorId }],
            settings: [{ name: "containerInsights", value: "enabled" }],
          }));
          ctx.cache.delete(`services|${ctx.aws.accountId}|${ctx.aws.region}`);
        },
      }],
      after: done("ClusterActive", `${CLUSTER_NAME} created`),
    };
  },
};
