// /v2/deployments (SPEC §7.1): LangSmith's deployments, which are our projects. Creates and changes are
// turned into the /v1 body they mean (mapping.ts) and go through the same validation, tenancy and store
// code as /v1, so a deployment made here has events, a plan and a watch stream like any project.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import {
  addRevision, createProject, getProject, listRevisions, markDeleting, NameTakenError, ProjectDeletingError, StaleGenerationError,
  updateProject, type ProjectRow,
} from "../../../store/projects.js";
import { readDeployment, readDeployments, type DeploymentStatus } from "../../../store/revisions.js";
import type { ApiDeps } from "../../server.js";
import { callerOf, scopeOf } from "../../auth.js";
import { notFound, ProblemError } from "../../problem.js";
import { applyPatch, newProjectFromBody } from "../../projectInput.js";
import { Problem } from "../../schemas.js";
import { tenancyProblem, tenantForCreate, withTenantDefaults } from "../../tenancy.js";
import { deploymentView, inLangSmithTerms, projectCreateFrom, projectPatchFrom } from "./mapping.js";
import { Deployment, DeploymentCreate, DeploymentParams, DeploymentPatch, DeploymentsQuery, page } from "./schemas.js";

const tags = ["deployments (v2)"];
const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const deleting = () =>
  new ProblemError(409, "Conflict", "the deployment is being deleted", [{ field: "(deployment)", message: "is being deleted" }]);

/** Translates a refusal from the shared /v1 code path into LangSmith's field names, then rethrows it. */
function rethrow(err: unknown, secrets?: Array<{ name: string; value: string }>): never {
  if (err instanceof ProjectDeletingError) throw deleting();
  throw tenancyProblem(err) ?? inLangSmithTerms(err, secrets);
}

export const deploymentRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const project = async (req: FastifyRequest, id: string) => {
    const p = await getProject(deps.store, scopeOf(req), id);
    if (!p) throw notFound(`deployment ${id}`);
    return p;
  };
  const view = async (req: FastifyRequest, id: string) => {
    const d = await readDeployment(deps.store, scopeOf(req), id);
    if (!d) throw notFound(`deployment ${id}`);
    return deploymentView(d);
  };

  app.post("/v2/deployments", {
    schema: { tags, security, body: DeploymentCreate, response: { 201: Deployment, 409: Problem, 413: Problem, 415: Problem, ...errors } },
  }, async (req, reply) => {
    const caller = callerOf(req);
    const tenant = await tenantForCreate(deps.store, caller);
    let created: ProjectRow;
    try {
      const body = withTenantDefaults(projectCreateFrom(req.body), tenant, caller);
      const input = { ...newProjectFromBody(body, deps.sealer), tenantId: tenant.id };
      ({ project: created } = await createProject(deps.store, input));
    } catch (err) {
      if (err instanceof NameTakenError) {
        throw new ProblemError(409, "Conflict", `a deployment named ${req.body.name} already exists`, [{ field: "name", message: "already exists" }]);
      }
      rethrow(err, req.body.secrets);
    }
    return reply.status(201).header("location", `/v2/deployments/${created.id}`).send(await view(req, created.id));
  });

  app.get("/v2/deployments", {
    schema: { tags, security, querystring: DeploymentsQuery, response: { 200: page(Deployment), ...errors } },
  }, async (req) => {
    const limit = Number(req.query.limit ?? 20);
    const offset = Number(req.query.offset ?? 0);
    const rows = await readDeployments(deps.store, scopeOf(req), {
      nameContains: req.query.name_contains, statuses: req.query.status?.split(",") as DeploymentStatus[] | undefined, limit: limit + 1, offset,
    });
    return { resources: rows.slice(0, limit).map(deploymentView), offset: rows.length > limit ? offset + limit : null };
  });

  app.get("/v2/deployments/:deployment_id", {
    schema: { tags, security, params: DeploymentParams, response: { 200: Deployment, ...errors } },
  }, async (req) => view(req, req.params.deployment_id));

  // LangSmith's PATCH: a new image makes a revision; secrets and resource_spec change the spec and, as
  // LangSmith does, make a revision too (of the newest revision's image), so the change is rolled out.
  app.patch("/v2/deployments/:deployment_id", {
    schema: { tags, security, params: DeploymentParams, body: DeploymentPatch, response: { 200: Deployment, 409: Problem, ...errors } },
  }, async (req) => {
    const scope = scopeOf(req);
    let p = await project(req, req.params.deployment_id);
    try {
      const specChange = projectPatchFrom(req.body, p) !== undefined;
      if (specChange) p = await changeSpec(p);
      const [latest] = await listRevisions(deps.store, p.id, 1);
      const image = req.body.source_revision_config?.image_uri;
      if (image) await addRevision(deps.store, p.id, image, {});
      else if (specChange && latest) await addRevision(deps.store, p.id, latest.image, latest.env);
    } catch (err) {
      rethrow(err, req.body.secrets);
    }
    return view(req, p.id);

    // No If-Match in LangSmith's API: apply to the generation read, and read again if someone got there first.
    async function changeSpec(current: ProjectRow): Promise<ProjectRow> {
      for (let attempt = 1; ; attempt++) {
        try {
          // As /v1's PATCH: the spec must fit with the newest revision's env (no env/secret name clash).
          const revisionEnv = (await listRevisions(deps.store, current.id, 1))[0]?.env ?? {};
          const change = (cur: ProjectRow) => applyPatch(cur, projectPatchFrom(req.body, cur)!, deps.sealer, revisionEnv);
          const row = await updateProject(deps.store, scope, current.id, current.generation, change);
          if (!row) throw notFound(`deployment ${current.id}`);
          return row;
        } catch (err) {
          if (!(err instanceof StaleGenerationError) || attempt >= 3) throw err;
          current = await project(req, current.id);
        }
      }
    }
  });

  app.delete("/v2/deployments/:deployment_id", {
    schema: { tags, security, params: DeploymentParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const p = await markDeleting(deps.store, scopeOf(req), req.params.deployment_id);
    if (!p) throw notFound(`deployment ${req.params.deployment_id}`);
    return reply.status(204).send(null);
  });

  // LangSmith builds or stores images for its cloud; BYOC never holds a customer's image or source.
  const notHere = (what: string) => async (req: FastifyRequest<{ Params: { deployment_id: string } }>) => {
    const p = await project(req, req.params.deployment_id);
    throw new ProblemError(501, "Not implemented",
      `${what} is not offered: BYOC images live in your own ECR. Build and push the image there (docker push ` +
      `<account>.dkr.ecr.${p.region}.amazonaws.com/<repo>:<tag>), then PATCH /v2/deployments/${p.id} with ` +
      `{"source_revision_config": {"image_uri": "<that image>"}}`,
      [{ field: "source_revision_config.image_uri", message: "push to your ECR, then PATCH image_uri" }]);
  };
  for (const [path, what] of [["push-token", "a registry push token"], ["upload-url", "a source upload URL (remote builds)"]] as const) {
    app.post(`/v2/deployments/:deployment_id/${path}`, {
      schema: { tags, security, params: DeploymentParams, response: { 501: Problem, ...errors } },
    }, notHere(what));
  }
};
