// Permanent and transient AWS errors. AccessDenied (a role that lost a permission, or a wrong external
// ID) is a condition carrying AWS's code, retried slowly, and clears by itself once the customer fixes
// the role. A validation error from AWS holds until the spec changes. Throttling slows the account's
// token bucket, shared by every client of that account.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ListClustersCommand } from "@aws-sdk/client-ecs";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { image, projectBody, roleIn, startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { SandboxView } from "../support/sandbox-view.js";

const REGION = "us-east-1";
let t: TestDaemon;

beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t?.stop(); });

const passes = async (name: string): Promise<number> =>
  Number((await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${name}`)[0].passes);
const condition = (s: any, type: string) => s.conditions.find((c: any) => c.type === type);

describe("permanent errors", () => {
  test.concurrent("a wrong external ID: CredentialsValid False with AWS's code and a hint, nothing created; the right one converges", async () => {
    const ACCOUNT = "100000000022";
    const aws = new SandboxView(t.sandbox, ACCOUNT);
    const since = t.clock.now();
    await t.http("POST", "/v1/projects", projectBody("err-extid", { roleArn: roleIn(ACCOUNT), externalId: "not-the-external-id", image: image("v1") }));
    const s = await t.waitForPhase("err-extid", "Failed");
    expect(condition(s, "CredentialsValid")).toMatchObject({
      status: "False", reason: "AccessDenied",
      message: expect.stringMatching(/^AccessDenied: .*sts:AssumeRole.*\(check the role's trust policy: principal and sts:ExternalId\)$/),
    });
    expect(condition(s, "NetworkReady")).toMatchObject({ status: "Unknown" });
    expect(aws.writes(since)).toEqual([]);

    await t.patch("err-extid", { externalId: "sandbox-external-id" });
    await t.waitForPhase("err-extid", "Ready");
  });

  test.concurrent("a validation error from AWS holds until the spec changes: its code in the condition, slow retries, then the corrected spec converges", async () => {
    const ACCOUNT = "100000000023";
    const aws = new SandboxView(t.sandbox, ACCOUNT);
    await t.http("POST", "/v1/projects", projectBody("err-valid", { roleArn: roleIn(ACCOUNT), image: image("v1") }));
    await t.waitForPhase("err-valid", "Ready");
    // RDS refuses a storage increase of less than 10%. The API refuses one against the spec (20 → 21), so the
    // instance is grown out of band to 21 GiB first: the spec's 22 GiB passes the API (10% of 20) but is less
    // than 10% above the instance's real 21 GiB, and only RDS can say so.
    await t.sandbox.console.modifyDBInstance(ACCOUNT, REGION, "lg-err-valid", { allocatedStorage: 21 });
    const since = t.clock.now();
    await t.patch("err-valid", { database: { allocatedStorageGb: 22 } });
    const s = await t.waitForPhase("err-valid", "Failed");
    expect(condition(s, "DatabaseReady")).toMatchObject({ status: "False", reason: "InvalidParameterCombination", message: expect.stringMatching(/^update DBInstance lg-err-valid: .*at least 10% greater/) });
    const warning = await t.waitForEvent("err-valid", "the Warning", (e) => e.reason === "InvalidParameterCombination");
    expect(warning).toMatchObject({ type: "Warning", resource: "lg-err-valid" });
    const status = (await t.http("GET", "/v1/projects/err-valid/status")).body;
    expect(status.resources.find((r: any) => r.kind === "DBInstance" && r.lastError)).toMatchObject({ lastError: { code: "InvalidParameterCombination" } });

    await new Promise((r) => setTimeout(r, 1500));
    expect(aws.writes(since).filter((w) => w === "rds:ModifyDBInstance").length).toBeLessThanOrEqual(2);

    await t.patch("err-valid", { database: { allocatedStorageGb: 25 } });
    await t.waitFor("lg-err-valid at 25 GiB", async () => (await aws.db("err-valid"))?.allocatedStorage === 25);
    await t.waitForPhase("err-valid", "Ready");
  });
});

test("a role that loses its permissions: the AWS code in a condition, slow retries, and recovery by itself once it is fixed", async () => {
  const ACCOUNT = "100000000021";
  await t.http("POST", "/v1/projects", projectBody("err-denied", { roleArn: roleIn(ACCOUNT), image: image("v1") }));
  await t.waitForPhase("err-denied", "Ready");
  const assumed = t.sandbox.calls.count("sts:AssumeRole");

  await t.sandbox.console.denyRole(ACCOUNT, "LangGraphCloudOperatorRole");
  await t.http("POST", "/v1/projects/err-denied/reconcile");
  const s = await t.waitForPhase("err-denied", "Failed");
  // Whichever call of the pass met the denial first (EC2 and Secrets Manager spell it differently).
  const failing = s.conditions.find((c: any) => c.status === "False" && c.type !== "Synced" && c.type !== "Ready");
  expect(failing).toMatchObject({ reason: expect.stringMatching(/^(AccessDeniedException|UnauthorizedOperation)$/), message: expect.stringMatching(/is not authorized to perform: (secretsmanager|ec2):\w+/) });
  expect(condition(s, "Synced")).toMatchObject({ status: "False", reason: failing.reason });

  // Slowly: a hot loop would run a pass every poll (150 ms); a denied role waits seconds between tries.
  const at = await passes("err-denied");
  await new Promise((r) => setTimeout(r, 1500));
  expect(await passes("err-denied") - at).toBeLessThanOrEqual(1);

  await t.sandbox.console.allowRole(ACCOUNT, "LangGraphCloudOperatorRole");
  const ready = await t.waitForPhase("err-denied", "Ready", 20_000); // no wake-up: the slow retry finds it fixed
  expect(ready.conditions.every((c: any) => c.status === "True")).toBe(true);
  // The retry assumed the role afresh instead of reusing the denied session: had the customer revoked
  // the role's sessions, fixing the role would be enough all the same.
  expect(t.sandbox.calls.count("sts:AssumeRole")).toBeGreaterThan(assumed);
});

test("throttling slows the account's token bucket, which every client of that account shares", async () => {
  const ACCOUNT = "100000000024";
  const cloud = new Cloud({ backend: t.sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "throttle-test", maxAttempts: 2 });
  const one = await cloud.clientsFor(roleIn(ACCOUNT), "sandbox-external-id", REGION);
  const other = await cloud.clientsFor(`arn:aws:iam::${ACCOUNT}:role/AnotherRole`, "sandbox-external-id", REGION);
  const bucket = cloud.buckets.of(ACCOUNT);
  const fullRate = bucket.rate;
  t.sandbox.setFaults({ throttleRate: 1 });
  try {
    await expect(one.ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: "ThrottlingException" });
  } finally {
    t.sandbox.setFaults({ throttleRate: 0 });
  }
  expect(bucket.throttles).toBe(2); // both attempts were seen
  const slowed = bucket.rate;
  expect(slowed).toBeLessThan(fullRate);
  // The other role of the same account draws on that same slowed bucket (its success nudges it back up)…
  await other.ecs.send(new ListClustersCommand({}));
  expect(bucket.rate).toBeGreaterThan(slowed);
  expect(bucket.rate).toBeLessThan(fullRate);
  // …while another account is not slowed at all.
  expect(cloud.buckets.of("100000000025").rate).toBe(fullRate);
});
