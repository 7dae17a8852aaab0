// Keys minted through the API/CLI, admin and tenant keys in one table (a null tenant is an admin key).
// Only a SHA-256 of each key is stored and a key is looked up by its hash, so comparing never touches
// the secret itself. A revocation NOTIFYs KEYS_CHANNEL in its own transaction, so every replica's
// authenticator drops the key (and closes its watch streams) as soon as it commits.
import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, gt, isNull, sql as dsql } from "drizzle-orm";
import type { Store } from "./db.js";
import { apiTokens } from "./schema.js";

export const KEYS_CHANNEL = "byoc_keys";
export type KeyScope = "read" | "write";
export type KeyRow = typeof apiTokens.$inferSelect;

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
export const generateToken = () => `byoc_${randomBytes(24).toString("base64url")}`;

export interface NewKey { tenantId: string | null; name: string; scope: KeyScope; expiresAt?: Date; createdBy: string }

export async function mintKey(store: Store, k: NewKey) {
  const token = generateToken();
  const [row] = await store.db.insert(apiTokens).values({
    tenantId: k.tenantId, name: k.name, scope: k.scope, tokenHash: hashToken(token), createdBy: k.createdBy, expiresAt: k.expiresAt ?? null,
  }).returning();
  return { row, token };
}

/** What a presented key is, if it is one: unrevoked and unexpired. */
export interface FoundKey { id: string; tenantId: string | null; scope: KeyScope; expiresAt: Date | null }
export async function findKey(store: Store, token: string): Promise<FoundKey | undefined> {
  const [row] = await store.db.select({ id: apiTokens.id, tenantId: apiTokens.tenantId, scope: apiTokens.scope, expiresAt: apiTokens.expiresAt })
    .from(apiTokens).where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)));
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
  return row;
}

/** The unrevoked keys of one tenant (or the admin keys, `tenantId` null), oldest first; never their values. */
export async function listKeys(store: Store, tenantId: string | null, limit: number, afterId?: string): Promise<KeyRow[]> {
  return store.db.select().from(apiTokens)
    .where(and(tenantId === null ? isNull(apiTokens.tenantId) : eq(apiTokens.tenantId, tenantId), isNull(apiTokens.revokedAt), afterId ? gt(apiTokens.id, afterId) : undefined))
    .orderBy(asc(apiTokens.id)).limit(limit);
}

/** Revokes the key if it belongs to `tenantId` (null: an admin key) and tells every replica. */
export async function revokeKey(store: Store, id: string, tenantId: string | null): Promise<boolean> {
  return store.db.transaction(async (tx) => {
    const rows = await tx.update(apiTokens).set({ revokedAt: dsql`now()` })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt), tenantId === null ? isNull(apiTokens.tenantId) : eq(apiTokens.tenantId, tenantId)))
      .returning({ id: apiTokens.id });
    if (rows.length > 0) await tx.execute(dsql`SELECT pg_notify(${KEYS_CHANNEL}, ${id})`);
    return rows.length > 0;
  });
}

/** Records a use; the WHERE makes it at most one write a minute per key across every replica. */
export async function touchKey(store: Store, id: string): Promise<void> {
  await store.sql`UPDATE api_tokens SET last_used_at = now() WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`;
}
