// Routes that read the customer's account on demand: the dry-run plan (the engine's own dry run, with
// the engine's configuration: the pass apply would run, actions listed instead of run) and the
// container logs (a cloud read). An AWS refusal is a 502 problem that carries AWS's error code.
import type { FastifyPluginAsync } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { awsErrorCode, errorMessage, rootAwsError } from "../../cloud/errors.js";
import { readProjectLogs } from "../../cloud/projectLogs.js";
import { getProject } from "../../store/projects.js";
import type { ApiDeps } from "../server.js";
import { notFound, ProblemError } from "../problem.js";
import { IdOrName, Problem } from "../schemas.js";
import { scopeOf } from "../auth.js";
import { decodeLogsCursor, encodeLogsCursor } from "../views.js";

const security = [{ bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 502: Problem, 503: Problem };

function awsProblem(err: unknown): ProblemError {
  const root = rootAwsError(err);
  const code = awsErrorCode(root);
  return new ProblemError(502, "AWS refused", `${code}: ${errorMessage(root)}`, [{ field: "(aws)", message: code }]);
}

const Diff = Type.Object({ field: Type.String(), actual: Type.String(), desired: Type.String() });
export const Plan = Type.Object({
  generation: Type.Integer(),
  observedGeneration: Type.Integer(),
  actions: Type.Array(Type.Object({ verb: Type.String(), kind: Type.String(), resource: Type.String(), reason: Type.String(), diffs: Type.Array(Diff) })),
  steps: Type.Array(Type.Object({ kind: Type.String(), outcome: Type.String(), reason: Type.String(), message: Type.String() })),
  computedAt: Type.String(),
});

export const cloudRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const requireCloud = () => {
    if (!deps.cloud) throw new ProblemError(503, "Service unavailable", "this API server has no cloud access configured");
    return deps.cloud;
  };

  app.get("/v1/projects/:idOrName/plan", {
    schema: { tags: ["status"], security, params: IdOrName, description: "Dry run: the actions the next pass would take, and why. Changes nothing.", response: { 200: Plan, ...errors } },
  }, async (req) => {
    if (!deps.planner) throw new ProblemError(503, "Service unavailable", "this API server runs no engine to plan with");
    const p = await getProject(deps.store, scopeOf(req), req.params.idOrName);
    if (!p) throw notFound(`project ${req.params.idOrName}`);
    const plan = await deps.planner(p.id);
    if (!plan) throw notFound(`project ${req.params.idOrName}`);
    return { generation: p.generation, observedGeneration: p.observedGeneration, ...plan, computedAt: new Date().toISOString() };
  });

  app.get("/v1/projects/:idOrName/logs", {
    schema: {
      tags: ["status"], security, params: IdOrName,
      querystring: Type.Object({
        since: Type.Optional(Type.String({ format: "date-time" })), until: Type.Optional(Type.String({ format: "date-time" })),
        service: Type.Optional(Type.Union([Type.Literal("api"), Type.Literal("queue"), Type.Literal("redis")])),
        limit: Type.Optional(Type.String({ pattern: "^([1-9]\\d{0,2}|1000)$", description: "1–1000, default 100" })),
        cursor: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,4096}$" })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({ items: Type.Array(Type.Object({ timestamp: Type.String(), service: Type.String(), stream: Type.String(), message: Type.String() })), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
        ...errors,
      },
    },
  }, async (req) => {
    const cloud = requireCloud();
    const p = await getProject(deps.store, scopeOf(req), req.params.idOrName);
    if (!p) throw notFound(`project ${req.params.idOrName}`);
    const since = req.query.since ? new Date(req.query.since) : new Date(Date.now() - 3_600_000);
    const until = req.query.until ? new Date(req.query.until) : undefined;
    if (Number.isNaN(since.getTime()) || (until && Number.isNaN(until.getTime()))) throw new ProblemError(400, "Invalid request", "since/until must be valid times", [{ field: "query.since", message: "invalid time" }]);
    const nextToken = decodeLogsCursor(deps.sealer, p.id, req.query.cursor);
    try {
      const aws = await cloud.clientsFor(p.roleArn, p.externalId, p.region);
      const out = await readProjectLogs(aws, p.name, {
        since, until, service: req.query.service, limit: Number(req.query.limit ?? 100), nextToken,
      });
      return { items: out.items, nextCursor: out.nextToken ? encodeLogsCursor(deps.sealer, p.id, out.nextToken) : null };
    } catch (err) {
      throw awsProblem(err);
    }
  });
};
