// The log events a sandbox task "writes": plausible LangGraph server output (structured JSON lines
// from the API server and queue workers, redis-server's own format) generated on demand from the
// stream's start and end times, never stored. Event number `seq` of a stream always has the same
// time and text (a hash of stream name and seq), so pagination tokens stay valid, every process
// answers the same, and a seeded test can assert exact lines.
import { stableHex } from "./ids.js";

export interface LogSource {
  taskId: string;
  container: string;
  /** api | queue | redis | other, from the container name. */
  role: string;
  image: string;
  failing: boolean;
  /** The container-contract rule the task broke (image-model.ts): its line is what the container says. */
  contract?: { rule: string; phase: string; line: string; exitCode: number };
}

export interface StreamTimes {
  name: string;
  createdAt: number;
  closedAt?: number;
  source?: LogSource;
}

export interface GeneratedEvent {
  seq: number;
  timestamp: number;
  message: string;
}

const STARTUP_GAP_MS = 120;
const PERIOD_MS = 5_000;
const CLOSING_GAP_MS = 40;

function json(timestamp: number, level: string, logger: string, event: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ event, logger, level, ...extra, thread_name: "MainThread", timestamp: new Date(timestamp).toISOString() });
}

function redisLine(timestamp: number, text: string): string {
  const d = new Date(timestamp);
  const stamp = `${d.getUTCDate()} ${d.toUTCString().slice(8, 11)} ${d.getUTCFullYear()} ${d.toISOString().slice(11, 23)}`;
  return `1:M ${stamp} * ${text}`;
}

type Line = (t: number) => string;

