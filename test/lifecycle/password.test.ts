// A postgres secret deleted for good (ForceDeleteWithoutRecovery) comes back with a new generated
// password; the RDS instance still has the old one, so the operator sets the instance's master password
// to the secret's — once — and the services can connect again.
import { afterAll, beforeAll, expect, test } from "vitest";
import { DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { projectNames } from "../../src/cloud/names.js";
import { image, roleIn, startDaemonWithProject, type TestDaemon } from "../support/daemon.js";
import type { SandboxView } from "../support/sandbox-view.js";

const ACCOUNT = "100000000077";
const P = "pwreset";
let t: TestDaemon;
let aws: SandboxView;

beforeAll(async () => {
  ({ t, aws } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1") } }));
});
afterAll(async () => { await t?.stop(); });

test("a recreated postgres secret's password is set on the existing instance, once", async () => {
  const console = new Cloud({ backend: t.sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "console" });
  const clients = await console.clientsFor(roleIn(ACCOUNT), "sandbox-external-id", "us-east-1");
  const since = Date.now();
  await clients.secrets.send(new DeleteSecretCommand({ SecretId: projectNames(P).postgresSecret, ForceDeleteWithoutRecovery: true }));
  await t.http("POST", `/v1/projects/${P}/reconcile`);
  const e = await t.waitForEvent(P, "PasswordReset", (x) => x.reason === "PasswordReset");
  expect(e).toMatchObject({ type: "Warning", resource: `lg-${P}` });
  expect(e.message).toContain("value not shown");
  await t.waitForPhase(P, "Ready");
  // More passes: the tag on the secret records the reset, so it is not repeated.
  for (let i = 0; i < 2; i++) {
    const [{ passes }] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`;
    await t.http("POST", `/v1/projects/${P}/reconcile`);
    await t.waitFor("a pass", async () => {
      const [row] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`;
      return row.passes > passes;
    });
  }
  expect(aws.writes(since).filter((w) => w === "rds:ModifyDBInstance")).toHaveLength(1);
  expect(aws.writes(since).filter((w) => w === "secretsmanager:CreateSecret")).toHaveLength(1);
});
