// byoc key create --scope read|write [--name N] [--expires 30d|TIME], byoc key list, byoc key revoke ID:
// a tenant's keys (the tenant from --tenant/BYOC_TENANT, or a tenant key's own). A new key is shown once;
// in a table it is the only thing on stdout, so `export BYOC_TOKEN=$(byoc key create ...)` works.
import { InvalidArgumentError, Option, type Command } from "commander";
import { withContext, type Context } from "./context.js";
import { parseDuration } from "./durations.js";
import { age, show, table } from "./output.js";
import { resolveTenant } from "./tenants.js";

interface KeyView { id: string; name: string; scope: string; createdAt: string; createdBy: string; lastUsedAt: string | null; expiresAt: string | null }

/** "30d", "12h" from now, or an RFC 3339 time. */
export function parseExpiry(value: string): string {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value.trim())) return new Date(Date.now() + parseDuration(value)).toISOString();
  const t = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(t.getTime())) throw new InvalidArgumentError("expected a duration from now (30d, 12h) or a time like 2027-01-01T00:00:00Z.");
  return t.toISOString();
}

function keysTable(items: KeyView[]): string {
  if (items.length === 0) return "No keys.";
  return table(["ID", "NAME", "SCOPE", "CREATED", "LAST USED", "EXPIRES"],
    items.map((k) => [k.id, k.name, k.scope, age(k.createdAt), k.lastUsedAt ? age(k.lastUsedAt) : "never", k.expiresAt ?? "never"]));
}

async function createKey(ctx: Context, opts: { scope: string; name?: string; expires?: string }): Promise<void> {
  const t = await resolveTenant(ctx);
  const r = await ctx.client.request<KeyView & { key: string }>("POST", `/v1/tenants/${t.id}/keys`, {
    body: { scope: opts.scope, ...(opts.name ? { name: opts.name } : {}), ...(opts.expires ? { expiresAt: opts.expires } : {}) },
  });
  if (ctx.out.format === "table") ctx.out.note(`created ${r.body.scope} key "${r.body.name}" for tenant ${t.name} (id ${r.body.id}); it is shown only this once`);
  show(ctx.out, r.body, () => r.body.key);
}

async function listKeys(ctx: Context): Promise<void> {
  const t = await resolveTenant(ctx);
  const items = await ctx.client.all<KeyView>(`/v1/tenants/${t.id}/keys`);
  show(ctx.out, { items }, () => keysTable(items));
}

async function revokeKey(ctx: Context, id: string): Promise<void> {
  const t = await resolveTenant(ctx);
  await ctx.client.request("DELETE", `/v1/tenants/${t.id}/keys/${encodeURIComponent(id)}`);
  show(ctx.out, { id, revoked: true }, () => `key ${id} revoked: refused from now on, and its watch streams are closed`);
}

export function registerKeys(program: Command): void {
  const key = program.command("key").description("mint, list and revoke a tenant's keys (--tenant, or a tenant key's own tenant)");
  key.command("create")
    .description("mint a key for the tenant (needs an admin write key or the tenant's write key)")
    .addOption(new Option("--scope <scope>", "read: GET only; write: everything").choices(["read", "write"]).makeOptionMandatory())
    .option("--name <name>", "a label for the key")
    .option("--expires <when>", "refused after this: a duration from now (30d) or a time", parseExpiry)
    .action(withContext(createKey));
  key.command("list").description("the tenant's keys: names, scopes, last use and expiry, never their values").action(withContext(listKeys));
  key.command("revoke").argument("<id>", "the key's id (from `byoc key list`)")
    .description("revoke a key at once, on every replica").action(withContext(revokeKey));
}
