// Access denied, on moto with IAM enforcement on (POST /moto-api/reset-auth 0 after seeding): the
// operator runs as an IAM user holding exactly deploy/iam/operator-policy.json, and assumes the role
// the Terraform module creates (trusting that user, with an sts:ExternalId condition, the five AWS
// managed policies and its inline policy). moto checks the trust policy's principal and StringEquals
// condition only when the role is in the caller's own account (docs/aws-fidelity.md), so here the customer's
// account is moto's default one; the cross-account path is proved without enforcement in the other files.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateAccessKeyCommand, CreateUserCommand, DeleteRolePolicyCommand, PutRolePolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { OPERATOR_INLINE_POLICY_NAME, projectNames } from "../../src/cloud/names.js";
import { MOTO_ACCOUNT, OPERATOR_ROLE_NAME, type Moto } from "../support/moto.js";
import * as view from "./aws-view.js";
import { condition, EXTERNAL_ID, image, sdkFor, startFileMoto, startWorld, waitFor, waitForConverged, waitForEvent, waitForPhase, type Sdk, type World } from "./world.js";

const CONTROL_PLANE_USER = "byoc-control-plane";
const DENY_POLICY = "TestDenyCreateDBInstance";

let moto: Moto;
let w: World;
let controlPlaneKeys: AwsCredentialIdentity;

async function userWithKey(aws: Sdk, user: string, policy: unknown): Promise<AwsCredentialIdentity> {
  await aws.iam.send(new CreateUserCommand({ UserName: user }));
  await aws.iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: "policy", PolicyDocument: JSON.stringify(policy) }));
  const k = await aws.iam.send(new CreateAccessKeyCommand({ UserName: user }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
}

beforeAll(async () => {
  moto = await startFileMoto({ MOTO_IAM_LOAD_MANAGED_POLICIES: "true" });
  w = await startWorld(moto, {
    account: MOTO_ACCOUNT,
    managedPolicies: true,
    controlPlanePrincipalArn: `arn:aws:iam::${MOTO_ACCOUNT}:user/${CONTROL_PLANE_USER}`,
    async seed({ aws }) {
      const operator = await userWithKey(aws, CONTROL_PLANE_USER, JSON.parse(readFileSync("deploy/iam/operator-policy.json", "utf8")));
      controlPlaneKeys = operator;
      const admin = await userWithKey(aws, "customer-admin", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
      // The customer (or an SCP) forbids creating databases: the operator must say so, with AWS's code.
      await aws.iam.send(new PutRolePolicyCommand({
        RoleName: OPERATOR_ROLE_NAME, PolicyName: DENY_POLICY,
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "rds:CreateDBInstance", Resource: "*" }] }),
      }));
      const r = await fetch(`${moto.url}/moto-api/reset-auth`, { method: "POST", body: "0" });
      if (!r.ok) throw new Error(`enabling moto IAM enforcement: ${r.status}`);
      return { operator, admin };
    },
  });
});
afterAll(async () => {
  await w?.stop();
  await moto?.stop();
});

