// Bad configuration stops start-up with one line naming the variable.
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
