// /v1/tokens: mint and revoke API tokens (stored hashed; the value is shown once, at creation).
import type { FastifyPluginAsync } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { mintToken, revokeToken } from "../../store/tokens.js";
import type { ApiDeps } from "../server.js";
import { notFound } from "../problem.js";
import { Problem, TokenCreate, TokenParams } from "../schemas.js";

const security = [{ bearer: [] }];

/** `onRevoke` lets the authenticator forget what it cached, so a revoked token fails on its next use. */
export const tokenRoutes = (deps: ApiDeps, onRevoke: () => void): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post("/v1/tokens", {
    schema: {
      tags: ["tokens"], security, body: TokenCreate,
      response: { 201: Type.Object({ id: Type.String(), name: Type.String(), scope: Type.String(), token: Type.String(), createdAt: Type.String() }), 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (req, reply) => {
    const t = await mintToken(deps.store, req.body.name, req.body.scope);
    return reply.status(201).send({ ...t, createdAt: t.createdAt.toISOString() });
  });
  app.delete("/v1/tokens/:id", {
    schema: {
      tags: ["tokens"], security, params: TokenParams,
      response: { 204: Type.Null(), 400: Problem, 401: Problem, 403: Problem, 404: Problem },
    },
  }, async (req, reply) => {
    if (!(await revokeToken(deps.store, req.params.id))) throw notFound(`token ${req.params.id}`);
    onRevoke();
    return reply.status(204).send(null);
  });
};
