// GET /v1/watch: Server-Sent Events of every status change and event of the caller's tenant, `?project=`
// to filter, resumable with Last-Event-ID. Backed by the `changes` table and NOTIFY through one WatchFeed
// per replica (api/watchFeed.ts), so a change made by any replica reaches a client on any replica. A
// stream ends when its key is revoked (on any replica) or expires; each key may hold a bounded number.
import type { FastifyPluginAsync } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ApiDeps } from "../server.js";
import { callerOf, type Authenticator } from "../auth.js";
import { ProblemError } from "../problem.js";
import { PROJECT_NAME, Problem } from "../schemas.js";
import { WatchFeed } from "../watchFeed.js";

const HEARTBEAT_MS = 15_000;
/** Open streams per key, per replica: enough for a few dashboards and CLIs, not for a connection flood. */
export const DEFAULT_WATCHERS_PER_KEY = 32;
const MAX_TIMER_MS = 2 ** 31 - 1;

export const watchRoutes = (deps: ApiDeps, auth: Authenticator): FastifyPluginAsync => async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const feed = new WatchFeed(deps.store, app.log);
  await feed.start();
  auth.onRevoked((keyId) => feed.closeKey(keyId));
  app.addHook("onClose", async () => { await feed.stop(); });
  const cap = deps.watchersPerKey ?? DEFAULT_WATCHERS_PER_KEY;

  app.get("/v1/watch", {
    schema: {
      tags: ["status"], security: [{ bearer: [] }],
      description: "Server-Sent Events: `event: status|event|deleted`, `id:` resumable with Last-Event-ID.",
      querystring: Type.Object({ project: Type.Optional(Type.String({ pattern: PROJECT_NAME, maxLength: 40 })), lastEventId: Type.Optional(Type.String({ pattern: "^\\d{1,18}$" })) }, { additionalProperties: false }),
      headers: Type.Object({ "last-event-id": Type.Optional(Type.String({ pattern: "^\\d{1,18}$" })) }),
      response: { 400: Problem, 401: Problem, 403: Problem, 429: Problem },
    },
  }, async (req, reply) => {
    const caller = callerOf(req);
    const resumeFrom = req.headers["last-event-id"] ?? req.query.lastEventId;
    if (resumeFrom !== undefined && !/^\d+$/.test(resumeFrom)) throw new ProblemError(400, "Invalid request", "Last-Event-ID must be a change id", [{ field: "header.last-event-id", message: "must be a number" }]);
    if (feed.countFor(caller.keyId) >= cap) {
      throw new ProblemError(429, "Too many requests", `this key already has ${cap} watch streams open here; close one first`,
        [{ field: "header.authorization", message: `at most ${cap} watch streams per key` }], { "retry-after": "5" });
    }
    const project = req.query.project;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write(`: watching ${project ?? "all projects"}\nretry: 2000\n\n`);
    let closed = false;
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    const untilExpiry = caller.expiresAt ? caller.expiresAt.getTime() - Date.now() : undefined;
    const expiry = untilExpiry !== undefined && untilExpiry < MAX_TIMER_MS ? setTimeout(() => end(), Math.max(0, untilExpiry)) : undefined;
    let remove = () => {};
    const end = () => {
      if (closed) return;
      closed = true;
      remove();
      clearInterval(heartbeat);
      clearTimeout(expiry);
      res.end();
    };
    req.raw.on("close", end);
    try {
      remove = await feed.add({
        tenantId: caller.tenantId, projectName: project, keyId: caller.keyId,
        write: (text) => { if (!closed) res.write(text); }, close: end,
      }, resumeFrom === undefined ? undefined : Number(resumeFrom));
      if (closed) remove();
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, "watch stream replay failed; the client will resume");
      end();
    }
  });
};
