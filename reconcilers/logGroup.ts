// The account's shared log group `/aws/ecs/langgraph-cloud` (streams prefixed by project name), 30-day
// retention. Checked at most once per account per half resync interval (see mutableFactTtlMs), one read
// shared by the account's passes that ask together, so a resync always looks; recreated if deleted
// (tasks cannot start without it).
// AWS calls: logs:DescribeLogGroups, logs:CreateLogGroup, logs:PutRetentionPolicy.
// Idempotent create: ResourceAlreadyExistsException (an earlier attempt, or another project's pass of
// the same account, won) means the group is there, which is all the create wanted.
import { CreateLogGroupCommand, DescribeLogGroupsCommand, PutRetentionPolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { awsErrorCode, isAccessDenied } from "../src/cloud/errors.js";
import { LOG_GROUP_NAME, TAG_MANAGED_BY } from "../src/cloud/names.js";
import { act, done, mutableFactTtlMs, proceed, tolerate, type Change, type NoInput, type PassContext, type Recorder, type Step } from "./contract.js";

export const RETENTION_DAYS = 30;

export interface LogGroupObservation {
  exists: boolean;
  /** undefined: never expire. */
  retentionInDays: number | undefined;
  /** The role was refused logs:PutRetentionPolicy lately: retention is not ours to manage. */
  retentionDenied: boolean;
  /** A revision of this project was deployed, so its tasks logged to the group: it existed. */
  ranBefore: boolean;
}

/** Pure: create a missing group, put retention back unless the role may not. */
export function decideLogGroup(o: LogGroupObservation): { changes: Change[] } {
  if (!o.exists) {
    return {
      changes: [{
        verb: "create", kind: "LogGroup", resource: LOG_GROUP_NAME,
        reason: o.ranBefore ? "log group was deleted" : "log group does not exist",
        event: o.ranBefore
          ? {
            type: "Warning", reason: "Created", resource: LOG_GROUP_NAME,
            message: `log group ${LOG_GROUP_NAME} was deleted out of band (with the logs in it); created it again (${RETENTION_DAYS}-day retention)`,
          }
          : { type: "Normal", reason: "Created", resource: LOG_GROUP_NAME, message: `created log group ${LOG_GROUP_NAME} (${RETENTION_DAYS}-day retention)` },
      }],
    };
  }
  if (o.retentionInDays === RETENTION_DAYS || o.retentionDenied) return { changes: [] };
  const actual = String(o.retentionInDays ?? "never expire");
  return {
    changes: [{
      verb: "update", kind: "LogGroup", resource: LOG_GROUP_NAME, reason: "retention drifted",
      diffs: [{ field: "retentionInDays", actual, desired: String(RETENTION_DAYS) }],
      event: {
        type: "Normal", reason: "DriftRepaired", resource: LOG_GROUP_NAME,
        message: `log group ${LOG_GROUP_NAME}: retentionInDays ${actual} → ${RETENTION_DAYS}`,
      },
    }],
  };
}

const deniedKey = (ctx: PassContext) => `loggroup-denied|${ctx.aws.accountId}|${ctx.aws.region}`;

async function observeLogGroup(ctx: PassContext): Promise<LogGroupObservation> {
  const denied = () => !!ctx.cache.get<boolean>(deniedKey(ctx));
  const read = async () => {
    const out = await ctx.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }));
    return out.logGroups?.find((x) => x.logGroupName === LOG_GROUP_NAME);
  };
  const key = `loggroup|${ctx.aws.accountId}|${ctx.aws.region}`;
  const g = await ctx.cache.shared(key, mutableFactTtlMs(ctx), read, (x) => !!x && (x.retentionInDays === RETENTION_DAYS || denied()));
  return {
    exists: !!g, retentionInDays: g?.retentionInDays, retentionDenied: denied(),
    ranBefore: ctx.project.revisions.some((r) => r.status === "DEPLOYED"),
  };
}

/**
 * Retention is a nicety, not a prerequisite: none of the five managed policies docs/reference.md §9 gives the role
 * grants logs:PutRetentionPolicy (or logs:TagResource, which tags on CreateLogGroup need). Without them
 * the group is still created and used; a Warning says why retention is not managed.
 */
async function putRetention(ctx: PassContext, record: Recorder): Promise<boolean> {
  try {
    await ctx.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: RETENTION_DAYS }));
    return true;
  } catch (err) {
    if (!isAccessDenied(err)) throw err;
    ctx.cache.set(deniedKey(ctx), true, ctx.resyncMs * 10);
    record.emit({
      type: "Warning", reason: "RetentionNotManaged", repeats: true, resource: LOG_GROUP_NAME,
      message: `logs:PutRetentionPolicy refused (${awsErrorCode(err)}): the role lacks the permission; `
        + `grant it to manage ${LOG_GROUP_NAME}'s retention`,
    });
    return false;
  }
}

async function createLogGroup(ctx: PassContext, record: Recorder): Promise<void> {
  const create = (tags?: Record<string, string>) =>
    tolerate(() => ctx.aws.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME, tags })), ["ResourceAlreadyExistsException"]);
  try {
    await create({ [TAG_MANAGED_BY]: ctx.operatorId });
  } catch (err) {
    // Tagging on create needs logs:TagResource, which the managed policies do not grant.
    if (!isAccessDenied(err)) throw new Error(`create log group ${LOG_GROUP_NAME}`, { cause: err });
    await create().catch((e) => { throw new Error(`create log group ${LOG_GROUP_NAME}`, { cause: e }); });
  }
  await putRetention(ctx, record);
}

export const logGroup: Step<NoInput, void> = {
  kind: "LogGroup",
  condition: "ServicesReady",
  async plan(ctx) {
    const o = await observeLogGroup(ctx);
    const actions = decideLogGroup(o).changes.map((c) =>
      act(c, (record) => (c.verb === "create" ? createLogGroup(ctx, record) : putRetention(ctx, record))));
    return proceed(actions, done("LogGroupReady", `${LOG_GROUP_NAME} exists`));
  },
};
