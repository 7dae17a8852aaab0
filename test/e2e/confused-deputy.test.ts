// The confused-deputy guard end to end (issue 15): a sandbox account prepared for tenant B (as B's
// Terraform would) trusts only B's generated external ID. Tenant A naming B's role gets its own
// external ID presented, and STS refuses it: AccessDenied reaches A's CredentialsValid condition, and
// nothing is created in B's account. Checked before any binding exists (B has no project there yet),
// so it is the trust policy that refuses, not the control plane's account binding.
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roleIn, startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { SandboxView } from "../support/sandbox-view.js";
import { rejection, SandboxFixture } from "../sandbox/fixture.js";

const B_ACCOUNT = "100000000151";
const B_OTHER_ACCOUNT = "100000000152";
const condition = (s: any, type: string) => s.conditions.find((c: any) => c.type === type);

describe("sandbox trust policies", () => {
  const role = roleIn(B_ACCOUNT);
  const assume = (f: SandboxFixture, roleArn: string, ExternalId: string) =>
    f.operatorSts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "byoc-test", ExternalId }));

  it("a prepared account trusts its tenant's external ID and no other, the sandbox-wide one included", async () => {
    const f = new SandboxFixture();
    expect((await assume(f, role, "sandbox-external-id")).Credentials).toBeTruthy();
    await f.cloud.console.prepareAccount(B_ACCOUNT, "byoc-0123456789abcdef0123456789abcdef");
    expect((await assume(f, role, "byoc-0123456789abcdef0123456789abcdef")).Credentials).toBeTruthy();
    for (const wrong of ["sandbox-external-id", "byoc-ffffffffffffffffffffffffffffffff"]) {
      const err = await rejection(assume(f, role, wrong));
      expect(err.name).toBe("AccessDenied");
      expect(err.$metadata.httpStatusCode).toBe(403);
    }
    // Other accounts keep the sandbox-wide trust.
    expect((await assume(f, roleIn(B_OTHER_ACCOUNT), "sandbox-external-id")).Credentials).toBeTruthy();
  });
});

describe("tenant A naming tenant B's role", () => {
  let t: TestDaemon;
  let a: { id: string; externalId: string; key: string };
  let b: { id: string; externalId: string; key: string };
  const tenant = async (name: string) => {
    const created = (await t.http("POST", "/v1/tenants", { name })).body;
    const key = (await t.http("POST", `/v1/tenants/${created.id}/keys`, { scope: "write" })).body.key;
    return { id: created.id, externalId: created.externalId, key };
  };
  beforeAll(async () => {
    t = await startTestDaemon();
    [a, b] = [await tenant("tenant-a"), await tenant("tenant-b")];
    await t.sandbox.console.prepareAccount(B_ACCOUNT, b.externalId);
    await t.sandbox.console.prepareAccount(B_OTHER_ACCOUNT, b.externalId);
  });
  afterAll(async () => { await t?.stop(); });

  it("cannot present B's external ID, even knowing it: 400 naming externalId", async () => {
    const res = await t.http("POST", "/v1/projects", { name: "borrowed", region: "us-east-1", roleArn: roleIn(B_ACCOUNT), externalId: b.externalId }, { authorization: `Bearer ${a.key}` });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(["externalId"]);
  });

  it("is refused by STS: AccessDenied in A's CredentialsValid, nothing created in B's account", async () => {
    const since = t.clock.now();
    const res = await t.http("POST", "/v1/projects", { name: "borrowed", region: "us-east-1", roleArn: roleIn(B_ACCOUNT) }, { authorization: `Bearer ${a.key}` });
    expect(res.status).toBe(201);
    expect(res.body.externalId).toBe(a.externalId);
    const s = await t.waitFor("A's project to fail on credentials", async () => {
      const st = (await t.http("GET", "/v1/projects/borrowed/status", undefined, { authorization: `Bearer ${a.key}` })).body;
      return condition(st, "CredentialsValid")?.status === "False" && st;
    });
    expect(condition(s, "CredentialsValid")).toMatchObject({ reason: "AccessDenied", message: expect.stringContaining("sts:AssumeRole") });
    expect(new SandboxView(t.sandbox, B_ACCOUNT).writes(since)).toEqual([]);
  });

  it("B's own project in B's prepared account assumes the role with B's external ID", async () => {
    const res = await t.http("POST", "/v1/projects", { name: "own", region: "us-east-1", roleArn: roleIn(B_OTHER_ACCOUNT) }, { authorization: `Bearer ${b.key}` });
    expect(res.status).toBe(201);
    const s = await t.waitFor("B's project to hold credentials", async () => {
      const st = (await t.http("GET", "/v1/projects/own/status", undefined, { authorization: `Bearer ${b.key}` })).body;
      return condition(st, "CredentialsValid")?.status === "True" && st;
    });
    expect(condition(s, "CredentialsValid").reason).toBeTruthy();
  });
});
