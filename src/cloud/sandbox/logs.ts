// CloudWatch Logs: log groups (create/describe/delete, retention, tags by the log group ARN without
// the trailing `:*`, as the tagging API requires) and the streams ECS tasks write through the awslogs
// driver, named `<prefix>/<container>/<taskId>`. Events are generated on read (see log-lines.ts);
// reads honour startTime/endTime, limit, pagination tokens (GetLogEvents returns the token it was
// given once there is nothing further, which is how clients detect the end) and retention.
import { fail } from "./errors.js";
import { stableDigits } from "./ids.js";
import { streamEvents, streamEventsBefore, type GeneratedEvent, type LogSource } from "./log-lines.js";
import { partitionOf } from "./ids.js";
import type { OperationHandler, OpContext, Tags } from "./state.js";

export interface LogStream {
  name: string;
  createdAt: number;
  closedAt?: number;
  source?: LogSource;
}

export interface LogGroup {
  name: string;
  createdAt: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  tags: Tags;
  streams: Record<string, LogStream>;
}

export interface LogsState {
  groups: Record<string, LogGroup>;
}

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const MAX_STREAMS_PER_GROUP = 500;
const DAY_MS = 86_400_000;

function groupArn(ctx: OpContext, name: string): string {
  return `arn:${partitionOf(ctx.s.region)}:logs:${ctx.s.region}:${ctx.s.accountId}:log-group:${name}`;
}

function findGroup(ctx: OpContext, nameOrArn: string | undefined): LogGroup {
  const name = nameOrArn?.startsWith("arn:") ? nameOrArn.replace(/^.*:log-group:/, "").replace(/:\*$/, "") : nameOrArn;
  const group = name ? ctx.s.logs.groups[name] : undefined;
  if (!group) fail("logs", "ResourceNotFoundException", "The specified log group does not exist.");
  return group;
}

/** The awslogs driver creates the stream when the container starts. */
export function openLogStream(ctx: OpContext, groupName: string, streamName: string, source: LogSource, at: number): boolean {
  const group = ctx.s.logs.groups[groupName];
  if (!group) return false;
  group.streams[streamName] ??= { name: streamName, createdAt: at, source };
  const streams = Object.values(group.streams);
  if (streams.length > MAX_STREAMS_PER_GROUP) {
    const oldest = streams.filter((x) => x.closedAt !== undefined).sort((a, b) => a.createdAt - b.createdAt)[0];
    if (oldest) delete group.streams[oldest.name];
  }
  return true;
}

export function closeLogStream(ctx: OpContext, groupName: string, streamName: string, at: number): void {
  const stream = ctx.s.logs.groups[groupName]?.streams[streamName];
  if (stream && stream.closedAt === undefined) stream.closedAt = at;
}

function retentionStart(ctx: OpContext, group: LogGroup, startTime: number | undefined): number {
  const kept = group.retentionInDays ? ctx.now - group.retentionInDays * DAY_MS : Number.NEGATIVE_INFINITY;
  return Math.max(kept, startTime ?? Number.NEGATIVE_INFINITY);
}

function lastEvent(ctx: OpContext, stream: LogStream): GeneratedEvent | undefined {
  return streamEventsBefore(stream, stream.createdAt, ctx.now, Number.MAX_SAFE_INTEGER, 1)[0];
}

