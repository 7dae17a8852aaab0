// What a script can rely on whatever the command: exit codes (0 ok, 1 API error, 2 usage/validation,
// 3 not found, 4 conflict, 5 unreachable), one line on stderr for every error, the server and token
// from flags or the environment; and byoc token create/revoke. Most calls run the CLI in process; the
// rows marked `binary`, help and version, and the environment's BYOC_URL/BYOC_TOKEN run `bin/byoc.js`,
// so the exit codes a shell sees are those of the real command.
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { READ, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { cliEnv, runCli, spawnCli } from "./support.js";

let t: TestDaemon;
/** A port nothing listens on: one the OS just handed out and took back. */
let closedPort: number;
beforeAll(async () => {
  t = await startTestDaemon();
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  closedPort = (server.address() as AddressInfo).port;
  server.close();
});
afterAll(async () => { await t?.stop(); });

const env = (extra: Record<string, string | undefined> = {}) => cliEnv(t.d.url, TOKEN, extra);

describe("exit codes and one-line errors", () => {
  test.each([
    { reason: "an unknown command", binary: true, args: ["stauts", "x"], code: 2, stderr: "byoc: unknown command 'stauts' (Did you mean status?)\n" },
    { reason: "a missing argument", args: ["status"], code: 2, stderr: "byoc: missing required argument 'name'\n" },
    { reason: "an argument too many", args: ["plan", "a", "b"], code: 2, stderr: "byoc: too many arguments for 'plan'. Expected 1 argument but got 2.\n" },
    { reason: "an unknown output format", args: ["get", "projects", "-o", "xml"], code: 2, stderr: "byoc: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, json, yaml.\n" },
    { reason: "an unknown option", args: ["get", "projects", "--colour"], code: 2, stderr: "byoc: unknown option '--colour'\n" },
    { reason: "a name the API cannot hold", args: ["status", "Not_A_Name"], code: 2, stderr: /^byoc: path\.idOrName: must match pattern .*\n$/ },
    { reason: "no token", args: ["get", "projects"], env: { BYOC_TOKEN: undefined }, code: 2, stderr: "byoc: no token: set BYOC_TOKEN or pass --token (npm start prints one)\n" },
    { reason: "a URL that is not one", args: ["get", "projects", "--url", "not a url"], code: 2, stderr: 'byoc: --url/BYOC_URL is not a URL: "not a url"\n' },
    { reason: "an unknown token", binary: true, args: ["get", "projects", "--token", "no-such-token-000000"], code: 1, stderr: "byoc: unknown token (check BYOC_TOKEN or --token)\n" },
    { reason: "a read token asked to write", args: ["reconcile", "anything"], env: { BYOC_TOKEN: READ }, code: 1, stderr: "byoc: this token has scope read; the request needs write\n" },
    { reason: "a project that does not exist", binary: true, args: ["status", "ghost"], code: 3, stderr: "byoc: project ghost does not exist\n" },
    { reason: "no server there", binary: true, args: ["get", "projects"], env: { BYOC_URL: "http://127.0.0.1:CLOSED" }, code: 5, stderr: "byoc: cannot reach http://127.0.0.1:CLOSED (ECONNREFUSED): is the daemon running? Set BYOC_URL or --url\n" },
  ])("$reason → exit $code", async ({ args, env: extra, code, stderr, binary }) => {
    const withPort = (v: string) => v.replace("CLOSED", String(closedPort));
    const r = await (binary ? spawnCli : runCli)(args, { env: env(Object.fromEntries(Object.entries(extra ?? {}).map(([k, v]) => [k, v && withPort(v)]))) });
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    if (typeof stderr === "string") expect(r.stderr).toBe(withPort(stderr));
    else expect(r.stderr).toMatch(stderr);
  });

  test("no command prints the help to stderr (exit 2); --help and --version print to stdout (exit 0)", async () => {
    const none = await spawnCli([], { env: env() });
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toMatch(/^Usage: byoc \[options\] \[command\]/);
    const help = await spawnCli(["--help"], { env: env() });
    expect(help.code).toBe(0);
    for (const cmd of ["apply", "get", "status", "revisions", "deploy", "events", "logs", "plan", "reconcile", "delete", "token"]) expect(help.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
    expect(help.stdout).toContain("Exit codes: 0 ok, 1 server/API error, 2 usage or validation error, 3 not found");
    expect(await spawnCli(["--version"], { env: env() })).toMatchObject({ code: 0, stdout: "0.1.0\n" });
  });

  test("--url and --token override BYOC_URL and BYOC_TOKEN, before or after the command", async () => {
    const broken = env({ BYOC_URL: `http://127.0.0.1:${closedPort}`, BYOC_TOKEN: "no-such-token-000000" });
    expect(await spawnCli(["--url", t.d.url, "--token", TOKEN, "get", "projects"], { env: broken })).toMatchObject({ code: 0, stdout: "No projects.\n" });
    expect(await spawnCli(["get", "projects", "--url", t.d.url, "--token", TOKEN, "-o", "json"], { env: broken })).toMatchObject({ code: 0, stdout: '{\n  "items": []\n}\n' });
  });
});

describe("byoc token", () => {
  test("create prints only the token on stdout; it works with its scope until revoked", async () => {
    const created = await runCli(["token", "create", "--scope", "read", "--name", "ci reader"], { env: env() });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^byoc_[A-Za-z0-9_-]+\n$/);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stderr)?.[1];
    expect(created.stderr).toMatch(/^created read token "ci reader" \(id [0-9a-f-]{36}\); it is shown only this once\n$/);
    const minted = env({ BYOC_TOKEN: created.stdout.trim() });
    expect(await runCli(["get", "projects"], { env: minted })).toMatchObject({ code: 0 });
    expect(await runCli(["token", "create", "--scope", "write"], { env: minted })).toMatchObject({ code: 1, stderr: "byoc: this token has scope read; the request needs write\n" });

    expect(await runCli(["token", "revoke", id!], { env: env() })).toMatchObject({ code: 0, stdout: `token ${id} revoked\n` });
    expect(await runCli(["get", "projects"], { env: minted })).toMatchObject({ code: 1, stderr: "byoc: unknown token (check BYOC_TOKEN or --token)\n" });
    expect(await runCli(["token", "revoke", id!], { env: env() })).toMatchObject({ code: 3, stderr: `byoc: token ${id} does not exist\n` });
  });

  test("-o json shows the whole record; a scope is required and must be read or write", async () => {
    const r = await runCli(["token", "create", "--scope", "write", "-o", "json"], { env: env() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: expect.any(String), scope: "write", name: expect.stringMatching(/@byoc-cli$/), token: expect.stringMatching(/^byoc_/) });
    expect(r.stderr).toBe("");
    expect(await runCli(["token", "create"], { env: env() })).toMatchObject({ code: 2, stderr: "byoc: required option '--scope <scope>' not specified\n" });
    expect(await runCli(["token", "create", "--scope", "admin"], { env: env() })).toMatchObject({ code: 2 });
  });
});
