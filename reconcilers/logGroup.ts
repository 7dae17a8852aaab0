// The account's shared log group `/aws/ecs/langgraph-cloud` (streams prefixed by project name), 30-day
// retention. Checked at most once per account per half resync interval (see mutableFactTtlMs), so a
// resync pass always looks; recreated if deleted (tasks cannot start without it).
// AWS calls: logs:DescribeLogGroups, logs:CreateLogGroup, logs:PutRetentionPolicy; logs:FilterLogEvents to read logs.
import { CreateLogGroupCommand, DescribeLogGroupsCommand, FilterLogEventsCommand, PutRetentionPolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { awsErrorCode } from "../src/cloud/errors.js";
import { LOG_GROUP_NAME, TAG_MANAGED_BY } from "../src/cloud/names.js";
import type { Action, PassContext, Step } from "./types.js";
import { done, mutableFactTtlMs } from "./types.js";

export const RETENTION_DAYS = 30;

export const logGroup: Step = {
  kind: "LogGroup",
  condition: "ServicesReady",
  async plan(ctx: PassContext) {
    const key = `loggroup|${ctx.aws.accountId}|${ctx.aws.region}`;
    if (ctx.cache.get<boolean>(key)) return { actions: [], after: done("LogGroupReady", `${LOG_GROUP_NAME} exists`) };
    const out = await ctx.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }));
    const g = out.logGroups?.find((x) => x.logGroupName === LOG_GROUP_NAME);
    const actions: Action[] = [];
    if (!g) {
      // Services of ours that ran logged to it, so it existed: someone deleted it, with its logs.
      const existed = ctx.project.revisions.some((r) => r.status === "DEPLOYED");
      actions.push({
        verb: "create", kind: "LogGroup", resource: LOG_GROUP_NAME, reason: existed ? "log group was deleted" : "log group does not exist",
        event: existed
          ? { type: "Warning", reason: "Created", message: `log group ${LOG_GROUP_NAME} was deleted out of band (with the logs in it); created it again (${RETENTION_DAYS}-day retention)`, resource: LOG_GROUP_NAME }
          : { type: "Normal", reason: "Created", message: `created log group ${LOG_GROUP_NAME} (${RETENTION_DAYS}-day retention)`, resource: LOG_GROUP_NAME },
        run: async () => {
          try {
            await ctx.aws.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME, tags: { [TAG_MANAGED_BY]: ctx.operatorId } }));
          } catch (err) {
            if (awsErrorCode(err) !== "ResourceAlreadyExistsException") throw new Error(`create log group ${LOG_GROUP_NAME}`, { cause: err });
          }
          await ctx.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: RETENTION_DAYS }));
        },
      });
    } else if (g.retentionInDays !== RETENTION_DAYS) {
      actions.push({
        verb: "update", kind: "LogGroup", resource: LOG_GROUP_NAME, reason: "retention drifted",
        diffs: [{ field: "retentionInDays", actual: String(g.retentionInDays ?? "never expire"), desired: String(RETENTION_DAYS) }],
        event: { type: "Normal", reason: "DriftRepaired", message: `log group ${LOG_GROUP_NAME}: retentionInDays ${g.retentionInDays ?? "never expire"} → ${RETENTION_DAYS}`, resource: LOG_GROUP_NAME },
        run: async () => { await ctx.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: RETENTION_DAYS })); },
      });
    } else {
      ctx.cache.set(key, true, mutableFactTtlMs(ctx));
    }
    return { actions, after: done("LogGroupReady", `${LOG_GROUP_NAME} exists`) };
  },
};

export interface LogLine { timestamp: string; service: string; stream: string; message: string }

/**
 * A project's container logs: streams `<project>/<container>/<task>` of the shared log group, oldest
 * first, paginated with CloudWatch's own token. AWS call: logs:FilterLogEvents.
 */
export async function readProjectLogs(
  aws: import("../src/cloud/clients.js").AwsClients, project: string,
  opts: { since?: Date; until?: Date; service?: string; limit: number; nextToken?: string },
): Promise<{ items: LogLine[]; nextToken?: string }> {
  try {
    const out = await aws.logs.send(new FilterLogEventsCommand({
      logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: opts.service ? `${project}/${opts.service}/` : `${project}/`,
      startTime: opts.since?.getTime(), endTime: opts.until?.getTime(), limit: opts.limit, nextToken: opts.nextToken,
    }));
    const items = (out.events ?? []).map((e) => ({
      timestamp: new Date(e.timestamp ?? 0).toISOString(), stream: e.logStreamName ?? "", service: (e.logStreamName ?? "").split("/")[1] ?? "", message: e.message ?? "",
    }));
    return { items, nextToken: out.nextToken };
  } catch (err) {
    if (awsErrorCode(err) === "ResourceNotFoundException") return { items: [] };
    throw err;
  }
}
