// byoc apply / get projects / revisions / deploy, run as a child process against a real daemon on the
// sandbox: what the user reads, what the server ends up holding, and the exit codes scripts branch on.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { image, ROLE, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { cliEnv, runCli, scratchDir, writeYaml } from "./support.js";

let t: TestDaemon;
let dir: string;
beforeAll(async () => {
  t = await startTestDaemon();
  // These tests are about the desired state the CLI writes; converging it in AWS is other files' business.
  await t.d.engine.stop();
  dir = scratchDir();
});
afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const byoc = (...args: string[]) => runCli(args, { env: cliEnv(t.d.url, TOKEN) });
const projectYaml = (name: string, rest = "") =>
  `name: ${name}\nregion: us-east-1\nroleArn: ${ROLE}\nexternalId: sandbox-external-id\n${rest}`;
const lines = (s: string) => s.trimEnd().split("\n");

describe("byoc apply", () => {
  test("creates from YAML, then reports unchanged; an edited file becomes a PATCH listing each change", async () => {
    const first = writeYaml(dir, "shop-v1", projectYaml("shop", `image: ${image("v1")}\nenv:\n  LOG_LEVEL: info\n  WORKERS: 4\n`));
    const created = await byoc("apply", "-f", first);
    expect(created.code).toBe(0);
    expect(lines(created.stdout)).toEqual(["project shop created (generation 1)", "  + image: agent:v1 (revision 1 queued)"]);
    // YAML's number 4 went to the server as the string the API wants.
    expect((await t.http("GET", "/v1/projects/shop")).body.env).toEqual({ LOG_LEVEL: "info", WORKERS: "4" });

    expect(await byoc("apply", "-f", first)).toMatchObject({ code: 0, stdout: "project shop unchanged (generation 1)\n" });

    const edited = writeYaml(dir, "shop-v2", projectYaml("shop", `image: ${image("v2")}
env:
  LOG_LEVEL: debug
  NEW_FLAG: "yes"
resources:
  api: { cpu: 1024, memoryMb: 2048, replicas: 2 }
  queue: { cpu: 1024, memoryMb: 2048, replicas: 1 }
`));
    const dry = await byoc("apply", "-f", edited, "--dry-run");
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout)[0]).toBe("project shop would be updated (dry run: nothing sent)");
    expect((await t.http("GET", "/v1/projects/shop")).body.generation).toBe(1);

    const updated = await byoc("apply", "-f", edited);
    expect(updated.code).toBe(0);
    expect(lines(updated.stdout)).toEqual([
      "project shop updated (generation 1 → 2)",
      "  ~ resources.api.replicas: 1 → 2",
      "  ~ env.LOG_LEVEL: info → debug",
      "  + env.NEW_FLAG: yes",
      "  - env.WORKERS: 4 (removed)",
      "  ~ image: agent:v1 → agent:v2 (revision 2 queued)",
    ]);
    const after = (await t.http("GET", "/v1/projects/shop")).body;
    expect(after.env).toEqual({ LOG_LEVEL: "debug", NEW_FLAG: "yes" });
    expect(after.resources.api.replicas).toBe(2);
    expect((await t.http("GET", "/v1/projects/shop/revisions")).body.items.map((r: any) => [r.number, r.image])).toEqual([[2, image("v2")], [1, image("v1")]]);

    expect(await byoc("apply", "-f", edited)).toMatchObject({ code: 0, stdout: "project shop unchanged (generation 2)\n" });
  });

  test("secrets are write-only: always sent, said so; names dropped from the file are removed", async () => {
    const both = writeYaml(dir, "vault-1", projectYaml("vault", "secrets:\n  OPENAI_API_KEY: sk-one\n  OTHER_KEY: two\n"));
    const created = await byoc("apply", "-f", both);
    expect(created.stdout).toContain("secrets.OPENAI_API_KEY, secrets.OTHER_KEY: sent; write-only values cannot be compared");

    const again = await byoc("apply", "-f", both, "-o", "json");
    expect(again.code).toBe(0);
    // Sent again, but the same values: the server records no change, so the generation stays (issue 12.9).
    expect(JSON.parse(again.stdout)).toMatchObject({ name: "vault", action: "updated", generation: 1, changes: [], writeOnly: ["secrets.OPENAI_API_KEY", "secrets.OTHER_KEY"] });

    const one = writeYaml(dir, "vault-2", projectYaml("vault", "secrets:\n  OPENAI_API_KEY: sk-rotated\n"));
    const dropped = await byoc("apply", "-f", one);
    expect(lines(dropped.stdout)).toEqual([
      "project vault updated (generation 1 → 2)",
      "  - secrets.OTHER_KEY (removed)",
      "  secrets.OPENAI_API_KEY: sent; write-only values cannot be compared, so apply always sends them",
    ]);
    const project = (await t.http("GET", "/v1/projects/vault")).body;
    expect(project.secretNames).toEqual(["OPENAI_API_KEY"]);
    expect(JSON.stringify(project)).not.toContain("sk-rotated");
    expect(dropped.stdout + dropped.stderr).not.toContain("sk-rotated");
  });

  test("-f - reads the file from stdin; -o yaml reports the result as YAML", async () => {
    const r = await runCli(["apply", "-f", "-", "-o", "yaml"], { env: cliEnv(t.d.url, TOKEN), input: projectYaml("piped", "deploymentType: prod\n") });
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toMatchObject({ name: "piped", action: "created", generation: 1, dryRun: false });
    // Omitted fields keep the server's defaults (prod: 2 API replicas), so they are never a "change".
    expect((await t.http("GET", "/v1/projects/piped")).body.resources.api.replicas).toBe(2);
    const again = await runCli(["apply", "-f", "-"], { env: cliEnv(t.d.url, TOKEN), input: projectYaml("piped", "deploymentType: prod\n") });
    expect(again.stdout).toBe("project piped unchanged (generation 1)\n");
  });

  test.each([
    { reason: "YAML that does not parse", file: "name: x\nregion: [\n", code: 2, stderr: /^byoc: .*bad\.yaml: .*line \d+/ },
    { reason: "fields the API does not have, and a bad name", file: "name: Shop\nregion: us-east-1\nroleArn: x\nexternalId: e1\nreplicas: 2\n", code: 2, stderr: /bad\.yaml: replicas: unknown field; name: must match pattern "\^\[a-z\].*"; roleArn: must match pattern/ },
    // roleArn may be omitted only when the tenant has a defaultRoleArn (SPEC §3); default has none.
    { reason: "a field missing", file: "name: newshop\nregion: us-east-1\n", code: 2, stderr: /roleArn: is required: the tenant has no defaultRoleArn/ },
    { reason: "a region change, which needs a new project", file: projectYaml("shop").replace("us-east-1", "eu-west-1"), code: 4, stderr: /project shop: region us-east-1 → eu-west-1 cannot change; delete the project and create it again/ },
  ])("refuses $reason with exit $code and one line", async ({ file, code, stderr }) => {
    const r = await byoc("apply", "-f", writeYaml(dir, "bad", file));
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(stderr);
    expect(lines(r.stderr)).toHaveLength(1);
  });

  test("a project being deleted cannot be applied to or deployed (exit 4)", async () => {
    const file = writeYaml(dir, "leaving", projectYaml("leaving"));
    expect((await byoc("apply", "-f", file)).code).toBe(0);
    expect(await byoc("delete", "leaving")).toMatchObject({ code: 0, stdout: "project leaving is being deleted (deletionPolicy snapshot)\n" });
    // The engine is stopped, so the project stays Deleting.
    expect(await byoc("apply", "-f", file)).toMatchObject({ code: 4, stderr: "byoc: project leaving is being deleted; apply it again once it is gone\n" });
    expect(await byoc("deploy", "leaving", "--image", image("v1"))).toMatchObject({ code: 4, stderr: "byoc: the project is being deleted\n" });
  });

  test("a file that does not exist is a usage error", async () => {
    const r = await byoc("apply", "-f", `${dir}/nope.yaml`);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toBe(`byoc: cannot read ${dir}/nope.yaml: ENOENT\n`);
  });
});