function startupLines(src: LogSource | undefined): Line[] {
  const role = src?.role ?? "other";
  if (role === "redis") {
    return [
      (t) => redisLine(t, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
      (t) => redisLine(t, "Redis version=7.2.4, bits=64, commit=00000000, modified=0, pid=1, just started"),
      (t) => redisLine(t, "Server initialized"),
      (t) => redisLine(t, "Ready to accept connections tcp"),
    ];
  }
  const started: Line = (t) => json(t, "info", "langgraph_api.cli", "Starting LangGraph API server", { image: src?.image });
  if (src?.contract?.phase === "startup") {
    const why = src.contract.line;
    return [
      started,
      (t) => json(t, "error", "langgraph_api.server", why, { contract_rule: src.contract!.rule }),
      (t) => json(t, "error", "uvicorn.error", "Application startup failed. Exiting."),
    ];
  }
  const lines: Line[] = [
    started,
    (t) => json(t, "info", "langgraph_runtime_postgres.database", "Postgres pool stats", { connections_in_use: 0, pool_available: 1, pool_size: 2 }),
    (t) => json(t, "info", "langgraph_runtime_postgres.redis", "Redis pool stats", { idle_connections: 1, in_use_connections: 0 }),
  ];
  if (role === "queue") lines.push((t) => json(t, "info", "langgraph_runtime_postgres.queue", "Starting 10 background workers"));
  else lines.push((t) => json(t, "info", "langgraph_api.graph", "Registering graph with id 'agent'", { graph_id: "agent" }));
  if (src?.contract?.phase === "healthcheck") {
    lines.push((t) => json(t, "info", "uvicorn.error", "Application startup complete."));
    // ECS runs the health check inside the container; its output is what says why it never passes.
    const why = src.contract.line;
    lines.push((t) => json(t, "error", "healthcheck", `container health check failed: ${why}`, { contract_rule: src.contract!.rule }));
  } else if (src?.failing) {
    lines.push((t) => json(t, "error", "langgraph_api.server", "Application startup failed. Exiting.", { exc_info: "RuntimeError: health check dependency unavailable" }));
  } else {
    lines.push((t) => json(t, "info", "uvicorn.error", "Application startup complete."));
    if (role !== "queue") lines.push((t) => json(t, "info", "uvicorn.error", "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)"));
  }
  return lines;
}

function periodicLine(stream: StreamTimes, j: number, t: number): string {
  const role = stream.source?.role ?? "other";
  const h = parseInt(stableHex([stream.name, "periodic", j], 6), 16);
  if (role === "redis") {
    return h % 4 === 0 ? redisLine(t, "Background saving terminated with success") : redisLine(t, "100 changes in 300 seconds. Saving...");
  }
  if (stream.source?.failing) {
    return json(t, "error", "langgraph_api.server", "GET /ok 503", { method: "GET", path: "/ok", status: 503 });
  }
  if (role === "queue") {
    return h % 3 === 0
      ? json(t, "info", "langgraph_runtime_postgres.queue", "Queue stats", { n_pending: h % 3, n_running: h % 2, max_age_secs: null })
      : json(t, "info", "langgraph_runtime_postgres.queue", "Worker stats", { max: 10, available: 10 - (h % 2), active: h % 2 });
  }
  const latency = 1 + (h % 40);
  return h % 5 === 0
    ? json(t, "info", "langgraph_api.server", `POST /threads/search 200 ${latency}ms`, { method: "POST", path: "/threads/search", status: 200, latency_ms: latency })
    : json(t, "info", "langgraph_api.server", `GET /ok 200 ${latency % 3}ms`, { method: "GET", path: "/ok", status: 200, latency_ms: latency % 3 });
}

function closingLines(src: LogSource | undefined): Line[] {
  if (src?.role === "redis") return [(t) => redisLine(t, "Received SIGTERM scheduling shutdown..."), (t) => redisLine(t, "Redis is now ready to exit, bye bye...")];
  if (src?.contract) {
    const code = src.contract.exitCode;
    return [(t) => json(t, "error", "langgraph_api.server", `Container exited with code ${code}`)];
  }
  if (src?.failing) return [(t) => json(t, "error", "langgraph_api.server", "Container exited with code 1")];
  return [(t) => json(t, "info", "uvicorn.error", "Shutting down"), (t) => json(t, "info", "uvicorn.error", "Finished server process [1]")];
}

/** Time of the periodic event j: one per period, jittered inside the first half so times only grow. */
function periodicTime(stream: StreamTimes, startupCount: number, j: number): number {
  const jitter = parseInt(stableHex([stream.name, "jitter", j], 6), 16) % (PERIOD_MS / 2);
  return stream.createdAt + startupCount * STARTUP_GAP_MS + (j + 1) * PERIOD_MS + jitter;
}

/** Largest n in [0, hi] with ok(n), for a predicate true up to some point and false after it. */
function lastTrue(hi: number, ok: (n: number) => boolean): number {
  let lo = -1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

interface StreamIndex {
  total: number;
  timeOf(seq: number): number;
  messageOf(seq: number, t: number): string;
}

function indexStream(stream: StreamTimes, toTime: number): StreamIndex {
  const closed = stream.closedAt !== undefined;
  const end = stream.closedAt ?? Number.POSITIVE_INFINITY;
  let startup = startupLines(stream.source);
  // A container that breaks its contract says why within moments, however short its life: its lines
  // share its start time, so even a task stopped at once has logged its reason.
  const gap = stream.source?.contract ? 0 : STARTUP_GAP_MS;
  // A task stopped during start-up wrote only the lines before it stopped.
  if (closed && gap > 0) startup = startup.slice(0, Math.max(0, Math.ceil((end - stream.createdAt) / gap)));
  const closing = closed ? closingLines(stream.source) : [];
  const S = startup.length;
  // Numbering must not depend on the query: a closed stream's periodic lines run to its end, an
  // open one's only to `toTime` (it has no closing lines whose numbers could shift).
  const upTo = closed ? end : toTime;
  const inRange = (t: number) => (closed ? t < end : t <= toTime);
  const maxPeriodic = Math.max(0, Math.ceil((Math.max(upTo, stream.createdAt) - stream.createdAt) / PERIOD_MS) + 2);
  const periodicCount = lastTrue(maxPeriodic, (j) => inRange(periodicTime(stream, S, j))) + 1;
  return {
    total: S + periodicCount + closing.length,
    timeOf: (seq) =>
      seq < S ? stream.createdAt + seq * gap
      : seq < S + periodicCount ? periodicTime(stream, S, seq - S)
      : end + (seq - S - periodicCount) * CLOSING_GAP_MS,
    messageOf: (seq, t) =>
      seq < S ? startup[seq](t) : seq < S + periodicCount ? periodicLine(stream, seq - S, t) : closing[seq - S - periodicCount](t),
  };
}

function collect(ix: StreamIndex, from: number, toTime: number, limit: number): GeneratedEvent[] {
  const out: GeneratedEvent[] = [];
  for (let seq = from; seq < ix.total && out.length < limit; seq++) {
    const t = ix.timeOf(seq);
    if (t > toTime) break;
    out.push({ seq, timestamp: t, message: ix.messageOf(seq, t) });
  }
  return out;
}

/** The stream's events, in order, with timestamps in [fromTime, toTime] and seq >= fromSeq. */
export function streamEvents(stream: StreamTimes, fromTime: number, toTime: number, fromSeq = 0, limit = 10_000): GeneratedEvent[] {
  const ix = indexStream(stream, toTime);
  const first = Math.max(fromSeq, lastTrue(ix.total - 1, (seq) => ix.timeOf(seq) < fromTime) + 1);
  return collect(ix, first, toTime, limit);
}

/** The last `limit` events in [fromTime, toTime] with seq below `beforeSeq`, in order. */
export function streamEventsBefore(stream: StreamTimes, fromTime: number, toTime: number, beforeSeq: number, limit: number): GeneratedEvent[] {
  const ix = indexStream(stream, toTime);
  const first = lastTrue(ix.total - 1, (seq) => ix.timeOf(seq) < fromTime) + 1;
  const last = Math.min(beforeSeq - 1, lastTrue(ix.total - 1, (seq) => ix.timeOf(seq) <= toTime));
  const start = Math.max(first, last - limit + 1);
  return last < start ? [] : collect(ix, start, toTime, last - start + 1);
}
