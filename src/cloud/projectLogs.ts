// A project's container logs, read on demand for the API: streams `<project>/<container>/<task>` of
// the account's shared log group, oldest first, paginated with CloudWatch's own token. A read of the
// customer's account, not a reconcile step, so it lives with the cloud layer.
// AWS call: logs:FilterLogEvents.
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import type { AwsClients } from "./clients.js";
import { awsErrorCode } from "./errors.js";
import { LOG_GROUP_NAME } from "./names.js";

export interface LogLine { timestamp: string; service: string; stream: string; message: string }

export async function readProjectLogs(
  aws: AwsClients, project: string,
  opts: { since?: Date; until?: Date; service?: string; limit: number; nextToken?: string },
): Promise<{ items: LogLine[]; nextToken?: string }> {
  try {
    const out = await aws.logs.send(new FilterLogEventsCommand({
      logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: opts.service ? `${project}/${opts.service}/` : `${project}/`,
      startTime: opts.since?.getTime(), endTime: opts.until?.getTime(), limit: opts.limit, nextToken: opts.nextToken,
    }));
    const items = (out.events ?? []).map((e) => ({
      timestamp: new Date(e.timestamp ?? 0).toISOString(), stream: e.logStreamName ?? "",
      service: (e.logStreamName ?? "").split("/")[1] ?? "", message: e.message ?? "",
    }));
    return { items, nextToken: out.nextToken };
  } catch (err) {
    // No log group yet (nothing has run): no lines, not an error.
    if (awsErrorCode(err) === "ResourceNotFoundException") return { items: [] };
    throw err;
  }
}
