// What the API refuses, and that each refusal names the field a user must fix and writes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestApi, WRITE_TOKEN, type TestApi } from "../support/api.js";
import { createProject, fieldsOf, image, isProblem, projectBody, rowCounts } from "./fixtures.js";

let api: TestApi;
let counts: Record<string, number>;
beforeAll(async () => { api = await startTestApi(); });
afterAll(async () => { await api?.close(); });

/** Every request here is refused, so every table must read as it did before it. */
async function expectNothingWritten() {
  expect(await rowCounts(api)).toEqual(counts);
}

describe("POST /v1/projects with a bad body", () => {
  const cases: Array<{ reason: string; input: Record<string, unknown>; want: string }> = [
    { reason: "a name with upper case", input: { name: "MyProject" }, want: "name" },
    { reason: "a name too short", input: { name: "ab" }, want: "name" },
    { reason: "a name too long", input: { name: "a".repeat(41) }, want: "name" },
    { reason: "a name ending in a dash", input: { name: "project-" }, want: "name" },
    { reason: "a name with a path in it", input: { name: "../etc" }, want: "name" },
    { reason: "a name that is a number", input: { name: 12345 }, want: "name" },
    { reason: "no region", input: { region: undefined }, want: "region" },
    { reason: "a region that is not one", input: { region: "moon-base-1a" }, want: "region" },
    { reason: "no roleArn", input: { roleArn: undefined }, want: "roleArn" },
    { reason: "a roleArn with an 11-digit account", input: { roleArn: "arn:aws:iam::12345678901:role/x" }, want: "roleArn" },
    { reason: "a user ARN instead of a role", input: { roleArn: "arn:aws:iam::123456789012:user/x" }, want: "roleArn" },
    { reason: "a one-character externalId", input: { externalId: "x" }, want: "externalId" },
    { reason: "an externalId with a space", input: { externalId: "has space" }, want: "externalId" },
    { reason: "an unknown deploymentType", input: { deploymentType: "staging" }, want: "deploymentType" },
    { reason: "an unknown deletionPolicy", input: { deletionPolicy: "shred" }, want: "deletionPolicy" },
    { reason: "a cpu Fargate does not offer", input: { resources: { api: { cpu: 300, memoryMb: 1024, replicas: 1 } } }, want: "resources.api.cpu" },
    { reason: "a cpu/memory pair Fargate does not offer (api)", input: { resources: { api: { cpu: 256, memoryMb: 4096, replicas: 1 } } }, want: "resources.api.memoryMb" },
    { reason: "a cpu/memory pair Fargate does not offer (queue)", input: { resources: { queue: { cpu: 4096, memoryMb: 2048, replicas: 1 } } }, want: "resources.queue.memoryMb" },
    { reason: "a fractional replica count", input: { resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1.5 } } }, want: "resources.api.replicas" },
    { reason: "a negative replica count", input: { resources: { api: { cpu: 1024, memoryMb: 2048, replicas: -1 } } }, want: "resources.api.replicas" },
    { reason: "a service without replicas", input: { resources: { api: { cpu: 1024, memoryMb: 2048 } } }, want: "resources.api.replicas" },
    { reason: "a reserved env name", input: { env: { POSTGRES_URI: "postgres://x" } }, want: "env.POSTGRES_URI" },
    { reason: "another reserved env name", input: { env: { LANGSMITH_HOST_PROJECT_ID: "x" } }, want: "env.LANGSMITH_HOST_PROJECT_ID" },
    { reason: "a reserved secret name", input: { secrets: { PORT: "9000" } }, want: "secrets.PORT" },
    { reason: "an env name with a space", input: { env: { "bad name": "x" } }, want: "env.bad name" },
    { reason: "an env name starting with a digit", input: { env: { "1X": "x" } }, want: "env.1X" },
    { reason: "an env value that is not a string", input: { env: { A: 1 } }, want: "env.A" },
    { reason: "an env value with a NUL byte", input: { env: { A: "a\u0000b" } }, want: "env.A" },
    { reason: "a secret value with a lone surrogate", input: { secrets: { S: "\ud800" } }, want: "secrets.S" },
    { reason: "an unknown top-level field", input: { foo: 1 }, want: "foo" },
    { reason: "an unknown nested field", input: { resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1, gpu: 1 } } }, want: "resources.api.gpu" },
    { reason: "an unknown database mode", input: { database: { mode: "mysql" } }, want: "database.mode" },
    { reason: "an external database without uri", input: { database: { mode: "external" } }, want: "database.uri" },
    { reason: "an external database with a non-postgres uri", input: { database: { mode: "external", uri: "mysql://u:p@h/db" } }, want: "database.uri" },
    { reason: "POSTGRES_URI_CUSTOM that is not a URI", input: { secrets: { POSTGRES_URI_CUSTOM: "not-a-uri" } }, want: "secrets.POSTGRES_URI_CUSTOM" },
    { reason: "RDS storage below 20 GiB", input: { database: { mode: "rds", allocatedStorageGb: 10 } }, want: "database.allocatedStorageGb" },
    { reason: "a bad image", input: { image: "nginx:latest" }, want: "image" },
    { reason: "a secrets map that is an array", input: { secrets: ["A"] }, want: "secrets" },
    // Partitions (issue 12.9): role and region must be in one partition, and one the operator serves.
    { reason: "an aws-cn role in a commercial region", input: { roleArn: "arn:aws-cn:iam::123456789012:role/x" }, want: "region" },
    { reason: "a China region with an aws role", input: { region: "cn-north-1" }, want: "region" },
    { reason: "an aws-us-gov role in a commercial region", input: { roleArn: "arn:aws-us-gov:iam::123456789012:role/x" }, want: "region" },
    { reason: "a GovCloud region with an aws-cn role", input: { region: "us-gov-west-1", roleArn: "arn:aws-cn:iam::123456789012:role/x" }, want: "region" },
    { reason: "an ISO partition's role", input: { roleArn: "arn:aws-iso:iam::123456789012:role/x" }, want: "roleArn" },
    { reason: "a role ARN that is a path without a name", input: { roleArn: "arn:aws:iam::123456789012:role/ops/" }, want: "roleArn" },
    { reason: "a role name over IAM's 64 characters", input: { roleArn: `arn:aws:iam::123456789012:role/${"r".repeat(65)}` }, want: "roleArn" },
    // What the container would see is undefined when a name is both plain and secret.
    { reason: "the same name in env and secrets", input: { env: { TOKEN: "a" }, secrets: { TOKEN: "b" } }, want: "secrets.TOKEN" },
    // Sizes AWS refuses on every pass (Secrets Manager 65,536 bytes; ECS task definition 64 KiB).
    { reason: "secrets whose JSON exceeds 65,536 bytes", input: { secrets: { S1: "s".repeat(30_000), S2: "s".repeat(30_000), S3: "s".repeat(6_000) } }, want: "secrets" },
    { reason: "env that makes the task definition exceed 64 KiB", input: { env: { E1: "e".repeat(30_000), E2: "e".repeat(30_000), E3: "e".repeat(3_000) } }, want: "env" },
    { reason: "200 secrets whose references alone exceed 64 KiB", input: { secrets: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`SECRET_${"N".repeat(200)}_${i}`, "v"])) }, want: "env" },
    // docs/reference.md §3: prod runs at least two API replicas; a spec saying one would read back a count that never runs.
    { reason: "prod with one API replica", input: { deploymentType: "prod", resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1 } } }, want: "resources.api.replicas" },
    // The data plane (docs/reference.md §3): what Application Auto Scaling, ELB and RDS would refuse on every pass.
    { reason: "maxReplicas below replicas", input: { resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 2, maxReplicas: 1 } } }, want: "resources.api.maxReplicas" },
    { reason: "a certificate of another region", input: { ingress: { certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0f9e8d7c-6b5a-4321-8fed-cba987654321" } }, want: "ingress.certificateArn" },
    { reason: "an unknown cpuArchitecture", input: { cpuArchitecture: "RISCV" }, want: "cpuArchitecture" },
    { reason: "a postgres major RDS does not offer", input: { database: { mode: "rds", engineVersion: "11" } }, want: "database.engineVersion" },
  ];

  beforeEach(async () => { counts = await rowCounts(api); });

  it.each(cases)("refuses $reason with 400 naming $want", async ({ input, want }) => {
    const res = await api.request("POST", "/v1/projects", { body: projectBody(input) });
    expect(res.status).toBe(400);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res)).toContain(want);
    await expectNothingWritten();
  });

  it("names every bad field at once", async () => {
    const res = await api.request("POST", "/v1/projects", { body: { name: "X", region: "nowhere", foo: 1 } });
    expect(res.status).toBe(400);
    // roleArn and externalId may be omitted now (the tenant's defaults and external ID fill them in).
    expect(fieldsOf(res)).toEqual(expect.arrayContaining(["name", "region", "foo"]));
    await expectNothingWritten();
  });

  it.each([
    { reason: "a body that is an array", input: "[]" },
    { reason: "a body that is a string", input: '"project"' },
    { reason: "a body that is null", input: "null" },
  ])("refuses $reason with 400 naming (body)", async ({ input }) => {
    const res = await api.request("POST", "/v1/projects", { raw: input, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain("(body)");
    await expectNothingWritten();
  });
});

