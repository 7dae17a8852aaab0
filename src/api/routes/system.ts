// Liveness, readiness, Prometheus metrics and the OpenAPI document; none needs a token.
import type { FastifyPluginAsync } from "fastify";
import { checkReady } from "../../store/db.js";
import type { ApiDeps } from "../server.js";
import { PUBLIC } from "../access.js";

export const systemRoutes = (deps: ApiDeps): FastifyPluginAsync => async (app) => {
  app.get("/healthz", { ...PUBLIC, schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { ...PUBLIC, schema: { hide: true } }, async (_req, reply) => {
    const r = await checkReady(deps.store.sql);
    return reply.status(r.ready ? 200 : 503).send(r.ready ? { status: "ready" } : { status: "not ready", reason: r.reason });
  });
  app.get("/metrics", { ...PUBLIC, schema: { hide: true } }, async (_req, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));
  app.get("/openapi.json", { ...PUBLIC, schema: { hide: true } }, async () => app.swagger());
};
