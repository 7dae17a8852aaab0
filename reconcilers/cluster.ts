// The account's shared ECS cluster `langgraph-cloud-cluster` (one per account and region, used by every
// project there). Read once per account per CLUSTER_TTL_MS, one read shared by the account's passes that
// ask together: every pass's DescribeServices names the cluster, and fails with ClusterNotFoundException
// once it is gone, which drops the cached fact (services.ts), so a deleted cluster is still found by the
// next pass of any project of the account; recreated if deleted. A failed pass drops it too (engine).
// AWS calls: ecs:DescribeClusters, ecs:CreateCluster. Idempotent create: CreateCluster of an existing
// name returns that cluster (AWS documents it so), so a repeated create changes nothing.
import { CreateClusterCommand, DescribeClustersCommand } from "@aws-sdk/client-ecs";
import { CLUSTER_NAME, TAG_MANAGED_BY } from "../src/cloud/names.js";
import { accountFactTtlMs, act, done, proceed, type Change, type NoInput, type PassContext, type Step } from "./contract.js";

/** What DescribeClusters says of the cluster: `existed` — AWS still lists it, INACTIVE (deleted out of band). */
export interface ClusterObservation { active: boolean; existed: boolean }

export const clusterKey = (accountId: string, region: string) => `cluster|${accountId}|${region}`;
export const clusterCacheKey = (ctx: PassContext) => clusterKey(ctx.aws.accountId, ctx.aws.region);

/**
 * How long "the cluster is ACTIVE" is trusted. Not half a resync like the log group: the project-level
 * DescribeServices of every pass sees a deleted cluster (ClusterNotFoundException) and drops this fact.
 */
export const CLUSTER_TTL_MS = 20 * 60_000;

async function observeCluster(ctx: PassContext): Promise<ClusterObservation> {
  const read = async () => {
    const out = await ctx.aws.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME] }));
    return { active: !!out.clusters?.some((x) => x.clusterName === CLUSTER_NAME && x.status === "ACTIVE"), existed: !!out.clusters?.length };
  };
  return ctx.cache.shared(clusterCacheKey(ctx), Math.max(accountFactTtlMs(ctx, CLUSTER_TTL_MS), ctx.resyncMs), read, (c) => c.active);
}

/** Pure: the cluster is there, or it is created (a Warning when it had been deleted). */
export function decideCluster(o: ClusterObservation): { changes: Change[] } {
  if (o.active) return { changes: [] };
  return {
    changes: [{
      verb: "create", kind: "Cluster", resource: CLUSTER_NAME, reason: "cluster does not exist",
      event: {
        type: o.existed ? "Warning" : "Normal", reason: "Created", resource: CLUSTER_NAME,
        message: `created ECS cluster ${CLUSTER_NAME}${o.existed ? " (it had been deleted)" : ""}`,
      },
    }],
  };
}

export const cluster: Step<NoInput, void> = {
  kind: "Cluster",
  condition: "ServicesReady",
  async plan(ctx) {
    const o = await observeCluster(ctx);
    const actions = decideCluster(o).changes.map((c) => act(c, async () => {
      await ctx.aws.ecs.send(new CreateClusterCommand({
        clusterName: CLUSTER_NAME, tags: [{ key: TAG_MANAGED_BY, value: ctx.operatorId }],
        settings: [{ name: "containerInsights", value: "enabled" }],
      }));
    }));
    return proceed(actions, done("ClusterActive", o.active ? `${CLUSTER_NAME} is active` : `${CLUSTER_NAME} created`));
  },
};
