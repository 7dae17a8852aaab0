// Wires the daemon together: data dir, Postgres (embedded unless DATABASE_URL), migrations, the cloud
// (sandbox or AWS), the engine and the admin API. Used by `npm start` and by tests that run a real
// daemon in process.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import v8 from "node:v8";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApi } from "./api/server.js";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "./cloud/clients.js";
import type { SandboxCloud } from "./cloud/sandbox/index.js";
import type { Config, StaticTokenConfig } from "./config/index.js";
import { Engine } from "./engine/engine.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createSealer } from "./store/crypto.js";
import { applyMigrations, connect, type Store } from "./store/db.js";
import { startEmbeddedPostgres, type EmbeddedServer } from "./store/embedded.js";
import { ensureDefaultTenant } from "./store/tenants.js";
import { SANDBOX_DEFAULT_EXTERNAL_ID } from "./cloud/names.js";

export interface Daemon {
  url: string;
  adminToken?: string;
  store: Store;
  engine: Engine;
  api: FastifyInstance;
  sandbox?: SandboxCloud;
  /** The AWS clients and their per-account token buckets (read by the reliability tests). */
  cloud: Cloud;
  metrics: Metrics;
  stop(): Promise<void>;
}

/**
 * V8 lets the old generation grow to up to 4× what survived the last full GC before it collects again;
 * for a daemon whose live heap is mostly long-lived caches, that is hundreds of MB of garbage held as
 * RSS. Growing by HEAP_GROWING_PERCENT instead keeps RSS near the live heap (BENCHMARKS.md measures
 * the cost); unlike a hard --max-old-space-size cap it cannot make a larger fleet run out of memory.
 */
export const HEAP_GROWING_PERCENT = 30;
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const v = make();
  writeFileSync(file, `${v}\n`, { mode: 0o600 });
  return v;
}

/** What only tests set: an in-process sandbox, and intervals shorter than the configuration allows. */
export interface DaemonOptions {
  sandbox?: SandboxCloud; pollMs?: number; healGraceMs?: number; healthIntervalMs?: number;
  /** The engine's longest sleep between claims (EngineOptions.idleMs): how late a short requeue may run. */
  idleMs?: number;
}

export async function startDaemon(config: Config, logger: Logger, opts: DaemonOptions = {}): Promise<Daemon> {
  const dataDir = path.resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    chmodSync(dataDir, 0o755); // the embedded server runs as the postgres user when we are root
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), onLog: (l) => logger.trace({ component: "postgres" }, l) });
    databaseUrl = embedded.url;
    logger.info({ dataDir }, "embedded Postgres started");
  }
  await applyMigrations(databaseUrl);
  const store = connect(databaseUrl, { max: Math.min(20, config.concurrency + 5) });
  // In sandbox mode the default tenant's external ID is the one the sandbox's roles trust, so the quick
  // start works unchanged; against AWS it is generated. Either way it is fixed once created.
  const sandboxExternalId = process.env.BYOC_SANDBOX_EXTERNAL_ID || SANDBOX_DEFAULT_EXTERNAL_ID;
  await ensureDefaultTenant(store.db, config.cloud === "sandbox" ? sandboxExternalId : undefined);

  const keys = config.encryptionKeys ?? [Buffer.from(readOrCreate(path.join(dataDir, "encryption-key"), () => randomBytes(32).toString("base64")), "base64")];
  const sealer = createSealer(keys);
  const tokens: StaticTokenConfig[] = [...config.adminTokens];
  let adminToken: string | undefined;
  if (tokens.length === 0) {
    adminToken = readOrCreate(path.join(dataDir, "admin-token"), () => `byoc_${randomBytes(24).toString("base64url")}`);
    tokens.push({ scope: "write", token: adminToken });
  }

  const metrics = createMetrics();
  let sandbox = opts.sandbox;
  if (config.cloud === "sandbox" && !sandbox) {
    // The sandbox keeps its cloud in this Postgres, so restarts and replicas see one consistent account;
    // BYOC_SANDBOX_DATABASE_URL puts it elsewhere, so the control plane's Postgres can go down while the
    // "cloud" stays up (the reliability suite's outage test).
    const { SandboxCloud } = await import("./cloud/sandbox/index.js");
    const { PostgresStateStore } = await import("./cloud/sandbox/postgres-store.js");
    sandbox = SandboxCloud.fromEnv(process.env, new PostgresStateStore(process.env.BYOC_SANDBOX_DATABASE_URL || databaseUrl));
  }
  const cloud = new Cloud({
    backend: config.cloud === "sandbox" ? sandbox : undefined,
    baseCredentials: config.cloud === "sandbox" ? SANDBOX_OPERATOR_CREDENTIALS : undefined,
    operatorId: config.operatorId,
    maxSockets: config.concurrency,
    onCall: (c) => {
      metrics.awsCalls.inc({ service: c.service, operation: c.operation, outcome: c.outcome });
      if (c.throttled) metrics.throttles.inc({ service: c.service });
    },
  });
  const engine = new Engine({
    store, sealer, cloud, logger, metrics, operatorId: config.operatorId, concurrency: config.concurrency, accountConcurrency: config.accountConcurrency,
    resyncMs: config.resyncSeconds * 1000, leaseMs: config.leaseSeconds * 1000, pollMs: opts.pollMs ?? config.pollSeconds * 1000,
    healGraceMs: opts.healGraceMs, healthIntervalMs: opts.healthIntervalMs, licenseKey: config.licenseKey, idleMs: opts.idleMs,
  });
  const api = await buildApi({ store, sealer, metrics, logger, tokens, cloud, operatorId: config.operatorId, planner: engine.dryRun });
  const url = await api.listen({ host: config.host, port: config.port });
  await engine.start();

  let stopped = false;
  return {
    url, adminToken, store, engine, api, sandbox, cloud, metrics,
    async stop() {
      if (stopped) return;
      stopped = true;
      await engine.stop();
      await api.close();
      await store.sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
