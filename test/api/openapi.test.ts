// /openapi.json is the contract clients are generated from: OpenAPI 3.1, every docs/reference.md §7 route the server
// answers, and request schemas that accept and refuse exactly what the server does.
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, WRITE_TOKEN, type TestApi } from "../support/api.js";
import { ACCOUNT, createProject, image, projectBody } from "./fixtures.js";

let api: TestApi;
let doc: any;
let projectName: string;
beforeAll(async () => {
  api = await startTestApi();
  projectName = (await createProject(api, { image: image("v1") })).project.name;
  doc = (await api.request("GET", "/openapi.json", { token: null })).body;
});
afterAll(async () => { await api?.close(); });

/** docs/reference.md §7, plus the token routes the CLI mints and revokes with. */
const SPEC_ROUTES = [
  ["POST", "/v1/projects"], ["GET", "/v1/projects"],
  ["GET", "/v1/projects/{idOrName}"], ["PATCH", "/v1/projects/{idOrName}"], ["DELETE", "/v1/projects/{idOrName}"],
  ["POST", "/v1/projects/{idOrName}/revisions"], ["GET", "/v1/projects/{idOrName}/revisions"], ["GET", "/v1/projects/{idOrName}/revisions/{number}"],
  ["GET", "/v1/projects/{idOrName}/status"], ["GET", "/v1/projects/{idOrName}/events"], ["GET", "/v1/projects/{idOrName}/plan"],
  ["POST", "/v1/projects/{idOrName}/reconcile"], ["GET", "/v1/projects/{idOrName}/logs"], ["GET", "/v1/watch"],
  ["POST", "/v1/tokens"], ["DELETE", "/v1/tokens/{id}"],
  // SPEC §7.1, LangSmith's API.
  ["POST", "/v2/deployments"], ["GET", "/v2/deployments"], ["GET", "/v2/deployments/{deployment_id}"],
  ["PATCH", "/v2/deployments/{deployment_id}"], ["DELETE", "/v2/deployments/{deployment_id}"],
  ["GET", "/v2/deployments/{deployment_id}/revisions"], ["GET", "/v2/deployments/{deployment_id}/revisions/{revision_id}"],
  ["POST", "/v2/deployments/{deployment_id}/revisions/{revision_id}/redeploy"],
  ["POST", "/v1/projects/{idOrName}/deploy_logs"], ["POST", "/v1/projects/{idOrName}/revisions/{revision_id}/deploy_logs"],
  ["POST", "/v2/deployments/{deployment_id}/push-token"], ["POST", "/v2/deployments/{deployment_id}/upload-url"],
] as const;
/** What this build must have; plan, logs and watch are checked only if the server answers them. */
const REQUIRED = SPEC_ROUTES.filter(([, p]) => !/\/(plan|logs|watch)$/.test(p));

/** Does the server route this? Reads only the status line, so a streaming route (SSE) cannot hang us. */
async function serverRoutes(method: string, template: string): Promise<boolean> {
  const path = template.replace("{idOrName}", projectName).replace("{number}", "1").replace("{id}", "00000000-0000-4000-8000-000000000000");
  const abort = new AbortController();
  // A POST/PATCH with an empty JSON object reaches validation (400) on a real route, never a write.
  const res = await fetch(api.url + path, {
    method, signal: abort.signal,
    headers: { authorization: `Bearer ${WRITE_TOKEN}`, ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }) },
    body: method === "GET" || method === "DELETE" ? undefined : "{}",
  });
  const unrouted = res.status === 404 && /^no route /.test(((await res.json()) as { detail: string }).detail ?? "");
  abort.abort();
  return !unrouted;
}

function operation(method: string, template: string) {
  return doc.paths?.[template]?.[method.toLowerCase()];
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with bearer auth declared", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
  });

  it.each(REQUIRED.map(([method, path]) => ({ method, path })))("lists $method $path, which the server answers", async ({ method, path }) => {
    expect(await serverRoutes(method, path)).toBe(true);
    expect(operation(method, path)).toBeDefined();
  });

  it("lists every docs/reference.md §7 route the server answers, and no /v1 route it does not", async () => {
    for (const [method, path] of SPEC_ROUTES) {
      expect.soft(operation(method, path) !== undefined, `${method} ${path}`).toBe(await serverRoutes(method, path));
    }
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) expect.soft(await serverRoutes(method.toUpperCase(), path), `${method} ${path}`).toBe(true);
    }
  });

  it("gives every /v1 and /v2 operation the bearer requirement, its path parameters and a 401 response", () => {
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      if (!path.startsWith("/v1/") && !path.startsWith("/v2/")) continue;
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        // LangSmith's routes name its X-Api-Key first; every route takes either header.
        expect.soft(op.security, where).toEqual(path.startsWith("/v2/") || path.endsWith("/deploy_logs") ? [{ apiKey: [] }, { bearer: [] }] : [{ bearer: [] }]);
        expect.soft(op.responses?.["401"], where).toBeDefined();
        for (const p of params) expect.soft(op.parameters?.some((x: any) => x.in === "path" && x.name === p && x.required), `${where} {${p}}`).toBe(true);
      }
    }
  });
});