function describeLogGroups(ctx: OpContext, input: { logGroupNamePrefix?: string; logGroupNamePattern?: string; limit?: number; nextToken?: string; logGroupIdentifiers?: string[] }) {
  if (input.logGroupNamePrefix && input.logGroupNamePattern) {
    fail("logs", "InvalidParameterException", "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
  }
  const limit = Math.min(input.limit ?? 50, 50);
  const groups = Object.values(ctx.s.logs.groups)
    .filter((g) => !input.logGroupNamePrefix || g.name.startsWith(input.logGroupNamePrefix))
    .filter((g) => !input.logGroupNamePattern || g.name.toLowerCase().includes(input.logGroupNamePattern.toLowerCase()))
    .filter((g) => !input.logGroupIdentifiers?.length || input.logGroupIdentifiers.some((id) => id === g.name || id === groupArn(ctx, g.name)))
    .sort((a, b) => a.name.localeCompare(b.name))
    .filter((g) => !input.nextToken || g.name > Buffer.from(input.nextToken, "base64").toString());
  const pageItems = groups.slice(0, limit);
  return {
    logGroups: pageItems.map((g) => ({
      logGroupName: g.name,
      creationTime: g.createdAt,
      retentionInDays: g.retentionInDays,
      metricFilterCount: 0,
      arn: `${groupArn(ctx, g.name)}:*`,
      storedBytes: 0,
      kmsKeyId: g.kmsKeyId,
      logGroupClass: "STANDARD",
      logGroupArn: groupArn(ctx, g.name),
    })),
    nextToken: groups.length > limit ? Buffer.from(pageItems.at(-1)!.name).toString("base64") : undefined,
  };
}

function describeLogStreams(ctx: OpContext, input: { logGroupName?: string; logGroupIdentifier?: string; logStreamNamePrefix?: string; orderBy?: string; descending?: boolean; limit?: number; nextToken?: string }) {
  const group = findGroup(ctx, input.logGroupName ?? input.logGroupIdentifier);
  if (input.orderBy === "LastEventTime" && input.logStreamNamePrefix) {
    fail("logs", "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  const rows = Object.values(group.streams)
    .filter((x) => !input.logStreamNamePrefix || x.name.startsWith(input.logStreamNamePrefix))
    .map((x) => ({ stream: x, last: lastEvent(ctx, x) }));
  rows.sort((a, b) => input.orderBy === "LastEventTime"
    ? (a.last?.timestamp ?? a.stream.createdAt) - (b.last?.timestamp ?? b.stream.createdAt)
    : a.stream.name.localeCompare(b.stream.name));
  if (input.descending) rows.reverse();
  const start = input.nextToken ? Number(Buffer.from(input.nextToken, "base64").toString()) : 0;
  const limit = Math.min(input.limit ?? 50, 50);
  const pageRows = rows.slice(start, start + limit);
  return {
    logStreams: pageRows.map(({ stream, last }) => ({
      logStreamName: stream.name,
      creationTime: stream.createdAt,
      firstEventTimestamp: last ? stream.createdAt : undefined,
      lastEventTimestamp: last?.timestamp,
      lastIngestionTime: last ? last.timestamp + 50 : undefined,
      arn: `${groupArn(ctx, group.name)}:log-stream:${stream.name}`,
      storedBytes: 0,
    })),
    nextToken: start + limit < rows.length ? Buffer.from(String(start + limit)).toString("base64") : undefined,
  };
}

function getLogEvents(ctx: OpContext, input: { logGroupName?: string; logGroupIdentifier?: string; logStreamName?: string; startTime?: number; endTime?: number; nextToken?: string; limit?: number; startFromHead?: boolean }) {
  const group = findGroup(ctx, input.logGroupName ?? input.logGroupIdentifier);
  const stream = input.logStreamName ? group.streams[input.logStreamName] : undefined;
  if (!stream) fail("logs", "ResourceNotFoundException", "The specified log stream does not exist.");
  const from = retentionStart(ctx, group, input.startTime);
  const to = Math.min(ctx.now, input.endTime !== undefined ? input.endTime - 1 : ctx.now);
  const limit = Math.min(input.limit ?? 10_000, 10_000);
  const token = /^([fb])\/(\d+)$/.exec(input.nextToken ?? "");
  if (input.nextToken && !token) fail("logs", "InvalidParameterException", "The specified nextToken is invalid.");
  const forward = token ? token[1] === "f" : Boolean(input.startFromHead);
  const at = token ? Number(token[2]) : undefined;
  const events = forward
    ? streamEvents(stream, from, to, at === undefined ? 0 : at + 1, limit)
    : streamEventsBefore(stream, from, to, at ?? Number.MAX_SAFE_INTEGER, limit);
  const first = events[0]?.seq;
  const last = events.at(-1)?.seq;
  return {
    events: events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp + 50 })),
    nextForwardToken: last !== undefined ? `f/${String(last).padStart(20, "0")}` : input.nextToken ?? `f/${String(Math.max(0, (at ?? 0))).padStart(20, "0")}`,
    nextBackwardToken: first !== undefined ? `b/${String(first).padStart(20, "0")}` : input.nextToken ?? `b/${String(at ?? 0).padStart(20, "0")}`,
  };
}

