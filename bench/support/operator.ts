// The operator in process, wired as src/daemon.ts wires it (store, sealer, metrics, Cloud over the
// sandbox, Engine, optionally the admin API), with three instruments a benchmark needs and the daemon
// does not have: every SQL statement this process sends is counted (postgres.js `debug` hook, which
// fires once per statement sent, BEGIN and COMMIT included); every AWS call is seen as the operator
// issues it, before the account's token bucket and the injected latency (an SDK middleware at the
// initialize step); and the start of every pass is seen (the engine names each pass in a child logger).
import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle } from "drizzle-orm/postgres-js";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import postgres from "postgres";
import { buildApi } from "../../src/api/server.js";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS, type CloudBackend } from "../../src/cloud/clients.js";
import { DEFAULT_CONCURRENCY, SANDBOX_LICENSE_KEY } from "../../src/config/index.js";
import { limitHeapGrowth } from "../../src/daemon.js";
import { Engine } from "../../src/engine/engine.js";
import { createMetrics, type Metrics } from "../../src/metrics.js";
import { createSealer, type Sealer } from "../../src/store/crypto.js";
import type { Store } from "../../src/store/db.js";
import * as schema from "../../src/store/schema.js";

export const BENCH_KEY = Buffer.alloc(32, 7);
export const READ_TOKEN = "read-token-for-benchmarks-0001";
export const WRITE_TOKEN = "write-token-for-benchmarks-001";

export interface QueryCounter {
  total: number;
  /** Statements by their first words, e.g. "UPDATE leases SET expires_at". */
  byKind: Map<string, number>;
  reset(): void;
}

function queryCounter(): QueryCounter & { hook(connection: number, query: string): void } {
  const c = {
    total: 0,
    byKind: new Map<string, number>(),
    reset() { c.total = 0; c.byKind.clear(); },
    hook(_connection: number, query: string) {
      c.total++;
      const kind = query.replace(/\s+/g, " ").trim().slice(0, 48);
      c.byKind.set(kind, (c.byKind.get(kind) ?? 0) + 1);
    },
  };
  return c;
}

/** The same connection settings as src/store/db.ts `connect`, plus the counting hook. */
export function countedStore(url: string, max: number, count = true): { store: Store; queries: QueryCounter } {
  const queries = queryCounter();
  const pool = () => {
    const sql = postgres(url, {
      max, onnotice: () => {}, idle_timeout: 30, connect_timeout: 5, connection: { application_name: "byoc-operator" },
      ...(count ? { debug: queries.hook } : {}),
    });
    return { sql, db: drizzle(sql, { schema }) };
  };
  let current = pool();
  const store: Store = {
    url,
    get sql() { return current.sql; },
    get db() { return current.db; },
    recycle() { current = pool(); },
  };
  return { store, queries };
}

export interface AwsCallSeen { operation: string; input: Record<string, unknown>; at: number; project?: string }

export interface OperatorOptions {
  databaseUrl: string;
  /** The simulated AWS beneath the SDK clients: a SandboxCloud in process, or a RemoteSandbox. */
  aws: CloudBackend;
  operatorId?: string;
  concurrency?: number;
  accountConcurrency?: number;
  resyncMs?: number;
  leaseMs?: number;
  pollMs?: number;
  api?: boolean;
  /** Sees every AWS call as issued (before the account bucket and the sandbox's latency). */
  onAwsCall?: (c: AwsCallSeen) => void;
  /** Sees the start of every pass (when the engine's worker picks it up). */
  onPassStart?: (p: { projectId: string; project: string; at: number }) => void;
  /** Attribute each AWS call to the project whose pass made it (AsyncLocalStorage: costs CPU, so off by default). */
  attributeCalls?: boolean;
  /** Count SQL statements (on by default; the API benchmark turns it off, as it costs a regex per statement). */
  countQueries?: boolean;
}

