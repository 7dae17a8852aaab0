// Bearer tokens with read and write scopes. Configured tokens are kept as hashes in memory; minted
// tokens are looked up by hash in Postgres (cached briefly, positive answers only). A revocation through
// this process empties the cache, so it takes effect at once here; other replicas stop accepting the
// token within TOKEN_CACHE_MS. Hash lookups mean no secret is ever compared byte by byte.
import type { FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
import type { Store } from "../store/db.js";
import { findTokenScope, hashToken } from "../store/tokens.js";
import { ProblemError } from "./problem.js";

export interface StaticToken { scope: "read" | "write"; token: string }
export type Scope = "read" | "write";
const TOKEN_CACHE_MS = 10_000;

declare module "fastify" {
  interface FastifyRequest { scope?: Scope }
}

const unauthorized = (detail: string) =>
  new ProblemError(401, "Unauthorized", detail, [{ field: "header.authorization", message: detail }], { "www-authenticate": 'Bearer realm="byoc"' });

export function createAuthenticator(store: Store, staticTokens: StaticToken[]) {
  const configured = staticTokens.map((t) => ({ scope: t.scope, hash: Buffer.from(hashToken(t.token), "hex") }));
  const cache = new Map<string, { scope: Scope; until: number }>();

  async function scopeOf(token: string): Promise<Scope | undefined> {
    const hex = hashToken(token);
    const hash = Buffer.from(hex, "hex");
    let found: Scope | undefined;
    for (const t of configured) if (timingSafeEqual(t.hash, hash)) found = found === "write" ? found : t.scope;
    if (found) return found;
    const hit = cache.get(hex);
    if (hit && hit.until > Date.now()) return hit.scope;
    const scope = await findTokenScope(store, token);
    if (scope) {
      if (cache.size > 10_000) cache.clear();
      cache.set(hex, { scope, until: Date.now() + TOKEN_CACHE_MS });
    }
    return scope;
  }

  async function authenticate(req: FastifyRequest): Promise<void> {
    const header = req.headers.authorization;
    if (!header) throw unauthorized("missing bearer token");
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})$/i.exec(header);
    if (!m) throw unauthorized("malformed Authorization header; expected 'Bearer <token>'");
    const scope = await scopeOf(m[1]);
    if (!scope) throw unauthorized("unknown token");
    const needs: Scope = req.method === "GET" || req.method === "HEAD" ? "read" : "write";
    if (needs === "write" && scope !== "write") {
      throw new ProblemError(403, "Forbidden", "this token has scope read; the request needs write", [{ field: "header.authorization", message: "needs scope write" }]);
    }
    req.scope = scope;
  }

  /** Called after a revocation: the cache holds hashes, not ids, so drop it whole (revocations are rare). */
  const forgetMintedTokens = () => cache.clear();
  return { authenticate, forgetMintedTokens };
}
