// Which tenant a command is about (--tenant/BYOC_TENANT, an id or a name, or a tenant key's own): used by
// every command through context.ts, so it lives apart from the tenant commands (no import cycle).
import type { ApiClient } from "./client.js";
import type { Context } from "./context.js";
import { CliError, Exit } from "./errors.js";

export interface TenantView { id: string; name: string; externalId: string; defaultRegion: string | null; defaultRoleArn: string | null; createdAt: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lists without X-Tenant-Id: an admin sees every tenant, a tenant key its own. */
export async function listAll(client: ApiClient): Promise<TenantView[]> {
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

