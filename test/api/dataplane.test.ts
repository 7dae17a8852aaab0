// The data-plane fields of a project through the running API (docs/reference.md §3, §7): maxReplicas,
// cpuArchitecture, ingress and the url, their defaults, merge-patch and the refusals that name their field;
// the RDS rules for storage growth (≥ 10%) and engine versions (upgrades only, versions RDS offers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { ACCOUNT, createProject, fieldsOf, isProblem } from "./fixtures.js";

let api: TestApi;
beforeAll(async () => { api = await startTestApi(); });
afterAll(async () => { await api?.close(); });

const patch = (name: string, body: unknown, etag: string) => api.request("PATCH", `/v1/projects/${name}`, { body, headers: { "if-match": etag } });
const cert = (region = "us-east-1", account = ACCOUNT, partition = "aws") =>
  `arn:${partition}:acm:${region}:${account}:certificate/0f9e8d7c-6b5a-4321-8fed-cba987654321`;
const svc = (replicas: number, maxReplicas: number) => ({ cpu: 1024, memoryMb: 2048, replicas, maxReplicas });

describe("create: defaults and given values", () => {
  it.each([
    {
      reason: "dev: fixed counts, X86_64, a public load balancer, no url yet", input: {},
      want: { resources: { api: svc(1, 1), queue: svc(1, 1) }, cpuArchitecture: "X86_64", ingress: { visibility: "public" }, url: null },
    },
    { reason: "prod: api and queue scale to 10", input: { deploymentType: "prod" }, want: { resources: { api: svc(2, 10), queue: svc(1, 10) } } },
    {
      reason: "a dev count without a maximum stays fixed at it",
      input: { resources: { queue: { cpu: 1024, memoryMb: 2048, replicas: 3 } } }, want: { resources: { api: svc(1, 1), queue: svc(3, 3) } },
    },
    {
      reason: "given values win",
      input: { resources: { api: svc(1, 6) }, cpuArchitecture: "ARM64", ingress: { visibility: "internal", certificateArn: cert() } },
      want: { resources: { api: svc(1, 6) }, cpuArchitecture: "ARM64", ingress: { visibility: "internal", certificateArn: cert() } },
    },
  ])("$reason", async ({ input, want }) => {
    const { project, res } = await createProject(api, input);
    expect(project).toMatchObject(want);
    expect((await api.request("GET", res.headers.get("location")!)).body).toEqual(project);
  });
});

describe("refusals naming the field", () => {
  const id = () => crypto.randomUUID();
  it.each([
    { reason: "maxReplicas below replicas", input: { resources: { api: svc(3, 2) } }, want: "resources.api.maxReplicas" },
    { reason: "maxReplicas over 100", input: { resources: { queue: svc(1, 101) } }, want: "resources.queue.maxReplicas" },
    { reason: "an unknown architecture", input: { cpuArchitecture: "arm64" }, want: "cpuArchitecture" },
    { reason: "an unknown visibility", input: { ingress: { visibility: "private" } }, want: "ingress.visibility" },
    { reason: "a certificate that is not an ACM ARN", input: { ingress: { certificateArn: `arn:aws:iam::${ACCOUNT}:server-certificate/x` } }, want: "ingress.certificateArn" },
    { reason: "a certificate in another region", input: { ingress: { certificateArn: cert("eu-west-1") } }, want: "ingress.certificateArn" },
    { reason: "a certificate in another account", input: { ingress: { certificateArn: cert("us-east-1", "210987654321") } }, want: "ingress.certificateArn" },
    { reason: "a certificate of another partition", input: { ingress: { certificateArn: cert("us-east-1", ACCOUNT, "aws-us-gov") } }, want: "ingress.certificateArn" },
    { reason: "an unknown ingress field", input: { ingress: { scheme: "internet-facing" } }, want: "ingress.scheme" },
    { reason: "a postgres version RDS does not offer", input: { database: { mode: "rds", engineVersion: "9.6" } }, want: "database.engineVersion" },
  ])("create refuses $reason", async ({ input, want }) => {
    const res = await api.request("POST", "/v1/projects", { body: { name: `d-${id().slice(0, 8)}`, region: "us-east-1", roleArn: `arn:aws:iam::${ACCOUNT}:role/Op`, ...input } });
    expect(res.status).toBe(400);
    expect(isProblem(res)).toBe(true);
    // A union's refusal is one error per branch it missed, all on the one field.
    expect(new Set(fieldsOf(res))).toEqual(new Set([want]));
  });

  it("says which account and region a certificate must be in", async () => {
    const res = await api.request("POST", "/v1/projects", { body: { name: `d-${id().slice(0, 8)}`, region: "us-east-1", roleArn: `arn:aws:iam::${ACCOUNT}:role/Op`, ingress: { certificateArn: cert("eu-west-1") } } });
    expect(res.body.errors[0].message).toMatch(/region eu-west-1, not us-east-1.*own account and region \(123456789012, us-east-1\)/);
  });
});

