// LangGraph's own CLI (npm @langchain/langgraph-cli, pinned) against a running daemon, as a user runs it:
// `langgraphjs deploy list | revisions list | logs | delete` with --host-url and --api-key, and what it
// prints. A deployment made through /v2 converges and reads the same through /v1; a failed rollout
// leaves the serving revision active and a redeploy rolls it back. (`langgraphjs deploy` itself builds
// an image with Docker, which these machines lack: its create and PATCH calls are made here directly.)
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { image, REGION, ROLE, startTestDaemon, type TestDaemon } from "../support/daemon.js";

const CLI = path.join(path.dirname(createRequire(import.meta.url).resolve("@langchain/langgraph-cli/package.json")), "dist/cli/cli.mjs");
// An empty directory: the CLI reads langgraph.json and .env from where it runs.
const CWD = mkdtempSync(path.join(tmpdir(), "langgraph-cli-"));

let t: TestDaemon;
let key: string;
let id: string;
let name: string;

function langgraph(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args, "--host-url", t.d.url, "--api-key", key], {
    cwd: CWD, env: { PATH: process.env.PATH, HOME: CWD, LANGGRAPH_CLI_NO_ANALYTICS: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => { stdout += d; });
  child.stderr.on("data", (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`langgraphjs ${args.join(" ")} hung\n${stdout}\n${stderr}`)); }, 30_000);
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
const v2 = async (method: string, p: string, body?: unknown) => t.http(method, p, body, { authorization: "", "x-api-key": key });
const revisions = async () => (await v2("GET", `/v2/deployments/${id}/revisions`)).body.resources as Array<{ id: string; status: string }>;
const rowsOf = (out: string) => out.trimEnd().split("\n").slice(2);

beforeAll(async () => {
  t = await startTestDaemon();
  // The default tenant (whose roles trust the sandbox's external ID) gets the defaults /v2 creates need.
  const [tenant] = (await t.http("GET", "/v1/tenants")).body.items.filter((x: any) => x.name === "default");
  expect((await t.http("PATCH", `/v1/tenants/${tenant.id}`, { defaultRegion: REGION, defaultRoleArn: ROLE })).status).toBe(200);
  key = (await t.http("POST", `/v1/tenants/${tenant.id}/keys`, { scope: "write", name: "langgraph cli" })).body.key;
  name = "lg-cli-agent";
  const created = await v2("POST", "/v2/deployments", {
    name, source: "external_docker", source_config: { deployment_type: "dev" }, source_revision_config: { image_uri: image("v1") },
    secrets: [{ name: "LANGSMITH_API_KEY", value: "lsv2_sk_not_printed" }],
  });
  expect(created.status).toBe(201);
  id = created.body.id;
});
afterAll(async () => { await t?.stop(); });

test("a deployment created through /v2 converges: READY with revision 1 active, and /v1 reads the same project Ready", async () => {
  const d = await t.waitFor("deployment READY with an active revision", async () => {
    const r = (await v2("GET", `/v2/deployments/${id}`)).body;
    return r.status === "READY" && r.active_revision_id && r;
  }, 60_000);
  expect(d.active_revision_id).toBe(d.latest_revision_id);
  expect(d.image_version).toBe("v1");
  const s = await t.waitForPhase(name, "Ready");
  expect(s.activeRevision).toEqual({ number: 1, image: image("v1"), status: "DEPLOYED" });
  expect((await t.http("GET", `/v1/projects/${name}`)).body).toMatchObject({ id, secretNames: ["LANGSMITH_API_KEY"] });
});

test("langgraphjs deploy list prints the deployment's id, name and URL (its load balancer); --name-contains filters", async () => {
  const r = await langgraph("deploy", "list");
  expect(r).toMatchObject({ code: 0, stderr: "" });
  const [header, rule, ...rows] = r.stdout.trimEnd().split("\n");
  // The CLI pads every column to its widest cell, the last one included.
  expect(header.trimEnd()).toMatch(/^Deployment ID +Deployment Name +Deployment URL$/);
  expect(rule).toMatch(/^-+/);
  const url = (await t.http("GET", `/v1/projects/${name}`)).body.url;
  expect(url).toMatch(/^http:\/\/lg-/);
  const escaped = url.replace(/[.]/g, "\\.");
  expect(rows.map((x) => x.trimEnd())).toContainEqual(expect.stringMatching(new RegExp(`^${id} +${name} +${escaped}$`)));
  const none = await langgraph("deploy", "list", "--name-contains", "nothing-has-this");
  expect(none.stdout).toBe("No deployments found.\n");
});

