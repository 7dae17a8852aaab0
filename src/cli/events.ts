// byoc events NAME [--since] [--limit] [--follow]: the audit trail of what the operator did, oldest first
// in a table (newest first as the API returns it with -o json|yaml); --follow adds events as they happen.
import { Option, type Command } from "commander";
import { projectPath, type EventView, type ListPage, type ProjectView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { parsePositiveInt, parseTime } from "./durations.js";
import { clock, show, showStreamed } from "./output.js";
import { ChangeStream } from "./watch.js";

const WIDTHS = [19, 7, 22];

function eventLine(e: EventView): string {
  const cells = [clock(e.createdAt), e.type, e.reason];
  return `${cells.map((c, i) => c.padEnd(WIDTHS[i])).join("  ")}  ${e.message}`;
}

interface EventsOptions { since?: Date; limit: number; follow?: boolean }

async function events(ctx: Context, name: string, opts: EventsOptions): Promise<void> {
  const p = await ctx.client.get<ProjectView>(projectPath(name));
  // With --follow, the stream opens before the list is read; ids already listed are skipped.
  const stream = opts.follow ? new ChangeStream(ctx.client, { project: p.name, onReconnecting: (why) => ctx.out.note(`reconnecting: ${why}`) }) : undefined;
  try {
    await stream?.open();
    const page = await ctx.client.get<ListPage<EventView>>(projectPath(p.name, "/events"), { limit: opts.limit, since: opts.since?.toISOString() });
    const header = `${["TIME", "TYPE", "REASON"].map((c, i) => c.padEnd(WIDTHS[i])).join("  ")}  MESSAGE`;
    if (!stream) {
      show(ctx.out, page, () => page.items.length === 0 ? `No events for ${p.name}.` : [header, ...[...page.items].reverse().map(eventLine)].join("\n"));
      return;
    }
    if (ctx.out.format === "table") ctx.out.write(`${header}\n`);
    for (const e of [...page.items].reverse()) showStreamed(ctx.out, e, () => eventLine(e));
    let newest = Math.max(0, ...page.items.map((e) => Number(e.id)));
    for await (const c of stream.changes()) {
      if (c.event === "deleted") { ctx.out.note(`project ${p.name} was deleted`); return; }
      if (c.event !== "event" || Number(c.data.event.id) <= newest) continue;
      newest = Number(c.data.event.id);
      showStreamed(ctx.out, c.data.event, () => eventLine(c.data.event));
    }
  } finally {
    stream?.close();
  }
}

export function registerEvents(program: Command): void {
  program.command("events").argument("<name>", "project name or id")
    .description("what the operator did to a project's AWS resources, and why")
    .addOption(new Option("--since <time>", "only events after this (10m, 2h, or an RFC 3339 time)").argParser(parseTime))
    .addOption(new Option("--limit <n>", "how many of the newest").argParser(parsePositiveInt(200)).default(50))
    .option("-f, --follow", "keep printing events as they happen")
    .action(withContext(events));
}
