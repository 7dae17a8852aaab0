// byoc token create --scope read|write [--name], byoc token revoke ID. A new token is shown once; in a
// table it is the only thing on stdout, so `export BYOC_TOKEN=$(byoc token create --scope read)` works.
import { Option, type Command } from "commander";
import { userInfo } from "node:os";
import { withContext, type Context } from "./context.js";
import { show } from "./output.js";

interface Minted { id: string; name: string; scope: string; token: string; createdAt: string }

function defaultName(): string {
  let user = "cli";
  try { user = userInfo().username.replace(/[^\w .@-]/g, "") || user; } catch { /* no passwd entry */ }
  return `${user}@byoc-cli`;
}

async function createToken(ctx: Context, opts: { scope: string; name?: string }): Promise<void> {
  const r = await ctx.client.request<Minted>("POST", "/v1/tokens", { body: { name: opts.name ?? defaultName(), scope: opts.scope } });
  if (ctx.out.format === "table") ctx.out.note(`created ${r.body.scope} token "${r.body.name}" (id ${r.body.id}); it is shown only this once`);
  show(ctx.out, r.body, () => r.body.token);
}

async function revokeToken(ctx: Context, id: string): Promise<void> {
  await ctx.client.request("DELETE", `/v1/tokens/${encodeURIComponent(id)}`);
  show(ctx.out, { id, revoked: true }, () => `token ${id} revoked`);
}

export function registerTokens(program: Command): void {
  const token = program.command("token").description("mint and revoke API tokens");
  token.command("create")
    .description("mint a token (needs a write token)")
    .addOption(new Option("--scope <scope>", "read: GET only; write: everything").choices(["read", "write"]).makeOptionMandatory())
    .option("--name <name>", "a label for the token (default: <user>@byoc-cli)")
    .action(withContext(createToken));
  token.command("revoke").argument("<id>", "the id printed at creation")
    .description("revoke a minted token")
    .action(withContext(revokeToken));
}