/** CloudWatch Logs filter patterns: terms (all must appear), "quoted phrases", -exclusions, { $.field = value }. */
function patternMatcher(pattern: string | undefined): (message: string) => boolean {
  const text = pattern?.trim();
  if (!text) return () => true;
  const jsonEq = /^\{\s*\$\.([\w.]+)\s*=\s*"?([^"}]*?)"?\s*\}$/.exec(text);
  if (jsonEq) {
    const [, path, want] = jsonEq;
    return (m) => {
      try {
        const value = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], JSON.parse(m));
        return String(value) === want || (want.includes("*") && new RegExp(`^${want.replace(/\*/g, ".*")}$`).test(String(value)));
      } catch {
        return false;
      }
    };
  }
  const terms = [...text.matchAll(/(-?)"([^"]*)"|(-?)(\S+)/g)].map((m) => ({ exclude: (m[1] || m[3]) === "-", term: m[2] ?? m[4] }));
  return (m) => terms.every(({ exclude, term }) => m.includes(term) !== exclude);
}

/** A token this sandbox did not issue is refused as CloudWatch Logs refuses one: InvalidParameterException. */
function filterToken(token: string): { t: number; s: string; q: number } {
  let v: { t?: unknown; s?: unknown; q?: unknown } | undefined;
  try { v = JSON.parse(Buffer.from(token, "base64").toString()); } catch { v = undefined; }
  if (typeof v?.t !== "number" || typeof v.s !== "string" || typeof v.q !== "number") {
    fail("logs", "InvalidParameterException", "The specified nextToken is invalid.");
  }
  return { t: v.t, s: v.s, q: v.q };
}

