// Bearer auth over every /v1 route the OpenAPI document lists, so a route added later is covered without
// touching this file; minted tokens (scope, hashing, revocation); and the endpoints that need no token.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/server.js";
import { createSealer } from "../../src/store/crypto.js";
import { connect } from "../../src/store/db.js";
import { createMetrics } from "../../src/metrics.js";
import { READ_TOKEN, startTestApi, WRITE_TOKEN, type TestApi } from "../support/api.js";
import { createTestDatabase } from "../support/db.js";
import { createProject, image, isProblem } from "./fixtures.js";
import { documentedOperations, versioned } from "../support/operations.js";

let api: TestApi;
let projectName: string;
let projectId: string;
let revisionId: string;
let defaultTenantId: string;
let operations: Array<{ method: string; template: string; path: string }>;

/** Path parameters filled with things that exist, so an authorised request reaches its handler. */
function fill(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, param: string) => {
    switch (param) {
      case "idOrName": return projectName;
      case "number": return "1";
      // A tenant route's {id} is a tenant that exists, so a read GET reaches its handler (200).
      case "id": return template.startsWith("/v1/tenants/") ? defaultTenantId : randomUUID();
      case "keyId": return randomUUID();
      // The /v2 routes (SPEC §7.1): a deployment and a revision that exist.
      case "deployment_id": return projectId;
      case "revision_id": return revisionId;
      default: throw new Error(`auth.test.ts does not know how to fill path parameter {${param}} of ${template}; add it`);
    }
  });
}

beforeAll(async () => {
  api = await startTestApi();
  const created = (await createProject(api, { image: image("v1") })).project;
  projectName = created.name;
  projectId = created.id;
  revisionId = (await api.request("GET", `/v1/projects/${created.name}/revisions/1`)).body.id;
  defaultTenantId = created.tenantId;
  operations = versioned(await documentedOperations(api)).map((o) => ({ ...o, path: fill(o.template) }));
});
afterAll(async () => { await api?.close(); });

function expectUnauthorized(res: { status: number; headers: Headers; body: any }) {
  expect(res.status).toBe(401);
  expect(isProblem(res)).toBe(true);
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
}

/** POSTs that only read (LangSmith's deploy_logs takes its query as a body): a read key may call them. */
const readsByPost = (template: string) => template.endsWith("/deploy_logs");

describe("every /v1 and /v2 operation in the OpenAPI document", () => {
  it("is found: the document lists the routes this test walks", () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
    expect(operations.filter((o) => o.method !== "GET").length).toBeGreaterThanOrEqual(6);
  });

  const credentials = [
    { reason: "no Authorization header", input: { token: null } },
    { reason: "an unknown token", input: { token: "not-a-token-anyone-issued" } },
    { reason: "a Basic credential", input: { token: null, headers: { authorization: `Basic ${Buffer.from(`u:${WRITE_TOKEN}`).toString("base64")}` } } },
    { reason: "Bearer with no token", input: { token: null, headers: { authorization: "Bearer" } } },
    { reason: "the token without the Bearer scheme", input: { token: null, headers: { authorization: WRITE_TOKEN } } },
    { reason: "a valid token followed by junk", input: { token: null, headers: { authorization: `Bearer ${WRITE_TOKEN} extra` } } },
  ];
  it.each(credentials)("answers $reason with 401 on every operation", async ({ input }) => {
    for (const op of operations) {
      const res = await api.request(op.method, op.path, input);
      expect.soft(res.status, `${op.method} ${op.template}`).toBe(401);
      expectUnauthorized(res);
    }
  });

  it("answers a read token with 403 on every operation but GET (and the POSTs that only read)", async () => {
    for (const op of operations.filter((o) => o.method !== "GET" && !readsByPost(o.template))) {
      const res = await api.request(op.method, op.path, { token: READ_TOKEN });
      expect.soft(res.status, `${op.method} ${op.template}`).toBe(403);
      expect(isProblem(res)).toBe(true);
    }
    expect(operations.filter((o) => readsByPost(o.template))).toHaveLength(2);
    for (const op of operations.filter((o) => readsByPost(o.template))) {
      const res = await api.request(op.method, op.path, { token: READ_TOKEN, body: { limit: 5 } });
      expect.soft(res.status, `${op.method} ${op.template}: ${res.text}`).toBe(200);
    }
  });

  it("lets a read token GET every readable route", async () => {
    for (const op of operations.filter((o) => o.method === "GET")) {
      const res = await api.request(op.method, op.path, { token: READ_TOKEN });
      expect.soft(res.status, `${op.method} ${op.template}: ${res.text}`).toBe(200);
    }
  });

  it("accepts the scheme name in any case", async () => {
    const res = await api.request("GET", "/v1/projects", { token: null, headers: { authorization: `bearer ${READ_TOKEN}` } });
    expect(res.status).toBe(200);
  });
});

