// /v1/projects/{p}/status, /events and /reconcile: what the engine observed, and a way to wake it.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { getProject, listEvents, readProjectStatus, requestReconcile } from "../../store/projects.js";
import type { ApiDeps } from "../server.js";
import { scopeOf } from "../auth.js";
import { badRequest, notFound } from "../problem.js";
import { Event, EventsQuery, IdOrName, listOf, Problem, Status } from "../schemas.js";
import { decodeNumberCursor, encodeCursor, eventView, statusView } from "../views.js";

const security = [{ bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export const statusRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const project = async (req: FastifyRequest, idOrName: string) => {
    const p = await getProject(deps.store, scopeOf(req), idOrName);
    if (!p) throw notFound(`project ${idOrName}`);
    return p;
  };

  app.get("/v1/projects/:idOrName/status", {
    schema: { tags: ["status"], security, params: IdOrName, response: { 200: Status, ...errors } },
  }, async (req) => {
    const found = await readProjectStatus(deps.store, scopeOf(req), req.params.idOrName);
    if (!found) throw notFound(`project ${req.params.idOrName}`);
    return statusView(found.project, found.status);
  });

  app.get("/v1/projects/:idOrName/events", {
    schema: { tags: ["status"], security, params: IdOrName, querystring: EventsQuery, response: { 200: listOf(Event), ...errors } },
  }, async (req) => {
    const p = await project(req, req.params.idOrName);
    const limit = Number(req.query.limit ?? 50);
    const beforeId = decodeNumberCursor(req.query.cursor);
    const since = req.query.since === undefined ? undefined : new Date(req.query.since);
    // RFC 3339 allows what Date cannot hold (a leap second, "23:59:60"); that is a bad query, not a 500.
    if (since && Number.isNaN(since.getTime())) throw badRequest("query.since", "is not a time this API can compare");
    const rows = await listEvents(deps.store, p.id, limit + 1, { since, beforeId });
    const page = rows.slice(0, limit);
    return { items: page.map(eventView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  });

  app.post("/v1/projects/:idOrName/reconcile", {
    schema: { tags: ["status"], security, params: IdOrName, response: { 202: Type.Object({ accepted: Type.Boolean() }), ...errors } },
  }, async (req, reply) => {
    const p = await project(req, req.params.idOrName);
    await requestReconcile(deps.store, p.id);
    return reply.status(202).send({ accepted: true });
  });
};
