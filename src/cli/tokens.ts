// byoc token create --scope read|write [--name] [--expires], byoc token list, byoc token revoke ID: admin keys. A new token is shown once; in a
// table it is the only thing on stdout, so `export BYOC_TOKEN=$(byoc token create --scope read)` works.
import { Option, type Command } from "commander";
import { userInfo } from "node:os";
import { withContext, type Context } from "./context.js";
import { parseExpiry } from "./keys.js";
import { age, show, table } from "./output.js";

interface Minted { id: string; name: string; scope: string; token: string; createdAt: string }

function defaultName(): string {
  let user = "cli";
  try { user = userInfo().username.replace(/[^\w .@-]/g, "") || user; } catch { /* no passwd entry */ }
  return `${user}@byoc-cli`;
}

async function createToken(ctx: Context, opts: { scope: string; name?: string; expires?: string }): Promise<void> {
  const body = { name: opts.name ?? defaultName(), scope: opts.scope, ...(opts.expires ? { expiresAt: opts.expires } : {}) };
  const r = await ctx.client.request<Minted>("POST", "/v1/tokens", { body });
  if (ctx.out.format === "table") ctx.out.note(`created ${r.body.scope} token "${r.body.name}" (id ${r.body.id}); it is shown only this once`);
  show(ctx.out, r.body, () => r.body.token);
}

async function revokeToken(ctx: Context, id: string): Promise<void> {
  await ctx.client.request("DELETE", `/v1/tokens/${encodeURIComponent(id)}`);
  show(ctx.out, { id, revoked: true }, () => `token ${id} revoked`);
}

export function registerTokens(program: Command): void {
  const token = program.command("token").description("mint, list and revoke admin tokens (admin keys only)");
  token.command("create")
    .description("mint a token (needs a write token)")
    .addOption(new Option("--scope <scope>", "read: GET only; write: everything").choices(["read", "write"]).makeOptionMandatory())
    .option("--name <name>", "a label for the token (default: <user>@byoc-cli)")
    .option("--expires <when>", "refused after this: a duration from now (30d) or a time", parseExpiry)
    .action(withContext(createToken));
  token.command("list").description("the admin tokens: names, scopes, last use and expiry, never their values")
    .action(withContext(async (ctx: Context) => {
      const items = await ctx.client.all<{ id: string; name: string; scope: string; createdAt: string; lastUsedAt: string | null; expiresAt: string | null }>("/v1/tokens");
      show(ctx.out, { items }, () => (items.length === 0 ? "No tokens." : table(["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "EXPIRES"],
        items.map((k) => [k.id, k.name, k.scope, age(k.createdAt), k.lastUsedAt ? age(k.lastUsedAt) : "never", k.expiresAt ?? "never"]))));
    }));
  token.command("revoke").argument("<id>", "the id printed at creation")
    .description("revoke a minted token")
    .action(withContext(revokeToken));
}
