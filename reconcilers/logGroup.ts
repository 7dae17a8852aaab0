// The account's shared log group `/aws/ecs/langgraph-cloud` (streams prefixed by project name), 30-day
// retention. Checked at most once per account per half resync interval (see mutableFactTtlMs), one read
// shared by the account's passes that ask together, so a resync always looks; recreated if deleted
// (tasks cannot start without it).
// AWS calls: logs:DescribeLogGroups, logs:CreateLogGroup, logs:PutRetentionPolicy; logs:FilterLogEvents to read logs.
import { CreateLogGroupCommand, DescribeLogGroupsCommand, FilterLogEventsCommand, PutRetentionPolicyCommand, type LogGroup } from "@aws-sdk/client-cloudwatch-logs";
import { awsErrorCode, isAccessDenied } from "../src/cloud/errors.js";
import { LOG_GROUP_NAME, TAG_MANAGED_BY } from "../src/cloud/names.js";
import type { Action, PassContext, Step } from "./types.js";
import { done, mutableFactTtlMs } from "./types.js";

export const RETENTION_DAYS = 30;

/**
 * Retention is a nicety, not a prerequisite: none of the five managed policies docs/reference.md §9 gives the role
 * grants logs:PutRetentionPolicy (or logs:TagResource, which tags on CreateLogGroup need). Without them
 * the group is still created and used; a Warning says why retention is not managed.
 */
async function bestEffort(ctx: PassContext, what: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (!isAccessDenied(err)) throw err;
    ctx.cache.set(`loggroup-denied|${ctx.aws.accountId}|${ctx.aws.region}`, true, ctx.resyncMs * 10);
    ctx.emit({ type: "Warning", reason: "RetentionNotManaged", repeats: true, resource: LOG_GROUP_NAME, message: `${what} refused (${awsErrorCode(err)}): the role lacks the permission; grant it to manage ${LOG_GROUP_NAME}'s retention` });
    return false;
  }
}

async function describeLogGroup(ctx: PassContext): Promise<LogGroup | undefined> {
  const out = await ctx.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }));
  return out.logGroups?.find((x) => x.logGroupName === LOG_GROUP_NAME);
}

export const logGroup: Step = {
  kind: "LogGroup",
  condition: "ServicesReady",
  async plan(ctx: PassContext) {
    const key = `loggroup|${ctx.aws.accountId}|${ctx.aws.region}`;
    const denied = () => !!ctx.cache.get<boolean>(`loggroup-denied|${ctx.aws.accountId}|${ctx.aws.region}`);
    const g = await ctx.cache.shared(key, mutableFactTtlMs(ctx), () => describeLogGroup(ctx), (x) => !!x && (x.retentionInDays === RETENTION_DAYS || denied()));
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
          const create = (tags?: Record<string, string>) => ctx.aws.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME, tags }));
          try {
            await create({ [TAG_MANAGED_BY]: ctx.operatorId });
          } catch (err) {
            // Tagging on create needs logs:TagResource, which the managed policies do not grant.
            if (isAccessDenied(err)) await create().catch((e) => { if (awsErrorCode(e) !== "ResourceAlreadyExistsException") throw new Error(`create log group ${LOG_GROUP_NAME}`, { cause: e }); });
            else if (awsErrorCode(err) !== "ResourceAlreadyExistsException") throw new Error(`create log group ${LOG_GROUP_NAME}`, { cause: err });
          }
          await bestEffort(ctx, "logs:PutRetentionPolicy", () => ctx.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: RETENTION_DAYS })));
        },
      });
    } else if (g.retentionInDays !== RETENTION_DAYS && !denied()) {
      actions.push({
        verb: "update", kind: "LogGroup", resource: LOG_GROUP_NAME, reason: "retention drifted",
        diffs: [{ field: "retentionInDays", actual: String(g.retentionInDays ?? "never expire"), desired: String(RETENTION_DAYS) }],
        event: { type: "Normal", reason: "DriftRepaired", message: `log group ${LOG_GROUP_NAME}: retentionInDays ${g.retentionInDays ?? "never expire"} → ${RETENTION_DAYS}`, resource: LOG_GROUP_NAME },
        run: () => bestEffort(ctx, "logs:PutRetentionPolicy", () => ctx.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: RETENTION_DAYS }))),
      });
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