describe("PATCH", () => {
  it("moves a fixed count with its replicas, and refuses replicas above an autoscaling maximum", async () => {
    const { project, etag } = await createProject(api, { resources: { queue: svc(1, 4) } });
    const fixed = await patch(project.name, { resources: { api: { replicas: 3 } } }, etag);
    expect(fixed.status).toBe(200);
    expect(fixed.body.resources).toMatchObject({ api: { replicas: 3, maxReplicas: 3 }, queue: { replicas: 1, maxReplicas: 4 } });
    const above = await patch(project.name, { resources: { queue: { replicas: 5 } } }, '"2"');
    expect(above.status).toBe(400);
    expect(fieldsOf(above)).toEqual(["resources.queue.replicas"]);
    expect(above.body.errors[0].message).toMatch(/above maxReplicas \(4\)/);
    const both = await patch(project.name, { resources: { queue: { replicas: 5, maxReplicas: 8 } } }, '"2"');
    expect(both.body.resources.queue).toMatchObject({ replicas: 5, maxReplicas: 8 });
  });

  it("switches the scaling defaults with the deployment type", async () => {
    const { project, etag } = await createProject(api);
    const prod = await patch(project.name, { deploymentType: "prod" }, etag);
    expect(prod.body.resources).toMatchObject({ api: { replicas: 2, maxReplicas: 10 }, queue: { replicas: 1, maxReplicas: 10 } });
    const dev = await patch(project.name, { deploymentType: "dev" }, '"2"');
    expect(dev.body.resources).toMatchObject({ api: { replicas: 1, maxReplicas: 1 }, queue: { replicas: 1, maxReplicas: 1 } });
  });

  it("merge-patches ingress: a certificate is set, visibility kept, and null removes the certificate", async () => {
    const { project, etag } = await createProject(api, { ingress: { visibility: "internal" } });
    const withCert = await patch(project.name, { ingress: { certificateArn: cert() } }, etag);
    expect(withCert.body.ingress).toEqual({ visibility: "internal", certificateArn: cert() });
    const wrong = await patch(project.name, { ingress: { certificateArn: cert("us-west-2") } }, '"2"');
    expect(wrong.status).toBe(400);
    expect(fieldsOf(wrong)).toEqual(["ingress.certificateArn"]);
    const removed = await patch(project.name, { ingress: { certificateArn: null } }, '"2"');
    expect(removed.body).toMatchObject({ ingress: { visibility: "internal" }, generation: 3 });
    expect(removed.body.ingress.certificateArn).toBeUndefined();
    const arm = await patch(project.name, { cpuArchitecture: "ARM64" }, '"3"');
    expect(arm.body).toMatchObject({ cpuArchitecture: "ARM64", generation: 4 });
    const [row] = await api.store.sql`SELECT cpu_architecture, ingress FROM projects WHERE id = ${project.id}`;
    expect(row).toEqual({ cpu_architecture: "ARM64", ingress: { visibility: "internal" } });
  });

  it.each([
    { reason: "grow storage by less than 10%", from: 40, to: 43, want: /at least 10%: from 40 GiB ask for at least 44 GiB/ },
    { reason: "grow 20 GiB by 1 GiB", from: 20, to: 21, want: /at least 22 GiB/ },
    { reason: "grow 25 GiB by 2 GiB (10% rounds up to 28)", from: 25, to: 27, want: /at least 28 GiB/ },
  ])("refuses to $reason, naming the field and the minimum", async ({ from, to, want }) => {
    const { project, etag } = await createProject(api, { database: { mode: "rds", allocatedStorageGb: from } });
    const res = await patch(project.name, { database: { allocatedStorageGb: to } }, etag);
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(["database.allocatedStorageGb"]);
    expect(res.body.errors[0].message).toMatch(want);
  });

  it.each([{ from: 20, to: 22 }, { from: 25, to: 28 }, { from: 40, to: 44 }])("grows $from GiB to $to GiB (exactly 10%, rounded up)", async ({ from, to }) => {
    const { project, etag } = await createProject(api, { database: { mode: "rds", allocatedStorageGb: from } });
    const res = await patch(project.name, { database: { allocatedStorageGb: to } }, etag);
    expect(res.status).toBe(200);
    expect(res.body.database.allocatedStorageGb).toBe(to);
  });

  it.each([
    { reason: "a major upgrade", from: "15", to: "16", ok: true },
    { reason: "a minor upgrade", from: "16.3", to: "16.4", ok: true },
    { reason: "a major downgrade", from: "16", to: "15", ok: false, want: /cannot downgrade postgres \(16 → 15\)/ },
    { reason: "a minor downgrade", from: "16.4", to: "16.3", ok: false, want: /cannot downgrade/ },
    { reason: "a version RDS does not offer", from: "16", to: "12", ok: false, want: /not a version .* use one of 14, 15, 16, 17, 18/ },
  ])("engineVersion: $reason ($from → $to)", async ({ from, to, ok, want }) => {
    const { project, etag } = await createProject(api, { database: { mode: "rds", engineVersion: from } });
    const res = await patch(project.name, { database: { engineVersion: to } }, etag);
    expect(res.status).toBe(ok ? 200 : 400);
    if (ok) expect(res.body.database.engineVersion).toBe(to);
    else expect(res.body.errors).toEqual([{ field: "database.engineVersion", message: expect.stringMatching(want!) }]);
  });
});

describe("the url", () => {
  it("reads the recorded url on the project, in lists and in status", async () => {
    const { project } = await createProject(api);
    expect((await api.request("GET", `/v1/projects/${project.name}/status`)).body.url).toBeNull();
    const url = "http://lg-url-1234567890.us-east-1.elb.amazonaws.com";
    await api.store.sql`UPDATE projects SET url = ${url} WHERE id = ${project.id}`;
    expect((await api.request("GET", `/v1/projects/${project.name}`)).body.url).toBe(url);
    expect((await api.request("GET", `/v1/projects/${project.name}/status`)).body.url).toBe(url);
    const listed = (await api.request("GET", "/v1/projects?limit=200")).body.items.find((p: { id: string }) => p.id === project.id);
    expect(listed.url).toBe(url);
  });
});
