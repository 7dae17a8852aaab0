// byoc revisions NAME, byoc deploy NAME --image URI [--env K=V ...], byoc rollback NAME [--to N].
import { InvalidArgumentError, Option, type Command } from "commander";
import { projectPath, type ListPage, type RevisionView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { parsePositiveInt } from "./durations.js";
import { CliError, Exit } from "./errors.js";
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

/**
 * Rolling back is redeploying an earlier revision as a new one. With no --to: the newest revision that
 * was DEPLOYED before the one serving now (the newest DEPLOYED), i.e. the version before this one.
 */
async function rollback(ctx: Context, name: string, opts: { to?: number }): Promise<void> {
  const to = opts.to ?? (await previousDeployed(ctx, name));
  const r = await ctx.client.request<RevisionView>("POST", projectPath(name, `/revisions/${to}/redeploy`));
  show(ctx.out, r.body, () => `revision ${r.body.number} of ${name} queued: redeploy of revision ${to} (${shortImage(r.body.image)})`);
}

async function previousDeployed(ctx: Context, name: string): Promise<number> {
  const deployed: number[] = [];
  for (let cursor: string | null | undefined; deployed.length < 2 && cursor !== null;) {
    const page: ListPage<RevisionView> = await ctx.client.get(projectPath(name, "/revisions"), { limit: 200, cursor });
    deployed.push(...page.items.filter((r) => r.status === "DEPLOYED").map((r) => r.number));
    cursor = page.nextCursor;
  }
  if (deployed.length === 0) throw new CliError(`${name} has no DEPLOYED revision to roll back from; pick one with --to N`, Exit.Conflict);
  if (deployed.length === 1) throw new CliError(`${name} has no revision DEPLOYED before revision ${deployed[0]}; pick one with --to N`, Exit.Conflict);
  return deployed[1];
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

  program.command("rollback").argument("<name>", "project name or id")
    .description("redeploy an earlier revision as a new one (default: the last one DEPLOYED before the one serving)")
    .addOption(new Option("--to <n>", "the revision number to redeploy").argParser(parsePositiveInt(999_999_999)))
    .action(withContext(rollback));
}
