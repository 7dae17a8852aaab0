// A fresh database per caller on the run's Postgres server, so test files never share rows.
import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { applyMigrations, connect, type Store } from "../../src/store/db.js";

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A fresh database with the operator's schema and a store on it; `close` ends the store and drops the database. */
export async function createTestStore(): Promise<{ store: Store; close(): Promise<void> }> {
  const db = await createTestDatabase();
  try {
    await applyMigrations(db.url);
  } catch (err) {
    await db.drop();
    throw err;
  }
  const store = connect(db.url);
  return { store, async close() { await store.sql.end(); await db.drop(); } };
}
