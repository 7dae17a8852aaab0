// /v1/projects against the running API and a real Postgres: docs/reference.md §3 defaults, secrets that never come
// back, optimistic concurrency with If-Match, merge-patch, deletion as a finalizer, pagination.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSealer } from "../../src/store/crypto.js";
import { startTestApi, type TestApi } from "../support/api.js";
import { createProject, fieldsOf, image, isProblem, projectBody, uniqueName } from "./fixtures.js";

const key = randomBytes(32);
const sealer = createSealer([key]);
let api: TestApi;
beforeAll(async () => { api = await startTestApi({ key }); });
afterAll(async () => { await api?.close(); });

const patch = (name: string, body: unknown, ifMatch?: string) =>
  api.request("PATCH", `/v1/projects/${name}`, { body, headers: ifMatch === undefined ? {} : { "if-match": ifMatch } });

/** The secrets the engine will read for a project: what the API sealed into its row. */
async function sealedSecretsOf(name: string): Promise<{ secrets: Record<string, string>; databaseUri?: string }> {
  const [row] = await api.store.sql`SELECT sealed_secrets FROM projects WHERE name = ${name}`;
  return JSON.parse(sealer.open(row.sealed_secrets));
}

describe("POST /v1/projects", () => {
  const rds = (instanceClass: string, allocatedStorageGb = 20) => ({ mode: "rds", instanceClass, allocatedStorageGb, engineVersion: "16" });
  const svc = (replicas: number, cpu = 1024, memoryMb = 2048) => ({ cpu, memoryMb, replicas });
  const cases = [
    {
      reason: "a dev project gets every docs/reference.md §3 default",
      input: {},
      want: { deploymentType: "dev", database: rds("db.t4g.micro"), resources: { api: svc(1), queue: svc(1) }, env: {}, secretNames: [], deletionPolicy: "snapshot" },
    },
    {
      reason: "a prod project gets the larger DB class and two API replicas",
      input: { deploymentType: "prod" },
      want: { deploymentType: "prod", database: rds("db.m6g.large"), resources: { api: svc(2), queue: svc(1) }, deletionPolicy: "snapshot" },
    },
    {
      reason: "given values win over defaults and the rest are still filled in",
      input: { deploymentType: "prod", database: { mode: "rds", allocatedStorageGb: 100 }, resources: { queue: svc(3, 512, 1024) }, deletionPolicy: "retain" },
      want: { database: rds("db.m6g.large", 100), resources: { api: svc(2), queue: svc(3, 512, 1024) }, deletionPolicy: "retain" },
    },
  ];
  it.each(cases)("$reason", async ({ input, want }) => {
    const body = projectBody(input);
    const res = await api.request("POST", "/v1/projects", { body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...want, name: body.name, generation: 1, phase: "Provisioning" });
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.headers.get("location")).toBe(`/v1/projects/${body.name}`);
    const read = await api.request("GET", res.headers.get("location")!);
    expect(read.body).toEqual(res.body);
  });

  it("returns secret names but never a secret value, on create, get, list or patch", async () => {
    const values = ["sk-live-value-one-1234", "hunter2-value-two-5678", "third-secret-value-9012"];
    const { project, etag, res: created } = await createProject(api, { secrets: { OPENAI_API_KEY: values[0], ANTHROPIC_API_KEY: values[1] }, env: { PLAIN: "visible" } });
    const patched = await patch(project.name, { secrets: { THIRD: values[2] } }, etag);
    const got = await api.request("GET", `/v1/projects/${project.id}`);
    const listed = await api.request("GET", "/v1/projects?limit=200");
    expect(created.body.secretNames).toEqual(["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
    expect(patched.body.secretNames).toEqual(["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "THIRD"]);
    for (const res of [created, patched, got, listed]) {
      for (const v of values) expect(res.text).not.toContain(v);
      expect(res.text).not.toContain('"secrets"');
    }
    const [row] = await api.store.sql`SELECT sealed_secrets FROM projects WHERE id = ${project.id}`;
    for (const v of values) expect(row.sealed_secrets).not.toContain(v);
    expect((await sealedSecretsOf(project.name)).secrets).toEqual({ OPENAI_API_KEY: values[0], ANTHROPIC_API_KEY: values[1], THIRD: values[2] });
  });

  const uri = "postgres://app:db-password-4242@db.example.com:5432/langgraph";
  it.each([
    { reason: "database.mode external with a uri", input: { database: { mode: "external", uri } } },
    { reason: "POSTGRES_URI_CUSTOM in secrets", input: { secrets: { POSTGRES_URI_CUSTOM: uri } } },
    { reason: "POSTGRES_URI_CUSTOM in env", input: { env: { POSTGRES_URI_CUSTOM: uri } } },
  ])("$reason makes an external database whose uri is never returned", async ({ input }) => {
    const { project, res } = await createProject(api, input);
    expect(project.database).toEqual({ mode: "external" });
    const got = await api.request("GET", `/v1/projects/${project.name}`);
    for (const r of [res, got]) expect(r.text).not.toContain("db-password-4242");
    expect((await sealedSecretsOf(project.name)).databaseUri).toBe(uri);
  });

  it("refuses a second project with the same name with 409 naming `name`", async () => {
    const { project } = await createProject(api);
    const res = await api.request("POST", "/v1/projects", { body: projectBody({ name: project.name, region: "eu-west-1" }) });
    expect(res.status).toBe(409);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res)).toEqual(["name"]);
    const [{ n }] = await api.store.sql`SELECT count(*)::int AS n FROM projects WHERE name = ${project.name}`;
    expect(n).toBe(1);
    expect((await api.request("GET", `/v1/projects/${project.name}`)).body.region).toBe("us-east-1");
  });
});

describe("GET /v1/projects", () => {
  it("reads one project the same by id and by name, with its ETag", async () => {
    const { project } = await createProject(api);
    const byId = await api.request("GET", `/v1/projects/${project.id}`);
    const byName = await api.request("GET", `/v1/projects/${project.name}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(project);
    expect(byName.body).toEqual(project);
    expect(byName.headers.get("etag")).toBe('"1"');
  });

  it("pages through every project exactly once with limit and cursor", async () => {
    for (let i = 0; i < 7; i++) await createProject(api);
    const all = (await api.store.sql`SELECT name FROM projects`).map((r) => r.name as string);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await api.request("GET", `/v1/projects?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((p: { name: string }) => p.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen.length).toBe(all.length);
    expect(new Set(seen)).toEqual(new Set(all));
    expect(pages).toBe(Math.ceil(all.length / 3));
  });

  const missing = ["no-such-project", randomUUID()];
  const routes = (p: string) => [
    ["GET", `/v1/projects/${p}`], ["PATCH", `/v1/projects/${p}`], ["DELETE", `/v1/projects/${p}`],
    ["GET", `/v1/projects/${p}/revisions`], ["POST", `/v1/projects/${p}/revisions`], ["GET", `/v1/projects/${p}/revisions/1`],
    ["GET", `/v1/projects/${p}/status`], ["GET", `/v1/projects/${p}/events`], ["POST", `/v1/projects/${p}/reconcile`],
  ] as const;
  it.each(missing.flatMap((p) => routes(p).map(([method, path]) => ({ method, path }))))("$method $path → 404 problem+json", async ({ method, path }) => {
    const body = method === "PATCH" ? { deletionPolicy: "delete" } : method === "POST" && path.endsWith("revisions") ? { image: image("v1") } : undefined;
    const res = await api.request(method, path, { body, headers: method === "PATCH" ? { "if-match": '"1"' } : {} });
    expect(res.status).toBe(404);
    expect(isProblem(res)).toBe(true);
  });
});

describe("PATCH /v1/projects/{idOrName}", () => {
  it("requires If-Match: 428 without it, and nothing changes", async () => {
    const { project } = await createProject(api);
    const res = await patch(project.name, { deletionPolicy: "delete" });
    expect(res.status).toBe(428);
    expect(fieldsOf(res)).toEqual(["header.if-match"]);
    expect((await api.request("GET", `/v1/projects/${project.name}`)).body).toMatchObject({ generation: 1, deletionPolicy: "snapshot" });
  });

  it("answers a stale If-Match with 412 and the current ETag", async () => {
    const { project, etag } = await createProject(api);
    expect((await patch(project.name, { env: { A: "1" } }, etag)).status).toBe(200);
    const stale = await patch(project.name, { env: { A: "2" } }, etag);
    expect(stale.status).toBe(412);
    expect(isProblem(stale)).toBe(true);
    expect(stale.headers.get("etag")).toBe('"2"');
    expect((await api.request("GET", `/v1/projects/${project.name}`)).body.env).toEqual({ A: "1" });
  });

  it("applies a change with the current If-Match and bumps the generation", async () => {
    const { project } = await createProject(api);
    const res = await patch(project.id, { deletionPolicy: "delete", resources: { api: { replicas: 4 } } }, '"1"');
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"2"');
    expect(res.body).toMatchObject({ generation: 2, deletionPolicy: "delete", resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 4 } } });
  });

  it("lets exactly one of two concurrent PATCHes with the same If-Match win", async () => {
    const { project, etag } = await createProject(api);
    const results = await Promise.all([patch(project.name, { env: { WHO: "a" } }, etag), patch(project.name, { env: { WHO: "b" } }, etag)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    const winner = results.find((r) => r.status === 200)!;
    const now = await api.request("GET", `/v1/projects/${project.name}`);
    expect(now.body).toMatchObject({ generation: 2, env: winner.body.env });
  });

  const start = { env: { A: "1", B: "2" }, secrets: { S1: "v1", S2: "v2" } };
  it.each([
    { reason: "null removes an env entry and keeps the others", input: { env: { A: null } }, want: { env: { B: "2" }, secrets: { S1: "v1", S2: "v2" } } },
    { reason: "a new env entry is added, an existing one replaced", input: { env: { B: "20", C: "3" } }, want: { env: { A: "1", B: "20", C: "3" }, secrets: { S1: "v1", S2: "v2" } } },
    { reason: "null removes a secret and keeps the others' values", input: { secrets: { S1: null } }, want: { env: { A: "1", B: "2" }, secrets: { S2: "v2" } } },
    { reason: "a secret is added and replaced", input: { secrets: { S2: "v2b", S3: "v3" } }, want: { env: { A: "1", B: "2" }, secrets: { S1: "v1", S2: "v2b", S3: "v3" } } },
    { reason: "a patch without env or secrets leaves both alone", input: { deletionPolicy: "retain" }, want: { env: { A: "1", B: "2" }, secrets: { S1: "v1", S2: "v2" } } },
  ])("merge-patch: $reason", async ({ input, want }) => {
    const { project, etag } = await createProject(api, start);
    const res = await patch(project.name, input, etag);
    expect(res.status).toBe(200);
    expect(res.body.env).toEqual(want.env);
    expect(res.body.secretNames).toEqual(Object.keys(want.secrets).sort());
    expect((await sealedSecretsOf(project.name)).secrets).toEqual(want.secrets);
  });

  it("refuses to shrink allocated storage with 400 naming database.allocatedStorageGb, and grows it", async () => {
    const { project, etag } = await createProject(api, { database: { mode: "rds", allocatedStorageGb: 50 } });
    const shrink = await patch(project.name, { database: { allocatedStorageGb: 30 } }, etag);
    expect(shrink.status).toBe(400);
    expect(fieldsOf(shrink)).toEqual(["database.allocatedStorageGb"]);
    const grow = await patch(project.name, { database: { allocatedStorageGb: 80 } }, etag);
    expect(grow.status).toBe(200);
    expect(grow.body.database).toEqual({ mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 80, engineVersion: "16" });
  });
});

describe("the account is fixed, partitions are served, a repeated spec is no change (issue 12.2, 12.9)", () => {
  it("changes the role within the account, and refuses another account with a 400 that says to create a new project", async () => {
    const { project, etag } = await createProject(api, { secrets: { API_KEY: "sk-moves-nowhere" } });
    const sameAccount = await patch(project.name, { roleArn: "arn:aws:iam::123456789012:role/ops/RenamedOperator" }, etag);
    expect(sameAccount.status).toBe(200);
    expect(sameAccount.body).toMatchObject({ roleArn: "arn:aws:iam::123456789012:role/ops/RenamedOperator", generation: 2 });
    const before = (await api.store.sql`SELECT role_arn, account_id, generation, sealed_secrets FROM projects WHERE id = ${project.id}`)[0];
    const moved = await patch(project.name, { roleArn: "arn:aws:iam::999999999999:role/Attacker" }, '"2"');
    expect(moved.status).toBe(400);
    expect(isProblem(moved)).toBe(true);
    expect(fieldsOf(moved)).toEqual(["roleArn"]);
    expect(moved.body.detail).toMatch(/fixed at creation.*create a new project/);
    // Nothing written: same role, account, generation and sealed secrets as before.
    expect((await api.store.sql`SELECT role_arn, account_id, generation, sealed_secrets FROM projects WHERE id = ${project.id}`)[0]).toEqual(before);
  });

  it.each([
    { partition: "aws-cn", region: "cn-north-1" },
    { partition: "aws-us-gov", region: "us-gov-west-1" },
  ])("accepts a role of partition $partition in $region, and stores its account", async ({ partition, region }) => {
    const roleArn = `arn:${partition}:iam::123456789012:role/LangGraphCloudOperator`;
    const res = await api.request("POST", "/v1/projects", { body: projectBody({ region, roleArn }) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ region, roleArn });
    expect((await api.store.sql`SELECT account_id FROM projects WHERE id = ${res.body.id}`)[0].account_id).toBe("123456789012");
  });

  it("answers a PATCH that repeats the spec with the same generation and ETag, and records no change", async () => {
    const { project, etag } = await createProject(api, { env: { A: "1" }, secrets: { S: "v" }, deletionPolicy: "retain", resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 3 } } });
    const events = async () => (await api.request("GET", `/v1/projects/${project.name}/events?limit=200`)).body.items.length;
    const eventsBefore = await events();
    const same = await patch(project.name, {
      roleArn: project.roleArn, deletionPolicy: "retain", env: { A: "1" }, secrets: { S: "v" },
      resources: { api: { replicas: 3, cpu: 1024 } }, database: { allocatedStorageGb: 20 },
    }, etag);
    expect(same.status).toBe(200);
    expect(same.headers.get("etag")).toBe(etag);
    expect(same.body.generation).toBe(1);
    expect(await events()).toBe(eventsBefore);
    // A real change still bumps it.
    const changed = await patch(project.name, { env: { A: "2" } }, etag);
    expect(changed.headers.get("etag")).toBe('"2"');
  });

  it("runs and reads back two API replicas for prod when none are given, also after a switch from dev", async () => {
    const created = await api.request("POST", "/v1/projects", { body: projectBody({ deploymentType: "prod" }) });
    expect(created.body.resources.api.replicas).toBe(2);
    const { project, etag } = await createProject(api);
    const switched = await patch(project.name, { deploymentType: "prod" }, etag);
    expect(switched.status).toBe(200);
    expect(switched.body.resources.api.replicas).toBe(2);
    const [row] = await api.store.sql`SELECT resources FROM projects WHERE id = ${project.id}`;
    expect(row.resources.api.replicas).toBe(2);
  });

  it("reads back the two API replicas a prod project runs, for a row written before one replica was refused", async () => {
    const { project } = await createProject(api, { deploymentType: "prod" });
    // As the API wrote it before: prod with one replica, which the operator runs as two.
    await api.store.sql`UPDATE projects SET resources = jsonb_set(resources, '{api,replicas}', '1') WHERE id = ${project.id}`;
    expect((await api.request("GET", `/v1/projects/${project.name}`)).body.resources.api.replicas).toBe(2);
  });
});

