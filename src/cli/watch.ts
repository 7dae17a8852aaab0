// GET /v1/watch as an async stream of changes that survives a dropped connection: it reconnects with
// Last-Event-ID, so no change is lost or repeated, and gives up (exit 5) only after the server has been
// unreachable for a while.
import type { ApiClient, EventView, StatusView } from "./client.js";
import { ApiError } from "./client.js";
import { CliError, Exit } from "./errors.js";

export type Change =
  | { id: string; event: "status"; data: { project: string; projectId: string; status: StatusView } }
  | { id: string; event: "event"; data: { project: string; projectId: string; event: EventView } }
  | { id: string; event: "deleted"; data: { project: string; projectId: string } };

export interface SseMessage { id?: string; event: string; data: string; retry?: number; comment?: string }

/** Splits an SSE byte stream into messages (WHATWG "event stream interpretation", minus the odd corners). */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buf = "";
  let msg: SseMessage = { event: "message", data: "" };
  let hasData = false;
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        if (hasData || msg.retry !== undefined) yield { ...msg, data: msg.data.replace(/\n$/, "") };
        msg = { event: "message", data: "" };
        hasData = false;
        continue;
      }
      if (line.startsWith(":")) { yield { event: "", data: "", comment: line.slice(1).trim() }; continue; }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") { msg.data += `${value}\n`; hasData = true; }
      else if (field === "event") msg.event = value;
      else if (field === "id") msg.id = value;
      else if (field === "retry" && /^\d+$/.test(value)) msg.retry = Number(value);
    }
  }
}

export interface WatchOptions {
  project?: string;
  lastEventId?: string;
  /** Give up after the server has been unreachable this long. */
  giveUpMs?: number;
  onReconnecting?: (why: string) => void;
}

/** The server sends a heartbeat every 15 s; this long without a byte means the connection is dead. */
const IDLE_MS = 45_000;

export class ChangeStream {
  private readonly abort = new AbortController();
  private response: Connection | undefined;
  private lastEventId: string | undefined;
  private retryMs = 2000;

  constructor(private readonly client: ApiClient, private readonly opts: WatchOptions = {}) {
    this.lastEventId = opts.lastEventId;
  }

  /** Connects once; resolves when the server has accepted the watch (later changes are then never missed). */
  async open(): Promise<void> {
    this.response = await this.connect();
  }

  close(): void {
    this.abort.abort();
  }

  async *changes(): AsyncGenerator<Change> {
    let downSince: number | undefined;
    while (!this.abort.signal.aborted) {
      try {
        const conn = this.response ?? await this.connect();
        this.response = undefined;
        downSince = undefined;
        for await (const m of parseSse(conn.body)) {
          // The server opens with ": watching … from <change id>": remembering it makes even a reconnect
          // before the first change resume where this stream began.
          const from = m.comment && /^watching .* from (\d+)$/.exec(m.comment);
          if (from && this.lastEventId === undefined) this.lastEventId = from[1];
          if (m.retry !== undefined) this.retryMs = Math.max(250, m.retry);
          if (m.id === undefined) continue;
          this.lastEventId = m.id;
          yield { id: m.id, event: m.event, data: JSON.parse(m.data) } as Change;
        }
        this.opts.onReconnecting?.("the server closed the stream");
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (err instanceof ApiError && err.status < 500) throw err;
        downSince ??= Date.now();
        if (Date.now() - downSince > (this.opts.giveUpMs ?? 30_000)) {
          throw err instanceof CliError ? err : new CliError(`watch stream lost: ${(err as Error).message}`, Exit.Unreachable, { cause: err });
        }
        this.opts.onReconnecting?.(err instanceof Error ? err.message : String(err));
      }
      await sleep(this.retryMs, this.abort.signal);
    }
  }

  private async connect(): Promise<Connection> {
    const idle = new AbortController();
    const res = await this.client.fetch("/v1/watch", {
      accept: "text/event-stream",
      query: { project: this.opts.project },
      headers: this.lastEventId ? { "last-event-id": this.lastEventId } : {},
      signal: AbortSignal.any([this.abort.signal, idle.signal]),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      let detail = `HTTP ${res.status}`;
      try { detail = (JSON.parse(text) as { detail?: string }).detail ?? detail; } catch { /* not a problem document */ }
      throw new ApiError(res.status, undefined, res.status === 401 ? `${detail} (check BYOC_TOKEN or --token)` : detail);
    }
    return { body: watchdog(res.body!, idle) };
  }
}

interface Connection { body: AsyncIterable<Uint8Array> }

/** Passes the chunks through, aborting the connection when none arrives for IDLE_MS. */
async function* watchdog(body: ReadableStream<Uint8Array>, idle: AbortController): AsyncGenerator<Uint8Array> {
  let timer = setTimeout(() => idle.abort(new Error("no heartbeat from the server")), IDLE_MS);
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error("no heartbeat from the server")), IDLE_MS);
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener("abort", done); resolve(); }
    signal?.addEventListener("abort", done, { once: true });
  });
}
