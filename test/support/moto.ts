// moto_server as a child process on a free 127.0.0.1 port: the independent AWS implementation the AWS
// path is proved against. Seeds the customer prerequisites (docs/reference.md §9) through the SDK, as the Terraform
// module in deploy/terraform/customer-account would. If moto is missing the suite fails with one line
// saying how to install it: CI must never skip it silently.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateSubnetCommand,
  CreateTagsCommand, CreateVpcCommand, EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateDBSubnetGroupCommand, RDSClient } from "@aws-sdk/client-rds";
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CreatePrivateDnsNamespaceCommand, ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { readFileSync } from "node:fs";
import { freePort } from "../../src/store/embedded.js";
import {
  DB_SUBNET_GROUP_NAME, LB_SG_NAME, OPERATOR_ROLE_MANAGED_POLICIES, REDIS_NAMESPACE_NAME, SERVICE_SG_NAME, TAG_ENABLED, TAG_PRIVATE, TASK_EXECUTION_ROLE_NAME,
} from "../../src/cloud/names.js";

/** Keys moto does not know belong to its default account (123456789012): the control plane's own identity. */
export const MOTO_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "AKIAMOTOTESTING00000", secretAccessKey: "moto-secret" };
export const MOTO_ACCOUNT = "123456789012";
/** deploy/terraform/customer-account's default `operator_role_name`. */
export const OPERATOR_ROLE_NAME = "LangGraphCloudOperatorRole";

export interface Moto { url: string; reset(): Promise<void>; stop(): Promise<void> }

export const MOTO_MISSING = "moto_server not found on PATH: install it with `pip install 'moto[server]==5.2.1'` (the moto suite never skips)";

export function motoCommand(env: NodeJS.ProcessEnv = process.env): string {
  const probe = spawnSync("moto_server", ["--help"], { encoding: "utf8", env });
  if (probe.error || probe.status !== 0) throw new Error(MOTO_MISSING);
  return "moto_server";
}

/**
 * MOTO_ECS_SERVICE_RUNNING makes moto report services as running (it never starts tasks otherwise).
 * Pass MOTO_IAM_LOAD_MANAGED_POLICIES=true where the seed must attach AWS managed policies (only where
 * IAM is enforced do they matter): moto then loads ~1,000 of them per account, about a second each time.
 */
