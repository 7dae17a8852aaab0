// Tenants as a customer and the operator see them (SPEC §3, §7): generated external IDs, what a tenant
// key may and may not set, tenant defaults, accounts bound to one tenant, names unique per tenant, the
// X-Api-Key and X-Tenant-Id headers, and key management (expiry, lastUsedAt, listing, who mints what).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { fieldsOf, isProblem, rowCounts, uniqueName } from "./fixtures.js";
import { createTenantProject, createTestTenant, freshAccount, tenantProjectBody, type TestTenant } from "./tenant-fixtures.js";

let api: TestApi;
let a: TestTenant;
let b: TestTenant;
beforeAll(async () => {
  api = await startTestApi();
  [a, b] = [await createTestTenant(api), await createTestTenant(api)];
});
afterAll(async () => { await api?.close(); });

describe("external IDs", () => {
  it("are generated per tenant: byoc- and 32 hex digits (128 bits), all different", async () => {
    const ids = [a.externalId, b.externalId];
    for (let i = 0; i < 20; i++) ids.push((await api.request("POST", "/v1/tenants", { body: { name: uniqueName("x") } })).body.externalId);
    for (const id of ids) expect(id).toMatch(/^byoc-[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("cannot be chosen at creation or changed afterwards, not even by an admin", async () => {
    const chosen = await api.request("POST", "/v1/tenants", { body: { name: uniqueName("x"), externalId: "i-choose-this" } });
    expect(chosen.status).toBe(400);
    expect(fieldsOf(chosen)).toEqual(["externalId"]);
    const patched = await api.request("PATCH", `/v1/tenants/${a.id}`, { body: { externalId: "byoc-00000000000000000000000000000000" } });
    expect(patched.status).toBe(400);
    expect(fieldsOf(patched)).toEqual(["externalId"]);
    expect((await api.request("GET", `/v1/tenants/${a.id}`)).body.externalId).toBe(a.externalId);
  });

  it("is the tenant's on every project a tenant key creates; another one is a 400 naming externalId", async () => {
    const p = await createTenantProject(api, a);
    expect(p).toMatchObject({ tenantId: a.id, externalId: a.externalId });
    const own = await api.request("POST", "/v1/projects", { token: a.write, body: tenantProjectBody(a, { externalId: a.externalId }) });
    expect(own.status).toBe(201);
    const before = await rowCounts(api);
    const other = await api.request("POST", "/v1/projects", { token: a.write, body: tenantProjectBody(a, { externalId: b.externalId }) });
    expect(other.status).toBe(400);
    expect(fieldsOf(other)).toEqual(["externalId"]);
    expect(await rowCounts(api)).toEqual(before);
    const patch = await api.request("PATCH", `/v1/projects/${p.name}`, { token: a.write, headers: { "if-match": '"1"' }, body: { externalId: "guessed-id" } });
    expect(patch.status).toBe(400);
    expect(fieldsOf(patch)).toEqual(["externalId"]);
  });

  it("may be set by an admin key acting in the tenant (migrating a role that trusts another ID)", async () => {
    const res = await api.request("POST", "/v1/projects", { headers: { "x-tenant-id": a.id }, body: tenantProjectBody(a, { externalId: "legacy-trusted-id" }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tenantId: a.id, externalId: "legacy-trusted-id" });
  });
});

describe("tenant defaults", () => {
  it("fill in region and roleArn; without them a create names both fields", async () => {
    const t = await createTestTenant(api);
    const bare = await api.request("POST", "/v1/projects", { token: t.write, body: { name: uniqueName("d") } });
    expect(bare.status).toBe(400);
    expect(fieldsOf(bare).sort()).toEqual(["region", "roleArn"]);
    const set = await api.request("PATCH", `/v1/tenants/${t.id}`, { token: t.write, body: { defaultRegion: "eu-west-1", defaultRoleArn: t.roleArn } });
    expect(set.status).toBe(200);
    const res = await api.request("POST", "/v1/projects", { token: t.write, body: { name: uniqueName("d") } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ region: "eu-west-1", roleArn: t.roleArn, externalId: t.externalId, tenantId: t.id });
  });

  it("a read key cannot change them", async () => {
    expect((await api.request("PATCH", `/v1/tenants/${a.id}`, { token: a.read, body: { defaultRegion: "eu-west-1" } })).status).toBe(403);
  });
});

describe("accounts", () => {
  it("belong to the first tenant that names a role in them: another tenant gets 409 naming roleArn", async () => {
    await createTenantProject(api, a);
    const before = await rowCounts(api);
    const res = await api.request("POST", "/v1/projects", { token: b.write, body: tenantProjectBody(b, { roleArn: `arn:aws:iam::${a.account}:role/AnyRole` }) });
    expect(res.status).toBe(409);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res)).toEqual(["roleArn"]);
    // Nor can an admin put it in the default tenant.
    const admin = await api.request("POST", "/v1/projects", { body: tenantProjectBody(b, { roleArn: `arn:aws:iam::${a.account}:role/AnyRole`, externalId: a.externalId }) });
    expect(admin.status).toBe(409);
    expect(await rowCounts(api)).toEqual(before);
  });

  it("the owner keeps using its account for more projects", async () => {
    await createTenantProject(api, a);
    await createTenantProject(api, a, { roleArn: `arn:aws:iam::${a.account}:role/Another` });
  });
});

describe("project names", () => {
  it("are unique per tenant: two tenants may share one; an admin must say which (409) or use X-Tenant-Id or the id", async () => {
    const name = uniqueName("same");
    const pa = await createTenantProject(api, a, { name });
    const pb = await createTenantProject(api, b, { name });
    expect((await api.request("POST", "/v1/projects", { token: a.write, body: tenantProjectBody(a, { name }) })).status).toBe(409);
    expect((await api.request("GET", `/v1/projects/${name}`, { token: a.read })).body.id).toBe(pa.id);
    expect((await api.request("GET", `/v1/projects/${name}`, { token: b.read })).body.id).toBe(pb.id);
    const ambiguous = await api.request("GET", `/v1/projects/${name}`);
    expect(ambiguous.status).toBe(409);
    expect(fieldsOf(ambiguous)).toEqual(["header.x-tenant-id"]);
    expect((await api.request("GET", `/v1/projects/${name}`, { headers: { "x-tenant-id": b.id } })).body.id).toBe(pb.id);
    expect((await api.request("GET", `/v1/projects/${pa.id}`)).body.tenantId).toBe(a.id);
  });

  it("an admin lists every tenant's projects; a tenant key only its own", async () => {
    const all = await api.request("GET", "/v1/projects?limit=200");
    expect(new Set(all.body.items.map((p: { tenantId: string }) => p.tenantId))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect(all.body.items.some((p: { tenantId: string }) => p.tenantId === a.id)).toBe(true);
    expect(all.body.items.some((p: { tenantId: string }) => p.tenantId === b.id)).toBe(true);
    const mine = await api.request("GET", "/v1/projects?limit=200", { token: a.read });
    expect(mine.body.items.length).toBeGreaterThan(0);
    expect(mine.body.items.every((p: { tenantId: string }) => p.tenantId === a.id)).toBe(true);
  });

  it("an admin list pages through names that several tenants use without skipping one", async () => {
    const name = uniqueName("aa");
    await createTenantProject(api, a, { name });
    await createTenantProject(api, b, { name });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.request("GET", `/v1/projects?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.items.map((p) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const [{ n }] = await api.store.sql`SELECT count(*)::int AS n FROM projects`;
    expect(new Set(seen).size).toBe(n);
  });
});

describe("headers", () => {
  it("X-Api-Key works as Authorization: Bearer does; two different keys are refused", async () => {
    const res = await api.request("GET", "/v1/projects", { token: null, headers: { "x-api-key": a.read } });
    expect(res.status).toBe(200);
    expect(res.body.items.every((p: { tenantId: string }) => p.tenantId === a.id)).toBe(true);
    const both = await api.request("GET", "/v1/projects", { token: b.read, headers: { "x-api-key": a.read } });
    expect(both.status).toBe(401);
  });

  it("X-Tenant-Id: a tenant key cannot act in another tenant; an admin's must name a tenant that exists", async () => {
    const cross = await api.request("GET", "/v1/projects", { token: a.read, headers: { "x-tenant-id": b.id } });
    expect(cross.status).toBe(400);
    expect(fieldsOf(cross)).toEqual(["header.x-tenant-id"]);
    expect((await api.request("GET", "/v1/projects", { token: a.read, headers: { "x-tenant-id": a.id } })).status).toBe(200);
    const unknown = await api.request("GET", "/v1/projects", { headers: { "x-tenant-id": "00000000-0000-4000-8000-000000000000" } });
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown)).toEqual(["header.x-tenant-id"]);
  });

  it("an admin with X-Tenant-Id creates in that tenant", async () => {
    const t = await createTestTenant(api);
    const res = await api.request("POST", "/v1/projects", { headers: { "x-tenant-id": t.id }, body: { name: uniqueName("adm"), region: "us-east-1", roleArn: t.roleArn } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tenantId: t.id, externalId: t.externalId });
  });
});

describe("keys", () => {
  it("a tenant key sees only its own tenant and cannot create tenants or touch admin keys", async () => {
    const list = await api.request("GET", "/v1/tenants", { token: a.read });
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([a.id]);
    expect((await api.request("GET", `/v1/tenants/${b.id}`, { token: a.read })).status).toBe(404);
    expect((await api.request("POST", "/v1/tenants", { token: a.write, body: { name: uniqueName("x") } })).status).toBe(403);
    const before = await rowCounts(api);
    expect((await api.request("POST", "/v1/tokens", { token: a.write, body: { name: "escalate", scope: "write" } })).status).toBe(403);
    expect((await api.request("GET", "/v1/tokens", { token: a.write })).status).toBe(403);
    expect((await api.request("POST", `/v1/tenants/${b.id}/keys`, { token: a.write, body: { scope: "write" } })).status).toBe(404);
    expect(await rowCounts(api)).toEqual(before);
  });

  it("a tenant write key mints keys for its own tenant; the list shows names and use, never values", async () => {
    const minted = await api.request("POST", `/v1/tenants/${a.id}/keys`, { token: a.write, body: { scope: "read", name: "ci reader" } });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ tenantId: a.id, scope: "read", name: "ci reader", createdBy: a.writeKeyId, lastUsedAt: null, expiresAt: null });
    expect((await api.request("GET", "/v1/projects", { token: minted.body.key })).status).toBe(200);
    const list = await api.request("GET", `/v1/tenants/${a.id}/keys`, { token: a.read });
    expect(list.text).not.toContain(minted.body.key);
    expect(list.text).not.toContain(a.write);
    const row = list.body.items.find((k: { id: string }) => k.id === minted.body.id);
    expect(row).toMatchObject({ name: "ci reader", scope: "read", createdBy: a.writeKeyId });
    expect(Object.keys(row).sort()).toEqual(["createdAt", "createdBy", "expiresAt", "id", "lastUsedAt", "name", "scope", "tenantId"]);
  });

  it("lastUsedAt is written on use, at most once a minute", async () => {
    const k = (await api.request("POST", `/v1/tenants/${a.id}/keys`, { body: { scope: "read" } })).body;
    const lastUsed = async () => {
      const [row] = await api.store.sql`SELECT last_used_at FROM api_tokens WHERE id = ${k.id}`;
      return row.last_used_at === null ? null : new Date(row.last_used_at);
    };
    expect(await lastUsed()).toBeNull();
    await api.request("GET", "/v1/projects", { token: k.key });
    let first: Date | null = null;
    for (let i = 0; i < 50 && !first; i++) { first = await lastUsed(); if (!first) await new Promise((r) => setTimeout(r, 20)); }
    expect(first).toBeInstanceOf(Date);
    for (let i = 0; i < 5; i++) await api.request("GET", "/v1/projects", { token: k.key });
    await new Promise((r) => setTimeout(r, 100));
    expect((await lastUsed())!.getTime()).toBe(first!.getTime());
  });

  it("an expired key is refused at once, though it was just used; a past expiry is a 400", async () => {
    const k = (await api.request("POST", `/v1/tenants/${a.id}/keys`, { body: { scope: "read", expiresAt: new Date(Date.now() + 1500).toISOString() } })).body;
    expect((await api.request("GET", "/v1/projects", { token: k.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, new Date(k.expiresAt).getTime() - Date.now()) + 50));
    expect((await api.request("GET", "/v1/projects", { token: k.key })).status).toBe(401);
    const past = await api.request("POST", `/v1/tenants/${a.id}/keys`, { body: { scope: "read", expiresAt: "2020-01-01T00:00:00Z" } });
    expect(past.status).toBe(400);
    expect(fieldsOf(past)).toEqual(["expiresAt"]);
  });

  it("revoking: at once for the tenant's own key; another tenant's key id is a 404", async () => {
    const k = (await api.request("POST", `/v1/tenants/${a.id}/keys`, { token: a.write, body: { scope: "read" } })).body;
    expect((await api.request("GET", "/v1/projects", { token: k.key })).status).toBe(200);
    expect((await api.request("DELETE", `/v1/tenants/${b.id}/keys/${k.id}`, { token: b.write })).status).toBe(404);
    expect((await api.request("DELETE", `/v1/tenants/${b.id}/keys/${k.id}`)).status).toBe(404);
    expect((await api.request("GET", "/v1/projects", { token: k.key })).status).toBe(200);
    expect((await api.request("DELETE", `/v1/tenants/${a.id}/keys/${k.id}`, { token: a.write })).status).toBe(204);
    expect((await api.request("GET", "/v1/projects", { token: k.key })).status).toBe(401);
  });

  it("admin keys: only admin keys list and revoke them, and the list carries no values", async () => {
    const k = (await api.request("POST", "/v1/tokens", { body: { name: "ops", scope: "read" } })).body;
    const list = await api.request("GET", "/v1/tokens");
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(k.token);
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(k.id);
    expect(list.body.items.every((x: { tenantId: string | null }) => x.tenantId === null)).toBe(true);
    expect((await api.request("DELETE", `/v1/tokens/${a.readKeyId}`)).status).toBe(404); // a tenant key is not an admin key
    expect((await api.request("DELETE", `/v1/tokens/${k.id}`, { token: a.write })).status).toBe(403);
    expect((await api.request("DELETE", `/v1/tokens/${k.id}`)).status).toBe(204);
  });
});

it("a fresh account is free for any tenant", async () => {
  const res = await api.request("POST", "/v1/projects", { token: b.write, body: tenantProjectBody(b, { roleArn: `arn:aws:iam::${freshAccount()}:role/x` }) });
  expect(res.status).toBe(201);
});
