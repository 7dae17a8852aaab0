// The CLI's watch stream against a scripted SSE server: messages split anywhere across chunks, resuming
// with Last-Event-ID after a dropped connection (even one dropped before the first change), no retry
// on a refused token, and exit 5 once the server has been gone too long.
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test } from "vitest";
import { ApiClient } from "../../src/cli/client.js";
import { ChangeStream, type Change } from "../../src/cli/watch.js";

let server: Server | undefined;
afterEach(async () => { server?.closeAllConnections(); server?.close(); server = undefined; });

/** Serves /v1/watch with `script[n]` for the n-th connection; returns the base URL and the headers each connection sent. */
async function sseServer(script: Array<(res: ServerResponse) => Promise<void> | void>) {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer(async (req, res) => {
    seen.push(req.headers);
    const step = script[seen.length - 1];
    if (!step) { res.writeHead(503).end(); return; }
    await step(res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const stream = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
const pause = () => new Promise((r) => setTimeout(r, 20));
const status = (id: number) => `id: ${id}\nevent: status\ndata: {"project":"p","projectId":"x","status":{"phase":"Ready"}}\n\n`;

async function take(s: ChangeStream, n: number): Promise<Change[]> {
  const out: Change[] = [];
  for await (const c of s.changes()) { out.push(c); if (out.length === n) break; }
  s.close();
  return out;
}

test("a message split across chunks is read whole; a dropped stream resumes after the last id it delivered", async () => {
  const { url, seen } = await sseServer([
    async (res) => {
      stream(res);
      res.write(": watching p from 41\nretry: 50\n\n");
      for (const part of ["id: 4", "2\nevent: sta", "tus\ndata: {\"project\":\"p\",", "\"projectId\":\"x\",\"status\":{\"phase\":\"Ready\"}}\r\n\r\n"]) { res.write(part); await pause(); }
      res.destroy();
    },
    (res) => { stream(res); res.write(status(43)); },
  ]);
  const s = new ChangeStream(new ApiClient(url, "t0ken"), { project: "p" });
  const got = await take(s, 2);
  expect(got.map((c) => [c.id, c.event])).toEqual([["42", "status"], ["43", "status"]]);
  expect(got[0].data).toEqual({ project: "p", projectId: "x", status: { phase: "Ready" } });
  expect(seen.map((h) => h["last-event-id"])).toEqual([undefined, "42"]);
  expect(seen[0].authorization).toBe("Bearer t0ken");
});

test("a stream dropped before its first change resumes from where the server said it began", async () => {
  const { url, seen } = await sseServer([
    async (res) => { stream(res); res.write(": watching all projects from 7\nretry: 50\n\n"); await pause(); res.destroy(); },
    (res) => { stream(res); res.write(status(8)); },
  ]);
  const got = await take(new ChangeStream(new ApiClient(url, "t0ken")), 1);
  expect(got.map((c) => c.id)).toEqual(["8"]);
  expect(seen.map((h) => h["last-event-id"])).toEqual([undefined, "7"]);
});

test("a refused token ends the watch at once with the API's exit code; a server gone too long exits 5", async () => {
  const { url } = await sseServer([(res) => { res.writeHead(401, { "content-type": "application/problem+json" }).end(JSON.stringify({ detail: "unknown token" })); }]);
  await expect(take(new ChangeStream(new ApiClient(url, "nope")), 1)).rejects.toMatchObject({ exitCode: 1, message: "unknown token (check BYOC_TOKEN or --token)" });

  server!.closeAllConnections();
  server!.close();
  const gone = new ChangeStream(new ApiClient(url, "t0ken"), { giveUpMs: 300 });
  await expect(take(gone, 1)).rejects.toMatchObject({ exitCode: 5, message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/) });
});