describe("bodies the API cannot read", () => {
  beforeEach(async () => { counts = await rowCounts(api); });
  const valid = JSON.stringify(projectBody());

  it.each<{ reason: string; input: Record<string, string> }>([
    { reason: "text/plain", input: { "content-type": "text/plain" } },
    { reason: "a form", input: { "content-type": "application/x-www-form-urlencoded" } },
    { reason: "XML", input: { "content-type": "application/xml" } },
    { reason: "a look-alike of JSON", input: { "content-type": "application/jsonp" } },
  ])("answers $reason with 415 naming header.content-type", async ({ input }) => {
    const res = await api.request("POST", "/v1/projects", { raw: valid, headers: input });
    expect(res.status).toBe(415);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res)).toEqual(["header.content-type"]);
    await expectNothingWritten();
  });

  it("answers a body with no content type at all with 415", async () => {
    // Bytes, not a string: fetch would label a string text/plain.
    const res = await fetch(`${api.url}/v1/projects`, { method: "POST", headers: { authorization: `Bearer ${WRITE_TOKEN}` }, body: Buffer.from(valid) });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(["header.content-type"]);
    await expectNothingWritten();
  });

  it("accepts application/json with a charset", async () => {
    const body = projectBody();
    const res = await api.request("POST", "/v1/projects", { raw: JSON.stringify(body), headers: { "content-type": "application/json; charset=utf-8" } });
    expect(res.status).toBe(201);
  });

  it.each([
    { reason: "truncated JSON", input: valid.slice(0, -1) },
    { reason: "a trailing comma", input: '{"name": "abc",}' },
    { reason: "single quotes", input: "{'name': 'abc'}" },
    { reason: "a prototype-poisoning key", input: '{"__proto__": {"admin": true}}' },
    { reason: "an empty body", input: "" },
  ])("answers $reason with 400", async ({ input }) => {
    const res = await api.request("POST", "/v1/projects", { raw: input, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(isProblem(res)).toBe(true);
    expect(fieldsOf(res)).toEqual(["(body)"]);
    await expectNothingWritten();
  });

  it("accepts the JSON content type on a request without a body (curl aliases send it on every request)", async () => {
    const { project } = await createProject(api);
    const headers = { "content-type": "application/json" };
    expect((await api.request("POST", `/v1/projects/${project.name}/reconcile`, { raw: "", headers })).status).toBe(202);
    const del = await api.request("DELETE", `/v1/projects/${project.name}`, { raw: "", headers });
    expect(del.status).toBe(202);
    expect((del.body as { phase: string }).phase).toBe("Deleting");
  });

  it("answers a body over 1 MiB with 413", async () => {
    const res = await api.request("POST", "/v1/projects", { body: projectBody({ env: { BIG: "x".repeat(1024 * 1024) } }) });
    expect(res.status).toBe(413);
    expect(isProblem(res)).toBe(true);
    await expectNothingWritten();
  });

  it("reads a body just under 1 MiB and judges its values, not its size", async () => {
    // 40 values of 25 KiB: under the body limit, so the answer is about the values (far more env than a
    // 64 KiB task definition holds), not a 413.
    const env = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, "x".repeat(25 * 1024)]));
    const res = await api.request("POST", "/v1/projects", { body: projectBody({ env }) });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(["env"]);
    await expectNothingWritten();
  });

  it("accepts env and secrets just inside what AWS takes", async () => {
    // 60,000 bytes of env and 65,000 of secret JSON: each under its limit (64 KiB task definition with
    // its overhead, 65,536-byte SecretString), so the project is created.
    const res = await api.request("POST", "/v1/projects", { body: projectBody({
      env: { E1: "e".repeat(30_000), E2: "e".repeat(30_000) }, secrets: { S1: "s".repeat(32_000), S2: "s".repeat(32_000), S3: "s".repeat(900) },
    }) });
    expect(res.status).toBe(201);
  });
});

