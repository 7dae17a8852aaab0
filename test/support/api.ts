// A running admin API on a fresh database: real Postgres, real HTTP on 127.0.0.1.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { buildApi } from "../../src/api/server.js";
import { createSealer } from "../../src/store/crypto.js";
import { applyMigrations, connect, type Store } from "../../src/store/db.js";
import { createMetrics } from "../../src/metrics.js";
import { createTestDatabase } from "./db.js";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { dryRunner } from "../../src/engine/engine.js";
import { ensureDefaultTenant } from "../../src/store/tenants.js";

export const WRITE_TOKEN = "write-token-0123456789abcdef";
export const READ_TOKEN = "read-token-0123456789abcdefgh";

export interface TestApi {
  url: string;
  store: Store;
  databaseUrl: string;
  sealingKey: Buffer;
  request(method: string, path: string, opts?: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  logStream?: pino.DestinationStream;
  key?: Buffer;
  /** A second replica: this API serves the other's database (and key), which the other drops. */
  replicaOf?: TestApi;
  /** Build the store (e.g. one that counts statements) instead of connect(url). */
  store?: (url: string) => Store;
  watchersPerKey?: number;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const db = opts.replicaOf ? { url: opts.replicaOf.databaseUrl, drop: async () => {} } : await createTestDatabase();
  if (!opts.replicaOf) await applyMigrations(db.url);
  const store = opts.store ? opts.store(db.url) : connect(db.url);
  const key = opts.key ?? opts.replicaOf?.sealingKey ?? randomBytes(32);
  // As the daemon does in sandbox mode: the default tenant's roles trust the sandbox's external ID.
  await ensureDefaultTenant(store.db, "sandbox-external-id");
  const logger = pino({ level: "debug" }, opts.logStream ?? pino.destination("/dev/null"));
  const sealer = createSealer([key]);
  // plan and logs read the customer's account: give them a sandbox one (plan through an engine's dry run).
  const cloud = new Cloud({ backend: new SandboxCloud({ delayMs: 50, seed: 1 }), baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "api-test" });
  const app = await buildApi({
    store, sealer, metrics: createMetrics(), logger, watchersPerKey: opts.watchersPerKey,
    tokens: [{ scope: "write", token: WRITE_TOKEN }, { scope: "read", token: READ_TOKEN }],
    cloud, planner: dryRunner({ store, sealer, cloud, logger, operatorId: "api-test", pollMs: 1000, resyncMs: 60_000 }),
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    store,
    databaseUrl: db.url,
    sealingKey: key,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const token = o.token === undefined ? WRITE_TOKEN : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) { body = JSON.stringify(o.body); headers["content-type"] ??= "application/json"; }
      const res = await fetch(url + path, { method, headers, body });
      // A watch stream never ends: a status and headers are all a request/response test can read.
      if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
        await res.body?.cancel();
        return { status: res.status, headers: res.headers, body: undefined, text: "" };
      }
      const text = await res.text();
      let parsed: unknown = undefined;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      await store.sql.end();
      await db.drop();
    },
  };
}