describe("DELETE /v1/projects/{idOrName}", () => {
  it("starts deletion with 202, reads Deleting, and refuses further changes with 409", async () => {
    const { project, etag } = await createProject(api, { image: image("v1") });
    const del = await api.request("DELETE", `/v1/projects/${project.name}`);
    expect(del.status).toBe(202);
    expect(del.body.phase).toBe("Deleting");
    expect((await api.request("GET", `/v1/projects/${project.id}`)).body.phase).toBe("Deleting");
    const changes = [
      await patch(project.name, { env: { A: "1" } }, etag),
      await api.request("POST", `/v1/projects/${project.name}/revisions`, { body: { image: image("v2") } }),
    ];
    for (const res of changes) {
      expect(res.status).toBe(409);
      expect(isProblem(res)).toBe(true);
    }
    expect((await api.request("DELETE", `/v1/projects/${project.name}`)).status).toBe(202);
    const [{ n }] = await api.store.sql`SELECT count(*)::int AS n FROM revisions WHERE project_id = ${project.id}`;
    expect(n).toBe(1);
  });
});

describe("status and reconcile", () => {
  it("reads a new project's status before the engine has seen it", async () => {
    const { project } = await createProject(api, { image: image("v1") });
    const res = await api.request("GET", `/v1/projects/${project.name}/status`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      phase: "Provisioning", generation: 1, observedGeneration: 0, conditions: [], resources: [], url: null,
      // Asked for, not yet serving.
      activeRevision: null, latestRevision: { number: 1, image: image("v1"), status: "QUEUED" },
    });
  });

  it("accepts POST /reconcile with 202", async () => {
    const { project } = await createProject(api);
    const res = await api.request("POST", `/v1/projects/${project.name}/reconcile`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true });
  });
});

