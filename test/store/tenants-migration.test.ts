// Migration 0003_tenants on a database that already holds projects and minted tokens (a control plane
// upgraded in place): every project lands in `default`, keeps working (the default tenant adopts the
// external ID those projects send, their accounts are bound to it), and the old tokens are admin keys.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "../../src/store/db.js";
import { createTestDatabase } from "../support/db.js";

let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;
let dir: string;

/** The migrations before 0003, as a database deployed before tenants had them. */
function migrationsBeforeTenants(): string {
  dir = mkdtempSync(path.join(tmpdir(), "byoc-mig-"));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8"));
  journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < "0003");
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

beforeAll(async () => {
  db = await createTestDatabase();
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  await migrate(drizzle(sql), { migrationsFolder: migrationsBeforeTenants() });
  const project = (name: string, account: string) => ({
    name, region: "us-east-1", role_arn: `arn:aws:iam::${account}:role/r`, account_id: account, external_id: "customer-chosen-id",
    deployment_type: "dev", database: JSON.stringify({ mode: "rds" }), resources: "{}", env: "{}", sealed_secrets: "x", deletion_policy: "snapshot",
  });
  await sql`INSERT INTO projects ${sql([project("old-one", "111111111111"), project("old-two", "111111111111"), project("old-three", "222222222222")])}`;
  await sql`INSERT INTO api_tokens (name, scope, token_hash) VALUES ('ops', 'write', 'abc123')`;
  const [{ id }] = await sql`SELECT id FROM projects WHERE name = 'old-one'`;
  await sql`INSERT INTO events (project_id, type, reason, message) VALUES (${id}, 'Normal', 'Created', 'x')`;
  await applyMigrations(db.url);
});
afterAll(async () => {
  await sql?.end();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("puts every existing project in the default tenant, which trusts the external ID they already send", async () => {
  const tenants = await sql`SELECT id, name, external_id FROM tenants`;
  expect(tenants.map((t) => t.name)).toEqual(["default"]);
  expect(tenants[0].external_id).toBe("customer-chosen-id");
  const projects = await sql`SELECT name, tenant_id FROM projects ORDER BY name`;
  expect(projects.map((p) => p.tenant_id)).toEqual([tenants[0].id, tenants[0].id, tenants[0].id]);
});

it("binds the existing projects' accounts to the default tenant", async () => {
  const bindings = await sql`SELECT account_id, t.name FROM account_bindings b JOIN tenants t ON t.id = b.tenant_id ORDER BY account_id`;
  expect(bindings.map((b) => [b.account_id, b.name])).toEqual([["111111111111", "default"], ["222222222222", "default"]]);
});

it("keeps minted tokens as admin keys, and the watch feed knows each change's tenant", async () => {
  const [token] = await sql`SELECT tenant_id, scope, revoked_at FROM api_tokens WHERE name = 'ops'`;
  expect(token).toMatchObject({ tenant_id: null, scope: "write", revoked_at: null });
  const changes = await sql`SELECT tenant_id FROM changes`;
  expect(changes.length).toBe(1);
  expect(changes[0].tenant_id).toBe((await sql`SELECT id FROM tenants`)[0].id);
  const [{ id }] = await sql`SELECT id FROM projects WHERE name = 'old-two'`;
  await sql`INSERT INTO events (project_id, type, reason, message) VALUES (${id}, 'Normal', 'After', 'y')`;
  expect((await sql`SELECT tenant_id FROM changes ORDER BY id DESC LIMIT 1`)[0].tenant_id).toBe(changes[0].tenant_id);
});
