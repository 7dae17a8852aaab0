// byoc status NAME [--watch [--until-ready] [--timeout]]: phase, conditions, per-resource status and the
// active revision. Watching redraws in place on a terminal and prints one line per change when piped.
import { Option, type Command } from "commander";
import { projectPath, type ProjectView, type StatusView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { parseDuration } from "./durations.js";
import { CliError, Exit, usageError } from "./errors.js";
import { clock, show, showStreamed, shortImage, table, truncate, type Out } from "./output.js";
import { ChangeStream } from "./watch.js";

/** The serving revision, and the newest when it is another (rolling out, or failed). */
function revisionText(s: StatusView): string {
  const [active, latest] = [s.activeRevision, s.latestRevision];
  const one = (r: NonNullable<StatusView["activeRevision"]>) => `${r.number} ${r.status}  ${shortImage(r.image)}`;
  const serving = active ? one(active) : "none serving";
  return latest && latest.number !== active?.number ? `${serving}  (latest: ${one(latest)})` : active ? serving : "none";
}

export function statusText(name: string, s: StatusView): string {
  const head = [
    `Project:     ${name}`,
    `Phase:       ${s.phase}`,
    `Generation:  ${s.generation} (observed ${s.observedGeneration})`,
    `Revision:    ${revisionText(s)}`,
    `URL:         ${s.url ?? "none yet (the load balancer does not exist yet)"}`,
  ].join("\n");
  const conditions = s.conditions.length === 0 ? "No conditions yet: the engine has not reconciled this project."
    : table(["CONDITION", "STATUS", "REASON", "MESSAGE"], s.conditions.map((c) => [c.type, c.status, c.reason, c.message]));
  const resources = s.resources.length === 0 ? "No resources observed yet."
    : table(["KIND", "NAME", "PHASE", "ATTEMPTS", "LAST ERROR"], s.resources.map((r) => [
      r.kind, r.name, r.phase, String(r.attempts), r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : "",
    ]));
  return `${head}\n\n${conditions}\n\n${resources}\n`;
}

/** One line for a log or a pipe: when, what phase, and what it is waiting on. */
export function statusLine(name: string, s: StatusView, now = new Date()): string {
  // The condition that says why: a False one (a later condition may be Unknown, waiting for it) before an Unknown one.
  const notTrue = s.conditions.filter((c) => c.status !== "True" && c.type !== "Ready");
  const waiting = notTrue.find((c) => c.status === "False") ?? notTrue[0];
  const why = s.conditions.length === 0 ? "not reconciled yet"
    : waiting ? `${waiting.type}=${waiting.status} ${waiting.reason}: ${waiting.message}` : "all conditions True";
  const r = s.latestRevision ?? s.activeRevision;
  const rev = r ? `revision ${r.number} ${r.status}` : "no revision";
  return `${clock(now.toISOString())}  ${name}  ${s.phase}  generation ${s.observedGeneration}/${s.generation}  ${rev}  ${why}`;
}

export type Readiness = { kind: "ready" } | { kind: "waiting" } | { kind: "failed"; message: string };

/**
 * Ready means: phase Ready for the current generation, and the newest revision deployed. A failed
 * rollout or a Failed phase (an error that needs a person) ends the wait, so scripts do not hang.
 */
export function readiness(s: StatusView): Readiness {
  const rev = s.latestRevision;
  if (s.phase === "Failed") {
    const ready = s.conditions.find((c) => c.type === "Ready");
    return { kind: "failed", message: `is Failed${ready ? `: ${ready.message}` : ""}` };
  }
  if (rev?.status === "DEPLOY_FAILED") return { kind: "failed", message: `revision ${rev.number} (${shortImage(rev.image)}) failed to deploy; see byoc revisions` };
  const current = s.observedGeneration >= s.generation;
  if (s.phase === "Ready" && current && (!rev || rev.status === "DEPLOYED")) return { kind: "ready" };
  return { kind: "waiting" };
}

/** Draws the status again over the previous drawing (terminal), or appends a line when it changed (pipe). */
class StatusPrinter {
  private drawnLines = 0;
  private lastLine = "";

  constructor(private readonly out: Out, private readonly name: string) {}

  print(s: StatusView): void {
    const out = this.out;
    if (out.format !== "table") return showStreamed(out, s, () => "");
    if (!out.isTTY) {
      const line = statusLine(this.name, s);
      if (line.slice(21) !== this.lastLine.slice(21)) out.write(`${line}\n`); // ignore the clock
      this.lastLine = line;
      return;
    }
    const header = `Watching ${this.name} (${clock(new Date().toISOString())} UTC, Ctrl-C to stop)`;
    // Lines longer than the terminal would wrap and break the count of lines to go back over.
    const lines = `${header}\n\n${statusText(this.name, s)}`.trimEnd().split("\n").map((l) => truncate(l, out.columns - 1));
    const erase = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r\x1b[0J` : "";
    out.write(`${erase}${lines.join("\n")}\n`);
    this.drawnLines = lines.length;
  }
}

interface StatusOptions { watch?: boolean; untilReady?: boolean; timeout?: number }

async function status(ctx: Context, name: string, opts: StatusOptions): Promise<void> {
  if ((opts.untilReady || opts.timeout) && !opts.watch) throw usageError("--until-ready and --timeout go with --watch");
  if (!opts.watch) {
    const s = await ctx.client.get<StatusView>(projectPath(name, "/status"));
    show(ctx.out, s, () => statusText(name, s));
    return;
  }
  const p = await ctx.client.get<ProjectView>(projectPath(name));
  // Open the stream first, then read: a change between the two is then never missed.
  const stream = new ChangeStream(ctx.client, { project: p.name, onReconnecting: (why) => ctx.out.note(`reconnecting: ${why}`) });
  let timedOut = false;
  const timer = opts.timeout ? setTimeout(() => { timedOut = true; stream.close(); }, opts.timeout) : undefined;
  try {
    await stream.open();
    const printer = new StatusPrinter(ctx.out, p.name);
    const settle = (s: StatusView): boolean => {
      printer.print(s);
      if (!opts.untilReady) return false;
      const r = readiness(s);
      if (r.kind === "failed") throw new CliError(`project ${p.name} ${r.message}`, Exit.Api);
      return r.kind === "ready";
    };
    if (settle(await ctx.client.get<StatusView>(projectPath(p.name, "/status")))) return;
    for await (const c of stream.changes()) {
      if (c.event === "deleted") {
        ctx.out.note(`project ${p.name} was deleted`);
        if (opts.untilReady) throw new CliError(`project ${p.name} was deleted`, Exit.NotFound);
        return;
      }
      if (c.event === "status" && settle(c.data.status)) return;
    }
    if (timedOut) throw new CliError(`timed out waiting for ${p.name} to be Ready`, Exit.Api);
  } finally {
    clearTimeout(timer);
    stream.close();
  }
}

export function registerStatus(program: Command): void {
  program.command("status").argument("<name>", "project name or id")
    .description("phase, conditions, per-resource status and the active revision")
    .option("-w, --watch", "keep watching: redraws in a terminal, one line per change when piped")
    .option("--until-ready", "with --watch: exit 0 once Ready with the newest revision deployed (1 if it fails)")
    .addOption(new Option("--timeout <duration>", "with --watch: give up after this long (exit 1)").argParser(parseDuration))
    .action(withContext(status));
}
