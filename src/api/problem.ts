// RFC 9457 problem details. Every error the API returns goes through here, so each names its field.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

export interface FieldError { field: string; message: string }

export class ProblemError extends Error {
  constructor(readonly status: number, readonly title: string, detail?: string, readonly errors?: FieldError[], readonly headers?: Record<string, string>) {
    super(detail ?? title);
  }
}

export const badRequest = (field: string, message: string) =>
  new ProblemError(400, "Invalid request", `${field}: ${message}`, [{ field, message }]);
export const notFound = (what: string) => new ProblemError(404, "Not found", `${what} does not exist`);

const TITLES: Record<number, string> = {
  400: "Invalid request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
  406: "Not acceptable", 408: "Request timeout", 409: "Conflict", 412: "Precondition failed", 413: "Payload too large", 414: "URI too long",
  415: "Unsupported media type", 428: "Precondition required", 429: "Too many requests", 431: "Request header fields too large",
  500: "Internal error", 503: "Service unavailable",
};

const CONTEXT_PREFIX: Record<string, string> = { body: "", querystring: "query.", params: "path.", headers: "header." };

/** ajv's instancePath "/resources/api/cpu" → "resources.api.cpu", with the missing/unknown property appended. */
function fieldOf(ctx: string, e: { instancePath: string; params: Record<string, unknown>; keyword: string }): string {
  let p = e.instancePath.split("/").filter(Boolean).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (e.keyword === "required") p = [...p, String(e.params.missingProperty)];
  if (e.keyword === "additionalProperties") p = [...p, String(e.params.additionalProperty)];
  const joined = p.join(".");
  return (CONTEXT_PREFIX[ctx] ?? `${ctx}.`) + (joined || (ctx === "body" ? "(body)" : ""));
}

function messageOf(e: { keyword: string; message?: string; params: Record<string, unknown> }): string {
  if (e.keyword === "additionalProperties") return "unknown field";
  if (e.keyword === "required") return "is required";
  return e.message ?? "is invalid";
}

export function toProblem(err: FastifyError | ProblemError | Error): ProblemError {
  if (err instanceof ProblemError) return err;
  const fe = err as FastifyError & { validation?: Array<{ instancePath: string; params: Record<string, unknown>; keyword: string; message?: string }> };
  if (fe.validation) {
    const ctx = fe.validationContext ?? "body";
    const seen = new Set<string>();
    const errors = fe.validation.map((e) => ({ field: fieldOf(ctx, e), message: messageOf(e) }))
      .filter((e) => { const k = `${e.field} ${e.message}`; if (seen.has(k)) return false; seen.add(k); return true; });
    return new ProblemError(400, "Invalid request", errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE": return new ProblemError(413, TITLES[413], "request body exceeds 1 MiB", [{ field: "(body)", message: "larger than 1 MiB" }]);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": return new ProblemError(415, TITLES[415], "send application/json", [{ field: "header.content-type", message: "must be application/json" }]);
    case "FST_ERR_BAD_URL": return new ProblemError(400, TITLES[400], "the URL is not validly percent-encoded", [{ field: "(url)", message: "invalid percent-encoding" }]);
    case "FST_ERR_MAX_PARAM_LENGTH": return new ProblemError(414, TITLES[414], "a path segment is too long", [{ field: "(url)", message: "path segment longer than 200 characters" }]);
    case "FST_ERR_CTP_EMPTY_JSON_BODY": return new ProblemError(400, TITLES[400], "body is empty", [{ field: "(body)", message: "must be a JSON object" }]);
  }
  const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  if (status === 400 && (err instanceof SyntaxError || /JSON/i.test(err.message))) {
    return new ProblemError(400, TITLES[400], "body is not valid JSON", [{ field: "(body)", message: "invalid JSON" }]);
  }
  if (status === 500) return new ProblemError(500, TITLES[500], "internal error; see the operator's log");
  return new ProblemError(status, TITLES[status] ?? "Error", err.message, [{ field: "(request)", message: err.message }]);
}

export function problemBody(p: ProblemError, instance?: string) {
  return {
    type: `https://byoc-operator.dev/problems/${p.status}`,
    title: p.title,
    status: p.status,
    detail: p.message,
    ...(instance !== undefined ? { instance } : {}),
    ...(p.errors ? { errors: p.errors } : {}),
  };
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, p: ProblemError) {
  if (p.headers) reply.headers(p.headers);
  return reply.status(p.status).type("application/problem+json").send(problemBody(p, req.url.split("?")[0]));
}

/**
 * Node's HTTP parser rejects some requests before Fastify sees them (headers over 16 KiB, a broken
 * request line); answer those as problem+json too, on the raw socket, like Node's own default does.
 */
export function rejectMalformedRequest(err: Error & { code?: string }, socket: Duplex) {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const detail = status === 431 ? "request line and headers exceed 16 KiB" : status === 408 ? "request timed out" : "malformed HTTP request";
  const body = JSON.stringify(problemBody(new ProblemError(status, TITLES[status], detail, [{ field: "(request)", message: detail }])));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
