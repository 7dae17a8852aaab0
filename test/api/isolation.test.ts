// Tenant isolation over every route the OpenAPI document lists, so a route added later is covered
// without touching this file (as the auth matrix is). Tenant A owns a project with a revision, events
// and keys; tenant B's keys try every operation on A's objects, by name and by id. Each must answer
// 404 exactly as for something that does not exist (or 403 where only admin keys may go, or a list
// without A's objects), and nothing of A's may change. B's watch stream never carries A's changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { image, isProblem } from "./fixtures.js";
import { createTenantProject, createTestTenant, tenantProjectBody, type TestTenant } from "./tenant-fixtures.js";
import { readSse } from "./sse.js";
import { documentedOperations, versioned } from "../support/operations.js";

let api: TestApi;
let a: TestTenant;
let b: TestTenant;
let pa: { id: string; name: string };
let operations: Array<{ method: string; template: string }>;
const tried = { requests: 0, routes: 0, leaks: 0 };

/** `deployment` and `revision` are ids (the /v2 routes take no names). */
interface Refs { project: string; tenant: string; key: string; adminKey: string; deployment: string; revision: string }
const GHOST: Refs = {
  project: "no-such-project", tenant: "00000000-0000-4000-8000-00000000dead", key: "00000000-0000-4000-8000-00000000beef",
  adminKey: "00000000-0000-4000-8000-00000000cafe", deployment: "00000000-0000-4000-8000-00000000f00d", revision: "00000000-0000-4000-8000-00000000babe",
};
let paRevision: string;

/** The object for each path parameter; a new parameter must be added here (the test says which). */
function fill(template: string, r: Refs): string {
  return template.replace(/\{(\w+)\}/g, (_, param: string) => {
    switch (param) {
      case "idOrName": return r.project;
      case "number": return "1";
      case "id": return template.startsWith("/v1/tokens/") ? r.adminKey : template.startsWith("/v1/tenants/") ? r.tenant : r.project;
      case "keyId": return r.key;
      case "deployment_id": return r.deployment;
      case "revision_id": return r.revision;
      default: throw new Error(`isolation.test.ts does not know A's object for {${param}} of ${template}; add it to fill()`);
    }
  });
}
/** The answer's text with the references it was asked about blanked, to compare with a ghost's. */
const blank = (text: string, r: Refs) => [r.project, r.tenant, r.key, r.adminKey, r.deployment, r.revision].reduce((t, x) => t.replaceAll(x, "<ref>"), text);

/** A valid body per operation, so that only tenancy can refuse it (a 400 would prove nothing). */
function bodyFor(method: string, template: string): { body?: unknown; headers?: Record<string, string> } {
  const key = `${method} ${template}`;
  const bodies: Record<string, { body?: unknown; headers?: Record<string, string> }> = {
    "POST /v1/projects": { body: tenantProjectBody(b, { name: pa.name }) },
    "PATCH /v1/projects/{idOrName}": { body: { deletionPolicy: "delete" }, headers: { "if-match": '"1"' } },
    "POST /v1/projects/{idOrName}/revisions": { body: { image: image("intruder") } },
    "POST /v1/tenants": { body: { name: "intruder-tenant" } },
    "PATCH /v1/tenants/{id}": { body: { defaultRegion: "eu-west-1" } },
    "POST /v1/tenants/{id}/keys": { body: { scope: "write" } },
    "POST /v1/tokens": { body: { name: "intruder", scope: "write" } },
    "POST /v2/deployments": { body: { name: pa.name, source: "external_docker" } },
    "PATCH /v2/deployments/{deployment_id}": { body: { source_revision_config: { image_uri: image("intruder") } } },
    "POST /v1/projects/{idOrName}/deploy_logs": { body: {} },
    "POST /v1/projects/{idOrName}/revisions/{revision_id}/deploy_logs": { body: {} },
  };
  return bodies[key] ?? {};
}

