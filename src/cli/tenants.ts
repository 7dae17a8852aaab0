// byoc tenant create NAME [--default-region R] [--default-role-arn ARN], byoc tenant get [TENANT],
// byoc tenant list. Creating needs an admin key; a tenant key sees only its own tenant.
import type { Command } from "commander";
import type { ApiClient } from "./client.js";
import { withContext, type Context } from "./context.js";
import { CliError, Exit } from "./errors.js";
import { age, show, table } from "./output.js";

export interface TenantView { id: string; name: string; externalId: string; defaultRegion: string | null; defaultRoleArn: string | null; createdAt: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tenantsTable(items: TenantView[]): string {
  if (items.length === 0) return "No tenants.";
  return table(["NAME", "ID", "EXTERNAL ID", "DEFAULT REGION", "AGE"],
    items.map((t) => [t.name, t.id, t.externalId, t.defaultRegion ?? "", age(t.createdAt)]));
}

/** Lists without X-Tenant-Id: an admin sees every tenant, a tenant key its own. */
async function listAll(client: ApiClient): Promise<TenantView[]> {
  const acting = client.tenantId;
  client.tenantId = undefined;
  try {
    return await client.all<TenantView>("/v1/tenants");
  } finally {
    client.tenantId = acting;
  }
}

/**
 * The tenant a command is about: `ref` (an id or a name), else --tenant, else — with a tenant key —
 * the key's own tenant (the only one it can list).
 */
export async function resolveTenant(ctx: Context, ref = ctx.tenant): Promise<TenantView> {
  if (ref && UUID.test(ref)) {
    const acting = ctx.client.tenantId;
    ctx.client.tenantId = undefined;
    try { return await ctx.client.get<TenantView>(`/v1/tenants/${ref}`); } finally { ctx.client.tenantId = acting; }
  }
  const all = await listAll(ctx.client);
  const found = ref ? all.find((t) => t.name === ref) : all.length === 1 ? all[0] : undefined;
  if (found) return found;
  if (ref) throw new CliError(`no tenant named ${ref}`, Exit.NotFound);
  throw new CliError("which tenant? pass --tenant or set BYOC_TENANT (an admin key sees every tenant)", Exit.Usage);
}

async function createTenant(ctx: Context, name: string, opts: { defaultRegion?: string; defaultRoleArn?: string }): Promise<void> {
  const r = await ctx.client.request<TenantView>("POST", "/v1/tenants", { body: { name, ...opts } });
  if (ctx.out.format === "table") ctx.out.note(`created tenant ${name}: give the customer its external ID for their role's trust policy`);
  show(ctx.out, r.body, () => tenantsTable([r.body]));
}

export function registerTenants(program: Command): void {
  const tenant = program.command("tenant").description("create and read tenants (one per customer)");
  tenant.command("create").argument("<name>", "3-40 characters: lower-case letters, digits, single dashes")
    .description("create a tenant; its external ID is generated (needs an admin write key)")
    .option("--default-region <region>", "where its projects go when they name no region")
    .option("--default-role-arn <arn>", "the role its projects use when they name none")
    .action(withContext(createTenant));
  tenant.command("get").argument("[tenant]", "id or name (default: --tenant, or a tenant key's own)")
    .description("show one tenant, with its external ID")
    .action(withContext(async (ctx: Context, ref?: string) => { const t = await resolveTenant(ctx, ref); show(ctx.out, t, () => tenantsTable([t])); }));
  tenant.command("list").description("list the tenants this key can see")
    .action(withContext(async (ctx: Context) => { const items = await listAll(ctx.client); show(ctx.out, { items }, () => tenantsTable(items)); }));
}
