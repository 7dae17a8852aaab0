// byoc revisions NAME, byoc deploy NAME --image URI [--env K=V ...].
import { InvalidArgumentError, Option, type Command } from "commander";
import { projectPath, type ListPage, type RevisionView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { parsePositiveInt } from "./durations.js";
import { age, show, shortImage, table } from "./output.js";

async function listRevisions(ctx: Context, name: string, opts: { limit: number }): Promise<void> {
  const page = await ctx.client.get<ListPage<RevisionView>>(projectPath(name, "/revisions"), { limit: opts.limit });
  show(ctx.out, page, () => page.items.length === 0 ? `No revisions of ${name} yet: byoc deploy ${name} --image URI`
    : table(["REVISION", "STATUS", "IMAGE", "AGE", "MESSAGE"], page.items.map((r) => [String(r.number), r.status, shortImage(r.image), age(r.createdAt), r.message])));
}

async function deploy(ctx: Context, name: string, opts: { image: string; env: Record<string, string> }): Promise<void> {
  const body = { image: opts.image, ...(Object.keys(opts.env).length ? { env: opts.env } : {}) };
  const r = await ctx.client.request<RevisionView>("POST", projectPath(name, "/revisions"), { body });
  show(ctx.out, r.body, () => `revision ${r.body.number} of ${name} queued: ${r.body.image}`);
}

function collectEnv(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("expected KEY=VALUE.");
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerRevisions(program: Command): void {
  program.command("revisions").argument("<name>", "project name or id")
    .description("a project's revisions, newest first")
    .addOption(new Option("--limit <n>", "how many").argParser(parsePositiveInt(200)).default(50))
    .action(withContext(listRevisions));

  program.command("deploy").argument("<name>", "project name or id")
    .description("create a revision: the operator rolls it out (follow it with `byoc status NAME --watch --until-ready`)")
    .requiredOption("--image <uri>", "image URI in the customer's ECR, <acct>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>")
    .option("--env <KEY=VALUE>", "environment override for this revision (repeatable)", collectEnv, {})
    .action(withContext(deploy));
}