describe("IAM enforcement", () => {
  test("enforcement is on: the control plane's own keys may assume the role but not touch RDS", async () => {
    const asControlPlane = sdkFor(moto.url, controlPlaneKeys);
    const err = await asControlPlane.rds.send(new DescribeDBInstancesCommand({})).catch((e: Error) => e);
    expect(err).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(await view.dbInstance(w.aws, "nothing")).toBeUndefined(); // the customer admin may
  });

  test("a wrong external ID: AssumeRole is refused with AccessDenied, the project reads Failed, nothing is created", async () => {
    await w.createProject({ name: "wrongid", image: image("v1", MOTO_ACCOUNT), externalId: "not-the-agreed-external-id" });
    const s = await waitForPhase(w, "wrongid", "Failed");
    expect(condition(s, "CredentialsValid")).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(condition(s, "CredentialsValid").message).toContain("sts:ExternalId");
    expect(condition(s, "Ready").status).toBe("False");
    expect((await view.secretsOf(w.aws, "wrongid")).size).toBe(0);
    expect(await view.cluster(w.aws)).toBeUndefined();
  });

  test("the agreed external ID: the role is assumed, and a denied action surfaces AWS's code on its condition and event", async () => {
    const cur = await w.api("GET", "/v1/projects/wrongid");
    const res = await w.api("PATCH", "/v1/projects/wrongid", { body: { externalId: EXTERNAL_ID }, headers: { "if-match": cur.headers.get("etag")! } });
    expect(res.status).toBe(200);
    const s = await waitFor("DatabaseReady=False AccessDenied", async () => {
      const st = await w.status("wrongid");
      return condition(st, "DatabaseReady").reason === "AccessDenied" ? st : undefined;
    });
    expect(condition(s, "CredentialsValid")).toMatchObject({ status: "True" });
    expect(condition(s, "SecretsReady")).toMatchObject({ status: "True" });
    expect(condition(s, "DatabaseReady").message).toContain("rds:CreateDBInstance");
    const e = await waitForEvent(w, "wrongid", "AccessDenied warning", (x) => x.reason === "AccessDenied");
    expect(e).toMatchObject({ type: "Warning", resource: projectNames("wrongid").dbInstance });
    expect(await view.dbInstance(w.aws, "wrongid")).toBeUndefined();
  });

  test("once the customer lifts the deny, the next pass creates the DB instance", async () => {
    await w.aws.iam.send(new DeleteRolePolicyCommand({ RoleName: OPERATOR_ROLE_NAME, PolicyName: DENY_POLICY }));
    await w.reconcile("wrongid");
    const s = await waitFor("DatabaseReady=True", async () => {
      const st = await w.status("wrongid");
      return condition(st, "DatabaseReady").status === "True" ? st : undefined;
    });
    expect((await view.dbInstance(w.aws, "wrongid"))?.DBInstanceStatus).toBe("available");
    expect(condition(s, "CredentialsValid").status).toBe("True");
  });

  test("a role that lacks the load balancer calls: IngressReady names the denied call, nothing loops", async () => {
    // The managed policies lack calls the ingress step needs (docs/reference.md §4), and on moto the inline
    // policy's statements scoped to lg-* load balancers never match (moto-iam-resource-star in
    // docs/aws-fidelity.md): the step stops at the first denied call, with AWS's code.
    await w.reconcile("wrongid");
    const s = await waitFor("IngressReady=False AccessDenied", async () => {
      const st = await w.status("wrongid");
      return condition(st, "IngressReady")?.reason === "AccessDenied" ? st : undefined;
    }, 30_000).catch(async (err) => {
      const st = await w.status("wrongid");
      throw new Error(`${err.message}: ${JSON.stringify(st.conditions.map((c: any) => `${c.type}=${c.status} ${c.reason}: ${c.message}`))}`);
    });
    expect(condition(s, "IngressReady").message).toMatch(/elasticloadbalancing:/);
    expect(s.phase).toBe("Failed");
  });

  test("with the module's inline policy added the project gets to Ready", async () => {
    // moto checks every request against Resource "*" (docs/aws-fidelity.md), so a statement scoped to
    // lg-* load balancers never matches there: the policy's actions are proved complete with its
    // resources widened; the patterns' shape (lg-* names) is checked in test/deploy/terraform.test.ts.
    const policy = JSON.parse(readFileSync("deploy/iam/operator-role-inline-policy.json", "utf8"));
    for (const st of policy.Statement) st.Resource = "*";
    await w.aws.iam.send(new PutRolePolicyCommand({ RoleName: OPERATOR_ROLE_NAME, PolicyName: OPERATOR_INLINE_POLICY_NAME, PolicyDocument: JSON.stringify(policy) }));
    await w.reconcile("wrongid");
    await waitForConverged(w, "wrongid", 45_000);
  });

  test("without logs:PutRetentionPolicy (a customer who left it out of the inline policy) the log group is still used, and a Warning says so", async () => {
    // None of the managed policies grants logs:PutRetentionPolicy (docs/aws-fidelity.md).
    const e = await waitForEvent(w, "wrongid", "RetentionNotManaged warning", (x) => x.reason === "RetentionNotManaged");
    expect(e.message).toContain("logs:PutRetentionPolicy");
  });
});
