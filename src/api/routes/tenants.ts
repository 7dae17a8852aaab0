// /v1/tenants and their keys (SPEC §7). An admin key sees and manages every tenant; a tenant key sees
// only its own, and another tenant's id answers 404 exactly as an id that does not exist.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { createTenant, getTenant, listTenants, TenantNameTakenError, updateTenantDefaults, type TenantRow } from "../../store/tenants.js";
import { listKeys, mintKey, revokeKey, type KeyRow } from "../../store/tokens.js";
import type { ApiDeps } from "../server.js";
import { callerOf, requireAdmin, type Authenticator, type Caller } from "../auth.js";
import { badRequest, notFound, ProblemError } from "../problem.js";
import { ListQuery, listOf, Problem, PROJECT_NAME, REGION, ROLE_ARN } from "../schemas.js";
import { decodeCursor, encodeCursor } from "../views.js";

const security = [{ bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const Strict = { additionalProperties: false } as const;
const Timestamp = Type.String({ format: "date-time" });
const NullableTime = Type.Union([Timestamp, Type.Null()]);
const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export const Tenant = Type.Object({
  id: Type.String({ format: "uuid" }), name: Type.String(), externalId: Type.String(),
  defaultRegion: Type.Union([Type.String(), Type.Null()]), defaultRoleArn: Type.Union([Type.String(), Type.Null()]), createdAt: Timestamp,
});
const TenantCreate = Type.Object({
  name: Type.String({ pattern: PROJECT_NAME, minLength: 3, maxLength: 40 }),
  defaultRegion: Type.Optional(Type.String({ pattern: REGION, maxLength: 32 })),
  defaultRoleArn: Type.Optional(Type.String({ pattern: ROLE_ARN, maxLength: 2048 })),
}, Strict);
const TenantPatch = Type.Object({
  defaultRegion: Type.Optional(Type.Union([Type.String({ pattern: REGION, maxLength: 32 }), Type.Null()])),
  defaultRoleArn: Type.Optional(Type.Union([Type.String({ pattern: ROLE_ARN, maxLength: 2048 }), Type.Null()])),
}, { ...Strict, minProperties: 1 });
const TenantParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) }, Strict);
const TenantKeyParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }), keyId: Type.String({ pattern: UUID_PATTERN }) }, Strict);

export const KeyCreate = Type.Object({
  scope: Type.Union([Type.Literal("read"), Type.Literal("write")]),
  name: Type.Optional(Type.String({ pattern: "^[\\w .@-]+$", minLength: 1, maxLength: 100 })),
  expiresAt: Type.Optional(Type.String({ format: "date-time", description: "After this the key is refused (401)." })),
}, Strict);
/** A key as listed: never its value. */
export const KeyInfo = Type.Object({
  id: Type.String({ format: "uuid" }), tenantId: Type.Union([Type.String(), Type.Null()]), name: Type.String(), scope: Type.String(),
  createdAt: Timestamp, createdBy: Type.String(), lastUsedAt: NullableTime, expiresAt: NullableTime,
});
/** A key as minted: its value is shown this once (as `key`; `token` is the same, for /v1/tokens clients). */
export const MintedKey = Type.Object({ ...KeyInfo.properties, key: Type.String(), token: Type.String() });

export function tenantView(t: TenantRow) {
  return { id: t.id, name: t.name, externalId: t.externalId, defaultRegion: t.defaultRegion, defaultRoleArn: t.defaultRoleArn, createdAt: t.createdAt.toISOString() };
}
export function keyView(k: KeyRow) {
  return {
    id: k.id, tenantId: k.tenantId, name: k.name, scope: k.scope, createdAt: k.createdAt.toISOString(), createdBy: k.createdBy,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null, expiresAt: k.expiresAt?.toISOString() ?? null,
  };
}

/** An expiry the key can still be used before; a past one would mint a key that never works. */
export function parseExpiry(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw badRequest("expiresAt", "is not a time this API can compare");
  if (d.getTime() <= Date.now()) throw badRequest("expiresAt", "is in the past");
  return d;
}

