// The LangSmith-compatible /v2 API against the running server (SPEC §7.1): LangSmith's shapes and field
// names, {resources, offset} pages, statuses, and one store underneath: what /v2 writes, /v1 reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { fieldsOf, image, isProblem, rowCounts, uniqueName } from "../api/fixtures.js";

let api: TestApi;
let key: string;
let tenantId: string;
let bareKey: string;

const ACCOUNT = "123456789012";
beforeAll(async () => {
  api = await startTestApi();
  const acme = await api.request("POST", "/v1/tenants", { body: { name: "acme", defaultRegion: "us-east-1", defaultRoleArn: `arn:aws:iam::${ACCOUNT}:role/Operator` } });
  expect(acme.status).toBe(201);
  tenantId = acme.body.id;
  key = (await api.request("POST", `/v1/tenants/${tenantId}/keys`, { body: { scope: "write" } })).body.key;
  const bare = await api.request("POST", "/v1/tenants", { body: { name: "bare" } });
  bareKey = (await api.request("POST", `/v1/tenants/${bare.body.id}/keys`, { body: { scope: "write" } })).body.key;
});
afterAll(async () => { await api?.close(); });

/** As LangSmith's clients call it: X-Api-Key, no bearer token. */
const v2 = (method: string, path: string, body?: unknown, apiKey = key) =>
  api.request(method, path, { body, token: null, headers: { "x-api-key": apiKey } });
const create = async (overrides: Record<string, unknown> = {}) => {
  const res = await v2("POST", "/v2/deployments", {
    name: uniqueName("d"), source: "external_docker", source_config: { deployment_type: "dev" },
    source_revision_config: { image_uri: image("v1") }, secrets: [{ name: "LANGSMITH_API_KEY", value: "lsv2-secret-value" }], ...overrides,
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
};

describe("POST /v2/deployments", () => {
  it("creates a project like any other: the same deployment reads through /v1, with revision 1 and its events", async () => {
    const d = await create({ source_config: { deployment_type: "dev", resource_spec: { min_scale: 2, cpu: 2, memory_mb: 4096, queue_cpu: 0.5, queue_memory_mb: 1024 } } });
    expect(d).toMatchObject({
      tenant_id: tenantId, source: "external_docker", status: "AWAITING_DATABASE", active_revision_id: null, image_version: null,
      source_config: {
        deployment_type: "dev", custom_url: null,
        resource_spec: { min_scale: 2, max_scale: 2, cpu: 2, memory_mb: 4096, queue_min_scale: 1, queue_max_scale: 1, queue_cpu: 0.5, queue_memory_mb: 1024 },
      },
      source_revision_config: { image_uri: image("v1") },
    });
    expect(JSON.stringify(d)).not.toContain("lsv2-secret-value");
    const p = await api.request("GET", `/v1/projects/${d.id}`, { token: key });
    expect(p.body).toMatchObject({
      id: d.id, name: d.name, tenantId, region: "us-east-1", roleArn: `arn:aws:iam::${ACCOUNT}:role/Operator`, deploymentType: "dev",
      secretNames: ["LANGSMITH_API_KEY"], resources: { api: { cpu: 2048, memoryMb: 4096, replicas: 2 }, queue: { cpu: 512, memoryMb: 1024, replicas: 1 } },
    });
    const revs = (await api.request("GET", `/v1/projects/${d.id}/revisions`, { token: key })).body.items;
    expect(revs).toMatchObject([{ id: d.latest_revision_id, number: 1, image: image("v1"), status: "QUEUED" }]);
    const events = (await api.request("GET", `/v1/projects/${d.id}/events`, { token: key })).body.items.map((e: any) => e.reason);
    expect(events).toEqual(["RevisionQueued", "Created"]);
  });

  it("takes region and role from the tenant; a tenant without them gets 400 naming them, and nothing is written", async () => {
    const before = await rowCounts(api);
    const res = await v2("POST", "/v2/deployments", { name: uniqueName("d"), source: "external_docker" }, bareKey);
    expect(res.status).toBe(400);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res).sort()).toEqual(["tenant.defaultRegion", "tenant.defaultRoleArn"]);
    expect(res.body.detail).toMatch(/PATCH \/v1\/tenants/);
    expect(await rowCounts(api)).toEqual(before);
  });

  it.each([
    { reason: "an image outside ECR", body: { source_revision_config: { image_uri: "langchain/langgraph-api:latest" } }, field: "source_revision_config.image_uri" },
    { reason: "memory Fargate cannot pair with the cpu", body: { source_config: { resource_spec: { cpu: 1, memory_mb: 512 } } }, field: "source_config.resource_spec.memory_mb" },
    { reason: "a queue cpu that is no Fargate size", body: { source_config: { resource_spec: { queue_cpu: 3 } } }, field: "source_config.resource_spec.queue_cpu" },
    { reason: "cpu_limit, which Fargate cannot honour", body: { source_config: { resource_spec: { cpu_limit: 2 } } }, field: "source_config.resource_spec.cpu_limit" },
    { reason: "max_scale below min_scale", body: { source_config: { resource_spec: { min_scale: 3, max_scale: 2 } } }, field: "source_config.resource_spec.max_scale" },
    { reason: "a secret given twice", body: { secrets: [{ name: "A", value: "1" }, { name: "A", value: "2" }] }, field: "secrets.1.name" },
    { reason: "a reserved secret name", body: { secrets: [{ name: "X", value: "1" }, { name: "POSTGRES_URI", value: "2" }] }, field: "secrets.1.name" },
    { reason: "a source BYOC does not build from", body: { source: "github" }, field: "source" },
    { reason: "an unknown field", body: { integration_id: "x" }, field: "integration_id" },
  ])("refuses $reason with 400 naming $field, writing nothing", async ({ body, field }) => {
    const before = await rowCounts(api);
    const res = await v2("POST", "/v2/deployments", { name: uniqueName("d"), source: "external_docker", ...body });
    expect(res.status, res.text).toBe(400);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res)).toContain(field);
    expect(await rowCounts(api)).toEqual(before);
  });

  it("answers a name already used in the tenant with 409 naming name", async () => {
    const d = await create();
    const res = await v2("POST", "/v2/deployments", { name: d.name, source: "external_docker" });
    expect(res.status).toBe(409);
    expect(fieldsOf(res)).toEqual(["name"]);
  });
});

