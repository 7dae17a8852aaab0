// Who is calling (SPEC §7): a key, from `Authorization: Bearer <key>` or `X-Api-Key: <key>`, is an admin
// key (BYOC_ADMIN_TOKENS, or minted by an admin) or a tenant key, each read or write. The hook in
// server.ts runs `authenticate` on every non-public route and leaves `req.caller`; routes reach the store
// only through `scopeOf(req)`, which is where tenant isolation is decided, once, for every route.
//
// Minted keys are looked up by hash in Postgres and cached briefly (positive answers only, never past
// their expiry). A revocation on any replica NOTIFYs KEYS_CHANNEL; every replica drops the key from its
// cache and tells its watch streams (onRevoked), so a revoked key is refused everywhere within the
// notification's latency. Hash lookups mean no secret is ever compared byte by byte.
import type { FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
import type { Store } from "../store/db.js";
import type { TenantScope } from "../store/projects.js";
import { getTenant } from "../store/tenants.js";
import { findKey, hashToken, KEYS_CHANNEL, touchKey } from "../store/tokens.js";
import { ProblemError } from "./problem.js";
import type { RouteAccess } from "./access.js";

export interface StaticToken { scope: "read" | "write"; token: string }
export type Scope = "read" | "write";

/**
 * The caller, resolved by the auth hook. `tenantId` is the tenant the request acts in: a tenant key's
 * own, or for an admin key the X-Tenant-Id it sent (undefined: every tenant).
 */
export interface Caller {
  kind: "admin" | "tenant";
  tenantId: string | undefined;
  scope: Scope;
  /** The key's id (`config:<n>` for a BYOC_ADMIN_TOKENS entry); watch streams are closed by it. */
  keyId: string;
  expiresAt: Date | null;
}

const TOKEN_CACHE_MS = 10_000;
/** lastUsedAt is written at most this often per key (SPEC §7, issue 12.6). */
const TOUCH_EVERY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

declare module "fastify" {
  interface FastifyRequest { scope?: Scope; caller?: Caller }
}

const unauthorized = (detail: string) =>
  new ProblemError(401, "Unauthorized", detail, [{ field: "header.authorization", message: detail }], { "www-authenticate": 'Bearer realm="byoc"' });
const badTenantHeader = (message: string) =>
  new ProblemError(400, "Invalid request", `header.x-tenant-id: ${message}`, [{ field: "header.x-tenant-id", message }]);

/** The caller of an authenticated route; a route marked PUBLIC has none and must not ask. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new Error(`route ${req.routeOptions.url} reads the caller but is not authenticated`);
  return req.caller;
}

/**
 * THE tenant-scoping mechanism: every route that reads or writes projects (the /v1 routes here and the
 * /v2 ones) passes `scopeOf(req)` to the store's project lookups (store/projects.ts TenantScope). A
 * tenant key sees its own tenant only; an admin key sees its X-Tenant-Id tenant, or all without one.
 */
export function scopeOf(req: FastifyRequest): TenantScope {
  return { tenantId: callerOf(req).tenantId };
}

/** For admin-only routes (admin keys, /v1/tenants create): a tenant key gets 403, revealing nothing. */
export function requireAdmin(req: FastifyRequest): Caller {
  const c = callerOf(req);
  if (c.kind !== "admin") throw new ProblemError(403, "Forbidden", "this needs an admin key; a tenant key cannot do it", [{ field: "header.authorization", message: "needs an admin key" }]);
  return c;
}

function presentedKey(req: FastifyRequest): string {
  const header = req.headers.authorization;
  const apiKey = req.headers["x-api-key"];
  if (Array.isArray(apiKey)) throw unauthorized("send one X-Api-Key header");
  let bearer: string | undefined;
  if (header) {
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})$/i.exec(header);
    if (!m) throw unauthorized("malformed Authorization header; expected 'Bearer <token>'");
    bearer = m[1];
  }
  if (apiKey !== undefined) {
    if (!/^[A-Za-z0-9._~+/=-]{1,512}$/.test(apiKey)) throw unauthorized("malformed X-Api-Key header");
    if (bearer !== undefined && bearer !== apiKey) throw unauthorized("Authorization and X-Api-Key carry different keys; send one");
    return apiKey;
  }
  if (bearer === undefined) throw unauthorized("missing bearer token or X-Api-Key");
  return bearer;
}