export async function mintKeyFor(deps: ApiDeps, caller: Caller, tenantId: string | null, body: { scope: "read" | "write"; name?: string; expiresAt?: string }) {
  const { row, token } = await mintKey(deps.store, {
    tenantId, scope: body.scope, name: body.name ?? (tenantId ? "tenant key" : "admin key"), expiresAt: parseExpiry(body.expiresAt), createdBy: caller.keyId,
  });
  return { ...keyView(row), key: token, token };
}

export async function listKeysPage(deps: ApiDeps, tenantId: string | null, query: { limit?: string; cursor?: string }) {
  const limit = Number(query.limit ?? 50);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (after !== undefined && !new RegExp(UUID_PATTERN).test(after)) throw badRequest("query.cursor", "is not a cursor this API returned");
  const rows = await listKeys(deps.store, tenantId, limit + 1, after);
  const page = rows.slice(0, limit);
  return { items: page.map(keyView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
}

export const tenantRoutes = (deps: ApiDeps, auth: Authenticator): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  /** The tenant `id` as this caller may see it: any for an admin, only its own for a tenant key (else 404). */
  const visibleTenant = async (req: FastifyRequest, id: string) => {
    const c = callerOf(req);
    const t = c.kind === "admin" || c.tenantId === id.toLowerCase() ? await getTenant(deps.store, id) : undefined;
    if (!t) throw notFound(`tenant ${id}`);
    return t;
  };

  app.post("/v1/tenants", {
    schema: { tags: ["tenants"], security, body: TenantCreate, response: { 201: Tenant, 409: Problem, ...errors } },
  }, async (req, reply) => {
    requireAdmin(req);
    try {
      const t = await createTenant(deps.store, req.body);
      return reply.status(201).header("location", `/v1/tenants/${t.id}`).send(tenantView(t));
    } catch (err) {
      if (err instanceof TenantNameTakenError) throw new ProblemError(409, "Conflict", `a tenant named ${req.body.name} already exists`, [{ field: "name", message: "already exists" }]);
      throw err;
    }
  });

  app.get("/v1/tenants", {
    schema: { tags: ["tenants"], security, querystring: ListQuery, response: { 200: listOf(Tenant), ...errors } },
  }, async (req) => {
    const c = callerOf(req);
    const limit = Number(req.query.limit ?? 50);
    const after = req.query.cursor === undefined ? undefined : decodeCursor(req.query.cursor);
    if (after !== undefined && !new RegExp(PROJECT_NAME).test(after)) throw badRequest("query.cursor", "is not a cursor this API returned");
    const rows = await listTenants(deps.store, limit + 1, after, c.kind === "tenant" ? c.tenantId : undefined);
    const page = rows.slice(0, limit);
    return { items: page.map(tenantView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].name) : null };
  });

  app.get("/v1/tenants/:id", {
    schema: { tags: ["tenants"], security, params: TenantParams, response: { 200: Tenant, ...errors } },
  }, async (req) => tenantView(await visibleTenant(req, req.params.id)));

  app.patch("/v1/tenants/:id", {
    schema: { tags: ["tenants"], security, params: TenantParams, body: TenantPatch, response: { 200: Tenant, ...errors } },
  }, async (req) => {
    const t = await visibleTenant(req, req.params.id);
    return tenantView((await updateTenantDefaults(deps.store, t.id, req.body))!);
  });

  app.post("/v1/tenants/:id/keys", {
    schema: { tags: ["tenants"], security, params: TenantParams, body: KeyCreate, response: { 201: MintedKey, ...errors } },
  }, async (req, reply) => {
    const t = await visibleTenant(req, req.params.id);
    return reply.status(201).send(await mintKeyFor(deps, callerOf(req), t.id, req.body));
  });

  app.get("/v1/tenants/:id/keys", {
    schema: { tags: ["tenants"], security, params: TenantParams, querystring: ListQuery, response: { 200: listOf(KeyInfo), ...errors } },
  }, async (req) => listKeysPage(deps, (await visibleTenant(req, req.params.id)).id, req.query));

  app.delete("/v1/tenants/:id/keys/:keyId", {
    schema: { tags: ["tenants"], security, params: TenantKeyParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const t = await visibleTenant(req, req.params.id);
    if (!(await revokeKey(deps.store, req.params.keyId, t.id))) throw notFound(`key ${req.params.keyId}`);
    auth.forgetKey(req.params.keyId.toLowerCase());
    return reply.status(204).send(null);
  });
};
