// /v1/projects/{p}/revisions: the newest revision is the desired one.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  addRevision, getProject, getRevision, listRevisions, ProjectDeletingError, redeployRevision, RevisionNotFoundError,
} from "../../store/projects.js";
import { RESERVED_ENV } from "../../model/project.js";
import type { ApiDeps } from "../server.js";
import { scopeOf } from "../auth.js";
import { checkRevisionEnv } from "../projectInput.js";
import { notFound, ProblemError } from "../problem.js";
import { IdOrName, ListQuery, listOf, Problem, Revision, RevisionCreate, RevisionParams } from "../schemas.js";
import { decodeNumberCursor, encodeCursor, revisionView } from "../views.js";

const security = [{ bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const deleting = () => new ProblemError(409, "Conflict", "the project is being deleted", [{ field: "(project)", message: "is being deleted" }]);

export const revisionRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const project = async (req: FastifyRequest, idOrName: string) => {
    const p = await getProject(deps.store, scopeOf(req), idOrName);
    if (!p) throw notFound(`project ${idOrName}`);
    return p;
  };

  app.post("/v1/projects/:idOrName/revisions", {
    schema: { tags: ["revisions"], security, params: IdOrName, body: RevisionCreate, response: { 201: Revision, 409: Problem, ...errors } },
  }, async (req, reply) => {
    const env = req.body.env ?? {};
    const reserved = Object.keys(env).filter((k) => (RESERVED_ENV as readonly string[]).includes(k));
    if (reserved.length) {
      const errs = reserved.map((k) => ({ field: `env.${k}`, message: `${k} is reserved: the operator sets it` }));
      throw new ProblemError(400, "Invalid request", errs.map((e) => `${e.field}: ${e.message}`).join("; "), errs);
    }
    const p = await project(req, req.params.idOrName);
    checkRevisionEnv(p, env);
    try {
      const r = await addRevision(deps.store, p.id, req.body.image, env);
      return reply.status(201).header("location", `/v1/projects/${p.name}/revisions/${r.number}`).send(revisionView(r));
    } catch (err) {
      if (err instanceof ProjectDeletingError) throw deleting();
      throw err;
    }
  });

  app.get("/v1/projects/:idOrName/revisions", {
    schema: { tags: ["revisions"], security, params: IdOrName, querystring: ListQuery, response: { 200: listOf(Revision), ...errors } },
  }, async (req) => {
    const p = await project(req, req.params.idOrName);
    const limit = Number(req.query.limit ?? 50);
    const rows = await listRevisions(deps.store, p.id, limit + 1, decodeNumberCursor(req.query.cursor));
    const page = rows.slice(0, limit);
    return { items: page.map(revisionView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].number) : null };
  });

  app.get("/v1/projects/:idOrName/revisions/:number", {
    schema: { tags: ["revisions"], security, params: RevisionParams, response: { 200: Revision, ...errors } },
  }, async (req) => {
    const p = await project(req, req.params.idOrName);
    const r = await getRevision(deps.store, p.id, Number(req.params.number));
    if (!r) throw notFound(`revision ${req.params.number} of ${p.name}`);
    return revisionView(r);
  });

  // Rolling back is deploying an earlier revision again, as a new one: history stays append-only and the
  // rollout, events and status are those of any revision (SPEC §3).
  app.post("/v1/projects/:idOrName/revisions/:number/redeploy", {
    schema: { tags: ["revisions"], security, params: RevisionParams, response: { 201: Revision, 409: Problem, ...errors } },
  }, async (req, reply) => {
    const p = await project(req, req.params.idOrName);
    try {
      const r = await redeployRevision(deps.store, p.id, Number(req.params.number));
      return reply.status(201).header("location", `/v1/projects/${p.name}/revisions/${r.number}`).send(revisionView(r));
    } catch (err) {
      if (err instanceof RevisionNotFoundError) throw notFound(`revision ${req.params.number} of ${p.name}`);
      if (err instanceof ProjectDeletingError) throw deleting();
      throw err;
    }
  });
};
