// /v1/projects: create, list, read, change (If-Match), delete (202, a finalizer).
import type { FastifyPluginAsync } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  createProject, getProject, listProjects, listRevisions, markDeleting, NameTakenError, ProjectDeletingError, StaleGenerationError, updateProject,
  type TenantScope,
} from "../../store/projects.js";
import type { Store } from "../../store/db.js";
import type { ApiDeps } from "../server.js";
import { applyPatch, newProjectFromBody } from "../projectInput.js";
import { notFound, ProblemError } from "../problem.js";
import { IdOrName, ListQuery, listOf, Problem, Project, ProjectCreate, ProjectPatch } from "../schemas.js";
import { decodeNameCursor, encodeCursor, projectView } from "../views.js";
import { callerOf, scopeOf } from "../auth.js";
import { checkPatchExternalId, tenantForCreate, withTenantDefaults } from "../tenancy.js";

const security = [{ bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** The task definition carries the newest revision's env over the project's: a PATCH of env must fit with it. */
async function newestRevisionEnv(store: Store, scope: TenantScope, idOrName: string): Promise<Record<string, string>> {
  const p = await getProject(store, scope, idOrName);
  return p ? (await listRevisions(store, p.id, 1))[0]?.env ?? {} : {};
}

export const projectRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post("/v1/projects", {
    schema: { tags: ["projects"], security, body: ProjectCreate, response: { 201: Project, 409: Problem, 413: Problem, 415: Problem, ...errors } },
  }, async (req, reply) => {
    const caller = callerOf(req);
    const tenant = await tenantForCreate(deps.store, caller);
    const input = { ...newProjectFromBody(withTenantDefaults(req.body, tenant, caller), deps.sealer), tenantId: tenant.id };
    try {
      const { project } = await createProject(deps.store, input);
      return reply.status(201).header("etag", `"${project.generation}"`).header("location", `/v1/projects/${project.name}`).send(projectView(project));
    } catch (err) {
      if (err instanceof NameTakenError) throw new ProblemError(409, "Conflict", `a project named ${input.name} already exists`, [{ field: "name", message: "already exists" }]);
      throw err;
    }
  });

  app.get("/v1/projects", {
    schema: { tags: ["projects"], security, querystring: ListQuery, response: { 200: listOf(Project), ...errors } },
  }, async (req) => {
    const limit = Number(req.query.limit ?? 50);
    const rows = await listProjects(deps.store, scopeOf(req), limit + 1, decodeNameCursor(req.query.cursor));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(projectView), nextCursor: rows.length > limit ? encodeCursor(`${last.name}.${last.tenantId}`) : null };
  });

  app.get("/v1/projects/:idOrName", {
    schema: { tags: ["projects"], security, params: IdOrName, response: { 200: Project, ...errors } },
  }, async (req, reply) => {
    const p = await getProject(deps.store, scopeOf(req), req.params.idOrName);
    if (!p) throw notFound(`project ${req.params.idOrName}`);
    return reply.header("etag", `"${p.generation}"`).send(projectView(p));
  });

  app.patch("/v1/projects/:idOrName", {
    schema: {
      tags: ["projects"], security, params: IdOrName, body: ProjectPatch,
      headers: Type.Object({ "if-match": Type.Optional(Type.String({ description: 'The generation read, as "<n>"' })) }),
      response: { 200: Project, 409: Problem, 412: Problem, 428: Problem, ...errors },
    },
  }, async (req, reply) => {
    const ifMatch = req.headers["if-match"];
    if (!ifMatch) throw new ProblemError(428, "Precondition required", 'send If-Match: "<generation>" from the ETag you read', [{ field: "header.if-match", message: "is required" }]);
    const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(ifMatch.trim());
    if (!m) throw new ProblemError(400, "Invalid request", 'If-Match must be "<generation>"', [{ field: "header.if-match", message: 'must be "<generation>"' }]);
    await checkPatchExternalId(deps.store, callerOf(req), req.body.externalId);
    const revisionEnv = await newestRevisionEnv(deps.store, scopeOf(req), req.params.idOrName);
    try {
      const p = await updateProject(deps.store, scopeOf(req), req.params.idOrName, Number(m[1]), (current) => applyPatch(current, req.body, deps.sealer, revisionEnv));
      if (!p) throw notFound(`project ${req.params.idOrName}`);
      return reply.header("etag", `"${p.generation}"`).send(projectView(p));
    } catch (err) {
      if (err instanceof StaleGenerationError) {
        throw new ProblemError(412, "Precondition failed", `generation is ${err.current}, not ${m[1]}: read the project again`, [{ field: "header.if-match", message: `stale; current generation is ${err.current}` }], { etag: `"${err.current}"` });
      }
      if (err instanceof ProjectDeletingError) throw new ProblemError(409, "Conflict", "the project is being deleted", [{ field: "(project)", message: "is being deleted" }]);
      throw err;
    }
  });

  app.delete("/v1/projects/:idOrName", {
    schema: { tags: ["projects"], security, params: IdOrName, response: { 202: Project, ...errors } },
  }, async (req, reply) => {
    const p = await markDeleting(deps.store, scopeOf(req), req.params.idOrName);
    if (!p) throw notFound(`project ${req.params.idOrName}`);
    return reply.status(202).send(projectView(p));
  });
};
