// Generated hostile requests at the running API (fast-check, fixed seed, bounded). Whatever arrives, the
// API answers without a 5xx; every refusal is problem+json whose `status` is the HTTP status, a 400
// names at least one field, and a refused request leaves every table as it was.
import fc from "fast-check";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_TOKEN, startTestApi, WRITE_TOKEN, type TestApi } from "../support/api.js";
import { ACCOUNT, createProject, image, projectBody } from "./fixtures.js";
import { recordFigures } from "../support/figures.js";
import { createTenantProject, createTestTenant, type TestTenant } from "./tenant-fixtures.js";

const SEED = 20_240_601;
const RUNS = 300;
let api: TestApi;
let target: { name: string; id: string };
/** PATCHes go to their own project: a generated patch may be valid, and then it changes what it hits. */
let patchee: { name: string; id: string };
let tried = 0;
/** A tenant's keys in the mix: every property also runs with them (issue 15). */
let tenant: TestTenant;
let keys: string[];

beforeAll(async () => {
  api = await startTestApi();
  const { project } = await createProject(api, { image: image("v1"), secrets: { S: "hostile-secret-value" } });
  target = { name: project.name, id: project.id };
  patchee = (await createProject(api)).project;
  tenant = await createTestTenant(api);
  await createTenantProject(api, tenant, { name: target.name });
  keys = [WRITE_TOKEN, READ_TOKEN, tenant.write, tenant.read];
});
afterAll(async () => {
  recordFigures("hostile", `${tried} generated requests (${RUNS} runs per property, seed ${SEED}); no 5xx, every refusal problem+json, nothing written by any refusal`);
  await api?.close();
});

interface HostileRequest { method: string; path: string; headers: Record<string, string>; body?: string | Buffer }
interface Answer { status: number; contentType: string; body: any }

/** node:http rather than fetch: paths go out as generated (no "../" normalisation), headers as given. */
function send(r: HostileRequest): Promise<Answer | undefined> {
  const u = new URL(api.url);
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      // Node's client frames a DELETE body with neither Content-Length nor chunking: say how long it is.
      const headers = r.body === undefined ? r.headers : { ...r.headers, "content-length": String(Buffer.byteLength(r.body)) };
      req = http.request({ host: u.hostname, port: u.port, method: r.method, path: r.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try { body = JSON.parse(text); } catch { body = text; }
          resolve({ status: res.statusCode!, contentType: String(res.headers["content-type"] ?? ""), body });
        });
      });
    } catch (err) {
      // Node's client refused to send it (a character no HTTP request may carry): nothing reached the API.
      if (/ERR_INVALID_CHAR|ERR_UNESCAPED_CHARACTERS|ERR_INVALID_HTTP_TOKEN/.test((err as { code?: string }).code ?? "")) return resolve(undefined);
      return reject(err);
    }
    // The server may answer (413, 431) and close before it has read everything we send.
    req.on("error", (err) => (/ECONNRESET|EPIPE/.test((err as { code?: string }).code ?? "") ? resolve(undefined) : reject(err)));
    req.end(r.body);
  });
}

/** Everything a request could write, in one read. */
async function fingerprint(): Promise<string> {
  const [row] = await api.store.sql`
    SELECT (SELECT count(*) FROM projects) AS projects, (SELECT coalesce(sum(generation), 0) FROM projects) AS generations,
           (SELECT count(*) FROM projects WHERE deleting_at IS NOT NULL) AS deleting, (SELECT count(*) FROM revisions) AS revisions,
           (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM api_tokens) AS tokens,
           (SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL) AS revoked,
           (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM account_bindings) AS bindings,
           (SELECT string_agg(coalesce(default_region, '') || coalesce(default_role_arn, ''), ',') FROM tenants) AS defaults`;
  return JSON.stringify(row);
}

/** The property every generated request must satisfy. */
async function answersSafely(r: HostileRequest): Promise<void> {
  const before = await fingerprint();
  const a = await send(r);
  if (!a) return;
  tried++;
  const where = `${r.method} ${r.path.slice(0, 120)} → ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`;
  expect(a.status, where).toBeLessThan(500);
  if (a.status < 300) return;
  expect(a.contentType, where).toMatch(/^application\/problem\+json/);
  expect(a.body?.status, where).toBe(a.status);
  expect(typeof a.body?.title, where).toBe("string");
  if (a.status === 400) {
    expect(a.body.errors?.length, where).toBeGreaterThan(0);
    for (const e of a.body.errors) expect(typeof e.field, where).toBe("string");
  }
  expect(await fingerprint(), `${where}: a refused request wrote`).toBe(before);
}