export function createAuthenticator(store: Store, staticTokens: StaticToken[]) {
  const configured = staticTokens.map((t, i) => ({ scope: t.scope, id: `config:${i}`, hash: Buffer.from(hashToken(t.token), "hex") }));
  type Known = Omit<Caller, "tenantId"> & { keyTenant: string | null };
  const cache = new Map<string, { key: Known; until: number }>();
  const touched = new Map<string, number>();
  const knownTenants = new Set<string>(); // tenants are never deleted, so a positive answer stays true
  const revokedListeners = new Set<(keyId: string) => void>();
  let listener: { unlisten(): Promise<void> } | undefined;

  function drop(keyId: string) {
    for (const [hash, hit] of cache) if (hit.key.keyId === keyId) cache.delete(hash);
    for (const l of revokedListeners) l(keyId);
  }

  async function keyOf(token: string): Promise<Known | undefined> {
    const hex = hashToken(token);
    const hash = Buffer.from(hex, "hex");
    let found: (typeof configured)[number] | undefined;
    for (const t of configured) if (timingSafeEqual(t.hash, hash) && found?.scope !== "write") found = t;
    if (found) return { kind: "admin", keyTenant: null, scope: found.scope, keyId: found.id, expiresAt: null };
    const now = Date.now();
    const hit = cache.get(hex);
    if (hit && hit.until > now) return hit.key;
    const row = await findKey(store, token);
    if (!row) return undefined;
    const key: Known = { kind: row.tenantId === null ? "admin" : "tenant", keyTenant: row.tenantId, scope: row.scope, keyId: row.id, expiresAt: row.expiresAt };
    if (cache.size > 10_000) cache.clear();
    cache.set(hex, { key, until: Math.min(now + TOKEN_CACHE_MS, row.expiresAt?.getTime() ?? Infinity) });
    return key;
  }

  function recordUse(keyId: string) {
    if (keyId.startsWith("config:")) return;
    const now = Date.now();
    if ((touched.get(keyId) ?? 0) > now - TOUCH_EVERY_MS) return;
    if (touched.size > 10_000) touched.clear();
    touched.set(keyId, now);
    // A lost lastUsedAt write is not worth failing the request over; the next minute writes it again.
    touchKey(store, keyId).catch(() => touched.delete(keyId));
  }

  async function actingTenant(req: FastifyRequest, key: Known): Promise<string | undefined> {
    const header = req.headers["x-tenant-id"];
    if (header === undefined) return key.keyTenant ?? undefined;
    if (typeof header !== "string" || !UUID.test(header)) throw badTenantHeader("must be a tenant id (uuid)");
    const id = header.toLowerCase();
    if (key.keyTenant !== null) {
      if (id !== key.keyTenant) throw badTenantHeader("a tenant key acts only in its own tenant");
      return id;
    }
    if (!knownTenants.has(id)) {
      if (!(await getTenant(store, id))) throw badTenantHeader("no tenant has this id");
      knownTenants.add(id);
    }
    return id;
  }

  async function authenticate(req: FastifyRequest): Promise<void> {
    const key = await keyOf(presentedKey(req));
    if (!key) throw unauthorized("unknown token"); // revoked and expired keys read the same: nothing to learn
    const reads = req.method === "GET" || req.method === "HEAD" || (req.routeOptions.config as RouteAccess | undefined)?.reads === true;
    const needs: Scope = reads ? "read" : "write";
    if (needs === "write" && key.scope !== "write") {
      throw new ProblemError(403, "Forbidden", "this token has scope read; the request needs write", [{ field: "header.authorization", message: "needs scope write" }]);
    }
    const tenantId = await actingTenant(req, key);
    recordUse(key.keyId);
    req.scope = key.scope;
    req.caller = { kind: key.kind, tenantId, scope: key.scope, keyId: key.keyId, expiresAt: key.expiresAt };
  }

  return {
    authenticate,
    /** LISTENs for revocations from every replica; a reconnect may have missed some, so it empties the cache. */
    async start() {
      listener = await store.sql.listen(KEYS_CHANNEL, (id) => drop(id), () => cache.clear());
    },
    async stop() { await listener?.unlisten().catch(() => {}); },
    /** Called after a revocation through this process, before the NOTIFY comes back. */
    forgetKey: drop,
    /** `fn` hears of every revoked key id, from any replica (the watch route closes its streams). */
    onRevoked(fn: (keyId: string) => void) { revokedListeners.add(fn); },
  };
}
export type Authenticator = ReturnType<typeof createAuthenticator>;
