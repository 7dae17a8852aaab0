// Tenants (SPEC §3) and the account → tenant bindings. A tenant's external ID is generated here from
// 128 random bits and never changed: the customer puts it in their role's trust policy, so no other
// tenant can make the operator present it (the confused-deputy guard AWS recommends).
import { randomBytes } from "node:crypto";
import { asc, eq, gt, sql as dsql } from "drizzle-orm";
import type { Store } from "./db.js";
import { accountBindings, tenants } from "./schema.js";

export type TenantRow = typeof tenants.$inferSelect;
export const DEFAULT_TENANT = "default";

type Tx = Parameters<Parameters<Store["db"]["transaction"]>[0]>[0];
type Db = Store["db"] | Tx;

/** `byoc-` + 32 hex digits: 128 bits from the system's CSPRNG. */
export const generateExternalId = () => `byoc-${randomBytes(16).toString("hex")}`;

export class TenantNameTakenError extends Error {}

const isUniqueViolation = (err: unknown) =>
  (err as { code?: string }).code === "23505" || (err as { cause?: { code?: string } }).cause?.code === "23505";

export async function createTenant(store: Store, t: { name: string; defaultRegion?: string; defaultRoleArn?: string }): Promise<TenantRow> {
  try {
    const [row] = await store.db.insert(tenants).values({
      name: t.name, externalId: generateExternalId(), defaultRegion: t.defaultRegion ?? null, defaultRoleArn: t.defaultRoleArn ?? null,
    }).returning();
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw new TenantNameTakenError(t.name);
    throw err;
  }
}

/**
 * The `default` tenant, created on first start. In sandbox mode its external ID is the one the sandbox's
 * roles trust (so the quick start works unchanged); otherwise generated like any other. A tenant that
 * already exists keeps its ID: external IDs never change.
 */
export async function ensureDefaultTenant(db: Db, externalId?: string): Promise<TenantRow> {
  await db.insert(tenants).values({ name: DEFAULT_TENANT, externalId: externalId ?? generateExternalId() }).onConflictDoNothing();
  const [row] = await db.select().from(tenants).where(eq(tenants.name, DEFAULT_TENANT));
  return row;
}

export async function getTenant(store: Store, id: string): Promise<TenantRow | undefined> {
  const [row] = await store.db.select().from(tenants).where(eq(tenants.id, id));
  return row;
}

export async function listTenants(store: Store, limit: number, afterName?: string, only?: string): Promise<TenantRow[]> {
  return store.db.select().from(tenants)
    .where(only ? eq(tenants.id, only) : afterName ? gt(tenants.name, afterName) : undefined)
    .orderBy(asc(tenants.name)).limit(limit);
}

/** Only the defaults change; name and external ID are fixed at creation. `null` clears a default. */
export async function updateTenantDefaults(store: Store, id: string, change: { defaultRegion?: string | null; defaultRoleArn?: string | null }) {
  const [row] = await store.db.update(tenants).set(change).where(eq(tenants.id, id)).returning();
  return row as TenantRow | undefined;
}

export class AccountBoundError extends Error {
  constructor(readonly accountId: string) { super(`account ${accountId} belongs to another tenant`); }
}

/**
 * Claims the account for the tenant inside the caller's transaction, or throws AccountBoundError when
 * another tenant holds it. The insert serialises two tenants claiming one account at the same time.
 */
export async function claimAccount(tx: Tx, accountId: string, tenantId: string): Promise<void> {
  await tx.insert(accountBindings).values({ accountId, tenantId }).onConflictDoNothing();
  const [row] = await tx.select({ tenantId: accountBindings.tenantId }).from(accountBindings).where(eq(accountBindings.accountId, accountId));
  if (row.tenantId !== tenantId) throw new AccountBoundError(accountId);
}

export async function tenantCount(store: Store): Promise<number> {
  const [row] = await store.db.select({ n: dsql<number>`count(*)::int` }).from(tenants);
  return row.n;
}