const check = (arb: fc.Arbitrary<HostileRequest>) =>
  fc.assert(fc.asyncProperty(arb, answersSafely), { seed: SEED, numRuns: RUNS, endOnFailure: true });

// ---- generators ----
const NASTY = [
  "", " ", "../", "..%2f", "%2e%2e", "%2e%2e%2f", "..\\", "/etc/passwd", "%00", "\u0000", "\ud800", "\udfff", "😀", "İ", "ﬀ", "\u202e",
  "' OR 1=1 --", "${jndi:ldap://x/a}", "<script>alert(1)</script>", "__proto__", "constructor", "null", "NaN", "-1", "1e309",
  "a".repeat(41), "a".repeat(5000), "x".repeat(40_000),
];
const hostileString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ minLength: 300, maxLength: 3000 }),
);
const wrongType = fc.oneof(
  fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }),
);
const badArn = fc.oneof(
  fc.constantFrom(
    `arn:aws:iam::${ACCOUNT}:user/ops`, "arn:aws:iam::12345678901:role/x", "arn:aws:iam::1234567890123:role/x", `arn:aws:iam::${ACCOUNT}:role/`,
    `arn:aws:sts::${ACCOUNT}:assumed-role/x/y`, `arn:aws:iam:us-east-1:${ACCOUNT}:role/x`, `ARN:AWS:IAM::${ACCOUNT}:ROLE/X`, "arn:aws:iam::*:role/*",
  ),
  hostileString.map((s) => `arn:aws:iam::${ACCOUNT}:role/${s}!`),
  hostileString,
);
const badImage = fc.oneof(
  fc.constantFrom("nginx", "nginx:latest", "docker.io/library/nginx:1", `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent`,
    `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent:`, `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent@sha256:xyz`,
    `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/../agent:v1`, `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent:v1 ; rm -rf /`),
  hostileString.map((s) => `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent:${s}#`),
  hostileString,
);
const FIELDS = ["name", "region", "roleArn", "externalId", "deploymentType", "deletionPolicy", "image", "database", "database.mode", "database.uri",
  "database.allocatedStorageGb", "resources", "resources.api", "resources.api.cpu", "resources.api.memoryMb", "resources.queue.replicas", "env", "secrets"] as const;

function setPath(obj: Record<string, any>, path: string, value: unknown) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] = typeof o[k] === "object" && o[k] !== null ? o[k] : {};
  o[keys[keys.length - 1]] = value;
}

/** A valid create body with one thing made wrong. */
const badProjectBody = fc.oneof(
  fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(wrongType, hostileString)).map(([f, v]) => ({ f, v })),
  fc.record({ f: fc.constant("roleArn"), v: badArn }),
  fc.record({ f: fc.constant("image"), v: badImage }),
  fc.record({ f: fc.constant("name"), v: fc.oneof(hostileString, fc.string({ minLength: 41, maxLength: 80 }).map((s) => `a${s}`)) }),
  fc.record({ f: fc.constantFrom("env", "secrets"), v: fc.dictionary(hostileString, fc.oneof(hostileString, wrongType), { minKeys: 1, maxKeys: 3 }) }),
  fc.record({ f: hostileString.filter((k) => !(FIELDS as readonly string[]).includes(k) && !k.includes(".")), v: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ f: fc.constantFrom("name", "region", "roleArn", "externalId"), v: fc.constant(undefined) }),
).map(({ f, v }) => {
  const body = projectBody({ resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1 }, queue: { cpu: 1024, memoryMb: 2048, replicas: 1 } } });
  setPath(body, f, v);
  return body;
});

const json = (body: unknown, extra: Record<string, string> = {}) =>
  ({ headers: { authorization: `Bearer ${WRITE_TOKEN}`, "content-type": "application/json", ...extra }, body: JSON.stringify(body) });

/** encodeURIComponent throws on a lone surrogate; the wire cannot carry one anyway, so send U+FFFD's bytes. */
const encode = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));