describe("byoc get projects", () => {
  test("a table of every project; -o json is the API's list shape; one project by name", async () => {
    const table = await byoc("get", "projects");
    expect(table.code).toBe(0);
    const [header, ...rows] = lines(table.stdout);
    expect(header).toMatch(/^NAME +PHASE +TYPE +REGION +ACCOUNT +GENERATION +AGE +URL$/);
    expect(rows.map((r) => r.split(/ +/)[0])).toEqual(["leaving", "piped", "shop", "vault"]);
    // No load balancer yet: no url.
    expect(rows.find((r) => r.startsWith("piped"))).toMatch(/^piped +\w+ +prod +us-east-1 +123456789012 +1 +\d+s +-$/);

    const json = JSON.parse((await byoc("get", "projects", "-o", "json")).stdout);
    expect(json.items.map((p: any) => p.name)).toEqual(["leaving", "piped", "shop", "vault"]);
    const one = parse((await byoc("get", "project", "shop", "-o", "yaml")).stdout);
    expect(one).toMatchObject({ name: "shop", generation: 2, resources: { api: { replicas: 2 } } });
  });
});

describe("byoc revisions and byoc deploy", () => {
  test("deploy queues a revision with env overrides; revisions lists them newest first", async () => {
    const r = await byoc("deploy", "shop", "--image", image("v3"), "--env", "FEATURE=on", "--env", "RATIO=a=b");
    expect(r).toMatchObject({ code: 0, stdout: `revision 3 of shop queued: ${image("v3")}\n` });
    expect((await t.http("GET", "/v1/projects/shop/revisions/3")).body.env).toEqual({ FEATURE: "on", RATIO: "a=b" });

    const list = await byoc("revisions", "shop");
    const [header, ...rows] = lines(list.stdout);
    expect(header).toMatch(/^REVISION +STATUS +IMAGE +AGE +MESSAGE$/);
    expect(rows.map((row) => { const cells = row.split(/ +/); return [cells[0], cells[2]]; })).toEqual([["3", "agent:v3"], ["2", "agent:v2"], ["1", "agent:v1"]]);
    const json = JSON.parse((await byoc("revisions", "shop", "--limit", "1", "-o", "json")).stdout);
    expect(json.items.map((x: any) => x.number)).toEqual([3]);
    expect(json.nextCursor).toEqual(expect.any(String));
  });

  test.each([
    { reason: "an image outside ECR", args: ["deploy", "shop", "--image", "nginx:latest"], code: 2, stderr: /^byoc: image: must match pattern/ },
    { reason: "a missing --image", args: ["deploy", "shop"], code: 2, stderr: /^byoc: required option '--image <uri>' not specified/ },
    { reason: "an --env without =", args: ["deploy", "shop", "--image", image("v4"), "--env", "FLAG"], code: 2, stderr: /expected KEY=VALUE/ },
    { reason: "a project that does not exist", args: ["deploy", "ghost", "--image", image("v4")], code: 3, stderr: /^byoc: project ghost does not exist\n$/ },
    { reason: "revisions of a project that does not exist", args: ["revisions", "ghost"], code: 3, stderr: /^byoc: project ghost does not exist\n$/ },
  ])("refuses $reason (exit $code)", async ({ args, code, stderr }) => {
    const r = await byoc(...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(stderr);
    expect(lines(r.stderr)).toHaveLength(1);
  });
});

test("the url, once the engine has recorded one, is in the projects table and under apply's result", async () => {
  const url = "http://lg-piped-1234567890.us-east-1.elb.amazonaws.com";
  await t.d.store.sql`UPDATE projects SET url = ${url} WHERE name = 'piped'`;
  const rows = lines((await byoc("get", "projects")).stdout);
  expect(rows.find((r) => r.startsWith("piped"))).toMatch(new RegExp(`^piped .* ${url.replace(/\./g, "\\.")}$`));
  const again = await runCli(["apply", "-f", "-"], { env: cliEnv(t.d.url, TOKEN), input: projectYaml("piped", "deploymentType: prod\n") });
  expect(lines(again.stdout)).toEqual(["project piped unchanged (generation 1)", `  url: ${url}`]);
});
