// GET /v1/watch: Server-Sent Events backed by Postgres, resumable with Last-Event-ID without losing or
// repeating a change; one listener per replica fans changes out, and each key holds a bounded number.
import { afterAll, beforeAll, describe, expect, it, test } from "vitest";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "../../src/store/schema.js";
import type { Store } from "../../src/store/db.js";
import { startTestApi, WRITE_TOKEN, type TestApi } from "../support/api.js";
import { waitFor } from "../support/wait.js";
import { projectBody as validProject } from "./fixtures.js";
import { openSse, readSse as readSseFrom, type Sse } from "./sse.js";

let api: TestApi;
beforeAll(async () => { api = await startTestApi(); });
afterAll(async () => { await api?.close(); });

/** Reads SSE messages from the test API until `until` says stop or the deadline passes, then disconnects. */
const readSse = (path: string, until: (msgs: Sse[]) => boolean, headers: Record<string, string> = {}, deadlineMs = 10_000) =>
  readSseFrom(api.url, path, until, { authorization: `Bearer ${WRITE_TOKEN}`, ...headers }, deadlineMs);

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

describe("one listener per replica (issue 12.8)", () => {
  /** A store whose every statement is counted (postgres.js `debug` sees each one sent). */
  function countingStore(url: string): Store & { statements: string[] } {
    const statements: string[] = [];
    const sql = postgres(url, { max: 10, onnotice: () => {}, debug: (_conn, query) => { statements.push(query); } });
    return { url, sql, db: drizzle(sql, { schema }), recycle() {}, statements };
  }

  /** Opens `n` watchers, makes `changes` event changes from outside the API, and counts the API's statements until all arrived. */
  async function statementsFor(n: number, changes: number) {
    let store!: Store & { statements: string[] };
    const counted = await startTestApi({ store: (url) => (store = countingStore(url)), watchersPerKey: 1000 });
    try {
      const projectId = (await counted.request("POST", "/v1/projects", { body: validProject() })).body.id;
      const streams = await Promise.all(Array.from({ length: n }, () => openSse(counted.url, "/v1/watch", { authorization: `Bearer ${WRITE_TOKEN}` })));
      await new Promise((r) => setTimeout(r, 300));
      store.statements.length = 0;
      const outside = postgres(counted.databaseUrl, { max: 1, onnotice: () => {} });
      for (let i = 0; i < changes; i++) {
        await outside`INSERT INTO events (project_id, type, reason, message) VALUES (${projectId}, 'Normal', 'Counted', ${`change ${i}`})`;
        await new Promise((r) => setTimeout(r, 50));
      }
      await outside.end();
      await waitFor("every watcher to receive every change", async () => streams.every((s) => s.messages.filter((m) => m.data.event?.reason === "Counted").length === changes), 10_000, 20);
      for (const s of streams) s.close();
      return store.statements.filter((q) => !/^\s*(LISTEN|UNLISTEN)/i.test(q)).length;
    } finally {
      await counted.close();
    }
  }

  it("N watchers cost the statements one does: one read per change, not one per watcher", async () => {
    const changes = 5;
    const single = await statementsFor(1, changes);
    const many = await statementsFor(25, changes);
    console.log(`watch.test.ts: ${changes} changes → ${single} statements with 1 watcher, ${many} with 25 watchers`);
    expect(single).toBeLessThanOrEqual(changes);
    expect(many).toBeLessThanOrEqual(changes);
  });
});

describe("watchers per key", () => {
  it("beyond the cap a key gets 429 problem; another key still watches; closing one frees a place", async () => {
    const capped = await startTestApi({ watchersPerKey: 2 });
    try {
      const headers = { authorization: `Bearer ${WRITE_TOKEN}` };
      const [s1, s2] = [await openSse(capped.url, "/v1/watch", headers), await openSse(capped.url, "/v1/watch", headers)];
      expect([s1.status, s2.status]).toEqual([200, 200]);
      const third = await capped.request("GET", "/v1/watch");
      expect(third.status).toBe(429);
      expect(third.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(third.headers.get("retry-after")).toBe("5");
      const other = await openSse(capped.url, "/v1/watch", { authorization: "Bearer read-token-0123456789abcdefgh" });
      expect(other.status).toBe(200);
      s1.close();
      await waitFor("a place to free up", async () => (await openSse(capped.url, "/v1/watch", headers).then((s) => { s.close(); return s.status; })) === 200, 5000, 50);
      s2.close(); other.close();
    } finally {
      await capped.close();
    }
  });
});