export async function startMoto(env: Record<string, string> = {}): Promise<Moto> {
  const cmd = motoCommand();
  const port = await freePort();
  const child: ChildProcess = spawn(cmd, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, MOTO_ECS_SERVICE_RUNNING: "2", ...env }, stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.status < 500) break;
    } catch { /* not up yet */ }
    if (i > 150 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not start on ${url}: ${stderr.trim().split("\n").pop() ?? "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async reset() {
      const r = await fetch(`${url}/moto-api/reset`, { method: "POST" });
      if (!r.ok) throw new Error(`moto reset failed: ${r.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * Administrator credentials in `account`, as a customer's admin (or Terraform) would hold. Without IAM
 * enforcement moto lets any caller assume any role, and hands back keys that act in the role's account.
 */
export async function accountAdminCredentials(endpoint: string, account: string, region = "us-east-1"): Promise<AwsCredentialIdentity> {
  if (account === MOTO_ACCOUNT) return MOTO_CREDENTIALS;
  const sts = new STSClient({ region, endpoint, credentials: MOTO_CREDENTIALS });
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: "terraform" }));
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken, expiration: c.Expiration };
}

export interface SeedOptions {
  credentials?: AwsCredentialIdentity;
  /** Who may assume the operator role (the Terraform variable control_plane_principal_arn). */
  controlPlanePrincipalArn?: string;
  externalId?: string;
  /**
   * Attach the AWS managed policies the module attaches (needs a moto started with
   * MOTO_IAM_LOAD_MANAGED_POLICIES=true). Off, the roles are the same but carry no policy: only right
   * where moto does not enforce IAM, which is its default.
   */
  managedPolicies?: boolean;
}

export interface Prerequisites {
  vpcId: string;
  privateSubnetIds: string[];
  publicSubnetIds: string[];
  serviceSgId: string;
  lbSgId: string;
  operatorRoleArn: string;
  executionRoleArn: string;
}

const trust = (statement: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...statement }] });

/** What deploy/terraform/customer-account creates (create_vpc = true, two AZs), made with the SDK. */
export async function seedPrerequisites(endpoint: string, region: string, o: SeedOptions = {}): Promise<Prerequisites> {
  const cfg = { region, endpoint, credentials: o.credentials ?? MOTO_CREDENTIALS };
  const ec2 = new EC2Client(cfg);
  const vpc = await ec2.send(new CreateVpcCommand({
    CidrBlock: "10.42.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: "langgraph-cloud" }, { Key: TAG_ENABLED, Value: "1" }] }],
  }));
  const vpcId = vpc.Vpc!.VpcId!;
  const privateSubnetIds: string[] = [];
  const publicSubnetIds: string[] = [];
  for (const [i, az] of [`${region}a`, `${region}b`].entries()) {
    for (const priv of [true, false]) {
      const s = await ec2.send(new CreateSubnetCommand({
        VpcId: vpcId, AvailabilityZone: az, CidrBlock: `10.42.${priv ? i * 16 : (i + 8) * 16}.0/20`,
        TagSpecifications: [{
          ResourceType: "subnet",
          Tags: [{ Key: "Name", Value: `langgraph-cloud-${priv ? "private" : "public"}-${az}` }, { Key: TAG_ENABLED, Value: "1" }, { Key: TAG_PRIVATE, Value: priv ? "1" : "0" }],
        }],
      }));
      (priv ? privateSubnetIds : publicSubnetIds).push(s.Subnet!.SubnetId!);
    }
  }
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: SERVICE_SG_NAME, Description: "LangGraph Cloud services and databases", VpcId: vpcId }));
  const lb = await ec2.send(new CreateSecurityGroupCommand({ GroupName: LB_SG_NAME, Description: "Load balancers in front of LangGraph Cloud API services", VpcId: vpcId }));
  const serviceSgId = sg.GroupId!;
  const lbSgId = lb.GroupId!;
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({
    GroupId: serviceSgId,
    IpPermissions: [
      { IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: serviceSgId, Description: "Tasks and databases of LangGraph Cloud deployments" }] },
      { IpProtocol: "tcp", FromPort: 8000, ToPort: 8000, UserIdGroupPairs: [{ GroupId: lbSgId, Description: "LangGraph API from load balancers" }] },
    ],
  }));
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({
    GroupId: lbSgId, IpPermissions: [80, 443].map((p) => ({ IpProtocol: "tcp", FromPort: p, ToPort: p, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "HTTP(S) clients" }] })),
  }));
  await ec2.send(new AuthorizeSecurityGroupEgressCommand({
    GroupId: lbSgId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 8000, ToPort: 8000, UserIdGroupPairs: [{ GroupId: serviceSgId, Description: "LangGraph API tasks" }] }],
  }));
  await new RDSClient(cfg).send(new CreateDBSubnetGroupCommand({
    DBSubnetGroupName: DB_SUBNET_GROUP_NAME, DBSubnetGroupDescription: "Private subnets for LangGraph Cloud databases", SubnetIds: privateSubnetIds,
  }));

  // As the module's discovery.tf: the private DNS namespace the api and queue find their Redis in.
  await new ServiceDiscoveryClient(cfg).send(new CreatePrivateDnsNamespaceCommand({ Name: REDIS_NAMESPACE_NAME, Vpc: vpcId }));

  const iam = new IAMClient({ ...cfg, region: "us-east-1" });
  const exec = await iam.send(new CreateRoleCommand({
    RoleName: TASK_EXECUTION_ROLE_NAME, Description: "ECS task execution role for LangGraph Cloud deployments.",
    AssumeRolePolicyDocument: trust({ Principal: { Service: "ecs-tasks.amazonaws.com" } }),
  }));
  const managed = o.managedPolicies !== false;
  if (managed) await iam.send(new AttachRolePolicyCommand({ RoleName: TASK_EXECUTION_ROLE_NAME, PolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }));
  const account = exec.Role!.Arn!.split(":")[4];
  await iam.send(new PutRolePolicyCommand({
    RoleName: TASK_EXECUTION_ROLE_NAME, PolicyName: "ReadLangGraphCloudSecrets",
    PolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Sid: "ReadLangGraphCloudSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue",
        Resource: `arn:aws:secretsmanager:*:${account}:secret:*`, Condition: { Null: { "aws:ResourceTag/langgraph-cloud": "false" } },
      }],
    }),
  }));
  const op = await iam.send(new CreateRoleCommand({
    RoleName: OPERATOR_ROLE_NAME, MaxSessionDuration: 3600,
    Description: "Assumed by the byoc-operator control plane to run LangGraph Cloud deployments in this account.",
    AssumeRolePolicyDocument: trust({
      Sid: "ControlPlaneWithExternalId",
      Principal: { AWS: o.controlPlanePrincipalArn ?? `arn:aws:iam::${MOTO_ACCOUNT}:root` },
      Condition: { StringEquals: { "sts:ExternalId": o.externalId ?? "moto-external-id" } },
    }),
  }));
  if (managed) for (const arn of OPERATOR_ROLE_MANAGED_POLICIES) await iam.send(new AttachRolePolicyCommand({ RoleName: OPERATOR_ROLE_NAME, PolicyArn: arn }));
  // As the module's operator_extras: what the managed policies lack (Cloud Map, load balancing, scaling, retention).
  if (managed) {
    await iam.send(new PutRolePolicyCommand({
      RoleName: OPERATOR_ROLE_NAME, PolicyName: "langgraph-cloud-operator-extras",
      PolicyDocument: readFileSync(new URL("../../deploy/iam/operator-role-inline-policy.json", import.meta.url), "utf8"),
    }));
  }
  return {
    vpcId, privateSubnetIds: privateSubnetIds.sort(), publicSubnetIds: publicSubnetIds.sort(), serviceSgId, lbSgId,
    operatorRoleArn: op.Role!.Arn!, executionRoleArn: exec.Role!.Arn!,
  };
}
