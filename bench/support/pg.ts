// A throwaway embedded Postgres per benchmark run (fsync off, as in the test suite), with one database
// per use: "byoc" for the operator's rows, and "sandbox" for the replicas benchmark, whose simulated AWS
// must be shared by processes (its queries then never mix with the operator's in the counts).
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres } from "../../src/store/embedded.js";
import { applyMigrations } from "../../src/store/db.js";

export interface BenchPostgres {
  adminUrl: string;
  /** Creates a database (migrated when `migrate`) and returns its URL. */
  database(name: string, opts?: { migrate?: boolean }): Promise<string>;
  /** The server's processes (postmaster and its children), to read its CPU from /proc. */
  pids(): number[];
  stop(): Promise<void>;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "byoc-bench-pg-"));
  chmodSync(dir, 0o755); // Postgres runs as the postgres user when we are root; it must reach its data dir.
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), persistent: false });
  const dbUrl = (name: string) => { const u = new URL(server.url); u.pathname = `/${name}`; return u.toString(); };
  return {
    adminUrl: server.url,
    async database(name, opts = {}) {
      const admin = postgres(server.url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = dbUrl(name);
      if (opts.migrate ?? true) await applyMigrations(url);
      return url;
    },
    pids: () => serverPids(path.join(dir, "pg")),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The postmaster (first line of postmaster.pid) and its children: backends and background workers. */
function serverPids(dataDir: string): number[] {
  let master: number;
  try { master = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]); } catch { return []; }
  const out = [master];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === master) out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}
