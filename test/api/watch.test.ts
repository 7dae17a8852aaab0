// GET /v1/watch: Server-Sent Events backed by Postgres, resumable with Last-Event-ID without losing or
// repeating a change.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestApi, WRITE_TOKEN, type TestApi } from "../support/api.js";
import { projectBody as validProject } from "./fixtures.js";

let api: TestApi;
beforeAll(async () => { api = await startTestApi(); });
afterAll(async () => { await api?.close(); });

interface Sse { id: number; event: string; data: any }

/** Reads SSE messages until `until` says stop or the deadline passes, then disconnects. */
async function readSse(path: string, until: (msgs: Sse[]) => boolean, headers: Record<string, string> = {}, deadlineMs = 10_000): Promise<Sse[]> {
  const ctl = new AbortController();
  const res = await fetch(api.url + path, { headers: { authorization: `Bearer ${WRITE_TOKEN}`, ...headers }, signal: ctl.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const msgs: Sse[] = [];
  const reader = res.body!.getReader();
  const timer = setTimeout(() => ctl.abort(), deadlineMs);
  let buf = "";
  try {
    while (!until(msgs)) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i); buf = buf.slice(i + 2);
        const f: Record<string, string> = {};
        for (const line of block.split("\n")) { const m = /^(\w+): (.*)$/.exec(line); if (m) f[m[1]] = m[2]; }
        if (f.id) msgs.push({ id: Number(f.id), event: f.event, data: JSON.parse(f.data) });
      }
    }
  } catch (err) { if ((err as Error).name !== "AbortError") throw err; }
  clearTimeout(timer);
  ctl.abort();
  return msgs;
}

test("a write reaches a connected watcher as an event, filtered by project", async () => {
  const watching = readSse("/v1/watch?project=watched", (m) => m.some((x) => x.event === "event" && x.data.event.reason === "Created"));
  await new Promise((r) => setTimeout(r, 200));
  await api.request("POST", "/v1/projects", { body: validProject({ name: "other-project" }) });
  await api.request("POST", "/v1/projects", { body: validProject({ name: "watched" }) });
  const msgs = await watching;
  expect(msgs.every((m) => m.data.project === "watched")).toBe(true);
  expect(msgs.find((m) => m.event === "event")?.data.event.message).toContain("watched created");
});

test("resuming with Last-Event-ID replays exactly the changes missed, in order, once", async () => {
  await api.request("POST", "/v1/projects", { body: validProject({ name: "resume-me" }) });
  const first = await readSse("/v1/watch?project=resume-me&lastEventId=0", (m) => m.length >= 1);
  const lastSeen = first[first.length - 1].id;
  // While disconnected: three more changes.
  for (const img of ["v1", "v2", "v3"]) {
    await api.request("POST", "/v1/projects/resume-me/revisions", { body: { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app:${img}` } });
  }
  const resumed = await readSse("/v1/watch?project=resume-me", (m) => m.length >= 3, { "last-event-id": String(lastSeen) });
  expect(resumed.map((m) => m.data.event?.reason)).toEqual(["RevisionQueued", "RevisionQueued", "RevisionQueued"]);
  expect(resumed.map((m) => m.data.event.message.split(" ").pop())).toEqual(["123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v3"]);
  expect(resumed[0].id).toBeGreaterThan(lastSeen);
  const ids = resumed.map((m) => m.id);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
});

test("a bad Last-Event-ID is a problem naming the header", async () => {
  const r = await api.request("GET", "/v1/watch", { headers: { "last-event-id": "abc" } });
  expect(r.status).toBe(400);
  expect(r.body.errors[0].field).toBe("header.last-event-id");
});
