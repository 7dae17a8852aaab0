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
export interface Store { sql: postgres.Sql; db: Db; url: string }

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../drizzle");
const MIGRATION_LOCK = 0x6279_6f63; // "byoc"

export function connect(url: string, opts: { max?: number } = {}): Store {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: 5,
    connection: { application_name: "byoc-operator" },
  });
  return { sql, db: drizzle(sql, { schema }), url };
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
