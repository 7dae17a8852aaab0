// byoc get projects [NAME], byoc reconcile NAME, byoc delete NAME [--wait].
import { Option, type Command } from "commander";
import { projectPath, type ProjectView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { parseDuration } from "./durations.js";
import { CliError, Exit } from "./errors.js";
import { age, show, table } from "./output.js";
import { statusLine } from "./status.js";
import { ChangeStream } from "./watch.js";

const accountOf = (roleArn: string) => /::(\d{12}):/.exec(roleArn)?.[1] ?? "";

function projectsTable(items: ProjectView[]): string {
  if (items.length === 0) return "No projects.";
  return table(["NAME", "PHASE", "TYPE", "REGION", "ACCOUNT", "GENERATION", "AGE", "URL"], items.map((p) => [
    p.name, p.phase, p.deploymentType, p.region, accountOf(p.roleArn), String(p.generation), age(p.createdAt), p.url ?? "-",
  ]));
}

async function getProjects(ctx: Context, name: string | undefined): Promise<void> {
  if (name) {
    const p = await ctx.client.get<ProjectView>(projectPath(name));
    show(ctx.out, p, () => projectsTable([p]));
    return;
  }
  const items = await ctx.client.all<ProjectView>("/v1/projects");
  show(ctx.out, { items }, () => projectsTable(items));
}

async function reconcile(ctx: Context, name: string): Promise<void> {
  const r = await ctx.client.request<{ accepted: boolean }>("POST", projectPath(name, "/reconcile"));
  show(ctx.out, r.body, () => `reconcile of ${name} requested`);
}

async function deleteProject(ctx: Context, name: string, opts: { wait?: boolean; timeout?: number }): Promise<void> {
  // Open the watch before deleting, so the "deleted" change cannot slip past between the two.
  const stream = opts.wait ? new ChangeStream(ctx.client, { project: name, onReconnecting: (why) => ctx.out.note(`reconnecting: ${why}`) }) : undefined;
  try {
    const p = await ctx.client.get<ProjectView>(projectPath(name));
    await stream?.open();
    const r = await ctx.client.request<ProjectView>("DELETE", projectPath(p.name));
    show(ctx.out, r.body, () => `project ${p.name} is being deleted (deletionPolicy ${p.deletionPolicy})`);
    if (stream) await waitForDeletion(ctx, stream, p.name, opts.timeout);
  } finally {
    stream?.close();
  }
}

async function waitForDeletion(ctx: Context, stream: ChangeStream, name: string, timeoutMs: number | undefined): Promise<void> {
  let timedOut = false;
  const timer = timeoutMs ? setTimeout(() => { timedOut = true; stream.close(); }, timeoutMs) : undefined;
  let last = "";
  try {
    for await (const c of stream.changes()) {
      if (c.event === "deleted") {
        if (ctx.out.format === "table") ctx.out.write(`project ${name} deleted\n`);
        return;
      }
      if (c.event === "status" && ctx.out.format === "table") {
        const line = statusLine(name, c.data.status);
        if (line !== last) ctx.out.write(`${line}\n`);
        last = line;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new CliError(`timed out waiting for ${name} to be deleted`, Exit.Api);
}

export function registerProjects(program: Command): void {
  const get = program.command("get").description("list resources");
  get.command("projects").alias("project").argument("[name]", "one project (by name or id)")
    .description("list projects, or show one")
    .action(withContext(getProjects));

  program.command("reconcile").argument("<name>", "project name or id")
    .description("wake the engine for this project now")
    .action(withContext(reconcile));

  program.command("delete").argument("<name>", "project name or id")
    .description("delete a project: its AWS resources go per its deletionPolicy, then the project itself")
    .option("--wait", "wait until AWS confirms everything is gone")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 1)").argParser(parseDuration))
    .action(withContext(deleteProject));
}
