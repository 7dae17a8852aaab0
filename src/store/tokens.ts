// API tokens minted through the API/CLI. Only a SHA-256 of each token is stored; a token is looked up
// by its hash, so comparing never touches the secret itself.
import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql as dsql } from "drizzle-orm";
import type { Store } from "./db.js";
import { apiTokens } from "./schema.js";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
export const generateToken = () => `byoc_${randomBytes(24).toString("base64url")}`;

export async function mintToken(store: Store, name: string, scope: "read" | "write") {
  const token = generateToken();
  const [row] = await store.db.insert(apiTokens).values({ name, scope, tokenHash: hashToken(token) }).returning({ id: apiTokens.id, createdAt: apiTokens.createdAt });
  return { id: row.id, name, scope, token, createdAt: row.createdAt };
}

export async function findTokenScope(store: Store, token: string): Promise<"read" | "write" | undefined> {
  const [row] = await store.db.select({ scope: apiTokens.scope, id: apiTokens.id }).from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)));
  return row?.scope;
}

export async function revokeToken(store: Store, id: string): Promise<boolean> {
  const rows = await store.db.update(apiTokens).set({ revokedAt: dsql`now()` }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning({ id: apiTokens.id });
  return rows.length > 0;
}