describe("every write wakes the engine", () => {
  const writes: Array<{ reason: string; write: (p: { name: string }, etag: string) => Promise<{ status: number }> }> = [
    { reason: "PATCH", write: (p, etag) => patch(p.name, { env: { X: "1" } }, etag) },
    { reason: "POST revision", write: (p) => api.request("POST", `/v1/projects/${p.name}/revisions`, { body: { image: image("v9") } }) },
    { reason: "POST reconcile", write: (p) => api.request("POST", `/v1/projects/${p.name}/reconcile`) },
    { reason: "DELETE", write: (p) => api.request("DELETE", `/v1/projects/${p.name}`) },
  ];
  it.each(writes)("$reason makes the project due now and NOTIFYs the engine", async ({ write }) => {
    const { project, etag } = await createProject(api);
    // As if the engine had just reconciled it and scheduled the next resync an hour out.
    await api.store.sql`UPDATE leases SET due_at = now() + interval '1 hour' WHERE project_id = ${project.id}`;
    const notified: string[] = [];
    const listener = await api.store.sql.listen("byoc_desired", (payload) => { notified.push(payload); });
    try {
      expect((await write(project, etag)).status).toBeLessThan(300);
      const [lease] = await api.store.sql`SELECT due_at <= now() AS due FROM leases WHERE project_id = ${project.id}`;
      expect(lease.due).toBe(true);
      await expect.poll(() => notified, { timeout: 5_000 }).toContain(project.id);
    } finally {
      await listener.unlisten();
    }
  });

  it("a created project is due at once", async () => {
    const name = uniqueName();
    await createProject(api, { name });
    const [lease] = await api.store.sql`SELECT l.due_at <= now() AS due FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${name}`;
    expect(lease.due).toBe(true);
  });
});
