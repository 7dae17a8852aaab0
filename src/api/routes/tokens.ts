// /v1/tokens: admin keys, minted, listed and revoked by admin keys only (issue 12.6): a tenant key, even
// a write one, cannot mint an admin key. A key's value is shown once, at creation; only its hash is kept.
import type { FastifyPluginAsync } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { revokeKey } from "../../store/tokens.js";
import type { ApiDeps } from "../server.js";
import { requireAdmin, type Authenticator } from "../auth.js";
import { notFound } from "../problem.js";
import { ListQuery, listOf, Problem, TokenCreate, TokenParams } from "../schemas.js";
import { KeyInfo, listKeysPage, MintedKey, mintKeyFor } from "./tenants.js";

const security = [{ bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem };

export const tokenRoutes = (deps: ApiDeps, auth: Authenticator): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post("/v1/tokens", {
    schema: { tags: ["tokens"], security, body: TokenCreate, response: { 201: MintedKey, ...errors } },
  }, async (req, reply) => reply.status(201).send(await mintKeyFor(deps, requireAdmin(req), null, req.body)));

  app.get("/v1/tokens", {
    schema: { tags: ["tokens"], security, querystring: ListQuery, response: { 200: listOf(KeyInfo), ...errors } },
  }, async (req) => {
    requireAdmin(req);
    return listKeysPage(deps, null, req.query);
  });

  app.delete("/v1/tokens/:id", {
    schema: { tags: ["tokens"], security, params: TokenParams, response: { 204: Type.Null(), 404: Problem, ...errors } },
  }, async (req, reply) => {
    requireAdmin(req);
    if (!(await revokeKey(deps.store, req.params.id, null))) throw notFound(`token ${req.params.id}`);
    auth.forgetKey(req.params.id.toLowerCase());
    return reply.status(204).send(null);
  });
};