test("a failed rollout leaves the serving revision active (Degraded); revisions list shows it; a redeploy rolls back", async () => {
  const [first] = await revisions();
  expect((await v2("PATCH", `/v2/deployments/${id}`, { revision_source: "internal_docker", source_revision_config: { image_uri: image("fail-boot") } })).status).toBe(200);
  await t.waitFor("revision 2 DEPLOY_FAILED", async () => (await revisions())[0].status === "DEPLOY_FAILED", 60_000);
  const s = await t.waitForPhase(name, "Degraded");
  expect(s.activeRevision).toEqual({ number: 1, image: image("v1"), status: "DEPLOYED" });
  expect(s.latestRevision).toMatchObject({ number: 2, status: "DEPLOY_FAILED" });
  const d = (await v2("GET", `/v2/deployments/${id}`)).body;
  expect(d.active_revision_id).toBe(first.id);
  expect(d.latest_revision_id).not.toBe(first.id);

  const listed = await langgraph("deploy", "revisions", "list", id);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^Revision ID +Status +Created At *\n/);
  expect(rowsOf(listed.stdout).map((row) => row.split(/ +/).slice(0, 2))).toEqual([[d.latest_revision_id, "DEPLOY_FAILED"], [first.id, "DEPLOYED"]]);

  const back = await v2("POST", `/v2/deployments/${id}/revisions/${first.id}/redeploy`);
  expect(back.status).toBe(200);
  const ready = await t.waitFor("the redeploy serving", async () => {
    const r = (await v2("GET", `/v2/deployments/${id}`)).body;
    return r.active_revision_id === r.latest_revision_id && r.active_revision_id !== first.id && r;
  }, 60_000);
  expect(ready.source_revision_config.image_uri).toBe(image("v1"));
  expect((await t.waitForPhase(name, "Ready")).activeRevision).toEqual({ number: 3, image: image("v1"), status: "DEPLOYED" });
  // The CLI relabels older DEPLOYED rows REPLACED: only the newest is serving.
  const after = rowsOf((await langgraph("deploy", "revisions", "list", id)).stdout).map((row) => row.split(/ +/)[1]);
  expect(after).toEqual(["DEPLOYED", "DEPLOY_FAILED", "REPLACED"]);
});

test("langgraphjs deploy logs --deployment-id prints the containers' log lines, levels and all", async () => {
  const r = await t.waitFor("log lines", async () => {
    const out = await langgraph("deploy", "logs", "--deployment-id", id, "--limit", "20");
    return out.code === 0 && out.stdout.includes("] [") && out;
  }, 30_000);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(20);
  for (const line of lines) expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[[A-Z]+\] \S/);
  // Oldest first, as the CLI reverses the newest-first page it asked for.
  const times = lines.map((l) => l.slice(1, 20));
  expect([...times].sort()).toEqual(times);
  expect(r.stdout).not.toContain("lsv2_sk_not_printed");
  const errorsOnly = await langgraph("deploy", "logs", "--deployment-id", id, "--level", "error");
  expect(errorsOnly.code).toBe(0);
  for (const line of errorsOnly.stdout.trimEnd().split("\n").filter((l) => l.startsWith("["))) expect(line).toMatch(/\] \[ERROR\] /);
});

test("langgraphjs deploy delete --force deletes it: AWAITING_DELETE, then gone from deploy list", async () => {
  const r = await langgraph("deploy", "delete", id, "--force");
  expect(r).toMatchObject({ code: 0, stdout: `Deleted deployment ${id}.\n` });
  const during = (await v2("GET", `/v2/deployments/${id}`)).body;
  expect(during.status).toBe("AWAITING_DELETE");
  await t.waitFor("deployment gone", async () => (await v2("GET", `/v2/deployments/${id}`)).status === 404, 60_000);
  expect((await langgraph("deploy", "list")).stdout).toBe("No deployments found.\n");
  const missing = await langgraph("deploy", "revisions", "list", id);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toMatch(/404/);
});
