// The admin API (docs/reference.md §7) on Fastify. It reads and writes rows only; the engine is woken through
// NOTIFY by the store, never called directly.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import addFormats from "ajv-formats";
import type { Logger } from "pino";
import type { Store } from "../store/db.js";
import type { Sealer } from "../store/crypto.js";
import type { Metrics } from "../metrics.js";
import { ProblemError, rejectMalformedRequest, sendProblem, toProblem } from "./problem.js";
import { createAuthenticator, type StaticToken } from "./auth.js";
import type { RouteAccess } from "./access.js";
import { projectRoutes } from "./routes/projects.js";
import { revisionRoutes } from "./routes/revisions.js";
import { statusRoutes } from "./routes/status.js";
import { systemRoutes } from "./routes/system.js";
import { tokenRoutes } from "./routes/tokens.js";
import { watchRoutes } from "./routes/watch.js";
import { tenantRoutes } from "./routes/tenants.js";
import { tenancyProblem } from "./tenancy.js";
import { cloudRoutes } from "./routes/cloud.js";
import { dashboardRoutes } from "../dashboard/routes.js";
import { deploymentRoutes } from "./routes/v2/deployments.js";
import { deploymentRevisionRoutes } from "./routes/v2/revisions.js";
import { deployLogRoutes } from "./routes/v2/deploy_logs.js";
import type { Cloud } from "../cloud/clients.js";
import type { PassPlan } from "../model/project.js";

export interface ApiDeps {
  store: Store;
  sealer: Sealer;
  metrics: Metrics;
  logger: Logger;
  tokens: StaticToken[];
  version?: string;
  /** For the logs route, which reads the customer's account. */
  cloud?: Cloud;
  /** The engine's dry run (engine.ts dryRunner), for the plan route. */
  planner?: (projectId: string) => Promise<PassPlan | undefined>;
  operatorId?: string;
  /** Open watch streams allowed per key on this replica (default routes/watch.ts DEFAULT_WATCHERS_PER_KEY). */
  watchersPerKey?: number;
  /** Tests shorten these; the defaults suit every deployment we know of. */
  http?: Partial<HttpLimits>;
}

export const BODY_LIMIT = 1024 * 1024;

/**
 * How long one client may take and how many may connect at once (issue 12.4: 1,500 unauthenticated
 * sockets trickling a byte every 5 s were held forever). Node's request and header timeouts cover the
 * request only, up to its last body byte: a watch stream (GET /v1/watch) has no body, so it is never
 * cut by them, and its 15 s heartbeat keeps it clear of the idle timeout.
 */
export interface HttpLimits {
  /** The whole request, headers and a body of up to 1 MiB: slow links send that in seconds. → 408. */
  requestTimeoutMs: number;
  /** The request line and headers. → 408. */
  headersTimeoutMs: number;
  /** A socket with no bytes either way (Node's server.timeout), above the watch heartbeat and keep-alive. */
  idleTimeoutMs: number;
  /** Between requests on a kept-alive socket: above the 60 s idle timeout of AWS load balancers in front. */
  keepAliveTimeoutMs: number;
  /** Sockets open at once; more are closed on accept. Far above what the dashboard, CLI and watchers use. */
  maxConnections: number;
  /** How often Node checks the two request timeouts (its default, 30 s, would let a slow body overstay by that). */
  timeoutCheckMs: number;
}
export const HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 120_000, keepAliveTimeoutMs: 72_000,
  maxConnections: 1_000, timeoutCheckMs: 1_000,
};

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const limits = { ...HTTP_LIMITS, ...deps.http };
  const app = Fastify({
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckMs },
    loggerInstance: deps.logger.child({ component: "api" }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // SSE watchers never go idle; close them on shutdown instead of waiting for them.
    forceCloseConnections: true,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true, strict: false },
      plugins: [addFormats as never],
    },
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: (err, req, reply) => sendProblem(req, reply, toProblem(err)),
    clientErrorHandler: rejectMalformedRequest,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.maxConnections = limits.maxConnections;
  // Fastify parses text/plain by default; this API speaks JSON only, so that is a 415, not a string body.
  app.removeContentTypeParser("text/plain");
  // A request without a body that still says application/json (a DELETE or POST .../reconcile from a
  // client that sends the header on every request, as the README's curl does) has no body, not a bad
  // one; a route that needs a body still refuses it by its schema, naming (body).
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => (body === "" ? done(null, undefined) : json(req, body as string, done)));

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "byoc-operator admin API", version: deps.version ?? "0.1.0", description: "Desired state, status and events of BYOC LangGraph deployments." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, apiKey: { type: "apiKey", in: "header", name: "X-Api-Key" } } },
    },
  });

  app.setErrorHandler((err, req, reply) => {
    const problem = tenancyProblem(err) ?? toProblem(err as Error);
    if (problem.status >= 500) req.log.error({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, "request failed");
    return sendProblem(req, reply, problem);
  });
  app.setNotFoundHandler((req, reply) => sendProblem(req, reply, new ProblemError(404, "Not found", `no route ${req.method} ${req.url.split("?")[0]}`)));

  // Authentication is decided per route, never from the raw URL: every route gets the check bound to it
  // unless it says `config: { public: true }`, so no spelling of a path (percent-encoded, absolute-form,
  // doubled slashes) can reach a handler without it. Registered before any route, so it sees them all.
  const auth = createAuthenticator(deps.store, deps.tokens);
  await auth.start();
  app.addHook("onClose", async () => { await auth.stop(); });
  app.addHook("onRoute", (route) => {
    if ((route.config as RouteAccess | undefined)?.public === true) return;
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [async (req: FastifyRequest) => auth.authenticate(req), ...own] as typeof route.onRequest;
  });
  app.addHook("onResponse", async (req, reply) => {
    deps.metrics.apiRequests.inc({ route: req.routeOptions.url ?? "unmatched", method: req.method, status: String(reply.statusCode) });
  });

  await app.register(systemRoutes(deps));
  await app.register(projectRoutes(deps));
  await app.register(revisionRoutes(deps));
  await app.register(statusRoutes(deps));
  await app.register(tokenRoutes(deps, auth));
  await app.register(tenantRoutes(deps, auth));
  await app.register(watchRoutes(deps, auth));
  await app.register(cloudRoutes(deps));
  // The LangSmith-compatible API (SPEC §7.1), over the same store and rules.
  await app.register(deploymentRoutes(deps));
  await app.register(deploymentRevisionRoutes(deps));
  await app.register(deployLogRoutes(deps));
  await app.register(dashboardRoutes);
  return app;
}
