// The embedded Postgres is locked down (issue 12.7): its data holds the sandbox's simulated Secrets
// Manager, so no local user may read it with a default password or through a world-writable socket.
// And a server left running by a process that was SIGKILLed does not stop the next start (issue 12.3).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { passwordFileFor, startEmbeddedPostgres, type EmbeddedServer } from "../../src/store/embedded.js";
import { findPostmaster } from "../../src/store/postmaster.js";

let dir: string;
let dataDir: string;
const servers: EmbeddedServer[] = [];
const start = async () => { const s = await startEmbeddedPostgres({ dataDir }); servers.push(s); return s; };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "byoc-embedded-"));
  chmodSync(dir, 0o755); // Postgres runs as the postgres account when we are root
  dataDir = path.join(dir, "pg");
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The SQLSTATE a connection attempt fails with, or "connected". */
async function attempt(o: { host: string; port: number; password: string }): Promise<string> {
  const sql = postgres({ ...o, user: "postgres", database: "postgres", max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return "connected";
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const passwordOf = (s: EmbeddedServer) => decodeURIComponent(new URL(s.url).password);

describe("security", () => {
  test("the password is generated into a 0600 file beside the data directory and kept across restarts", async () => {
    const first = await start();
    const file = passwordFileFor(dataDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, "utf8").trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(passwordOf(first)).toBe(password);
    await first.stop();
    servers.length = 0;
    const second = await start();
    expect(passwordOf(second)).toBe(password);
    expect(await attempt({ host: "127.0.0.1", port: second.port, password })).toBe("connected");
  });

  test("postgres/postgres on 127.0.0.1 is refused: SCRAM with the generated password, no trust", async () => {
    const s = await start();
    expect(await attempt({ host: "127.0.0.1", port: s.port, password: "postgres" })).toBe("28P01");
    const sql = postgres(s.url, { max: 1, onnotice: () => {} });
    try {
      const [{ password_encryption }] = await sql`SHOW password_encryption`;
      expect(password_encryption).toBe("scram-sha-256");
      const rules = await sql<{ type: string; auth_method: string }[]>`SELECT type, auth_method FROM pg_hba_file_rules`;
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.filter((r) => r.auth_method !== "scram-sha-256")).toEqual([]);
      const [{ verifier }] = await sql`SELECT left(rolpassword, 14) AS verifier FROM pg_authid WHERE rolname = 'postgres'`;
      expect(verifier).toBe("SCRAM-SHA-256$");
    } finally {
      await sql.end();
    }
  });

  test("the Unix socket is in the 0700 data directory, not in /tmp, and asks for the password too", async () => {
    const s = await start();
    expect(s.socketDir).toBe(dataDir);
    expect(statSync(path.join(dataDir, `.s.PGSQL.${s.port}`)).isSocket()).toBe(true);
    expect(existsSync(path.join(tmpdir(), `.s.PGSQL.${s.port}`))).toBe(false);
    expect(existsSync(`/tmp/.s.PGSQL.${s.port}`)).toBe(false);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(await attempt({ host: dataDir, port: s.port, password: "postgres" })).toBe("28P01");
    expect(await attempt({ host: dataDir, port: s.port, password: passwordOf(s) })).toBe("connected");
  });

  test("a data directory made by an older version (password postgres, no password file) gets a generated password", async () => {
    const s = await start();
    const sql = postgres(s.url, { max: 1, onnotice: () => {} });
    await sql.unsafe("ALTER ROLE postgres PASSWORD 'postgres'");
    await sql.end();
    await s.stop();
    servers.length = 0;
    unlinkSync(passwordFileFor(dataDir));

    const upgraded = await start();
    expect(passwordOf(upgraded)).not.toBe("postgres");
    expect(await attempt({ host: "127.0.0.1", port: upgraded.port, password: "postgres" })).toBe("28P01");
    expect(await attempt({ host: "127.0.0.1", port: upgraded.port, password: passwordOf(upgraded) })).toBe("connected");
  });
});

describe("a server left running by a SIGKILLed process", () => {
  /** A process that starts the embedded server on `dataDir` and prints its port, then waits to be killed. */
  function startInChild(): Promise<{ pid: number; port: number }> {
    const code = `
      import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve("src/store/embedded.ts"))};
      const s = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
      console.log("port", s.port);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    return new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve({ pid: child.pid!, port: Number(m[1]) });
      });
      child.stderr.on("data", (d) => { out += d; });
      child.on("exit", (c) => reject(new Error(`child exited ${c}: ${out}`)));
    });
  }

  test("is stopped by the next start, which comes up on the same data with the data intact", async () => {
    const first = await start();
    const sql = postgres(first.url, { max: 1, onnotice: () => {} });
    await sql`CREATE TABLE kept (v text)`;
    await sql`INSERT INTO kept VALUES ('before the kill')`;
    await sql.end();
    await first.stop();
    servers.length = 0;

    const child = await startInChild();
    process.kill(child.pid, "SIGKILL"); // only the process, as the OOM killer would: its Postgres lives on
    await new Promise((r) => setTimeout(r, 200));
    const left = findPostmaster(dataDir);
    expect(left.kind).toBe("orphan");
    expect(await attempt({ host: "127.0.0.1", port: child.port, password: readFileSync(passwordFileFor(dataDir), "utf8").trim() })).toBe("connected");

    const next = await start();
    expect(findPostmaster(dataDir)).toMatchObject({ kind: "owned", owner: process.pid });
    expect(await attempt({ host: "127.0.0.1", port: child.port, password: passwordOf(next) })).not.toBe("connected");
    const check = postgres(next.url, { max: 1, onnotice: () => {} });
    try {
      expect(await check`SELECT v FROM kept`).toEqual([{ v: "before the kill" }]);
    } finally {
      await check.end();
    }
  });

  test("a server whose starter is still running is not stopped: the second start is refused, naming the owner", async () => {
    const s = await start();
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      new RegExp(`in use by another process \\(pid ${process.pid}, postmaster \\d+\\); stop it, or set BYOC_DATA_DIR`));
    expect(await attempt({ host: "127.0.0.1", port: s.port, password: passwordOf(s) })).toBe("connected");
  });
});
