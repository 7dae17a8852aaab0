// byoc logs NAME [--since] [--until] [--service] [--limit] [--follow]: the deployment's container logs
// (CloudWatch Logs through the admin API). The API pages forward in time, so the newest --limit lines
// are the tail of every page since --since; --follow polls, looking back a little for late arrivals.
import { Option, type Command } from "commander";
import { projectPath, type ListPage, type ProjectView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { parseDuration, parsePositiveInt, parseTime } from "./durations.js";
import { show, showStreamed } from "./output.js";
import { sleep } from "./watch.js";

interface LogLine { timestamp: string; service: string; stream: string; message: string }

interface LogsOptions { since: Date; until?: Date; service?: string; limit: number; follow?: boolean; pageSize: number; interval: number }

/** Pages read per fetch at most: enough for an hour of a busy deployment, bounded for a huge one. */
const MAX_PAGES = 50;
/** CloudWatch may deliver a line a little after its timestamp; each poll reads this far back again. */
const LOOKBACK_MS = 10_000;

const lineKey = (l: LogLine) => `${l.timestamp}|${l.stream}|${l.message}`;
/** "api/9c91ab": the service, and which of its tasks (replicas print the same lines at the same times). */
const source = (l: LogLine) => `${l.service}/${(l.stream.split("/")[2] ?? "").slice(0, 6)}`;
const logLine = (l: LogLine) => `${l.timestamp.replace("T", " ").replace("Z", "")}  ${source(l).padEnd(12)}  ${l.message}`;

async function readLines(ctx: Context, project: string, opts: LogsOptions, since: Date): Promise<{ lines: LogLine[]; truncated: boolean }> {
  const lines: LogLine[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await ctx.client.get<ListPage<LogLine>>(projectPath(project, "/logs"), {
      since: since.toISOString(), until: opts.until?.toISOString(), service: opts.service, limit: opts.pageSize, cursor,
    });
    lines.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && ++pages < MAX_PAGES);
  lines.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  return { lines, truncated: cursor !== undefined };
}

async function logs(ctx: Context, name: string, opts: LogsOptions): Promise<void> {
  const p = await ctx.client.get<ProjectView>(projectPath(name));
  const first = await readLines(ctx, p.name, opts, opts.since);
  if (first.truncated) ctx.out.note(`more than ${MAX_PAGES} pages of logs since ${opts.since.toISOString()}; showing the newest of the first ones (narrow --since)`);
  const tail = first.lines.slice(-opts.limit);
  if (!opts.follow) {
    show(ctx.out, { items: tail }, () => tail.length === 0 ? `No log lines for ${p.name} since ${opts.since.toISOString()}.` : tail.map(logLine).join("\n"));
    return;
  }
  for (const l of tail) showStreamed(ctx.out, l, () => logLine(l));
  const seen = new Map(first.lines.map((l) => [lineKey(l), Date.parse(l.timestamp)]));
  let newest = first.lines.length ? Date.parse(first.lines[first.lines.length - 1].timestamp) : opts.since.getTime();
  for (;;) {
    await sleep(opts.interval);
    const since = new Date(Math.max(opts.since.getTime(), newest - LOOKBACK_MS));
    for (const l of (await readLines(ctx, p.name, opts, since)).lines) {
      if (seen.has(lineKey(l))) continue;
      const t = Date.parse(l.timestamp);
      seen.set(lineKey(l), t);
      newest = Math.max(newest, t);
      showStreamed(ctx.out, l, () => logLine(l));
    }
    for (const [k, t] of seen) if (t < newest - 2 * LOOKBACK_MS) seen.delete(k);
  }
}

export function registerLogs(program: Command): void {
  program.command("logs").argument("<name>", "project name or id")
    .description("the deployment's container logs, oldest first")
    .addOption(new Option("--since <time>", "from (10m, 2h, or an RFC 3339 time)").argParser(parseTime).default(new Date(Date.now() - 3_600_000), "1h"))
    .addOption(new Option("--until <time>", "up to (a duration ago or an RFC 3339 time)").argParser(parseTime))
    .addOption(new Option("--service <service>", "only one service").choices(["api", "queue", "redis"]))
    .addOption(new Option("--limit <n>", "the newest n lines").argParser(parsePositiveInt(10_000)).default(100))
    .option("-f, --follow", "keep printing new lines")
    .addOption(new Option("--page-size <n>", "lines per API request").argParser(parsePositiveInt(1000)).default(1000).hideHelp())
    .addOption(new Option("--interval <duration>", "with --follow: how often to look").argParser(parseDuration).default(2000, "2s"))
    .action(withContext(logs));
}
