// A process that uses the embedded Postgres keeps its own exit code, and leaves no server behind. The
// package's exit hooks used to call process.exit(0) before a process ended, which made a failing
// `npm test` exit 0.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";

function run(script: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "byoc-exit-"));
  const code = `
    import { chmodSync } from "node:fs";
    import { startEmbeddedPostgres } from ${JSON.stringify(path.resolve("src/store/embedded.ts"))};
    chmodSync(${JSON.stringify(dir)}, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(dir, "pg"))}, persistent: false });
    console.log("port", server.port);
    ${script}`;
  try {
    return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const listening = (port: number) => spawnSync("pg_isready", ["-h", "127.0.0.1", "-p", String(port)]).status === 0;

test("an exit code set by the process survives the embedded server being stopped", () => {
  const r = run(`await server.stop(); process.exitCode = 3;`);
  expect(r.stderr).not.toMatch(/TypeError/);
  expect(r.status).toBe(3);
});

test("a server still running when the process exits is stopped, and the exit code is kept", async () => {
  const r = run(`process.exit(4);`);
  expect(r.status).toBe(4);
  const port = Number(/port (\d+)/.exec(r.stdout)?.[1]);
  expect(port).toBeGreaterThan(0);
  for (let i = 0; i < 50 && listening(port); i++) await new Promise((res) => setTimeout(res, 100));
  expect(listening(port)).toBe(false);
});
