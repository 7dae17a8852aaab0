// SDK v3 clients per (role, region), with credentials from STS AssumeRole (the project's ExternalId),
// cached per role and refreshed before expiry. In sandbox mode the simulated AWS is attached beneath
// the same real clients, so the reconcilers' code path is identical in both modes.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { ECSClient } from "@aws-sdk/client-ecs";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { accountOfRoleArn } from "./names.js";
import { awsErrorCode, isThrottle } from "./errors.js";
import { AccountBuckets } from "./throttle.js";

export interface AwsClients {
  accountId: string;
  region: string;
  ecs: ECSClient;
  rds: RDSClient;
  secrets: SecretsManagerClient;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  ec2: EC2Client;
}

/** Something that can sit beneath an SDK client and answer for AWS (the sandbox). */
export interface CloudBackend { attach<C extends { middlewareStack: any }>(client: C): C }

export interface CloudCallObserver {
  (call: { service: string; operation: string; accountId: string; outcome: string; throttled: boolean }): void;
}

export interface CloudOptions {
  backend?: CloudBackend;
  /** Credentials of the operator itself; undefined → the SDK's default chain (AWS mode). */
  baseCredentials?: AwsCredentialIdentity;
  onCall?: CloudCallObserver;
  buckets?: AccountBuckets;
  maxAttempts?: number;
  operatorId: string;
}

const REFRESH_BEFORE_MS = 5 * 60_000;
export const SANDBOX_OPERATOR_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "AKIASANDBOXOPERATOR", secretAccessKey: "sandbox-secret" };

export class AssumeRoleError extends Error {
  constructor(readonly roleArn: string, cause: unknown) {
    super(`assume role ${roleArn}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = awsErrorCode(cause);
  }
}

interface Session { creds: AwsCredentialIdentity & { expiration?: Date }; pending?: Promise<AwsCredentialIdentity> }

export class Cloud {
  readonly buckets: AccountBuckets;
  private readonly sts = new Map<string, STSClient>();
  private readonly sessions = new Map<string, Session>();
  private readonly clients = new Map<string, AwsClients>();

  constructor(private readonly o: CloudOptions) {
    this.buckets = o.buckets ?? new AccountBuckets();
  }

  private stsClient(region: string): STSClient {
    let c = this.sts.get(region);
    if (!c) {
      c = this.instrument(new STSClient({ region, credentials: this.o.baseCredentials, maxAttempts: this.o.maxAttempts ?? 4 }), "sts", "control-plane");
      this.sts.set(region, c);
    }
    return c;
  }

  /** Temporary credentials for the role, from cache unless they expire within five minutes. */
  async assumeRoleSession(roleArn: string, externalId: string, region: string): Promise<AwsCredentialIdentity> {
    const key = `${roleArn}|${externalId}`;
    const s = this.sessions.get(key);
    if (s?.creds.expiration && s.creds.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS) return s.creds;
    if (s?.pending) return s.pending;
    const pending = (async () => {
      try {
        const out = await this.stsClient(region).send(new AssumeRoleCommand({
          RoleArn: roleArn, ExternalId: externalId, RoleSessionName: `byoc-${this.o.operatorId}`.slice(0, 64).replace(/[^\w+=,.@-]/g, "-"), DurationSeconds: 3600,
        }));
        const c = out.Credentials!;
        const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken, expiration: c.Expiration };
        this.sessions.set(key, { creds });
        return creds;
      } catch (err) {
        this.sessions.delete(key);
        throw new AssumeRoleError(roleArn, err);
      }
    })();
    this.sessions.set(key, { creds: s?.creds ?? { accessKeyId: "", secretAccessKey: "" }, pending });
    return pending;
  }

  /** Forget a role's session, e.g. after the customer changed its trust policy or revoked sessions. */
  forgetSession(roleArn: string, externalId: string) {
    this.sessions.delete(`${roleArn}|${externalId}`);
    // Each SDK client memoizes the credentials it resolved until they near expiry: drop the clients
    // too, or they would keep signing with the forgotten session for up to an hour.
    for (const key of this.clients.keys()) if (key.startsWith(`${roleArn}|${externalId}|`)) this.clients.delete(key);
  }

  async clientsFor(roleArn: string, externalId: string, region: string): Promise<AwsClients> {
    await this.assumeRoleSession(roleArn, externalId, region);
    const key = `${roleArn}|${externalId}|${region}`;
    let c = this.clients.get(key);
    if (!c) {
      const accountId = accountOfRoleArn(roleArn);
      const credentials = () => this.assumeRoleSession(roleArn, externalId, region);
      const cfg = { region, credentials, maxAttempts: this.o.maxAttempts ?? 4 };
      c = {
        accountId, region,
        ecs: this.instrument(new ECSClient(cfg), "ecs", accountId),
        rds: this.instrument(new RDSClient(cfg), "rds", accountId),
        secrets: this.instrument(new SecretsManagerClient(cfg), "secretsmanager", accountId),
        logs: this.instrument(new CloudWatchLogsClient(cfg), "logs", accountId),
        cloudwatch: this.instrument(new CloudWatchClient(cfg), "cloudwatch", accountId),
        ec2: this.instrument(new EC2Client(cfg), "ec2", accountId),
      };
      this.clients.set(key, c);
    }
    return c;
  }

  /**
   * Every attempt (retries included: this sits inside the SDK's retry loop) waits for a token from the
   * account's bucket, and reports its outcome; a throttle slows the whole account.
   */
  private instrument<C extends { middlewareStack: any }>(client: C, service: string, accountId: string): C {
    const bucket = this.buckets.of(accountId);
    const onCall = this.o.onCall;
    client.middlewareStack.add((next: any, context: any) => async (args: any) => {
      await bucket.take();
      const operation = String(context.commandName ?? "").replace(/Command$/, "");
      try {
        const out = await next(args);
        bucket.onSuccess();
        onCall?.({ service, operation, accountId, outcome: "ok", throttled: false });
        return out;
      } catch (err) {
        const throttled = isThrottle(err);
        if (throttled) bucket.onThrottle();
        onCall?.({ service, operation, accountId, outcome: awsErrorCode(err), throttled });
        throw err;
      }
    }, { step: "finalizeRequest", priority: "low", name: "byocAccountBucket" });
    return this.o.backend ? this.o.backend.attach(client) : client;
  }
}