function filterLogEvents(ctx: OpContext, input: { logGroupName?: string; logGroupIdentifier?: string; logStreamNames?: string[]; logStreamNamePrefix?: string; startTime?: number; endTime?: number; filterPattern?: string; nextToken?: string; limit?: number }) {
  const group = findGroup(ctx, input.logGroupName ?? input.logGroupIdentifier);
  if (input.logStreamNames?.length && input.logStreamNamePrefix) {
    fail("logs", "InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  const from = retentionStart(ctx, group, input.startTime);
  const to = Math.min(ctx.now, input.endTime ?? ctx.now);
  const limit = Math.min(input.limit ?? 10_000, 10_000);
  const after = input.nextToken === undefined ? undefined : filterToken(input.nextToken);
  const matches = patternMatcher(input.filterPattern);
  const streams = Object.values(group.streams).filter((x) =>
    input.logStreamNames?.length ? input.logStreamNames.includes(x.name) : !input.logStreamNamePrefix || x.name.startsWith(input.logStreamNamePrefix));
  const isAfter = (t: number, s: string, q: number) => !after || t > after.t || (t === after.t && (s > after.s || (s === after.s && q > after.q)));
  const found: { stream: string; e: GeneratedEvent }[] = [];
  for (const stream of streams) {
    // One more than a page from each stream tells whether another page follows; reading on in
    // batches lets a restrictive pattern still find that many.
    const want = limit + 1;
    let fromSeq = 0;
    let mine = 0;
    for (let round = 0; round < 20 && mine < want; round++) {
      const batch = streamEvents(stream, Math.max(from, after?.t ?? from), to, fromSeq, want);
      for (const e of batch) {
        if (mine < want && isAfter(e.timestamp, stream.name, e.seq) && matches(e.message)) {
          found.push({ stream: stream.name, e });
          mine += 1;
        }
      }
      if (batch.length < want) break;
      fromSeq = batch.at(-1)!.seq + 1;
    }
  }
  found.sort((a, b) => a.e.timestamp - b.e.timestamp || a.stream.localeCompare(b.stream) || a.e.seq - b.e.seq);
  const pageItems = found.slice(0, limit);
  const last = pageItems.at(-1);
  return {
    events: pageItems.map(({ stream, e }) => ({
      logStreamName: stream,
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.timestamp + 50,
      eventId: stableDigits([group.name, stream, e.seq], 56),
    })),
    searchedLogStreams: [],
    nextToken: found.length > limit && last ? Buffer.from(JSON.stringify({ t: last.e.timestamp, s: last.stream, q: last.e.seq })).toString("base64") : undefined,
  };
}

function tagGroupByArn(ctx: OpContext, arn: string | undefined): LogGroup {
  if (!arn?.includes(":log-group:")) fail("logs", "InvalidParameterException", `Invalid resource ARN: ${arn}`);
  if (arn.endsWith(":*")) fail("logs", "InvalidParameterException", "The ARN of a log group for tagging must not end with ':*'.");
  return findGroup(ctx, arn);
}

export const logsHandlers: Record<string, OperationHandler> = {
  CreateLogGroup: (ctx, input: { logGroupName?: string; kmsKeyId?: string; tags?: Record<string, string> }) => {
    const name = input.logGroupName ?? "";
    if (!GROUP_NAME.test(name)) fail("logs", "InvalidParameterException", `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`);
    if (ctx.s.logs.groups[name]) fail("logs", "ResourceAlreadyExistsException", "The specified log group already exists");
    ctx.s.logs.groups[name] = { name, createdAt: ctx.now, kmsKeyId: input.kmsKeyId, tags: { ...(input.tags ?? {}) }, streams: {} };
    return {};
  },
  DescribeLogGroups: describeLogGroups,
  DeleteLogGroup: (ctx, input: { logGroupName?: string }) => {
    delete ctx.s.logs.groups[findGroup(ctx, input.logGroupName).name];
    return {};
  },
  PutRetentionPolicy: (ctx, input: { logGroupName?: string; retentionInDays?: number }) => {
    const group = findGroup(ctx, input.logGroupName);
    if (!RETENTION_DAYS.includes(input.retentionInDays ?? -1)) {
      fail("logs", "InvalidParameterException", `1 validation error detected: Value '${input.retentionInDays}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(", ")}]`);
    }
    group.retentionInDays = input.retentionInDays;
    return {};
  },
  DeleteRetentionPolicy: (ctx, input: { logGroupName?: string }) => {
    delete findGroup(ctx, input.logGroupName).retentionInDays;
    return {};
  },
  TagResource: (ctx, input: { resourceArn?: string; tags?: Record<string, string> }) => {
    const group = tagGroupByArn(ctx, input.resourceArn);
    group.tags = { ...group.tags, ...(input.tags ?? {}) };
    return {};
  },
  UntagResource: (ctx, input: { resourceArn?: string; tagKeys?: string[] }) => {
    const group = tagGroupByArn(ctx, input.resourceArn);
    for (const k of input.tagKeys ?? []) delete group.tags[k];
    return {};
  },
  ListTagsForResource: (ctx, input: { resourceArn?: string }) => ({ tags: { ...tagGroupByArn(ctx, input.resourceArn).tags } }),
  ListTagsLogGroup: (ctx, input: { logGroupName?: string }) => ({ tags: { ...findGroup(ctx, input.logGroupName).tags } }),
  DescribeLogStreams: describeLogStreams,
  GetLogEvents: getLogEvents,
  FilterLogEvents: filterLogEvents,
};