describe("request schemas in the document are the ones that validate", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const docValidates = (method: string, path: string, body: unknown) => {
    const schema = operation(method, path)?.requestBody?.content?.["application/json"]?.schema;
    expect(schema, `${method} ${path} request schema`).toBeDefined();
    return ajv.validate(schema, body) as boolean;
  };

  it("ProjectCreate refuses unknown fields at every level", () => {
    const schema = operation("POST", "/v1/projects").requestBody.content["application/json"].schema;
    expect(schema.additionalProperties).toBe(false);
    // region, roleArn and externalId default to the tenant's (SPEC §3): only the name is always required.
    expect(schema.required).toEqual(["name"]);
  });

  const imageRef = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent:v2`;
  const cases = [
    { reason: "a minimal project", method: "POST", path: "/v1/projects", input: () => projectBody(), want: true },
    { reason: "a full project", method: "POST", path: "/v1/projects", input: () => projectBody({ deploymentType: "prod", database: { mode: "rds", allocatedStorageGb: 30 }, env: { A: "1" }, secrets: { S: "x" }, deletionPolicy: "delete", image: imageRef }), want: true },
    { reason: "a project with an unknown field", method: "POST", path: "/v1/projects", input: () => projectBody({ foo: 1 }), want: false },
    { reason: "a project with an unknown nested field", method: "POST", path: "/v1/projects", input: () => projectBody({ database: { mode: "rds", iops: 3000 } }), want: false },
    { reason: "a project with a bad name", method: "POST", path: "/v1/projects", input: () => projectBody({ name: "Bad_Name" }), want: false },
    { reason: "a project without externalId (the tenant's is used)", method: "POST", path: "/v1/projects", input: () => projectBody({ externalId: undefined }), want: true },
    { reason: "a project with a cpu Fargate lacks", method: "POST", path: "/v1/projects", input: () => projectBody({ resources: { api: { cpu: 3000, memoryMb: 4096, replicas: 1 } } }), want: false },
    { reason: "a project with the data-plane fields", method: "POST", path: "/v1/projects", input: () => projectBody({ resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 5 } }, cpuArchitecture: "ARM64", ingress: { visibility: "internal", certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0f9e8d7c-6b5a-4321-8fed-cba987654321` } }), want: true },
    { reason: "a project with an unknown ingress field", method: "POST", path: "/v1/projects", input: () => projectBody({ ingress: { scheme: "internal" } }), want: false },
    { reason: "a project with a maxReplicas over 100", method: "POST", path: "/v1/projects", input: () => projectBody({ resources: { queue: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 101 } } }), want: false },
    { reason: "a patch removing the certificate", method: "PATCH", path: "/v1/projects/{idOrName}", input: () => ({ ingress: { certificateArn: null } }), want: true },
    { reason: "a patch of the architecture", method: "PATCH", path: "/v1/projects/{idOrName}", input: () => ({ cpuArchitecture: "ARM64" }), want: true },
    { reason: "a revision", method: "POST", path: "/v1/projects/{idOrName}/revisions", input: () => ({ image: imageRef }), want: true },
    { reason: "a revision with an unknown field", method: "POST", path: "/v1/projects/{idOrName}/revisions", input: () => ({ image: imageRef, tag: "v2" }), want: false },
    { reason: "a revision with a non-ECR image", method: "POST", path: "/v1/projects/{idOrName}/revisions", input: () => ({ image: "nginx:1" }), want: false },
    { reason: "a token", method: "POST", path: "/v1/tokens", input: () => ({ name: "ci", scope: "read" }), want: true },
    { reason: "a token with an unknown scope", method: "POST", path: "/v1/tokens", input: () => ({ name: "ci", scope: "admin" }), want: false },
    { reason: "a patch removing an env entry", method: "PATCH", path: "/v1/projects/{idOrName}", input: () => ({ env: { A: null } }), want: true },
    { reason: "an empty patch", method: "PATCH", path: "/v1/projects/{idOrName}", input: () => ({}), want: false },
    { reason: "a patch renaming the project", method: "PATCH", path: "/v1/projects/{idOrName}", input: () => ({ name: "other" }), want: false },
  ];
  it.each(cases)("$reason: the document says $want and the server agrees", async ({ method, path, input, want }) => {
    const body = JSON.parse(JSON.stringify(input()));
    expect(docValidates(method, path, body)).toBe(want);
    const { project, etag } = await createProject(api);
    const res = await api.request(method, path.replace("{idOrName}", project.name), { body, headers: method === "PATCH" ? { "if-match": etag } : {} });
    expect(res.status < 300, `${res.status} ${res.text}`).toBe(want);
    if (!want) expect(res.status).toBe(400);
  });
});