/** Everything of A's a request could change, in one read. */
async function aState(): Promise<string> {
  const [row] = await api.store.sql`
    SELECT (SELECT row_to_json(p) FROM (SELECT generation, updated_at, deleting_at, phase, deletion_policy FROM projects WHERE id = ${pa.id}) p) AS project,
           (SELECT count(*) FROM revisions WHERE project_id = ${pa.id}) AS revisions,
           (SELECT count(*) FROM events WHERE project_id = ${pa.id}) AS events,
           (SELECT wakes FROM leases WHERE project_id = ${pa.id}) AS wakes,
           (SELECT row_to_json(t) FROM tenants t WHERE id = ${a.id}) AS tenant,
           (SELECT count(*) FROM api_tokens WHERE tenant_id = ${a.id}) AS keys,
           (SELECT count(*) FROM api_tokens WHERE tenant_id = ${a.id} AND revoked_at IS NOT NULL) AS revoked,
           (SELECT count(*) FROM api_tokens WHERE tenant_id IS NULL) AS admin_keys,
           (SELECT count(*) FROM projects WHERE tenant_id = ${a.id}) AS a_projects`;
  return JSON.stringify(row);
}

type Res = { status: number; body: any; text: string };
/** What B may see of A's objects: nothing; a refusal reads exactly as one for objects that do not exist. */
function expectRefused(method: string, template: string, res: Res, ghost: Res, refs: Refs, where: string) {
  if (template === "/v1/watch") return; // a stream: its own test below
  if (method === "GET" && (template === "/v1/projects" || template === "/v1/tenants" || template === "/v2/deployments")) {
    expect(res.status, where).toBe(200);
    const items = res.body.items ?? res.body.resources;
    const leaked = items.filter((x: { id: string; tenantId?: string; tenant_id?: string }) => x.id === a.id || x.id === pa.id || x.tenantId === a.id || x.tenant_id === a.id);
    tried.leaks += leaked.length;
    expect(leaked, where).toEqual([]);
    return;
  }
  if (method === "POST" && (template === "/v1/projects" || template === "/v2/deployments")) {
    // B may create its own project with A's project name: names are unique per tenant, A's is untouched.
    expect(res.status, where).toBe(201);
    expect(res.body.tenantId ?? res.body.tenant_id, where).toBe(b.id);
    return;
  }
  const adminOnly = template.startsWith("/v1/tokens") || (method === "POST" && template === "/v1/tenants");
  const want = adminOnly ? 403 : 404;
  if (res.status !== want) tried.leaks++;
  expect(res.status, `${where}: ${res.text.slice(0, 200)}`).toBe(want);
  expect(res.text, where).not.toContain(a.externalId);
  expect(blank(res.text, refs), `${where}: differs from the answer for a missing object`).toBe(blank(ghost.text, GHOST));
  expect(ghost.status, where).toBe(want);
}

beforeAll(async () => {
  api = await startTestApi();
  [a, b] = [await createTestTenant(api), await createTestTenant(api)];
  pa = await createTenantProject(api, a, { image: image("v1") });
  await createTenantProject(api, b); // B has a project of its own: its lists are not empty by accident
  paRevision = (await api.request("GET", `/v1/projects/${pa.id}/revisions/1`, { token: a.read })).body.id;
  // B can create through /v2 too (its region and role come from its defaults).
  expect((await api.request("PATCH", `/v1/tenants/${b.id}`, { body: { defaultRegion: "us-east-1", defaultRoleArn: b.roleArn } })).status).toBe(200);
  operations = versioned(await documentedOperations(api));
});
afterAll(async () => {
  console.log(`isolation.test.ts: ${tried.routes} operations, by name and by id, with B's read and write keys: ${tried.requests} requests by tenant B at tenant A's objects; leaks found: ${tried.leaks}`);
  await api?.close();
});