describe("GET /v2/deployments", () => {
  it("pages with {resources, offset}, filters by name_contains and status, and shows only the caller's tenant", async () => {
    const tag = `pg${process.pid % 100}`;
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await create({ name: uniqueName(tag) }));
    await api.request("POST", "/v1/projects", { body: { name: uniqueName(tag), region: "us-east-1", roleArn: "arn:aws:iam::999999999999:role/x", externalId: "sandbox-external-id" } });
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null && pages++ < 10) {
      const res: any = await v2("GET", `/v2/deployments?name_contains=${tag}&limit=2&offset=${offset}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.resources.map((d: any) => d.id));
      offset = res.body.offset;
    }
    // The default tenant's project with the same prefix is not acme's to see.
    expect(seen.sort()).toEqual(made.map((d) => d.id).sort());
    expect(pages).toBe(2);
    await v2("DELETE", `/v2/deployments/${made[0].id}`);
    const deleting = await v2("GET", `/v2/deployments?name_contains=${tag}&status=AWAITING_DELETE`);
    expect(deleting.body.resources.map((d: any) => [d.id, d.status])).toEqual([[made[0].id, "AWAITING_DELETE"]]);
    const bad = await v2("GET", "/v2/deployments?status=RUNNING");
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(["query.status"]);
  });
});

describe("GET, PATCH, DELETE /v2/deployments/{id}", () => {
  it("PATCH with image_uri (as the CLI sends it) makes a revision; latest_revision_id follows it", async () => {
    const d = await create();
    const res = await v2("PATCH", `/v2/deployments/${d.id}`, { revision_source: "internal_docker", source_revision_config: { image_uri: image("v2") } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.source_revision_config.image_uri).toBe(image("v2"));
    expect(res.body.latest_revision_id).not.toBe(d.latest_revision_id);
    const revs = (await v2("GET", `/v2/deployments/${d.id}/revisions`)).body.resources;
    expect(revs.map((r: any) => r.source_revision_config.image_uri)).toEqual([image("v2"), image("v1")]);
  });

  it("PATCH secrets replaces them (a spec change) and rolls it out as a revision of the same image", async () => {
    const d = await create();
    const res = await v2("PATCH", `/v2/deployments/${d.id}`, { secrets: [{ name: "OPENAI_API_KEY", value: "sk-new" }] });
    expect(res.status, res.text).toBe(200);
    const p = (await api.request("GET", `/v1/projects/${d.id}`, { token: key })).body;
    expect(p).toMatchObject({ generation: 2, secretNames: ["OPENAI_API_KEY"] });
    const revs = (await v2("GET", `/v2/deployments/${d.id}/revisions`)).body.resources;
    expect(revs).toHaveLength(2);
    expect(revs[0]).toMatchObject({ id: res.body.latest_revision_id, source_revision_config: { image_uri: image("v1") }, status: "QUEUED" });
    expect(JSON.stringify(res.body)).not.toContain("sk-new");
    const bad = await v2("PATCH", `/v2/deployments/${d.id}`, { source_config: { resource_spec: { memory_mb: 100_000 } } });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(["source_config.resource_spec.memory_mb"]);
  });

  it("DELETE → 204, then the deployment reads AWAITING_DELETE", async () => {
    const d = await create();
    const res = await v2("DELETE", `/v2/deployments/${d.id}`);
    expect(res.status).toBe(204);
    expect((await v2("GET", `/v2/deployments/${d.id}`)).body.status).toBe("AWAITING_DELETE");
    expect((await api.request("GET", `/v1/projects/${d.id}`, { token: key })).body.phase).toBe("Deleting");
  });

  it("another tenant's deployment is 404, exactly as one that does not exist", async () => {
    const d = await create();
    const theirs = await v2("GET", `/v2/deployments/${d.id}`, undefined, bareKey);
    const none = await v2("GET", "/v2/deployments/00000000-0000-4000-8000-000000000000", undefined, bareKey);
    expect([theirs.status, none.status]).toEqual([404, 404]);
    expect((await v2("PATCH", `/v2/deployments/${d.id}`, { source_revision_config: { image_uri: image("x") } }, bareKey)).status).toBe(404);
    expect((await v2("GET", `/v2/deployments/${d.id}/revisions`, undefined, bareKey)).status).toBe(404);
  });

  it.each(["push-token", "upload-url"])("POST …/%s answers 501 saying to push to ECR and PATCH image_uri", async (what) => {
    const d = await create();
    const res = await v2("POST", `/v2/deployments/${d.id}/${what}`);
    expect(res.status).toBe(501);
    expect(isProblem(res)).toBe(true);
    expect(res.body.detail).toMatch(/ECR.*PATCH \/v2\/deployments\/.*image_uri/);
  });
});

describe("revisions", () => {
  it("lists newest first with a status filter, reads one, and redeploys one as a new revision", async () => {
    const d = await create();
    await v2("PATCH", `/v2/deployments/${d.id}`, { source_revision_config: { image_uri: image("v2") } });
    const all = (await v2("GET", `/v2/deployments/${d.id}/revisions?limit=1`)).body;
    expect(all.resources).toHaveLength(1);
    expect(all.offset).toBe(1);
    const first = (await v2("GET", `/v2/deployments/${d.id}/revisions?offset=1`)).body.resources[0];
    expect(first.id).toBe(d.latest_revision_id);
    // Mark revision 1 as the engine would have.
    await api.store.sql`UPDATE revisions SET status = 'DEPLOYED' WHERE id = ${first.id}`;
    const deployed = (await v2("GET", `/v2/deployments/${d.id}/revisions?status=DEPLOYED,DEPLOY_FAILED`)).body.resources;
    expect(deployed.map((r: any) => r.id)).toEqual([first.id]);
    expect(await v2("GET", `/v2/deployments/${d.id}/revisions/${first.id}`)).toMatchObject({
      status: 200, body: { id: first.id, status: "DEPLOYED", status_message: "", source: "external_docker", source_revision_config: { image_uri: image("v1") } },
    });
    const re = await v2("POST", `/v2/deployments/${d.id}/revisions/${first.id}/redeploy`);
    expect(re.status).toBe(200);
    expect(re.body).toMatchObject({ id: d.id, active_revision_id: first.id, image_version: "v1", source_revision_config: { image_uri: image("v1") } });
    const v1 = (await api.request("GET", `/v1/projects/${d.id}/revisions/3`, { token: key })).body;
    expect(v1).toMatchObject({ id: re.body.latest_revision_id, redeployOf: 1, image: image("v1") });
    const other = await create();
    expect((await v2("GET", `/v2/deployments/${other.id}/revisions/${first.id}`)).status).toBe(404);
  });
});
