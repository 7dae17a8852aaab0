// A sandbox cloud on a hand-moved clock, and real SDK clients for one customer account, as the
// operator would hold them: operator credentials for STS, an assumed-role session for the rest.
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { ACMClient } from "@aws-sdk/client-acm";
import { SandboxCloud, sandboxOperatorCredentials, type SandboxOptions } from "../../src/cloud/sandbox/index.js";
import { SANDBOX_DEFAULT_EXTERNAL_ID } from "../../src/cloud/names.js";

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
export const ROLE_NAME = "LangGraphCloudOperator";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;
export const EXTERNAL_ID = SANDBOX_DEFAULT_EXTERNAL_ID;
export const START = Date.UTC(2026, 10, 24, 12, 0, 0);

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class SandboxFixture {
  t = START;
  readonly cloud: SandboxCloud;

  /**
   * The image model is on (the sandbox's default): tasks of a LangGraph image run only when their container
   * meets the contract (ecs-setup.ts's CONTRACT_CONTAINER does); Docker's official images are not held to it.
   */
  constructor(opts: SandboxOptions = {}) {
    this.cloud = new SandboxCloud({ delayMs: 1000, seed: 42, now: () => this.t, ...opts });
  }

  advance(ms: number): void {
    this.t += ms;
  }

  operatorSts(region = REGION, maxAttempts = 3): STSClient {
    return this.cloud.attach(new STSClient({ region, credentials: sandboxOperatorCredentials(), maxAttempts }));
  }

  async session(roleArn = ROLE_ARN, region = REGION): Promise<Credentials> {
    const out = await this.operatorSts(region).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "byoc-test", ExternalId: EXTERNAL_ID }));
    return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken };
  }

  /** Every client the operator uses, signed with a session of `roleArn`. */
  async clients(opts: { roleArn?: string; region?: string; maxAttempts?: number; credentials?: Credentials } = {}) {
    const region = opts.region ?? REGION;
    const credentials = opts.credentials ?? (await this.session(opts.roleArn, region));
    const cfg = { region, credentials, maxAttempts: opts.maxAttempts ?? 3 };
    return {
      credentials,
      sts: this.cloud.attach(new STSClient(cfg)),
      ec2: this.cloud.attach(new EC2Client(cfg)),
      rds: this.cloud.attach(new RDSClient(cfg)),
      secrets: this.cloud.attach(new SecretsManagerClient(cfg)),
      ecs: this.cloud.attach(new ECSClient(cfg)),
      logs: this.cloud.attach(new CloudWatchLogsClient(cfg)),
      cloudwatch: this.cloud.attach(new CloudWatchClient(cfg)),
      elb: this.cloud.attach(new ElasticLoadBalancingV2Client(cfg)),
      cloudmap: this.cloud.attach(new ServiceDiscoveryClient(cfg)),
      autoscaling: this.cloud.attach(new ApplicationAutoScalingClient(cfg)),
      acm: this.cloud.attach(new ACMClient(cfg)),
    };
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, any>;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
