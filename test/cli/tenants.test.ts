// byoc tenant create|get|list and byoc key create|list|revoke, run as a user would: with an admin key
// plus --tenant/BYOC_TENANT (sent as X-Tenant-Id), or with a tenant key alone (BYOC_TOKEN).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { cliEnv, runCli } from "./support.js";

let t: TestDaemon;
beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t?.stop(); });

const admin = (extra: Record<string, string | undefined> = {}) => ({ env: cliEnv(t.d.url, TOKEN, extra) });
const json = (r: { stdout: string }) => JSON.parse(r.stdout);

describe("byoc tenant and byoc key", () => {
  it("an admin creates a tenant and a key for it by name; the tenant key then sees only its tenant", async () => {
    const created = await runCli(["tenant", "create", "acme", "--default-region", "eu-west-1", "-o", "json"], admin());
    expect(created.code).toBe(0);
    expect(json(created)).toMatchObject({ name: "acme", externalId: expect.stringMatching(/^byoc-[0-9a-f]{32}$/), defaultRegion: "eu-west-1" });

    const key = await runCli(["key", "create", "--tenant", "acme", "--scope", "write", "--name", "acme ci"], admin());
    expect(key.code).toBe(0);
    expect(key.stderr).toContain('created write key "acme ci" for tenant acme');
    const tenantKey = key.stdout.trim();
    expect(tenantKey).toMatch(/^byoc_/);

    const asTenant = { env: cliEnv(t.d.url, tenantKey) };
    const list = await runCli(["tenant", "list", "-o", "json"], asTenant);
    expect(json(list).items.map((x: { name: string }) => x.name)).toEqual(["acme"]);
    const keys = await runCli(["key", "list", "-o", "json"], asTenant); // no --tenant: the key's own
    expect(keys.code).toBe(0);
    expect(json(keys).items.map((k: { name: string }) => k.name)).toEqual(["acme ci"]);
    expect(keys.stdout).not.toContain(tenantKey);
    expect((await runCli(["tenant", "create", "evil"], asTenant)).code).toBe(1);
  });

  it("an admin with BYOC_TENANT acts inside that tenant; without it, in default", async () => {
    await runCli(["tenant", "create", "globex"], admin());
    const body = { name: "shop", region: "us-east-1", roleArn: "arn:aws:iam::100000000181:role/op" };
    const inGlobex = await t.http("POST", "/v1/projects", body, { "x-tenant-id": (await runCli(["tenant", "get", "globex", "-o", "json"], admin()).then(json)).id });
    expect(inGlobex.status).toBe(201);
    const seen = await runCli(["get", "projects", "-o", "json"], admin({ BYOC_TENANT: "globex" }));
    expect(seen.code).toBe(0);
    expect(json(seen).items.map((p: { name: string }) => p.name)).toEqual(["shop"]);
    const unknown = await runCli(["get", "projects"], admin({ BYOC_TENANT: "no-such-tenant" }));
    expect(unknown).toMatchObject({ code: 3, stderr: "byoc: no tenant named no-such-tenant\n" });
  });

  it("byoc key revoke: the key is refused at once; --expires sets an expiry", async () => {
    await runCli(["tenant", "create", "initech"], admin());
    const minted = await runCli(["key", "create", "--scope", "read", "--expires", "30d", "-o", "json"], admin({ BYOC_TENANT: "initech" }));
    const k = json(minted);
    expect(new Date(k.expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await runCli(["get", "projects"], { env: cliEnv(t.d.url, k.key) })).code).toBe(0);
    const revoked = await runCli(["key", "revoke", k.id, "--tenant", "initech"], admin());
    expect(revoked.code).toBe(0);
    expect((await runCli(["get", "projects"], { env: cliEnv(t.d.url, k.key) })).stderr).toBe("byoc: unknown token (check BYOC_TOKEN or --token)\n");
  });
});