describe("tokens minted through /v1/tokens", () => {
  const mint = async (scope: "read" | "write") => {
    const res = await api.request("POST", "/v1/tokens", { body: { name: `ci ${scope}`, scope } });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; scope: string; name: string };
  };

  it("work with their scope: read reads and cannot write, write writes", async () => {
    const reader = await mint("read");
    const writer = await mint("write");
    expect((await api.request("GET", "/v1/projects", { token: reader.token })).status).toBe(200);
    expect((await api.request("POST", `/v1/projects/${projectName}/reconcile`, { token: reader.token })).status).toBe(403);
    expect((await api.request("POST", `/v1/projects/${projectName}/reconcile`, { token: writer.token })).status).toBe(202);
    expect((await api.request("POST", "/v1/tokens", { token: reader.token, body: { name: "escalate", scope: "write" } })).status).toBe(403);
  });

  it("are stored as a hash only: the plaintext is nowhere in api_tokens", async () => {
    const t = await mint("write");
    const rows = await api.store.sql`SELECT * FROM api_tokens`;
    expect(JSON.stringify(rows)).not.toContain(t.token);
    const [row] = rows.filter((r) => r.id === t.id);
    expect(row.token_hash).toBe(createHash("sha256").update(t.token).digest("hex"));
  });

  it("stop working as soon as they are revoked, even right after a successful use", async () => {
    const t = await mint("read");
    expect((await api.request("GET", "/v1/projects", { token: t.token })).status).toBe(200);
    const del = await api.request("DELETE", `/v1/tokens/${t.id}`);
    expect(del.status).toBe(204);
    expectUnauthorized(await api.request("GET", "/v1/projects", { token: t.token }));
    expect((await api.request("DELETE", `/v1/tokens/${t.id}`)).status).toBe(404);
  });

  it("revoking one token leaves the others working", async () => {
    const keep = await mint("read");
    const drop = await mint("read");
    expect((await api.request("GET", "/v1/projects", { token: keep.token })).status).toBe(200);
    expect((await api.request("DELETE", `/v1/tokens/${drop.id}`)).status).toBe(204);
    expect((await api.request("GET", "/v1/projects", { token: keep.token })).status).toBe(200);
  });
});

describe("endpoints that need no token", () => {
  it.each([
    { reason: "liveness", input: "/healthz", want: { status: "ok" } },
    { reason: "readiness on a migrated database", input: "/readyz", want: { status: "ready" } },
  ])("$reason: GET $input → 200", async ({ input, want }) => {
    const res = await api.request("GET", input, { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(want);
  });

  it("serves Prometheus metrics", async () => {
    const res = await api.request("GET", "/metrics", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text).toMatch(/^# HELP /m);
  });

  it("serves the OpenAPI document", async () => {
    const res = await api.request("GET", "/openapi.json", { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
  });

  it("reports not ready, with the reason, on a database without migrations", async () => {
    const db = await createTestDatabase();
    const store = connect(db.url, { max: 2 });
    const app = await buildApi({
      store, sealer: createSealer([randomBytes(32)]), metrics: createMetrics(), logger: pino({ level: "silent" }), tokens: [],
    });
    try {
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      expect((await res.json()).status).toBe("not ready");
    } finally {
      await app.close();
      await store.sql.end();
      await db.drop();
    }
  });
});
