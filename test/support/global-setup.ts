// One real Postgres server for the whole run (DATABASE_URL if given, else embedded); each test file
// creates its own database on it (see ./db.ts), so files run in parallel without sharing rows.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../src/store/embedded.js";
import { withMotoVenv } from "./prerequisites.js";

let server: EmbeddedServer | undefined;
let dir: string | undefined;

export async function setup(project: TestProject) {
  // Test workers start after this and inherit it: moto from the virtual environment `npm test` made, if any.
  process.env.PATH = withMotoVenv(process.env).PATH;
  let url = process.env.DATABASE_URL;
  if (!url) {
    dir = mkdtempSync(path.join(tmpdir(), "byoc-test-pg-"));
    chmodSync(dir, 0o755); // Postgres runs as the postgres user when we are root; it must reach its data dir.
    server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), persistent: false });
    url = server.url;
  }
  project.provide("adminDatabaseUrl", url);
}

export async function teardown() {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
