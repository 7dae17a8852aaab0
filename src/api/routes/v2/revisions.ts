// /v2/deployments/{id}/revisions (SPEC §7.1): a deployment's revisions newest first, one revision, and
// a redeploy of one, which is the same roll back (or forward) as POST /v1/…/revisions/{n}/redeploy.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { getProject, ProjectDeletingError, redeployRevision } from "../../../store/projects.js";
import { getRevisionById, readDeployment, revisionsPage } from "../../../store/revisions.js";
import type { ApiDeps } from "../../server.js";
import { scopeOf } from "../../auth.js";
import { notFound, ProblemError } from "../../problem.js";
import { Problem } from "../../schemas.js";
import { deploymentView, revisionV2View } from "./mapping.js";
import { Deployment, DeploymentParams, page, Revision, RevisionParams, RevisionsQuery } from "./schemas.js";

const tags = ["deployments (v2)"];
const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export const deploymentRevisionRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const project = async (req: FastifyRequest, id: string) => {
    const p = await getProject(deps.store, scopeOf(req), id);
    if (!p) throw notFound(`deployment ${id}`);
    return p;
  };
  const revision = async (req: FastifyRequest, params: { deployment_id: string; revision_id: string }) => {
    const p = await project(req, params.deployment_id);
    const r = await getRevisionById(deps.store, p.id, params.revision_id);
    if (!r) throw notFound(`revision ${params.revision_id} of deployment ${p.id}`);
    return { p, r };
  };

  app.get("/v2/deployments/:deployment_id/revisions", {
    schema: { tags, security, params: DeploymentParams, querystring: RevisionsQuery, response: { 200: page(Revision), ...errors } },
  }, async (req) => {
    const p = await project(req, req.params.deployment_id);
    const limit = Number(req.query.limit ?? 20);
    const offset = Number(req.query.offset ?? 0);
    const rows = await revisionsPage(deps.store, p.id, { statuses: req.query.status?.split(","), limit: limit + 1, offset });
    return { resources: rows.slice(0, limit).map(revisionV2View), offset: rows.length > limit ? offset + limit : null };
  });

  app.get("/v2/deployments/:deployment_id/revisions/:revision_id", {
    schema: { tags, security, params: RevisionParams, response: { 200: Revision, ...errors } },
  }, async (req) => revisionV2View((await revision(req, req.params)).r));

  app.post("/v2/deployments/:deployment_id/revisions/:revision_id/redeploy", {
    schema: { tags, security, params: RevisionParams, response: { 200: Deployment, 409: Problem, ...errors } },
  }, async (req) => {
    const { p, r } = await revision(req, req.params);
    try {
      await redeployRevision(deps.store, p.id, r.number);
    } catch (err) {
      if (err instanceof ProjectDeletingError) {
        throw new ProblemError(409, "Conflict", "the deployment is being deleted", [{ field: "(deployment)", message: "is being deleted" }]);
      }
      throw err;
    }
    const d = await readDeployment(deps.store, scopeOf(req), p.id);
    if (!d) throw notFound(`deployment ${p.id}`);
    return deploymentView(d);
  });
};
