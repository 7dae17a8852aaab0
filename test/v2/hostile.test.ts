// Generated hostile requests at the /v2 routes (fast-check, fixed seed, bounded), as test/api/hostile.test.ts
// does for /v1: whatever arrives, no 5xx; every refusal is problem+json naming a field when it is a 400;
// and a refused request writes nothing.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { image } from "../api/fixtures.js";

const SEED = 20_261_202;
const RUNS = 150;
let api: TestApi;
let key: string;
let deployment: string;
let revision: string;
let tried = 0;

beforeAll(async () => {
  api = await startTestApi();
  const t = await api.request("POST", "/v1/tenants", { body: { name: "fuzz", defaultRegion: "us-east-1", defaultRoleArn: "arn:aws:iam::123456789012:role/Op" } });
  key = (await api.request("POST", `/v1/tenants/${t.body.id}/keys`, { body: { scope: "write" } })).body.key;
  const d = await api.request("POST", "/v2/deployments", {
    token: null, headers: { "x-api-key": key }, body: { name: "fuzzed", source: "external_docker", source_revision_config: { image_uri: image("v1") } },
  });
  expect(d.status).toBe(201);
  deployment = d.body.id;
  revision = d.body.latest_revision_id;
});
afterAll(async () => {
  console.log(`v2/hostile.test.ts: ${tried} generated requests (${RUNS} runs per property, seed ${SEED}); no 5xx, every refusal problem+json, nothing written by any refusal`);
  await api?.close();
});

async function fingerprint(): Promise<string> {
  const [row] = await api.store.sql`
    SELECT (SELECT count(*) FROM projects) AS projects, (SELECT coalesce(sum(generation), 0) FROM projects) AS generations,
           (SELECT count(*) FROM projects WHERE deleting_at IS NOT NULL) AS deleting, (SELECT count(*) FROM revisions) AS revisions,
           (SELECT count(*) FROM events) AS events`;
  return JSON.stringify(row);
}

async function answersSafely(r: { method: string; path: string; body?: unknown }): Promise<void> {
  const before = await fingerprint();
  const res = await api.request(r.method, r.path, { token: null, headers: { "x-api-key": key }, body: r.body });
  tried++;
  const where = `${r.method} ${r.path.slice(0, 120)} ${JSON.stringify(r.body)?.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  if (res.status < 300) return;
  expect(res.headers.get("content-type") ?? "", where).toMatch(/^application\/problem\+json/);
  expect(res.body?.status, where).toBe(res.status);
  if (res.status === 400) expect(res.body.errors?.length, where).toBeGreaterThan(0);
  expect(await fingerprint(), `${where}: a refused request wrote`).toBe(before);
}
const check = (arb: fc.Arbitrary<{ method: string; path: string; body?: unknown }>) =>
  fc.assert(fc.asyncProperty(arb, answersSafely), { seed: SEED, numRuns: RUNS, endOnFailure: true });

const junk = fc.oneof(
  fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}),
  fc.constantFrom("__proto__", "../", "%00", "\u0000", "😀", "a".repeat(5000), "dev", "prod", "external_docker", image("v9")),
  fc.jsonValue({ maxDepth: 2 }),
);
const FIELDS = [
  "name", "source", "source_config", "source_config.deployment_type", "source_config.resource_spec", "source_config.resource_spec.cpu",
  "source_config.resource_spec.memory_mb", "source_config.resource_spec.min_scale", "source_config.resource_spec.max_scale",
  "source_config.resource_spec.queue_cpu", "source_config.resource_spec.cpu_limit", "source_revision_config", "source_revision_config.image_uri",
  "secrets", "secrets.0", "secrets.0.name", "secrets.0.value", "revision_source", "integration_id",
] as const;
function setPath(obj: Record<string, any>, path: string, value: unknown) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] = typeof o[k] === "object" && o[k] !== null ? o[k] : {};
  o[keys[keys.length - 1]] = value;
}
/** A valid body with one or two things made wrong. */
const body = (base: () => Record<string, any>) => fc.array(fc.tuple(fc.constantFrom(...FIELDS), junk), { minLength: 1, maxLength: 2 }).map((changes) => {
  const b = base();
  for (const [f, v] of changes) setPath(b, f, v);
  return b;
});
let seq = 0;
const createBase = () => ({
  name: `fz-${++seq}`, source: "external_docker", source_config: { deployment_type: "dev", resource_spec: { cpu: 1, memory_mb: 2048 } },
  source_revision_config: { image_uri: image("v2") }, secrets: [{ name: "A", value: "1" }],
});

describe("hostile /v2 requests", () => {
  it("bad deployment creates", async () => {
    await check(body(createBase).map((b) => ({ method: "POST", path: "/v2/deployments", body: b })));
  });

  it("bad deployment patches", async () => {
    const patchBase = () => ({ source_config: { resource_spec: { min_scale: 1 } }, secrets: [{ name: "A", value: "1" }] });
    await check(body(patchBase).map((b) => ({ method: "PATCH", path: `/v2/deployments/${deployment}`, body: b })));
  });

  it("odd path parameters and query strings on every /v2 route", async () => {
    const segment = fc.oneof(fc.constantFrom(deployment, revision, "x", "00000000-0000-0000-0000-000000000000", "%2e%2e", "%00", "a".repeat(300)),
      fc.string({ maxLength: 40 }).map(encodeURIComponent));
    const query = fc.array(fc.tuple(fc.constantFrom("limit", "offset", "status", "name_contains", "cursor"), fc.oneof(fc.string({ maxLength: 20 }),
      fc.constantFrom("0", "1", "100", "101", "-1", "1e3", "READY,UNKNOWN", "READY,", "DEPLOYED,QUEUED", "999999999999"))), { maxLength: 3 })
      .map((q) => q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&"));
    const route = fc.constantFrom(
      ["GET", "/v2/deployments"], ["GET", "/v2/deployments/{d}"], ["GET", "/v2/deployments/{d}/revisions"], ["GET", "/v2/deployments/{d}/revisions/{r}"],
      ["POST", "/v2/deployments/{d}/revisions/{r}/redeploy"], ["POST", "/v2/deployments/{d}/push-token"], ["DELETE", "/v2/deployments/{d}"],
      ["POST", "/v1/projects/{d}/deploy_logs"], ["POST", "/v1/projects/{d}/revisions/{r}/deploy_logs"],
    );
    await check(fc.tuple(route, segment, segment, query, fc.oneof(fc.constant(undefined), junk)).map(([[method, t], d, r, q, b]) => ({
      // Only hostile segments may name the fuzzed deployment: a real DELETE or redeploy of it would be a write.
      method, path: `${t.replace("{d}", d === deployment && method !== "GET" ? "x" : d).replace("{r}", r)}${q ? `?${q}` : ""}`,
      body: method === "GET" || method === "DELETE" ? undefined : b ?? {},
    })));
  });

  it("bad deploy_logs queries", async () => {
    const q = fc.record({ limit: junk, order: junk, offset: junk, level: junk, query: junk, start_time: junk, end_time: junk }, { requiredKeys: [] });
    await check(q.map((b) => ({ method: "POST", path: `/v1/projects/${deployment}/deploy_logs`, body: b })));
  });
});
