// byoc tenant create NAME [--default-region R] [--default-role-arn ARN], byoc tenant get [TENANT],
// byoc tenant list. Creating needs an admin key; a tenant key sees only its own tenant.
import type { Command } from "commander";
import { withContext, type Context } from "./context.js";
import { listAll, resolveTenant, type TenantView } from "./tenantRef.js";
import { age, show, table } from "./output.js";

function tenantsTable(items: TenantView[]): string {
  if (items.length === 0) return "No tenants.";
  return table(["NAME", "ID", "EXTERNAL ID", "DEFAULT REGION", "AGE"],
    items.map((t) => [t.name, t.id, t.externalId, t.defaultRegion ?? "", age(t.createdAt)]));
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
