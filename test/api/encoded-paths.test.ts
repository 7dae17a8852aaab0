// No spelling of a path skips authentication. For every operation the OpenAPI document lists, the same
// request is sent with no key under other spellings of its path (percent-encoded characters, an
// absolute-form request target, doubled slashes, dot segments); each must be refused (401) or not
// routed (404), and none may write anything. The router decodes paths, so a check on the raw URL
// would let these through; the check is bound to each route instead (src/api/server.ts).
import { request as httpRequest } from "node:http";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { createProject, image } from "./fixtures.js";
import { documentedOperations } from "../support/operations.js";

let api: TestApi;
let projectName: string;
let operations: Array<{ method: string; template: string; path: string }>;

function fill(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, param: string) => {
    switch (param) {
      case "idOrName": return projectName;
      case "number": return "1";
      default: return randomUUID();
    }
  });
}

/** Percent-encode the character at index i of the path (a letter or digit, never a slash). */
const encodeAt = (path: string, i: number) => path.slice(0, i) + "%" + path.charCodeAt(i).toString(16).padStart(2, "0") + path.slice(i + 1);

/** The other spellings of one path that a lenient router or proxy could map back to it. */
function spellings(path: string, origin: string): Array<{ reason: string; target: string }> {
  const out = [
    { reason: "absolute-form target", target: origin + path },
    { reason: "absolute-form target with encoding", target: origin + encodeAt(path, 1) },
    { reason: "doubled leading slash", target: "/" + path },
    { reason: "dot segment", target: path.replace(/^\/(\w+)\//, "/$1/./") },
    { reason: "parent segment", target: path.replace(/^\/(\w+)\//, "/$1/x/../") },
    { reason: "upper-case hex", target: encodeAt(path, 1).toUpperCase().replace(/^(\/%[0-9A-F]{2})(.*)$/, (_, a: string) => a + path.slice(2)) },
  ];
  // Every letter and digit of the path, one at a time (the issue's /%761/… and /v%31/… among them).
  for (let i = 0; i < path.length; i++) if (/[A-Za-z0-9]/.test(path[i])) out.push({ reason: `'${path[i]}' at ${i} encoded`, target: encodeAt(path, i) });
  return out;
}

function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  const { hostname, port } = new URL(api.url);
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: target, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { text += c; if (res.headers["content-type"]?.startsWith("text/event-stream")) res.destroy(); });
      res.on("close", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const writes = async () => {
  const [{ n }] = await api.store.sql`SELECT (SELECT count(*) FROM api_tokens) + (SELECT count(*) FROM projects) + (SELECT count(*) FROM revisions) + (SELECT coalesce(sum(generation), 0) FROM projects) AS n`;
  return Number(n);
};

beforeAll(async () => {
  api = await startTestApi();
  projectName = (await createProject(api, { image: image("v1") })).project.name;
  operations = (await documentedOperations(api)).map((o) => ({ ...o, path: fill(o.template) }));
});
afterAll(async () => { await api?.close(); });

describe("every operation of the OpenAPI document under every spelling of its path", () => {
  it("walks the routes the document lists", () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
  });

  it("is refused without a key (401) or not routed (404), and nothing is written", async () => {
    const before = await writes();
    const origin = api.url;
    let tried = 0;
    for (const op of operations) {
      const body = op.method === "GET" || op.method === "DELETE" ? undefined : JSON.stringify({ name: "bypass", scope: "write", image: image("v9") });
      for (const s of spellings(op.path, origin)) {
        const res = await raw(op.method, s.target, {}, body);
        tried++;
        expect.soft([401, 404], `${op.method} ${s.target} (${s.reason}) → ${res.status} ${res.text.slice(0, 120)}`).toContain(res.status);
      }
    }
    expect(tried).toBeGreaterThan(operations.length * 10);
    expect(await writes()).toBe(before);
  });

  it("with a valid key, the plain spelling still works (the check is not a blanket refusal)", async () => {
    const res = await raw("GET", "/v1/projects", { authorization: "Bearer write-token-0123456789abcdef" });
    expect(res.status).toBe(200);
  });
});

describe("the dashboard's static files under other spellings", () => {
  it.each(["/app.js", "/style.css", "/"])("%s is served with its security headers or not at all", async (path) => {
    const targets = [path, api.url + path, ...(path.length > 1 ? [encodeAt(path, 1), "/" + path] : [])];
    for (const target of targets) {
      const res = await raw("GET", target);
      expect.soft([200, 404], `${target} → ${res.status}`).toContain(res.status);
      if (res.status === 200) expect.soft(res.headers["content-security-policy"], target).toMatch(/default-src 'none'/);
    }
  });

  it("a path that tries to leave the dashboard's folder is not served", async () => {
    for (const target of ["/../package.json", "/%2e%2e/package.json", "/..%2fpackage.json", "/routes.ts", "/%2e%2e%2fsrc%2fmain.ts"]) {
      const res = await raw("GET", target);
      expect.soft(res.status, target).toBe(404);
    }
  });
});