describe("PATCH and revision bodies", () => {
  let name: string;
  let etag: string;
  beforeAll(async () => {
    ({ project: { name }, etag } = await createProject(api, { database: { mode: "rds", allocatedStorageGb: 40 }, env: { PLAIN: "1" }, secrets: { SEALED: "s" } }));
  });
  beforeEach(async () => { counts = await rowCounts(api); });

  it.each([
    { reason: "an empty patch", input: {}, want: "(body)" },
    { reason: "a name change (names are forever)", input: { name: "renamed" }, want: "name" },
    { reason: "a region change", input: { region: "eu-west-1" }, want: "region" },
    { reason: "a reserved env name", input: { env: { REDIS_URI: "redis://x" } }, want: "env.REDIS_URI" },
    { reason: "a reserved secret name", input: { secrets: { DATABASE_URI: "x" } }, want: "secrets.DATABASE_URI" },
    { reason: "a cpu change that leaves memory invalid", input: { resources: { api: { cpu: 4096 } } }, want: "resources.api.memoryMb" },
    { reason: "shrinking storage", input: { database: { allocatedStorageGb: 20 } }, want: "database.allocatedStorageGb" },
    { reason: "POSTGRES_URI_CUSTOM that is not a URI", input: { secrets: { POSTGRES_URI_CUSTOM: "nope" } }, want: "secrets.POSTGRES_URI_CUSTOM" },
    { reason: "an unknown field", input: { replicas: 3 }, want: "replicas" },
    { reason: "a role in another account", input: { roleArn: "arn:aws:iam::210987654321:role/LangGraphCloudOperator" }, want: "roleArn" },
    { reason: "the same account number in another partition", input: { roleArn: "arn:aws-cn:iam::123456789012:role/LangGraphCloudOperator" }, want: "roleArn" },
    { reason: "a secret named like an env var the project has", input: { secrets: { PLAIN: "s" } }, want: "secrets.PLAIN" },
    { reason: "an env var named like a secret the project has", input: { env: { SEALED: "1" } }, want: "env.SEALED" },
    { reason: "secrets grown past 65,536 bytes", input: { secrets: { S1: "s".repeat(32_000), S2: "s".repeat(32_000), S3: "s".repeat(2_000) } }, want: "secrets" },
    { reason: "env grown past a 64 KiB task definition", input: { env: { E1: "e".repeat(32_000), E2: "e".repeat(32_000) } }, want: "env" },
    { reason: "prod with one API replica", input: { deploymentType: "prod", resources: { api: { replicas: 1 } } }, want: "resources.api.replicas" },
    { reason: "a switch to prod with zero API replicas", input: { deploymentType: "prod", resources: { api: { replicas: 0 } } }, want: "resources.api.replicas" },
    { reason: "storage grown by less than 10%", input: { database: { allocatedStorageGb: 43 } }, want: "database.allocatedStorageGb" },
    { reason: "a postgres downgrade", input: { database: { engineVersion: "15" } }, want: "database.engineVersion" },
    { reason: "a maxReplicas below replicas", input: { resources: { queue: { replicas: 2, maxReplicas: 1 } } }, want: "resources.queue.maxReplicas" },
    { reason: "a certificate of another account", input: { ingress: { certificateArn: "arn:aws:acm:us-east-1:210987654321:certificate/0f9e8d7c-6b5a-4321-8fed-cba987654321" } }, want: "ingress.certificateArn" },
  ])("refuses $reason with 400 naming $want", async ({ input, want }) => {
    const res = await api.request("PATCH", `/v1/projects/${name}`, { body: input, headers: { "if-match": etag } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain(want);
    await expectNothingWritten();
    expect((await api.request("GET", `/v1/projects/${name}`)).headers.get("etag")).toBe(etag);
  });

  it.each(["x1", "*", '"one"', '"1", "2"'])("refuses If-Match %s that is not one generation", async (ifMatch) => {
    const res = await api.request("PATCH", `/v1/projects/${name}`, { body: { env: { A: "1" } }, headers: { "if-match": ifMatch } });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(["header.if-match"]);
    await expectNothingWritten();
  });

  it.each([
    { reason: "no image", input: {}, want: "image" },
    { reason: "a reserved env override", input: { image: image("v1"), env: { PORT: "1" } }, want: "env.PORT" },
    { reason: "an unknown field", input: { image: image("v1"), tag: "v1" }, want: "tag" },
    { reason: "an env override named like one of the project's secrets", input: { image: image("v1"), env: { SEALED: "1" } }, want: "env.SEALED" },
    { reason: "an env override too large for a 64 KiB task definition", input: { image: image("v1"), env: { E1: "e".repeat(32_000), E2: "e".repeat(32_000) } }, want: "env" },
  ])("refuses a revision with $reason naming $want", async ({ input, want }) => {
    const res = await api.request("POST", `/v1/projects/${name}/revisions`, { body: input });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain(want);
    await expectNothingWritten();
  });
});

describe("query strings", () => {
  beforeEach(async () => { counts = await rowCounts(api); });
  it.each([
    { reason: "limit 0", input: "/v1/projects?limit=0", want: "query.limit" },
    { reason: "limit over 200", input: "/v1/projects?limit=201", want: "query.limit" },
    { reason: "an unknown parameter", input: "/v1/projects?sort=name", want: "query.sort" },
    { reason: "a cursor the API never issued", input: "/v1/projects?cursor=AA", want: "query.cursor" },
    { reason: "a revision cursor past any integer", input: `/v1/projects/${"x"}/revisions?cursor=${Buffer.from("9".repeat(30)).toString("base64url")}`, want: "query.cursor" },
    { reason: "since that is not a time", input: "/v1/projects/x/events?since=yesterday", want: "query.since" },
    { reason: "since on a leap second", input: "/v1/projects/x/events?since=2016-12-31T23:59:60Z", want: "query.since" },
    // A logs cursor wraps CloudWatch's token; an altered one is the caller's mistake, not AWS's refusal (502).
    { reason: "a logs cursor the API never issued", input: `/v1/projects/x/logs?cursor=${Buffer.from("not a token").toString("base64url")}`, want: "query.cursor" },
    { reason: "a logs cursor holding a raw CloudWatch-style token", input: `/v1/projects/x/logs?cursor=${Buffer.from(Buffer.from('{"t":1,"s":"a","q":1}').toString("base64")).toString("base64url")}`, want: "query.cursor" },
  ])("refuses $reason with 400 naming $want", async ({ input, want }) => {
    const { project } = await createProject(api);
    counts = await rowCounts(api);
    const res = await api.request("GET", input.replace("/projects/x/", `/projects/${project.name}/`));
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toContain(want);
    await expectNothingWritten();
  });
});
