// The production image's steps without Docker (none runs here): what deploy/docker/Dockerfile does —
// `npm run build`, `npm ci --omit=dev`, `node dist/src/main.js` — done in a temporary directory holding
// only the build output, the lockfile and production dependencies. The compiled daemon starts, applies
// its migrations and answers /healthz, /readyz and the dashboard; the compiled CLI runs without tsx.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { DAEMON_NODE_FLAGS } from "../../src/runtimeFlags.js";
import { createTestDatabase } from "../support/db.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string;
let db: { url: string; drop(): Promise<void> };
let daemon: ChildProcess | undefined;

/** Runs a command to completion; rejects with its last output lines when it fails. */
function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    child.on("error", reject);
    child.on("close", (code) => code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out.slice(-2000)}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "byoc-image-"));
  db = await createTestDatabase();
  for (const f of ["package.json", "package-lock.json"]) cpSync(path.join(ROOT, f), path.join(dir, f));
  // The image's build and deps stages, side by side. npm is the one on PATH beside this Node.
  const npm = path.join(path.dirname(process.execPath), "npm");
  await Promise.all([
    run(process.execPath, [path.join(ROOT, "scripts/build.mjs"), path.join(dir, "dist")], ROOT),
    run(existsSync(npm) ? npm : "npm", ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], dir),
  ]);
}, 300_000);
afterAll(async () => {
  daemon?.kill("SIGKILL");
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

test("production dependencies only: no TypeScript, no tsx, no test tools", () => {
  for (const dev of ["typescript", "tsx", "vitest", "drizzle-kit", "node"]) expect(existsSync(path.join(dir, "node_modules", dev))).toBe(false);
  expect(existsSync(path.join(dir, "node_modules", "fastify"))).toBe(true);
  expect(existsSync(path.join(dir, "src"))).toBe(false);
});

test("the compiled daemon starts on production dependencies and answers /healthz, /readyz and the dashboard", async () => {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, "dist/src/main.js"], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: db.url, BYOC_CLOUD: "sandbox", PORT: "0",
      BYOC_DATA_DIR: path.join(dir, "data"), BYOC_ADMIN_TOKENS: "write:image-test-token-00001", LOG_LEVEL: "warn",
    },
  });
  daemon = child;
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /admin API: (http\S+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`node dist/src/main.js exited ${code}:\n${out}`)));
  });
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<html");
  const exited = new Promise((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  daemon = undefined;
});

test("the compiled CLI runs from the image's files", async () => {
  cpSync(path.join(ROOT, "bin"), path.join(dir, "bin"), { recursive: true });
  const out = await run(process.execPath, ["bin/byoc.js", "--version"], dir);
  expect(out.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
});

test("the Dockerfile runs these same steps on Node 24", () => {
  const dockerfile = readFileSync(path.join(ROOT, "deploy/docker/Dockerfile"), "utf8");
  expect([...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1])).toEqual(Array(3).fill("node:24-bookworm-slim"));
  expect(dockerfile).toMatch(/^RUN npm run build$/m);
  expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  expect(runtime).not.toMatch(/^COPY (src|reconcilers)\b/m);
  expect(runtime).toContain(`\nCMD ${JSON.stringify(["node", ...DAEMON_NODE_FLAGS, "dist/src/main.js"]).replace(/","/g, '", "')}\n`);
});

test("npm start runs the daemon with the same Node flags as the image", () => {
  const start: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.start;
  expect(start).toBe(`node ${DAEMON_NODE_FLAGS.join(" ")} --import tsx src/main.ts`);
});
