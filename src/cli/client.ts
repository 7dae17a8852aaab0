// The admin API over HTTP, as the CLI sees it: JSON in and out, problem+json turned into one-line
// errors with an exit code, "cannot connect" told apart from "the server said no".
import type { Static } from "typebox";
import type { Event, Problem, Project, Revision, Status } from "../api/schemas.js";
import { CliError, Exit, exitCodeForStatus, usageError } from "./errors.js";

export type ProjectView = Static<typeof Project>;
export type RevisionView = Static<typeof Revision>;
export type StatusView = Static<typeof Status>;
export type EventView = Static<typeof Event>;
export type ProblemView = Static<typeof Problem>;
export interface ListPage<T> { items: T[]; nextCursor: string | null }

const REQUEST_TIMEOUT_MS = 30_000;

export class ApiError extends CliError {
  constructor(readonly status: number, readonly problem: ProblemView | undefined, message: string) {
    super(message, exitCodeForStatus(status));
  }
}

export interface ApiResponse<T> { status: number; headers: Headers; body: T }

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export class ApiClient {
  readonly baseUrl: string;
  /** Sent as X-Tenant-Id: the tenant an admin key acts in (--tenant/BYOC_TENANT, resolved to its id). */
  tenantId: string | undefined;

  constructor(baseUrl: string, private readonly token: string | undefined) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw usageError(`--url/BYOC_URL is not a URL: ${JSON.stringify(baseUrl)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError(`--url/BYOC_URL must be http(s), got ${url.protocol}`);
    this.baseUrl = url.toString().replace(/\/+$/, "");
  }

  url(path: string, query: RequestOptions["query"] = {}): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") qs.set(k, String(v));
    const s = qs.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ""}`;
  }

  authHeaders(): Record<string, string> {
    if (!this.token) throw usageError("no token: set BYOC_TOKEN or pass --token (npm start prints one)");
    return { authorization: `Bearer ${this.token}`, ...(this.tenantId ? { "x-tenant-id": this.tenantId } : {}) };
  }

  /** A raw fetch with auth; network failures become exit code 5, HTTP errors are the caller's. */
  async fetch(path: string, opts: RequestOptions & { method?: string; accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: opts.accept ?? "application/json", ...this.authHeaders(), ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers["content-type"] = "application/json"; }
    try {
      return await fetch(this.url(path, opts.query), { method: opts.method ?? "GET", headers, body, signal: opts.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw this.unreachable(err);
    }
  }

  unreachable(err: unknown): CliError {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === "TimeoutError" ? "no answer within 30 s" : e.cause?.code ?? e.cause?.message ?? e.message;
    return new CliError(`cannot reach ${this.baseUrl} (${why}): is the daemon running? Set BYOC_URL or --url`, Exit.Unreachable, { cause: err });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const res = await this.fetch(path, { ...opts, method });
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw this.unreachable(err);
    }
    if (!res.ok) throw apiError(res, text);
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }

  get<T>(path: string, query?: RequestOptions["query"]): Promise<T> {
    return this.request<T>("GET", path, { query }).then((r) => r.body);
  }

  /** Every item of a paginated list, following `nextCursor` (at most `max` items). */
  async all<T>(path: string, query: RequestOptions["query"] = {}, max = Number.MAX_SAFE_INTEGER): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<ListPage<T>>(path, { limit: 200, ...query, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && items.length < max);
    return items.slice(0, max);
  }
}

export function projectPath(name: string, rest = ""): string {
  return `/v1/projects/${encodeURIComponent(name)}${rest}`;
}

function apiError(res: Response, text: string): ApiError {
  let problem: ProblemView | undefined;
  try { problem = JSON.parse(text) as ProblemView; } catch { problem = undefined; }
  let message = problem?.detail || problem?.title || `HTTP ${res.status} ${res.statusText}`.trim();
  if (res.status === 401) message += " (check BYOC_TOKEN or --token)";
  if (res.status === 502 && problem?.title) message = `${problem.title}: ${message}`;
  return new ApiError(res.status, problem, message);
}
