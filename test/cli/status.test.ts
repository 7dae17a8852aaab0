// byoc status [--watch [--until-ready]] and byoc delete [--wait] against a real daemon on the sandbox:
// a live view that redraws on a terminal and prints lines into a pipe, and waits scripts can rely on.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { image, projectBody, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { BIN, cliEnv, RunningCli, runCli } from "./support.js";
import { statusText } from "../../src/cli/status.js";

let t: TestDaemon;
beforeAll(async () => {
  t = await startTestDaemon();
  for (const name of ["steady", "waiting", "doomed"]) expect((await t.http("POST", "/v1/projects", projectBody(name))).status).toBe(201);
  expect((await t.http("POST", "/v1/projects/steady/revisions", { image: image("v1") })).status).toBe(201);
  await t.waitFor("steady Ready", async () => (await t.status("steady")).phase === "Ready");
});
afterAll(async () => { await t?.stop(); });

const env = () => cliEnv(t.d.url, TOKEN);
const byoc = (...args: string[]) => runCli(args, { env: env() });
const lines = (s: string) => s.trimEnd().split("\n");
/** "2026-11-24 07:18:30  name  Phase  generation o/g  revision …  why" */
const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}\S+ {2}\w+ {2}generation \d+\/\d+ {2}(no revision|revision \d+ \w+) {2}.+$/;

describe("byoc status", () => {
  test("shows phase, generation, the active revision, every condition and the resources", async () => {
    const r = await byoc("status", "steady");
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.slice(0, 4)).toEqual([
      "Project:     steady", "Phase:       Ready", "Generation:  1 (observed 1)", "Revision:    1 DEPLOYED  agent:v1",
    ]);
    // Whether the sandbox's load balancer exists yet depends on the ingress step; either way the line says.
    expect(out[4]).toMatch(/^URL: {9}(none yet \(the load balancer does not exist yet\)|https?:\/\/\S+)$/);
    expect(out).toContainEqual(expect.stringMatching(/^CONDITION +STATUS +REASON +MESSAGE$/));
    for (const type of ["CredentialsValid", "NetworkReady", "SecretsReady", "DatabaseReady", "IngressReady", "ServicesReady", "Synced", "Ready"]) {
      expect(out).toContainEqual(expect.stringMatching(new RegExp(`^${type} +True +\\w+`)));
    }
    expect(out).toContainEqual(expect.stringMatching(/^KIND +NAME +PHASE +ATTEMPTS +LAST ERROR$/));
    expect(out).toContainEqual(expect.stringMatching(/^Service +lg-steady-api +ACTIVE 1\/1 +0$/));
  });

  test("-o json and -o yaml print the API's status document", async () => {
    const json = JSON.parse((await byoc("status", "steady", "-o", "json")).stdout);
    expect(json).toMatchObject({ phase: "Ready", activeRevision: { number: 1, status: "DEPLOYED", image: image("v1") } });
    expect(parse((await byoc("-o", "yaml", "status", "steady")).stdout)).toEqual(json);
  });

  test("--watch --until-ready, piped: one line per change, exit 0 once Ready with the revision deployed", async () => {
    const watch = new RunningCli(["status", "waiting", "--watch", "--until-ready"], { env: env() });
    await watch.waitFor(/waiting {2}Provisioning/);
    expect((await byoc("deploy", "waiting", "--image", image("v1"))).code).toBe(0);
    const r = await watch.exit();
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.length).toBeGreaterThan(1);
    for (const l of out) expect(l).toMatch(LINE);
    expect(out[0]).toMatch(/ServicesReady=False AwaitingRevision|not reconciled yet|=False/);
    expect(out[out.length - 1]).toMatch(/ {2}waiting {2}Ready {2}generation 1\/1 {2}revision 1 DEPLOYED {2}all conditions True$/);
    expect(new Set(out.map((l) => l.slice(21))).size).toBe(out.length); // a line only when something changed
  });

  test("--until-ready exits 1 with the reason when the newest revision fails to deploy", async () => {
    expect((await byoc("deploy", "waiting", "--image", image("fail-health"))).code).toBe(0);
    const r = await runCli(["status", "waiting", "--watch", "--until-ready"], { env: env(), timeoutMs: 40_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("byoc: project waiting revision 2 (agent:fail-health) failed to deploy; see byoc revisions\n");
  });

  test("--timeout bounds the wait (exit 1); --until-ready without --watch is a usage error", async () => {
    const r = await byoc("status", "doomed", "--watch", "--until-ready", "--timeout", "1s");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("byoc: timed out waiting for doomed to be Ready\n");
    expect(await byoc("status", "doomed", "--until-ready")).toMatchObject({ code: 2, stderr: "byoc: --until-ready and --timeout go with --watch\n" });
    expect(await byoc("status", "doomed", "--watch", "--timeout", "soon")).toMatchObject({ code: 2 });
  });

  test("--watch in a terminal redraws the view in place", async () => {
    // script(1) gives the command a pseudo-terminal, as a person running it would have.
    const watch = new RunningCli([], { env: env(), command: ["script", "-qfec", `${process.execPath} ${BIN} status steady --watch`, "/dev/null"] });
    await watch.waitFor(/Revision: {4}1 DEPLOYED/);
    expect((await byoc("deploy", "steady", "--image", image("v2"))).code).toBe(0);
    // Cursor up over the previous drawing, erase to the end of the screen, draw again.
    const m = await watch.waitFor(/\x1b\[(\d+)A\r\x1b\[0JWatching steady[^]*Revision: {4}2 DEPLOYED/);
    const firstDrawing = watch.stdout.slice(0, watch.stdout.indexOf("\x1b[")).replace(/\r/g, "");
    expect(Number(m[1])).toBe(lines(firstDrawing).length);
    await watch.stop();
  });
});

describe("byoc delete", () => {
  test("--wait returns once AWS confirms everything is gone; meanwhile writes are conflicts (exit 4)", async () => {
    const del = new RunningCli(["delete", "steady", "--wait"], { env: env() });
    await del.waitFor(/^project steady is being deleted \(deletionPolicy snapshot\)$/m);
    const deploy = await byoc("deploy", "steady", "--image", image("v3"));
    expect(deploy).toMatchObject({ code: 4, stderr: "byoc: the project is being deleted\n" });
    const r = await del.exit(40_000);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[lines(r.stdout).length - 1]).toBe("project steady deleted");
    expect(lines(r.stdout).slice(1, -1).every((l) => LINE.test(l) && l.includes("  steady  Deleting  "))).toBe(true);
    expect(await byoc("status", "steady")).toMatchObject({ code: 3, stderr: "byoc: project steady does not exist\n" });
  });

  test("without --wait it returns at once; the project reads Deleting", async () => {
    const r = await byoc("delete", "doomed", "-o", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "doomed", phase: "Deleting" });
    expect(await byoc("delete", "never-was")).toMatchObject({ code: 3, stderr: "byoc: project never-was does not exist\n" });
  });
});

test("statusText shows the url the server recorded, and says when there is none", () => {
  const s = { phase: "Ready", generation: 1, observedGeneration: 1, conditions: [], resources: [], activeRevision: null, latestRevision: null };
  const url = "https://lg-x-1234567890.us-east-1.elb.amazonaws.com";
  expect(statusText("x", { ...s, url }).split("\n")[4]).toBe(`URL:         ${url}`);
  expect(statusText("x", { ...s, url: null }).split("\n")[4]).toBe("URL:         none yet (the load balancer does not exist yet)");
});
