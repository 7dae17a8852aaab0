// The operator's SDK v3 clients: one client per service per region, shared by every customer account,
// each request signed with its own account's session (STS AssumeRole with the project's ExternalId,
// cached per role and refreshed before expiry). A client per account cost ~125 KB of heap each, ~125 MB
// at 1,000 accounts. In sandbox mode the simulated AWS is attached beneath the same real clients, so
// the reconcilers' code path is identical in both modes.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
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
import { AwsSdkSigV4Signer } from "@aws-sdk/core";
import { SignatureV4 } from "@smithy/signature-v4";
import { SMITHY_CONTEXT_KEY, type AwsCredentialIdentity, type Logger, type Checksum, type ChecksumConstructor, type Command, type HttpRequest, type IdentityProviderConfig, type MetadataBearer, type MiddlewareStack, type SourceData } from "@smithy/types";
import { KeyObject, createHmac, createSecretKey, type Hmac } from "node:crypto";
import { accountOfRoleArn } from "./names.js";
import { awsErrorCode, isThrottle } from "./errors.js";
import { PerAccountRetryStrategy } from "./retry.js";
import { AccountBuckets } from "./throttle.js";

type SdkClient = { middlewareStack: MiddlewareStack<any, MetadataBearer>; send(command: any, options?: any): Promise<any> };
type InputOf<C> = C extends { middlewareStack: MiddlewareStack<infer I, any> } ? I : never;
type OutputOf<C> = C extends { middlewareStack: MiddlewareStack<any, infer O> } ? O : never;

/** A shared client as one account sees it: `send`, signed with that account's session. */
export interface AccountClient<C extends SdkClient> {
  send<I extends InputOf<C>, O extends OutputOf<C>>(command: Command<InputOf<C>, I, OutputOf<C>, O, any>): Promise<O>;
}

export interface AwsClients {
  accountId: string;
  region: string;
  ecs: AccountClient<ECSClient>;
  rds: AccountClient<RDSClient>;
  secrets: AccountClient<SecretsManagerClient>;
  logs: AccountClient<CloudWatchLogsClient>;
  cloudwatch: AccountClient<CloudWatchClient>;
  ec2: AccountClient<EC2Client>;
  elb: AccountClient<ElasticLoadBalancingV2Client>;
  cloudmap: AccountClient<ServiceDiscoveryClient>;
  autoscaling: AccountClient<ApplicationAutoScalingClient>;
  acm: AccountClient<ACMClient>;
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
  /**
   * Connections a region's client of one service may hold open to AWS (the SDK's default is 50): the
   * engine's passes in flight (BYOC_CONCURRENCY), so requests do not queue for a socket behind others.
   */
  maxSockets?: number;
}

const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * The SDK's logger middleware walks every call's input and output to filter secrets out of an info line
 * (schemaLogFilter), and hands it to the client's logger, by default one that drops it. A logger without
 * `info` skips that work (`logger?.info?.(…)`); like the default, it drops the rest.
 */
const SDK_LOGGER = { trace() {}, debug() {}, warn() {}, error() {} } as unknown as Logger;
export const SANDBOX_OPERATOR_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "AKIASANDBOXOPERATOR", secretAccessKey: "sandbox-secret" };

