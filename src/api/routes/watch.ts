// GET /v1/watch: Server-Sent Events of every status change and event, `?project=` to filter, resumable
// with Last-Event-ID. Backed by the `changes` table and NOTIFY, so it works across replicas: a change
// made by any replica's engine reaches a client connected to any replica's API.
import type { FastifyPluginAsync } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { changesAfter, CHANGES_CHANNEL, eventById, latestChangeId, type ChangeRow } from "../../store/changes.js";
import { getProject, readStatus } from "../../store/projects.js";
import type { ApiDeps } from "../server.js";
import { ProblemError } from "../problem.js";
import { PROJECT_NAME, Problem } from "../schemas.js";
import { statusView } from "../views.js";

const HEARTBEAT_MS = 15_000;

export const watchRoutes = (deps: ApiDeps): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const subscribers = new Set<() => void>();
  const listener = await deps.store.sql.listen(CHANGES_CHANNEL, () => { for (const s of subscribers) s(); }, () => { for (const s of subscribers) s(); });
  app.addHook("onClose", async () => { await listener.unlisten().catch(() => {}); });

  async function payload(c: ChangeRow): Promise<{ event: string; data: unknown } | undefined> {
    if (c.kind === "event") {
      const e = c.eventId === null ? undefined : await eventById(deps.store, c.eventId);
      return e && { event: "event", data: { project: c.projectName, projectId: c.projectId, event: e } };
    }
    if (c.kind === "deleted") return { event: "deleted", data: { project: c.projectName, projectId: c.projectId } };
    const p = await getProject(deps.store, c.projectId);
    if (!p) return undefined;
    return { event: "status", data: { project: c.projectName, projectId: c.projectId, status: statusView(p, await readStatus(deps.store, p.id)) } };
  }

  app.get("/v1/watch", {
    schema: {
      tags: ["status"], security: [{ bearer: [] }],
      description: "Server-Sent Events: `event: status|event|deleted`, `id:` resumable with Last-Event-ID.",
      querystring: Type.Object({ project: Type.Optional(Type.String({ pattern: PROJECT_NAME, maxLength: 40 })), lastEventId: Type.Optional(Type.String({ pattern: "^\\d{1,18}$" })) }, { additionalProperties: false }),
      headers: Type.Object({ "last-event-id": Type.Optional(Type.String({ pattern: "^\\d{1,18}$" })) }),
      response: { 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (req, reply) => {
    const resumeFrom = req.headers["last-event-id"] ?? req.query.lastEventId;
    if (resumeFrom !== undefined && !/^\d+$/.test(resumeFrom)) throw new ProblemError(400, "Invalid request", "Last-Event-ID must be a change id", [{ field: "header.last-event-id", message: "must be a number" }]);
    let cursor = resumeFrom !== undefined ? Number(resumeFrom) : await latestChangeId(deps.store);
    const project = req.query.project;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write(`: watching ${project ?? "all projects"} from ${cursor}\nretry: 2000\n\n`);
    let closed = false;
    let running = false;
    let again = false;
    const flush = async () => {
      if (running) { again = true; return; }
      running = true;
      try {
        do {
          again = false;
          for (;;) {
            const batch = await changesAfter(deps.store, cursor, { projectName: project });
            for (const c of batch) {
              if (closed) return;
              const p = await payload(c);
              if (p) res.write(`id: ${c.id}\nevent: ${p.event}\ndata: ${JSON.stringify(p.data)}\n\n`);
              cursor = c.id;
            }
            if (batch.length < 500) break;
          }
        } while (again && !closed);
      } catch (err) {
        req.log.warn({ err: (err as Error).message }, "watch stream read failed; the client will resume");
        res.end();
      } finally {
        running = false;
      }
    };
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    const sub = () => void flush();
    subscribers.add(sub);
    req.raw.on("close", () => { closed = true; subscribers.delete(sub); clearInterval(heartbeat); });
    await flush();
  });
};