describe("a second tenant's keys on every operation in the OpenAPI document", () => {
  it("finds the routes: projects, revisions, status, events, plan, reconcile, logs, watch, tenants, keys", () => {
    const templates = new Set(operations.map((o) => o.template));
    for (const t of ["/v1/projects/{idOrName}/plan", "/v1/projects/{idOrName}/logs", "/v1/watch", "/v1/tenants/{id}/keys/{keyId}"]) expect(templates).toContain(t);
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it("get 404 (or 403 for admin-only routes, or lists without A's objects) and change nothing of A's", async () => {
    for (const op of operations) {
      tried.routes++;
      for (const project of [pa.name, pa.id]) {
        for (const token of op.method === "GET" ? [b.read, b.write] : [b.write]) {
          const refs: Refs = { project, tenant: a.id, key: a.readKeyId, adminKey: a.writeKeyId, deployment: pa.id, revision: paRevision };
          const path = fill(op.template, refs);
          const { body, headers } = bodyFor(op.method, op.template);
          const before = await aState();
          const res = await api.request(op.method, path, { token, body, headers });
          tried.requests++;
          const where = `${op.method} ${path}`;
          if (res.status === 400) throw new Error(`${where} → 400 ${res.text}: give this route a valid body in bodyFor(), so tenancy is what is tested`);
          const ghost = res.status >= 400 ? await api.request(op.method, fill(op.template, GHOST), { token, body, headers }) : res;
          expectRefused(op.method, op.template, res, ghost, refs, where);
          if (res.status >= 400) expect(isProblem(res), where).toBe(true);
          expect(await aState(), `${where} changed tenant A's state`).toBe(before);
          // A second POST /v1/projects with the same name is B's own 409: remove B's copy so each spelling creates.
          if (op.method === "POST" && (op.template === "/v1/projects" || op.template === "/v2/deployments")) await api.store.sql`DELETE FROM projects WHERE tenant_id = ${b.id} AND name = ${pa.name}`;
        }
      }
    }
  });

  it("an admin acting in B (X-Tenant-Id) cannot reach A's project either", async () => {
    for (const op of operations.filter((o) => o.template.includes("{idOrName}") || o.template.includes("{deployment_id}"))) {
      const { body, headers } = bodyFor(op.method, op.template);
      const res = await api.request(op.method, fill(op.template, { ...GHOST, project: pa.name, deployment: pa.id, revision: paRevision }), { body, headers: { ...headers, "x-tenant-id": b.id } });
      tried.requests++;
      expect(res.status, `${op.method} ${op.template}`).toBe(404);
    }
  });
});

describe("watch streams", () => {
  it("B's stream, even filtered by A's project name, never carries A's changes; it does carry B's", async () => {
    const own = await createTenantProject(api, b);
    const sentinel = "intruder-sentinel";
    const stop = (m: { data: any }[]) => m.some((x) => x.data.event?.message?.includes(sentinel));
    const allOfB = readSse(api.url, "/v1/watch", stop, { "x-api-key": b.read });
    const aByName = readSse(api.url, `/v1/watch?project=${pa.name}`, () => false, { "x-api-key": b.read }, 2500);
    const adminInB = readSse(api.url, "/v1/watch", stop, { authorization: "Bearer write-token-0123456789abcdef", "x-tenant-id": b.id });
    await new Promise((r) => setTimeout(r, 300));
    for (const tag of ["a1", "a2"]) expect((await api.request("POST", `/v1/projects/${pa.name}/revisions`, { token: a.write, body: { image: image(tag) } })).status).toBe(201);
    expect((await api.request("POST", `/v1/projects/${pa.name}/reconcile`, { token: a.write })).status).toBe(202);
    expect((await api.request("POST", `/v1/projects/${own.name}/revisions`, { token: b.write, body: { image: image(sentinel) } })).status).toBe(201);
    for (const msgs of [await allOfB, await adminInB]) {
      expect(msgs.some((m) => m.data.projectId === own.id)).toBe(true);
      expect(msgs.filter((m) => m.data.projectId === pa.id)).toEqual([]);
    }
    expect(await aByName).toEqual([]);
  });

  it("A's own stream does carry A's changes (the test above can see a leak)", async () => {
    const msgs = readSse(api.url, "/v1/watch", (m) => m.some((x) => x.data.event?.message?.includes("a-visible")), { "x-api-key": a.read });
    await new Promise((r) => setTimeout(r, 300));
    await api.request("POST", `/v1/projects/${pa.name}/revisions`, { token: a.write, body: { image: image("a-visible") } });
    expect((await msgs).some((m) => m.data.projectId === pa.id)).toBe(true);
  });

  it("resuming from the start (Last-Event-ID 0) replays only B's history", async () => {
    const msgs = await readSse(api.url, "/v1/watch?lastEventId=0", () => false, { "x-api-key": b.read }, 1500);
    expect(msgs.length).toBeGreaterThan(0);
    expect(msgs.filter((m) => m.data.projectId === pa.id)).toEqual([]);
  });
});