export class AssumeRoleError extends Error {
  constructor(readonly roleArn: string, cause: unknown) {
    super(`assume role ${roleArn}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = awsErrorCode(cause);
  }
}

interface Session { creds: AwsCredentialIdentity & { expiration?: Date }; pending?: Promise<AwsCredentialIdentity> }

/** Who a request of a shared client is for, put on its handler context by ClientForAccount.send. */
interface AccountSession { accountId: string; credentials: AwsCredentialIdentity }
const ACCOUNT_SESSION = Symbol("byocAccountSession");
type HandlerContext = { commandName?: string; partition_id?: string; [ACCOUNT_SESSION]?: AccountSession; [SMITHY_CONTEXT_KEY]?: any };

/**
 * The shared clients' own identity. The SDK resolves it for every request before the account's session
 * replaces it (Cloud.shared), so it cannot throw; it is not the operator's either, so a request
 * that somehow kept it would be refused by AWS rather than act as the control plane.
 */
const NO_ACCOUNT = async (): Promise<AwsCredentialIdentity> => ({ accessKeyId: "NO-ACCOUNT-SESSION", secretAccessKey: "NO-ACCOUNT-SESSION" });

type SigningKeyOf = (credentials: AwsCredentialIdentity, region: string, shortDate: string, service?: string) => Promise<Uint8Array | KeyObject>;

/** An HMAC-SHA256 under a KeyObject. */
class KeyedHmac implements Checksum {
  private h: Hmac;
  constructor(private readonly key: KeyObject) { this.h = createHmac("sha256", key); }
  update(chunk: Uint8Array) { this.h.update(chunk); }
  async digest(): Promise<Uint8Array> {
    const b = this.h.digest();
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  reset() { this.h = createHmac("sha256", this.key); }
}

/**
 * The SDK's sha256, but an HMAC under a KeyObject (the signing keys sessionSignatureV4 keeps) is node's
 * HMAC under that KeyObject. On Node 24, createHmac with raw key bytes spends ~20 µs checking what kind of
 * key it was given (~3.5 µs with a KeyObject): 7% of the operator's CPU in the 2,000-accounts benchmark's
 * profile, one HMAC a request. Everything else (plain hashes, the key derivation's HMACs) is the SDK's own.
 */
type Sha256Constructor = NonNullable<ConstructorParameters<typeof SignatureV4>[0]["sha256"]>;
export function keyedSha256(Base: Sha256Constructor): Sha256Constructor {
  function Sha256(secret?: SourceData | KeyObject): Checksum | InstanceType<Sha256Constructor> {
    return secret instanceof KeyObject ? new KeyedHmac(secret) : new Base(secret);
  }
  // Called with `new` by SignatureV4: a constructor that returns an object yields that object.
  return Sha256 as unknown as Sha256Constructor;
}

/**
 * A SignatureV4 that derives a session's signing key once a day (the key depends on nothing else but the
 * session, region and service). The SDK's own cache of derived keys holds 50 for the whole process: with
 * a session per customer account and ten services it missed on nearly every call past a handful of
 * accounts, and each miss is five HMACs. The key is held on the session's credentials object (a WeakMap),
 * so it goes with the session, as a KeyObject (keyedSha256): SignatureV4 hands it unread to its sha256.
 * Signatures are the SDK's, byte for byte (test/cloud/clients.test.ts compares them with a stock
 * SignatureV4's).
 */
export function sessionSignatureV4(init: ConstructorParameters<typeof SignatureV4>[0]): SignatureV4 {
  const v4 = new SignatureV4({ ...init, sha256: keyedSha256(init.sha256!) });
  const own = v4 as unknown as { getSigningKey: SigningKeyOf };
  const derive = own.getSigningKey.bind(v4);
  const keys = new WeakMap<AwsCredentialIdentity, { of: string; key: Promise<Uint8Array | KeyObject> }>();
  own.getSigningKey = (credentials, region, shortDate, service) => {
    const of = `${shortDate}|${region}|${service}`;
    const hit = keys.get(credentials);
    if (hit?.of === of) return hit.key;
    const key = derive(credentials, region, shortDate, service).then((bytes) => createSecretKey(bytes as Uint8Array));
    const entry = { of, key };
    keys.set(credentials, entry);
    key.catch(() => { if (keys.get(credentials) === entry) keys.delete(credentials); });
    return key;
  };
  return v4;
}

/**
 * SigV4 with the identity chosen for the request. The SDK's AwsSdkSigV4Signer (@aws-sdk/core 3.981)
 * ignores that identity: it signs with a SignatureV4 that config.signer builds from the client's own
 * `credentials`. So while this request is signed, config.signer is the region's and service's one
 * SignatureV4 seen through an object whose credentials are the identity's (nothing is kept per session
 * but its derived key: a SignatureV4 for each session and service was ~10 KB of heap an account); the
 * rest (clock-skew correction) is the SDK's.
 */
class SessionSigner extends AwsSdkSigV4Signer {
  private readonly signers = new Map<string, SignatureV4>();

  private signerFor(identity: AwsCredentialIdentity, region: string, service: string, config: { sha256: ChecksumConstructor; signingEscapePath?: boolean }): SignatureV4 {
    const key = `${region}|${service}|${config.signingEscapePath !== false}`;
    let v4 = this.signers.get(key);
    if (!v4) {
      v4 = sessionSignatureV4({ credentials: NO_ACCOUNT, region, service, sha256: config.sha256, uriEscapePath: config.signingEscapePath });
      this.signers.set(key, v4);
    }
    // SignatureV4 reads its credentials through this.credentialProvider on every sign. (Assigned rather
    // than given as an Object.create descriptor; bench/sdk-call-cost.ts saw no difference beyond its noise.)
    const view = Object.create(v4) as SignatureV4 & { credentialProvider: () => Promise<AwsCredentialIdentity> };
    view.credentialProvider = async () => identity;
    return view;
  }

  override async sign(request: HttpRequest, identity: AwsCredentialIdentity, props: Record<string, unknown>): Promise<HttpRequest> {
    const config = props.config as { sha256: ChecksumConstructor; signingEscapePath?: boolean };
    // props belongs to this request alone (the auth scheme provider makes it per request).
    const v4 = this.signerFor(identity, props.region as string, props.name as string, config);
    const withSigner = Object.create(config) as typeof config & { signer: () => Promise<SignatureV4> };
    withSigner.signer = async () => v4;
    props.config = withSigner;
    try {
      return await super.sign(request, identity, props);
    } finally {
      props.config = config;
    }
  }
}
const SIGV4_WITH_SESSION = [{ schemeId: "aws.auth#sigv4", identityProvider: (ipc: IdentityProviderConfig) => ipc.getIdentityProvider("aws.auth#sigv4"), signer: new SessionSigner() }];

class ClientForAccount<C extends SdkClient> implements AccountClient<C> {
  constructor(private readonly client: C, private readonly session: () => Promise<AccountSession>) {}

  async send(command: Command<any, any, any, any, any>): Promise<any> {
    const session = await this.session();
    // On the command, not on the shared client: the SDK builds each send's handler from the stacks as
    // they are at that moment, so the session travels with this send alone. Named, so a command sent
    // again replaces its session rather than piling them up.
    command.middlewareStack.add((next: any, context: HandlerContext) => (args: any) => {
      context[ACCOUNT_SESSION] = session;
      context.partition_id = session.accountId; // the retry quota's scope (retry.ts)
      return next(args);
    }, { step: "initialize", name: "byocAccountSession", override: true });
    return this.client.send(command);
  }
}

interface RegionClients {
  ecs: ECSClient; rds: RDSClient; secrets: SecretsManagerClient; logs: CloudWatchLogsClient; cloudwatch: CloudWatchClient; ec2: EC2Client;
  elb: ElasticLoadBalancingV2Client; cloudmap: ServiceDiscoveryClient; autoscaling: ApplicationAutoScalingClient; acm: ACMClient;
}

export class Cloud {
  readonly buckets: AccountBuckets;
  private readonly sts = new Map<string, STSClient>();
  private readonly regions = new Map<string, RegionClients>();
  private readonly sessions = new Map<string, Session>();
  private readonly accounts = new Map<string, AwsClients>();

  constructor(private readonly o: CloudOptions) {
    this.buckets = o.buckets ?? new AccountBuckets();
  }

  private stsClient(region: string): STSClient {
    let c = this.sts.get(region);
    if (!c) {
      c = this.instrument(new STSClient({ region, credentials: this.o.baseCredentials, maxAttempts: this.o.maxAttempts ?? 4, logger: SDK_LOGGER }), "sts");
      this.sts.set(region, c);
    }
    return c;
  }

  /** Temporary credentials for the role, from cache unless they expire within five minutes. */
  async assumeRoleSession(roleArn: string, externalId: string, region: string): Promise<AwsCredentialIdentity> {
    const key = `${roleArn}|${externalId}`;
    const s = this.sessions.get(key);
    if (s?.pending) return s.pending;
    // Every request asks, so credentials without an expiry are kept, as the SDK would keep them.
    if (s && (!s.creds.expiration || s.creds.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS)) return s.creds;
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
    // A view holds no credentials (each send asks for the session), but whatever is keyed on a view's
    // identity (cloud/batch.ts) should start afresh with the new session too.
    for (const key of this.accounts.keys()) if (key.startsWith(`${roleArn}|${externalId}|`)) this.accounts.delete(key);
  }

  /** The account's view of the region's shared clients; the same object for as long as its session is not forgotten. */
  async clientsFor(roleArn: string, externalId: string, region: string): Promise<AwsClients> {
    await this.assumeRoleSession(roleArn, externalId, region);
    const key = `${roleArn}|${externalId}|${region}`;
    let c = this.accounts.get(key);
    if (!c) {
      const accountId = accountOfRoleArn(roleArn);
      const session = async (): Promise<AccountSession> => ({ accountId, credentials: await this.assumeRoleSession(roleArn, externalId, region) });
      const r = this.regionClients(region);
      c = {
        accountId, region,
        ecs: new ClientForAccount(r.ecs, session),
        rds: new ClientForAccount(r.rds, session),
        secrets: new ClientForAccount(r.secrets, session),
        logs: new ClientForAccount(r.logs, session),
        cloudwatch: new ClientForAccount(r.cloudwatch, session),
        ec2: new ClientForAccount(r.ec2, session),
        elb: new ClientForAccount(r.elb, session),
        cloudmap: new ClientForAccount(r.cloudmap, session),
        autoscaling: new ClientForAccount(r.autoscaling, session),
        acm: new ClientForAccount(r.acm, session),
      };
      this.accounts.set(key, c);
    }
    return c;
  }

  private regionClients(region: string): RegionClients {
    let r = this.regions.get(region);
    if (!r) {
      const maxAttempts = this.o.maxAttempts ?? 4;
      const cfg = {
        region, credentials: NO_ACCOUNT, httpAuthSchemes: SIGV4_WITH_SESSION, maxAttempts, retryStrategy: new PerAccountRetryStrategy(maxAttempts), logger: SDK_LOGGER,
        requestHandler: { httpsAgent: { keepAlive: true, maxSockets: Math.max(50, this.o.maxSockets ?? 50) } },
      };
      r = {
        ecs: this.shared(new ECSClient(cfg), "ecs"),
        rds: this.shared(new RDSClient(cfg), "rds"),
        secrets: this.shared(new SecretsManagerClient(cfg), "secretsmanager"),
        logs: this.shared(new CloudWatchLogsClient(cfg), "logs"),
        cloudwatch: this.shared(new CloudWatchClient(cfg), "cloudwatch"),
        ec2: this.shared(new EC2Client(cfg), "ec2"),
        elb: this.shared(new ElasticLoadBalancingV2Client(cfg), "elasticloadbalancing"),
        cloudmap: this.shared(new ServiceDiscoveryClient(cfg), "servicediscovery"),
        autoscaling: this.shared(new ApplicationAutoScalingClient(cfg), "application-autoscaling"),
        acm: this.shared(new ACMClient(cfg), "acm"),
      };
      this.regions.set(region, r);
    }
    return r;
  }

  /**
   * Right after the SDK has chosen the request's identity (the client's own, NO_ACCOUNT), it becomes the
   * session of the account the request was sent for; a request sent for no account is refused.
   */
  private shared<C extends SdkClient>(client: C, service: string): C {
    client.middlewareStack.addRelativeTo((next: any, context: HandlerContext) => (args: any) => {
      const session = context[ACCOUNT_SESSION];
      if (!session) throw new Error(`${service} ${context.commandName}: no account session; a shared client sends only through Cloud.clientsFor`);
      context[SMITHY_CONTEXT_KEY].selectedHttpAuthScheme.identity = session.credentials;
      return next(args);
    }, { relation: "after", toMiddleware: "httpAuthSchemeMiddleware", name: "byocUseAccountSession" });
    return this.instrument(client, service);
  }

  /**
   * Every attempt (retries included: this sits inside the SDK's retry loop) waits for a token from the
   * account's bucket, and reports its outcome; a throttle slows the whole account.
   */
  private instrument<C extends { middlewareStack: any }>(client: C, service: string): C {
    const onCall = this.o.onCall;
    client.middlewareStack.add((next: any, context: HandlerContext) => async (args: any) => {
      // STS requests carry no account session: they are the control plane's own.
      const accountId = context[ACCOUNT_SESSION]?.accountId ?? "control-plane";
      const bucket = this.buckets.of(accountId);
      await bucket.take();
      const operation = String(context.commandName ?? "").replace(/Command$/, "");
      try {
        const out = await next(args);
        bucket.onSuccess();
        onCall?.({ service, operation, accountId, outcome: "ok", throttled: false });
        return out;
      } catch (err) {
        // Which call failed, for classifyFailure: some codes mean different things for different calls.
        if (err && typeof err === "object") (err as { $operation?: string }).$operation ??= `${service}:${operation}`;
        const throttled = isThrottle(err);
        if (throttled) bucket.onThrottle();
        onCall?.({ service, operation, accountId, outcome: awsErrorCode(err), throttled });
        throw err;
      }
    }, { step: "finalizeRequest", priority: "low", name: "byocAccountBucket" });
    return this.o.backend ? this.o.backend.attach(client) : client;
  }
}
