// What a project's tenant means for its create and patch bodies (SPEC §3): region and roleArn default to
// the tenant's defaults, externalId is always the tenant's for a tenant key (an admin may override it),
// and the store's tenancy errors become the problems SPEC §7 names.
import type { Store } from "../store/db.js";
import { AmbiguousProjectError } from "../store/projects.js";
import { AccountBoundError, ensureDefaultTenant, getTenant, type TenantRow } from "../store/tenants.js";
import type { Caller } from "./auth.js";
import { ProblemError, type FieldError } from "./problem.js";

/** The tenant a create goes to: the caller's, or for an admin key without X-Tenant-Id, `default`. */
export async function tenantForCreate(store: Store, caller: Caller): Promise<TenantRow> {
  if (caller.tenantId === undefined) return ensureDefaultTenant(store.db);
  const t = await getTenant(store, caller.tenantId);
  if (!t) throw new Error(`tenant ${caller.tenantId} of an authenticated caller does not exist`);
  return t;
}

function invalid(errors: FieldError[]): never {
  throw new ProblemError(400, "Invalid request", errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
}

/** A tenant key may only ever send its own tenant's external ID (or none); an admin may set another. */
function externalIdError(caller: Caller, tenant: TenantRow, sent: string | undefined): FieldError | undefined {
  if (sent === undefined || caller.kind === "admin" || sent === tenant.externalId) return undefined;
  return { field: "externalId", message: "is the tenant's and cannot be chosen with a tenant key; omit it" };
}

export function withTenantDefaults<B extends { region?: string; roleArn?: string; externalId?: string }>(body: B, tenant: TenantRow, caller: Caller) {
  const errors: FieldError[] = [];
  const region = body.region ?? tenant.defaultRegion ?? undefined;
  const roleArn = body.roleArn ?? tenant.defaultRoleArn ?? undefined;
  if (region === undefined) errors.push({ field: "region", message: "is required: the tenant has no defaultRegion" });
  if (roleArn === undefined) errors.push({ field: "roleArn", message: "is required: the tenant has no defaultRoleArn" });
  const e = externalIdError(caller, tenant, body.externalId);
  if (e) errors.push(e);
  if (errors.length || region === undefined || roleArn === undefined) invalid(errors);
  return { ...body, region, roleArn, externalId: body.externalId ?? tenant.externalId };
}

/** A PATCH of externalId from a tenant key: only its own tenant's ID, i.e. no change at all. */
export async function checkPatchExternalId(store: Store, caller: Caller, externalId: string | undefined): Promise<void> {
  if (externalId === undefined || caller.kind === "admin" || caller.tenantId === undefined) return;
  const tenant = await getTenant(store, caller.tenantId);
  const e = tenant && externalIdError(caller, tenant, externalId);
  if (e) invalid([e]);
}

/** The store's tenancy refusals as problems; undefined for any other error. */
export function tenancyProblem(err: unknown): ProblemError | undefined {
  if (err instanceof AccountBoundError) {
    return new ProblemError(409, "Conflict", `AWS account ${err.accountId} belongs to another tenant: name a role in one of your own accounts`,
      [{ field: "roleArn", message: "the account belongs to another tenant" }]);
  }
  if (err instanceof AmbiguousProjectError) {
    return new ProblemError(409, "Conflict", `several tenants have a project named ${err.message}: send X-Tenant-Id or use the project's id`,
      [{ field: "header.x-tenant-id", message: "needed: the name is used in several tenants" }]);
  }
  return undefined;
}