export interface Operator {
  /** Every AWS call from the SDK's first middleware to its answer: the SDK's work, the account's token bucket and the round trip. */
  callTimes: { count: number; totalMs: number };
  store: Store;
  queries: QueryCounter;
  sealer: Sealer;
  metrics: Metrics;
  cloud: Cloud;
  engine: Engine;
  api?: FastifyInstance;
  url?: string;
  stop(): Promise<void>;
}

/**
 * A pino logger (silent) whose per-pass child loggers announce the pass. pino makes a child with
 * Object.create(parent), so the announcing `child` set on the root is inherited by every descendant.
 */
function passAnnouncingLogger(onPassStart: OperatorOptions["onPassStart"], als: AsyncLocalStorage<string> | undefined): Logger {
  const root = pino({ level: process.env.BENCH_LOG_LEVEL ?? "silent" }, pino.destination(2));
  const original = root.child;
  (root as { child: unknown }).child = function announcing(this: Logger, bindings: Record<string, unknown>, options?: unknown) {
    if (typeof bindings.pass === "string" && typeof bindings.project === "string") {
      als?.enterWith(bindings.project);
      onPassStart?.({ projectId: String(bindings.projectId), project: bindings.project, at: performance.now() });
    }
    return original.call(this, bindings, options as never);
  };
  return root;
}

export async function startOperator(o: OperatorOptions): Promise<Operator> {
  limitHeapGrowth(); // as src/main.ts does
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const { store, queries } = countedStore(o.databaseUrl, Math.min(20, concurrency + 5), o.countQueries ?? true);
  const sealer = createSealer([BENCH_KEY]);
  const metrics = createMetrics();
  const operatorId = o.operatorId ?? `bench-${process.pid}`;
  const als = o.attributeCalls ? new AsyncLocalStorage<string>() : undefined;
  const onAwsCall = o.onAwsCall;
  const callTimes = { count: 0, totalMs: 0 };
  const backend: CloudBackend = {
    attach(client) {
      client.middlewareStack.add((next: any, context: any) => async (args: any) => {
        const at = performance.now();
        onAwsCall?.({ operation: String(context.commandName ?? "").replace(/Command$/, ""), input: args.input ?? {}, at, project: als?.getStore() });
        try {
          return await next(args);
        } finally {
          callTimes.count++;
          callTimes.totalMs += performance.now() - at;
        }
      }, { step: "initialize", priority: "high", name: "benchAwsCallProbe" });
      return o.aws.attach(client);
    },
  };
  const cloud = new Cloud({
    backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId,
    onCall: (c) => {
      metrics.awsCalls.inc({ service: c.service, operation: c.operation, outcome: c.outcome });
      if (c.throttled) metrics.throttles.inc({ service: c.service });
    },
  });
  const logger = passAnnouncingLogger(o.onPassStart, als);
  const engine = new Engine({
    store, sealer, cloud, logger, metrics, operatorId, concurrency, accountConcurrency: o.accountConcurrency ?? 8,
    resyncMs: o.resyncMs ?? 60_000, leaseMs: o.leaseMs ?? 15_000, pollMs: o.pollMs ?? 2_000,
    // The sandbox's image model refuses a LangGraph task without a licence, as the real image does.
    licenseKey: SANDBOX_LICENSE_KEY,
  });
  let api: FastifyInstance | undefined;
  let url: string | undefined;
  if (o.api) {
    api = await buildApi({
      store, sealer, metrics, logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? "silent" }, pino.destination(2)), cloud, operatorId,
      tokens: [{ scope: "write", token: WRITE_TOKEN }, { scope: "read", token: READ_TOKEN }],
    });
    url = await api.listen({ host: "127.0.0.1", port: 0 });
  }
  await engine.start();
  let stopped = false;
  return {
    callTimes, store, queries, sealer, metrics, cloud, engine, api, url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await engine.stop(5_000);
      await api?.close();
      await store.sql.end({ timeout: 5 });
    },
  };
}
