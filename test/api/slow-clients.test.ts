// Slow clients and connection floods (issue 12.4): a body or headers trickled a byte at a time are cut
// off (408, then closed) instead of holding a socket forever; connections past the cap are closed on
// accept; meanwhile an ordinary request is answered, and a watch stream outlives the request timeout.
// Bounded: loopback, a handful of sockets, a 1 s request timeout checked every 100 ms.
import { randomBytes } from "node:crypto";
import net from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import { createMetrics } from "../../src/metrics.js";
import { createSealer } from "../../src/store/crypto.js";
import { applyMigrations, connect, type Store } from "../../src/store/db.js";
import { createTestDatabase } from "../support/db.js";
import { projectBody } from "./fixtures.js";

const TOKEN = "write-token-slow-clients-000001";
const LIMITS = { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000, timeoutCheckMs: 100, idleTimeoutMs: 20_000, maxConnections: 6 };

let app: Awaited<ReturnType<typeof buildApi>>;
let store: Store;
let drop: () => Promise<void>;
let port: number;

beforeAll(async () => {
  const db = await createTestDatabase();
  await applyMigrations(db.url);
  store = connect(db.url);
  drop = db.drop;
  app = await buildApi({
    store, sealer: createSealer([randomBytes(32)]), metrics: createMetrics(), logger: pino({ level: "silent" }),
    tokens: [{ scope: "write", token: TOKEN }], http: LIMITS,
  });
  port = Number(new URL(await app.listen({ host: "127.0.0.1", port: 0 })).port);
});
afterAll(async () => { await app?.close(); await store?.sql.end(); await drop?.(); });

/** A raw socket: what it was sent back, and whether (and when) the server closed it. */
function rawClient() {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d) => { received += d.toString("latin1"); });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  const connected = new Promise<void>((resolve) => socket.on("connect", () => resolve()));
  return { socket, closed, connected, received: () => received };
}

/** Resolves true if `p` settles within `ms`, false otherwise: a bound on the test, not a timing claim. */
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** One request on its own connection (fetch would pool it and hold a socket past the test). */
async function oneRequest(path: string, init: { method?: string; body?: string } = {}): Promise<number> {
  const c = rawClient();
  await c.connected;
  const body = init.body ?? "";
  c.socket.write(`${init.method ?? "GET"} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n`
    + (body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : "") + `\r\n${body}`);
  await c.closed;
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(c.received())?.[1] ?? 0);
}

/** Writes one byte every 100 ms until the socket closes or `max` bytes have gone. */
function trickle(socket: net.Socket, bytes: string) {
  let i = 0;
  const t = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) { clearInterval(t); return; }
    socket.write(bytes[i++]);
  }, 100);
  return () => clearInterval(t);
}

describe("slow clients", () => {
  it("cuts off a body trickled a byte at a time with 408, while an ordinary request is answered", async () => {
    const body = JSON.stringify(projectBody());
    const slow = rawClient();
    await slow.connected;
    slow.socket.write(`POST /v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    const stop = trickle(slow.socket, body); // ~100 bytes a second: the whole body would take seconds more than allowed
    try {
      expect(await oneRequest("/healthz")).toBe(200);
      expect(await within(slow.closed, 8_000)).toBe(true);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(slow.received()).toContain("application/problem+json");
      // The project was never created from the partial body.
      expect((await store.sql`SELECT count(*)::int AS n FROM projects`)[0].n).toBe(0);
    } finally { stop(); slow.socket.destroy(); }
  });

  it("cuts off headers trickled a byte at a time", async () => {
    const slow = rawClient();
    await slow.connected;
    const stop = trickle(slow.socket, `GET /v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"p".repeat(500)}\r\n\r\n`);
    try {
      expect(await within(slow.closed, 8_000)).toBe(true);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(await oneRequest("/healthz")).toBe(200);
    } finally { stop(); slow.socket.destroy(); }
  });

  it("closes connections past the cap on accept, and serves again once they are gone", async () => {
    const held = Array.from({ length: LIMITS.maxConnections }, () => rawClient());
    await Promise.all(held.map((c) => c.connected));
    // Let the server accept all of them before the one over the cap arrives.
    await new Promise((r) => setTimeout(r, 100));
    const extra = rawClient();
    try {
      expect(await within(extra.closed, 5_000)).toBe(true);
      expect(extra.received()).toBe("");
    } finally {
      for (const c of held) c.socket.destroy();
      extra.socket.destroy();
    }
    await Promise.all(held.map((c) => c.closed));
    await new Promise((r) => setTimeout(r, 100));
    expect(await oneRequest("/healthz")).toBe(200);
  });
});

describe("watch streams", () => {
  it("are not cut by the request timeout: a stream open for 3× that long still delivers the next change", async () => {
    const watch = rawClient();
    await watch.connected;
    watch.socket.write(`GET /v1/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nAccept: text/event-stream\r\n\r\n`);
    try {
      await new Promise((r) => setTimeout(r, 3 * LIMITS.requestTimeoutMs));
      expect(watch.socket.destroyed).toBe(false);
      expect(watch.received()).toMatch(/^HTTP\/1\.1 200 /);
      const body = projectBody();
      expect(await oneRequest("/v1/projects", { method: "POST", body: JSON.stringify(body) })).toBe(201);
      const seen = await within(new Promise<void>((resolve) => {
        const check = () => { if (watch.received().includes(String(body.name))) resolve(); else setTimeout(check, 50); };
        check();
      }), 8_000);
      expect(seen).toBe(true);
    } finally { watch.socket.destroy(); }
  });
});