/** A path segment as a careless or malicious client would put it on the wire. */
const hostileSegment = fc.oneof(
  fc.constantFrom("..", "../..", "%2e%2e", "%2e%2e%2fetc", "..%2f..%2f", "%00", "%ZZ", "%", "%c0%ae", "%2F", ".", "a;b", "a%3Fb=1", "%F0%9F%98%80", "%ED%A0%80",
    "UPPER", "a".repeat(40), "a".repeat(41), "a".repeat(250), "a".repeat(20_000), "00000000-0000-0000-0000-000000000000", "0", "-1", "999999999999"),
  hostileString.map(encode),
  hostileString.map((s) => encode(s).replace(/%2F/g, "/")),
);
const TEMPLATES = [
  "/v1/projects/{p}", "/v1/projects/{p}/revisions", "/v1/projects/{p}/revisions/{n}", "/v1/projects/{p}/status", "/v1/projects/{p}/events",
  "/v1/projects/{p}/reconcile", "/v1/tokens/{n}", "/v1/{p}", "/{p}/v1/projects", "/v1/projects/{p}/../../healthz",
  "/v1/tenants/{p}", "/v1/tenants/{p}/keys", "/v1/tenants/{p}/keys/{n}", "/v1/tenants", "/v1/tokens",
];

describe("hostile requests", () => {
  it("bad project bodies", async () => {
    await check(badProjectBody.map((body) => ({ method: "POST", path: "/v1/projects", ...json(body) })));
  });

  it("bad patches with any If-Match", async () => {
    const patch = fc.oneof(
      badProjectBody.map((b) => { const { name: _n, region: _r, ...rest } = b; return rest; }),
      fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.record({ database: fc.record({ allocatedStorageGb: fc.oneof(fc.integer({ min: -5, max: 19 }), wrongType) }) }),
    );
    const ifMatch = fc.oneof(fc.constantFrom('"1"', '"0"', '"999999999"', "*", 'W/"1"', '"1", "2"', ""), fc.string({ unit: "grapheme-ascii", maxLength: 20 }));
    await check(fc.tuple(patch, ifMatch, fc.constantFrom(patchee.name, patchee.id)).map(([body, m, p]) => ({
      method: "PATCH", path: `/v1/projects/${p}`, ...json(body, m ? { "if-match": m } : {}),
    })));
  });

  it("bad revisions", async () => {
    const body = fc.oneof(
      badImage.map((i) => ({ image: i })),
      fc.record({ image: fc.constant(image("v2")), env: fc.oneof(wrongType, fc.dictionary(hostileString, fc.oneof(hostileString, wrongType), { minKeys: 1, maxKeys: 3 })) }),
      fc.record({ image: fc.constant(image("v2")), extra: fc.jsonValue({ maxDepth: 1 }) }),
      wrongType,
    );
    await check(body.map((b) => ({ method: "POST", path: `/v1/projects/${target.name}/revisions`, ...json(b) })));
  });

  it("odd path parameters, with and without a token", async () => {
    const req = fc.record({
      method: fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"),
      template: fc.constantFrom(...TEMPLATES),
      p: hostileSegment,
      n: fc.oneof(hostileSegment, fc.constantFrom("1", "0", "01", "1.5", "1e3", "4294967296")),
      token: fc.constantFrom(...keys, null),
      tenantHeader: fc.option(fc.oneof(fc.constantFrom(tenant.id, "00000000-0000-4000-8000-000000000000"), hostileString.map(encode)), { nil: undefined }),
    });
    await check(req.map(({ method, template, p, n, token, tenantHeader }) => ({
      method,
      path: template.replace("{p}", p).replace("{n}", n),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}), ...(tenantHeader === undefined ? {} : { "x-tenant-id": tenantHeader }),
        ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }),
      },
      body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ image: image("v3"), env: { A: "1" } }),
    })));
  });

  it("invalid JSON and wrong content types", async () => {
    const valid = JSON.stringify(projectBody());
    const raw = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.integer({ min: 1, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', "[".repeat(50_000), '{"a":'.repeat(10_000), "\ufeff{}", "{}\u0000"),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
    );
    const contentType = fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "text/plain",
      "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/merge-patch+json", "application/xml", "*/*", "application/json, text/plain", "");
    const route = fc.constantFrom(
      { method: "POST", path: "/v1/projects" }, { method: "PATCH", path: `/v1/projects/${patchee.name}` }, { method: "POST", path: `/v1/projects/${target.name}/revisions` },
      { method: "POST", path: "/v1/tokens" }, { method: "POST", path: `/v1/projects/${target.name}/reconcile` }, { method: "DELETE", path: "/v1/tokens/00000000-0000-4000-8000-000000000000" },
    );
    await check(fc.tuple(route, raw, contentType).map(([r, body, ct]) => ({
      ...r, body: Buffer.from(body, "utf8"),
      headers: { authorization: `Bearer ${WRITE_TOKEN}`, "if-match": '"1"', ...(ct === undefined ? {} : { "content-type": ct }) },
    })));
  });

  it("random headers and query strings", async () => {
    const headerName = fc.oneof(fc.constantFrom("authorization", "if-match", "accept", "accept-encoding", "x-forwarded-for", "x-http-method-override", "host", "cookie", "content-type",
      "x-api-key", "x-tenant-id"),
      fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/));
    const headerValue = fc.oneof(fc.string({ unit: "grapheme-ascii", maxLength: 80 }), fc.constantFrom("Bearer", "Bearer ", `Bearer ${READ_TOKEN}`, `Bearer  ${WRITE_TOKEN}`,
      `bearer ${WRITE_TOKEN}`, `Bearer ${WRITE_TOKEN}\t`, `Basic ${Buffer.from("a:b").toString("base64")}`, "x".repeat(20_000), "DELETE",
      tenant.write, tenant.read, `Bearer ${tenant.read}`, tenant.id, tenant.id.toUpperCase(), "00000000-0000-4000-8000-000000000000"));
    const queryValue = fc.oneof(hostileString, fc.constantFrom("0", "1", "200", "201", "-1", "1e2", "2024-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "9999-12-31T23:59:59.999999999+23:59"),
      fc.string({ maxLength: 40 }).map((s) => Buffer.from(s).toString("base64url")), fc.bigInt({ min: 0n, max: 10n ** 30n }).map((n) => Buffer.from(String(n)).toString("base64url")));
    const query = fc.array(fc.tuple(fc.constantFrom("limit", "cursor", "since", "project", "__proto__", "limit[]"), queryValue), { maxLength: 3 })
      .map((kv) => kv.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&"));
    const route = fc.constantFrom(
      ...["/v1/projects", `/v1/projects/${target.name}/revisions`, `/v1/projects/${target.name}/events`, `/v1/projects/${target.name}`, `/v1/projects/${target.name}/status`]
        .map((path) => ({ method: "GET", path })),
      { method: "POST", path: "/v1/projects" }, { method: "POST", path: `/v1/projects/${target.name}/reconcile` },
      { method: "DELETE", path: "/v1/projects/no-such-project" }, { method: "DELETE", path: "/v1/tokens/00000000-0000-4000-8000-000000000000" },
    );
    await check(fc.tuple(route, query, fc.dictionary(headerName, headerValue, { maxKeys: 4 })).map(([{ method, path }, q, headers]) => ({
      method, path: q ? `${path}?${q}` : path,
      headers: { authorization: `Bearer ${method === "GET" ? READ_TOKEN : WRITE_TOKEN}`, ...headers },
      body: method === "POST" ? "{}" : undefined,
    })));
  });

  it("bad tenant and key bodies, with admin and tenant keys", async () => {
    const body = fc.oneof(
      fc.record({ name: fc.oneof(hostileString, wrongType) }),
      fc.record({ defaultRegion: fc.oneof(hostileString, wrongType), defaultRoleArn: fc.oneof(badArn, wrongType) }, { requiredKeys: [] }),
      fc.record({ scope: fc.oneof(hostileString, fc.constantFrom("admin", "Write", "read,write")), name: fc.oneof(hostileString, wrongType) }, { requiredKeys: [] }),
      fc.record({ scope: fc.constant("read"), expiresAt: fc.oneof(hostileString, wrongType, fc.constantFrom("2020-01-01T00:00:00Z", "9999-12-31T23:59:60Z", "0")) }),
      fc.record({ externalId: hostileString, name: fc.constant("fine-name") }),
      fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      wrongType,
    );
    const route = fc.constantFrom(
      { method: "POST", path: "/v1/tenants" }, { method: "PATCH", path: `/v1/tenants/${tenant.id}` },
      { method: "POST", path: `/v1/tenants/${tenant.id}/keys` }, { method: "POST", path: "/v1/tokens" },
    );
    await check(fc.tuple(route, body, fc.constantFrom(WRITE_TOKEN, tenant.write)).map(([r, b, token]) => ({
      ...r, ...json(b, { authorization: `Bearer ${token}` }),
    })));
  });

  it("the target project still reads as created: no hostile request changed it", async () => {
    const res = await api.request("GET", `/v1/projects/${target.id}`); // by id: the tenant has a project of this name too
    expect(res.body).toMatchObject({ generation: 1, phase: "Provisioning", secretNames: ["S"] });
    expect(res.text).not.toContain("hostile-secret-value");
    expect(tried).toBeGreaterThan(RUNS * 5);
  });
});
