// A Server-Sent Events client for the watch tests: real HTTP, messages parsed as they arrive.
import { expect } from "vitest";

export interface Sse { id: number; event: string; data: any }

export interface SseStream {
  status: number;
  messages: Sse[];
  /** Resolves when the server ends the stream (not when we abort it). */
  ended: Promise<"ended">;
  close(): void;
}

export async function openSse(base: string, path: string, headers: Record<string, string>): Promise<SseStream> {
  const ctl = new AbortController();
  const res = await fetch(base + path, { headers, signal: ctl.signal });
  const messages: Sse[] = [];
  if (res.status !== 200) {
    await res.body?.cancel();
    return { status: res.status, messages, ended: Promise.resolve("ended"), close: () => {} };
  }
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const ended = (async () => {
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return "ended" as const;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i); buf = buf.slice(i + 2);
          const f: Record<string, string> = {};
          for (const line of block.split("\n")) { const m = /^(\w+): (.*)$/.exec(line); if (m) f[m[1]] = m[2]; }
          if (f.id) messages.push({ id: Number(f.id), event: f.event, data: JSON.parse(f.data) });
        }
      }
    } catch (err) {
      if ((err as Error).name === "AbortError") return new Promise<"ended">(() => {}); // we closed it: never "ended"
      return "ended" as const; // the server cut the connection (it stopped): ended too
    }
  })();
  return { status: res.status, messages, ended, close: () => ctl.abort() };
}

/** Reads messages until `until` says stop, the server ends the stream, or the deadline passes. */
export async function readSse(base: string, path: string, until: (msgs: Sse[]) => boolean, headers: Record<string, string>, deadlineMs = 10_000): Promise<Sse[]> {
  const s = await openSse(base, path, headers);
  expect(s.status).toBe(200);
  const deadline = Date.now() + deadlineMs;
  let over = false;
  void s.ended.then(() => { over = true; });
  while (!over && !until(s.messages) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  s.close();
  return s.messages;
}
