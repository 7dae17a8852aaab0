// moto_server as a child process on a free 127.0.0.1 port: the independent AWS implementation the AWS
// path is proved against. Seeds the customer prerequisites (SPEC §4) through the SDK, as the Terraform
// module in deploy/ would. If moto is missing the suite fails with one line saying how to install it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateDBSubnetGroupCommand, RDSClient } from "@aws-sdk/client-rds";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { freePort } from "../../src/store/embedded.js";
import { DB_SUBNET_GROUP_NAME, LB_SG_NAME, SERVICE_SG_NAME, TAG_ENABLED, TAG_PRIVATE, TASK_EXECUTION_ROLE_NAME } from "../../src/cloud/names.js";

export const MOTO_CREDENTIALS = { accessKeyId: "AKIAMOTOTESTING00000", secretAccessKey: "moto-secret" };
export const MOTO_ACCOUNT = "123456789012"; // moto's default account

export interface Moto { url: string; reset(): Promise<void>; stop(): Promise<void> }

export function motoCommand(): string {
  const probe = spawnSync("moto_server", ["--help"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error("moto_server not found: install it with `pip install 'moto[server]'` (the moto suite never skips)");
  }
  return "moto_server";
}

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
    if (i > 100 || child.exitCode !== null) throw new Error(`moto_server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async reset() { await fetch(`${url}/moto-api/reset`, { method: "POST" }); },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => { if (child.exitCode !== null) r(null); else child.once("exit", r); });
    },
  };
}

/** What deploy/terraform/customer-account creates, made with the SDK against moto. */
export async function seedPrerequisites(endpoint: string, region: string) {
  const cfg = { region, endpoint, credentials: MOTO_CREDENTIALS };
  const ec2 = new EC2Client(cfg);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16" }));
  const vpcId = vpc.Vpc!.VpcId!;
  await ec2.send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: TAG_ENABLED, Value: "1" }] }));
  const subnets: Array<{ id: string; private: boolean }> = [];
  for (const [i, priv] of [[0, true], [1, true], [2, false], [3, false]] as const) {
    const s = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.42.${i}.0/24`, AvailabilityZone: `${region}${i % 2 ? "b" : "a"}` }));
    await ec2.send(new CreateTagsCommand({ Resources: [s.Subnet!.SubnetId!], Tags: [{ Key: TAG_ENABLED, Value: "1" }, { Key: TAG_PRIVATE, Value: priv ? "1" : "0" }] }));
    subnets.push({ id: s.Subnet!.SubnetId!, private: priv });
  }
  const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: SERVICE_SG_NAME, Description: "LangGraph services", VpcId: vpcId }));
  await ec2.send(new CreateSecurityGroupCommand({ GroupName: LB_SG_NAME, Description: "LangGraph load balancer", VpcId: vpcId }));
  await new RDSClient(cfg).send(new CreateDBSubnetGroupCommand({
    DBSubnetGroupName: DB_SUBNET_GROUP_NAME, DBSubnetGroupDescription: "LangGraph DB", SubnetIds: subnets.filter((s) => s.private).map((s) => s.id),
  }));
  await new IAMClient({ ...cfg, region: "us-east-1" }).send(new CreateRoleCommand({
    RoleName: TASK_EXECUTION_ROLE_NAME,
    AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
  }));
  return { vpcId, privateSubnetIds: subnets.filter((s) => s.private).map((s) => s.id).sort(), serviceSgId: sg.GroupId! };
}
