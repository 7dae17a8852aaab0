// LangSmith's runtime-log reads, where the langgraph CLI's `deploy logs` looks for them:
// POST /v1/projects/{id}/deploy_logs and …/revisions/{revision_id}/deploy_logs (SPEC §7.1). The same
// CloudWatch Logs as GET /v1/…/logs, in LangSmith's shape; a revision's logs are those written while it
// was the newest revision (from its creation to its successor's), as streams do not name revisions.
import { createHash } from "node:crypto";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { readProjectLogs } from "../../../cloud/projectLogs.js";
import { awsErrorCode, errorMessage, rootAwsError } from "../../../cloud/errors.js";
import { getProject, type ProjectRow } from "../../../store/projects.js";
import { getRevisionById, nextRevision } from "../../../store/revisions.js";
import type { ApiDeps } from "../../server.js";
import { scopeOf } from "../../auth.js";
import { READS } from "../../access.js";
import { badRequest, notFound, ProblemError } from "../../problem.js";
import { IdOrName, Problem } from "../../schemas.js";
import { DeployLogs, DeployLogsQuery } from "./schemas.js";

const tags = ["deployments (v2)"];
const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 502: Problem, 503: Problem };
const UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
const RevisionLogParams = Type.Object(
  { idOrName: IdOrName.properties.idOrName, revision_id: Type.String({ pattern: UUID }) }, { additionalProperties: false },
);

/** At most this many events are read per request: the window is narrowed with start_time/end_time. */
const MAX_EVENTS = 10_000;
const DEFAULT_WINDOW_MS = 3_600_000;

export interface DeployLogEntry { id: string; timestamp: number; level: string; message: string }

/** The LangGraph server logs JSON with a `level`; anything else is read for a level word, else INFO. */
export function levelOf(message: string): string {
  try {
    const level = (JSON.parse(message) as { level?: unknown }).level;
    if (typeof level === "string" && level) return level.toUpperCase();
  } catch { /* a plain line */ }
  const m = /\b(CRITICAL|ERROR|WARNING|WARN|INFO|DEBUG)\b/i.exec(message);
  return m ? (m[1].toUpperCase() === "WARN" ? "WARNING" : m[1].toUpperCase()) : "INFO";
}

type Window = { since: Date; until?: Date };

async function readWindow(deps: ApiDeps, p: ProjectRow, w: Window): Promise<DeployLogEntry[]> {
  if (!deps.cloud) throw new ProblemError(503, "Service unavailable", "this API server has no cloud access configured");
  const aws = await deps.cloud.clientsFor(p.roleArn, p.externalId, p.region);
  const out: DeployLogEntry[] = [];
  const seen = new Map<string, number>();
  let nextToken: string | undefined;
  do {
    const limit = Math.min(10_000, MAX_EVENTS - out.length);
    const page = await readProjectLogs(aws, p.name, { since: w.since, until: w.until, limit, nextToken });
    for (const e of page.items) {
      const ts = Date.parse(e.timestamp);
      // CloudWatch's eventId is not passed through; the same line at the same time in the same stream is
      // told apart by its occurrence, so a follower (`deploy logs -f`) never prints one twice.
      const key = `${e.stream}\n${ts}\n${e.message}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const id = createHash("sha256").update(`${key}\n${n}`).digest("hex").slice(0, 20);
      out.push({ id, timestamp: ts, level: levelOf(e.message), message: e.message });
    }
    nextToken = page.nextToken;
  } while (nextToken && out.length < MAX_EVENTS);
  return out;
}

function windowOf(q: DeployLogsQuery, bounds: { from?: Date; to?: Date } = {}): Window {
  const start = q.start_time ? new Date(q.start_time) : undefined;
  const end = q.end_time ? new Date(q.end_time) : undefined;
  if (start && Number.isNaN(start.getTime())) throw badRequest("start_time", "is not a time this API can compare");
  if (end && Number.isNaN(end.getTime())) throw badRequest("end_time", "is not a time this API can compare");
  if (start && end && end < start) throw badRequest("end_time", "is before start_time");
  const from = bounds.from?.getTime();
  const since = new Date(Math.max(start?.getTime() ?? from ?? Date.now() - DEFAULT_WINDOW_MS, from ?? 0));
  const untilMs = Math.min(end?.getTime() ?? Infinity, bounds.to?.getTime() ?? Infinity);
  return { since, until: Number.isFinite(untilMs) ? new Date(untilMs) : undefined };
}

function select(entries: DeployLogEntry[], q: DeployLogsQuery) {
  const level = q.level?.toUpperCase();
  const query = q.query?.toLowerCase();
  const matching = entries.filter((e) => (!level || e.level === level) && (!query || e.message.toLowerCase().includes(query)));
  if ((q.order ?? "desc") === "desc") matching.reverse();
  const offset = Number(q.offset ?? 0);
  const limit = q.limit ?? 100;
  const logs = matching.slice(offset, offset + limit);
  return { logs, next_offset: offset + limit < matching.length ? String(offset + limit) : null };
}

function awsProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  const root = rootAwsError(err);
  const code = awsErrorCode(root);
  return new ProblemError(502, "AWS refused", `${code}: ${errorMessage(root)}`, [{ field: "(aws)", message: code }]);
}

export const deployLogRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const project = async (req: FastifyRequest, idOrName: string) => {
    const p = await getProject(deps.store, scopeOf(req), idOrName);
    if (!p) throw notFound(`deployment ${idOrName}`);
    return p;
  };

  app.post("/v1/projects/:idOrName/deploy_logs", {
    ...READS,
    schema: { tags, security, params: IdOrName, body: DeployLogsQuery, response: { 200: DeployLogs, ...errors } },
  }, async (req) => {
    const p = await project(req, req.params.idOrName);
    const w = windowOf(req.body);
    try { return select(await readWindow(deps, p, w), req.body); } catch (err) { throw awsProblem(err); }
  });

  app.post("/v1/projects/:idOrName/revisions/:revision_id/deploy_logs", {
    ...READS,
    schema: { tags, security, params: RevisionLogParams, body: DeployLogsQuery, response: { 200: DeployLogs, ...errors } },
  }, async (req) => {
    const p = await project(req, req.params.idOrName);
    const r = await getRevisionById(deps.store, p.id, req.params.revision_id);
    if (!r) throw notFound(`revision ${req.params.revision_id} of deployment ${p.id}`);
    const next = await nextRevision(deps.store, p.id, r.number);
    const w = windowOf(req.body, { from: r.createdAt, to: next?.createdAt });
    try { return select(await readWindow(deps, p, w), req.body); } catch (err) { throw awsProblem(err); }
  });
};
