// Connection, migrations and readiness. Migrations (drizzle/) are applied at start under an advisory
// lock, so replicas starting together apply them once.
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema.js";

export type Db = PostgresJsDatabase<typeof schema>;
export interface Store {
  readonly sql: postgres.Sql;
  readonly db: Db;
  url: string;
  /** Swap in a fresh connection pool (see isPostgresJsClosedSocketBug); queries in flight finish on the old one. */
  recycle(): void;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../drizzle");
const MIGRATION_LOCK = 0x6279_6f63; // "byoc"

function pool(url: string, max: number): { sql: postgres.Sql; db: Db } {
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: 5,
    // postgres.js waits up to 20 s between reconnects after repeated failures; after a Postgres restart
    // the daemon should be back within seconds.
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 2),
    connection: { application_name: "byoc-operator" },
  });
  return { sql, db: drizzle(sql, { schema }) };
}

export function connect(url: string, opts: { max?: number } = {}): Store {
  let current = pool(url, opts.max ?? 10);
  return {
    url,
    get sql() { return current.sql; },
    get db() { return current.db; },
    recycle() {
      // The old pool is not ended: its in-flight queries and LISTEN connection carry on, and its idle
      // connections close after idle_timeout.
      current = pool(url, opts.max ?? 10);
    },
  };
}

/**
 * postgres.js 3.4.x throws from a setImmediate when a connection closes under a transaction (the server
 * restarted or was stopped): the transaction's ROLLBACK is written to the closed socket. Reported as
 * porsager/postgres#1066, #1154 and #1208 (fixes proposed in #1168, #1176, #1209, unreleased). The
 * statement that failed was already rejected with CONNECTION_CLOSED and its caller retries it, so
 * the process can go on; the connection object is left unable to reconnect, so the pool is replaced.
 */
export function isPostgresJsClosedSocketBug(err: unknown): boolean {
  const stack = (err as Error)?.stack ?? "";
  return err instanceof TypeError && /\(reading 'write'\)|socket\.write/.test(err.message)
    && /nextWrite/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack);
}

export async function applyMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
    await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await sql.end();
  }
}

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8"));
  return journal.entries.length;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN",
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now (restarting)
]);

/** Postgres could not be reached or went away mid-statement: worth retrying once it is back, unlike a SQL error. */
export function isConnectionError(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? "");
  return CONNECTION_CODES.has(code) || code.startsWith("08"); // SQLSTATE class 08: connection exception
}

/** Readiness: Postgres answers and every migration this build ships has been applied. */
export async function checkReady(sql: postgres.Sql): Promise<{ ready: boolean; reason?: string }> {
  try {
    const [row] = await sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    const want = expectedMigrations();
    if (row.n < want) return { ready: false, reason: `migrations applied ${row.n}/${want}` };
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: `postgres: ${(err as Error).message}` };
  }
}
