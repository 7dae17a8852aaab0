// Bad configuration stops start-up with one line naming the variable.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("loadConfig", () => {
  test("defaults: sandbox without AWS credentials, port 8080, 60 s resync", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ cloud: "sandbox", port: 8080, resyncSeconds: 60, dataDir: ".byoc", leaseSeconds: 15 });
  });
  test("AWS credentials in the environment select the aws cloud", () => {
    expect(loadConfig({ AWS_ACCESS_KEY_ID: "AKIA" }).cloud).toBe("aws");
  });
  const bad: Array<[string, Record<string, string>]> = [
    ["BYOC_CLOUD", { BYOC_CLOUD: "gcp" }],
    ["PORT", { PORT: "eighty" }],
    ["PORT", { PORT: "70000" }],
    ["BYOC_RESYNC_SECONDS", { BYOC_RESYNC_SECONDS: "0" }],
    ["BYOC_CONCURRENCY", { BYOC_CONCURRENCY: "-1" }],
    ["BYOC_ACCOUNT_CONCURRENCY", { BYOC_ACCOUNT_CONCURRENCY: "1.5" }],
    ["BYOC_ADMIN_TOKENS", { BYOC_ADMIN_TOKENS: "admin:abcdefghijklmnopqrstu" }],
    ["BYOC_ADMIN_TOKENS", { BYOC_ADMIN_TOKENS: "write:short" }],
    ["BYOC_ENCRYPTION_KEY", { BYOC_ENCRYPTION_KEY: "bm90LTMyLWJ5dGVz" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://x" }],
    ["BYOC_OPERATOR_ID", { BYOC_OPERATOR_ID: "has spaces" }],
    ["BYOC_HOST", { BYOC_HOST: "not a host" }],
    ["BYOC_DATA_DIR", { BYOC_DATA_DIR: "   " }],
    ["BYOC_LEASE_SECONDS", { BYOC_LEASE_SECONDS: "1" }],
    ["BYOC_POLL_SECONDS", { BYOC_POLL_SECONDS: "soon" }],
    // The sandbox's variables are configuration too, validated with the rest before anything starts.
    ["BYOC_SANDBOX_DELAY_MS", { BYOC_SANDBOX_DELAY_MS: "abc" }],
    ["BYOC_SANDBOX_DELAY_MS", { BYOC_SANDBOX_DELAY_MS: "-5" }],
    ["BYOC_SANDBOX_EXTERNAL_ID", { BYOC_SANDBOX_EXTERNAL_ID: "x" }],
    ["BYOC_SANDBOX_FAULTS", { BYOC_SANDBOX_FAULTS: "throttle=lots" }],
    ["BYOC_SANDBOX_SEED", { BYOC_SANDBOX_SEED: "1.5" }],
    ["BYOC_SANDBOX_DATABASE_URL", { BYOC_SANDBOX_DATABASE_URL: "http://db" }],
    ["BYOC_SANDBOX_IMAGE_MODEL", { BYOC_SANDBOX_IMAGE_MODEL: "maybe" }],
  ];
  test.each(bad)("a bad %s is one error naming it", (variable, env) => {
    let err: unknown;
    try { loadConfig(env); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as Error).message.startsWith(`${variable}: `)).toBe(true);
    expect((err as Error).message).not.toContain("\n");
  });
  test("admin tokens and rotated keys parse", () => {
    const key = Buffer.alloc(32, 1).toString("base64");
    const c = loadConfig({ BYOC_ADMIN_TOKENS: "write:abcdefghijklmnop,read:qrstuvwxyzabcdef", BYOC_ENCRYPTION_KEY: `${key},${key}` });
    expect(c.adminTokens).toEqual([{ scope: "write", token: "abcdefghijklmnop" }, { scope: "read", token: "qrstuvwxyzabcdef" }]);
    expect(c.encryptionKeys).toHaveLength(2);
  });
});

// The whole start-up path, as `npm start` runs it: the variable is named before anything is started.
describe("npm start with a bad value", () => {
  test.each([
    ["BYOC_SANDBOX_DELAY_MS", "abc"],
    ["PORT", "eighty"],
  ])("%s=%s exits 2 with one line naming it, and starts no Postgres", (variable, value) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "byoc-config-"));
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
        encoding: "utf8", timeout: 100_000, // a bound, not a goal: loading the daemon under tsx is slow on a loaded machine
        env: { PATH: process.env.PATH, HOME: process.env.HOME, BYOC_DATA_DIR: dataDir, [variable]: value },
      });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^byoc-operator: invalid configuration: ${variable}: `))]);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
