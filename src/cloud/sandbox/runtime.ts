// How a request from a real SDK client reaches the simulated services. The middleware sits at the
// SDK's deserialize step, below signing and inside the retry loop, so every attempt arrives signed:
// the caller is read from the SigV4 Credential scope (access key → account/role, region, service),
// then latency and injected faults apply, then the customer's role permissions, then the operation
// runs against the account's state with every background transition brought up to date first.
import { randomUUID } from "node:crypto";
import { accessDeniedError, serverError, throttlingError, timeoutError, unknownOperationError, type SandboxService } from "./errors.js";
import { advanceEcs } from "./ecs-scheduler.js";
import { ecsHandlers } from "./ecs.js";
import { ec2Handlers } from "./ec2.js";
import { FaultRng, type SandboxFaults } from "./faults.js";
import { logsHandlers } from "./logs.js";
import { advanceRds } from "./rds-model.js";
import { rdsHandlers } from "./rds.js";
import { advanceSecrets } from "./secrets-model.js";
import { secretsHandlers } from "./secrets.js";
import { cloudwatchHandlers } from "./cloudwatch.js";
import { elbHandlers } from "./elb.js";
import { cloudMapHandlers } from "./cloudmap.js";
import { autoscalingHandlers } from "./autoscaling.js";
import { acmHandlers } from "./acm.js";
import { partitionOf } from "./ids.js";
import { SandboxCallLog } from "./calls.js";
import { IAM_SCOPE, upgradeAccountState, type AccountState, type Caller, type OperationHandler, type OpContext, type SandboxTimings } from "./state.js";
import type { SandboxStateStore, SessionCredentials } from "./store.js";
import { assumeRole, getCallerIdentity, resolveCaller } from "./sts.js";

export const HANDLERS: Record<Exclude<SandboxService, "sts">, Record<string, OperationHandler>> = {
  ec2: ec2Handlers,
  rds: rdsHandlers,
  secretsmanager: secretsHandlers,
  ecs: ecsHandlers,
  logs: logsHandlers,
  cloudwatch: cloudwatchHandlers,
  elbv2: elbHandlers,
  servicediscovery: cloudMapHandlers,
  "application-autoscaling": autoscalingHandlers,
  acm: acmHandlers,
};

/** SigV4 signing names and SDK client names of the services the sandbox models. */
const SIGNING_NAMES: Record<string, SandboxService> = {
  sts: "sts", ec2: "ec2", rds: "rds", secretsmanager: "secretsmanager", ecs: "ecs", logs: "logs", monitoring: "cloudwatch",
  elasticloadbalancing: "elbv2", servicediscovery: "servicediscovery", "application-autoscaling": "application-autoscaling", acm: "acm",
};
const CLIENT_NAMES: Record<string, SandboxService> = {
  STSClient: "sts", EC2Client: "ec2", RDSClient: "rds", SecretsManagerClient: "secretsmanager",
  ECSClient: "ecs", CloudWatchLogsClient: "logs", CloudWatchClient: "cloudwatch", ElasticLoadBalancingV2Client: "elbv2",
  ServiceDiscoveryClient: "servicediscovery", ApplicationAutoScalingClient: "application-autoscaling", ACMClient: "acm",
};
/** IAM action prefixes, for the access-denied message. */
const IAM_PREFIX: Record<SandboxService, string> = {
  sts: "sts", ec2: "ec2", rds: "rds", secretsmanager: "secretsmanager", ecs: "ecs", logs: "logs", cloudwatch: "cloudwatch",
  elbv2: "elasticloadbalancing", servicediscovery: "servicediscovery", "application-autoscaling": "application-autoscaling", acm: "acm",
};

/**
 * How long a process trusts what it last read of an account's role denials. IAM changes propagate
 * with a delay on AWS too; the console's own changes reach its process at once.
 */
const IAM_PROPAGATION_MS = 1_000;

export interface RuntimeOptions {
  store: SandboxStateStore;
  externalId: string;
  seed: number;
  timings: SandboxTimings;
  now: () => number;
  faults: SandboxFaults;
  /** Hold tasks to the LangGraph image's container contract (image-model.ts). */
  imageModel: boolean;
}

interface HttpRequestLike {
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

export function parseAuthorization(header: string | undefined): { accessKeyId: string; region: string; service: string } | undefined {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(header ?? "");
  return m ? { accessKeyId: m[1], region: m[2], service: m[3] } : undefined;
}

/** Removes undefined members, as the SDK's deserializers never produce them. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)]));
  }
  return value;
}

function bodyText(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return undefined;
}

export class SandboxRuntime {
  readonly calls = new SandboxCallLog();
  readonly sessions = new Map<string, SessionCredentials>();
  faults: SandboxFaults;
  imageModel: boolean;
  private readonly rng: FaultRng;
  private readonly denials = new Map<string, { until: number; roles: Record<string, string> }>();

  constructor(readonly o: RuntimeOptions) {
    this.faults = { ...o.faults };
    this.imageModel = o.imageModel;
    this.rng = new FaultRng(o.seed);
  }

  /**
   * Runs `fn` on the account's state brought up to `now`. If `fn` throws, its changes are undone but
   * the background transitions that came due are kept, as they would have happened on AWS anyway.
   */
  async withContext<T>(accountId: string, region: string, caller: Caller, fn: (ctx: OpContext) => T | Promise<T>): Promise<T> {
    const outcome = await this.o.store.withAccount(accountId, region, async (s) => {
      upgradeAccountState(s);
      const ctx: OpContext = {
        s, now: this.o.now(), timings: this.o.timings, seed: this.o.seed, caller, partition: partitionOf(region), imageModel: this.imageModel,
      };
      advanceRds(ctx);
      advanceSecrets(ctx);
      advanceEcs(ctx);
      const advanced = structuredClone(s);
      try {
        return { ok: true as const, value: await fn(ctx) };
      } catch (error) {
        restore(s, advanced);
        return { ok: false as const, error };
      }
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** The SDK middleware: answers the command without calling `next`. */
  middleware() {
    return (_next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: { input?: Record<string, unknown>; request?: HttpRequestLike }) => {
        const auth = parseAuthorization(args.request?.headers?.authorization ?? args.request?.headers?.Authorization);
        const service = (auth && SIGNING_NAMES[auth.service]) ?? CLIENT_NAMES[context.clientName ?? ""];
        if (!service) throw new Error(`the sandbox cloud does not model ${context.clientName ?? "this client"} (${auth?.service ?? "unsigned"})`);
        const operation = String(context.commandName ?? "").replace(/Command$/, "");
        const input = { ...(args.input ?? {}) };
        if (service === "secretsmanager" && input.ClientRequestToken === undefined) {
          // The SDK fills the idempotency token while serialising; read it back so retries reuse it.
          const token = (JSON.parse(bodyText(args.request?.body) || "{}") as { ClientRequestToken?: string }).ClientRequestToken;
          if (token) input.ClientRequestToken = token;
        }
        const output = await this.call(service, operation, input, auth);
        const requestId = randomUUID();
        return {
          output: { ...(clean(output) as object), $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } },
          response: { statusCode: 200, headers: { "x-amzn-requestid": requestId }, body: "" },
        };
      };
  }

  private async call(service: SandboxService, operation: string, input: Record<string, unknown>, auth: ReturnType<typeof parseAuthorization>): Promise<unknown> {
    const region = auth?.region ?? "us-east-1";
    const record = { service, operation, accountId: "unknown", region, at: this.o.now() };
    try {
      if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
      const caller = await resolveCaller({ store: this.o.store, externalId: this.o.externalId, seed: this.o.seed, sessions: this.sessions }, service, auth?.accessKeyId);
      record.accountId = caller.accountId;
      this.injectFault(service);
      const output = await this.execute(service, operation, input, caller, region);
      this.calls.record({ ...record, outcome: "ok" });
      return output;
    } catch (err) {
      this.calls.record({ ...record, outcome: (err as Error)?.name ?? "Error" });
      throw err;
    }
  }

  /** The error code the customer's change to the role makes every call fail with, if any (console.denyRole). */
  private async roleDenial(caller: Caller): Promise<string | undefined> {
    if (!caller.roleName) return undefined;
    let known = this.denials.get(caller.accountId);
    if (!known || known.until <= Date.now()) {
      const roles = await this.o.store.withAccount(caller.accountId, IAM_SCOPE, (s) => ({ ...s.iam.deniedRoles }));
      known = { until: Date.now() + IAM_PROPAGATION_MS, roles };
      this.denials.set(caller.accountId, known);
    }
    return known.roles[caller.roleName];
  }

  /** Drops what this process remembers of the account's role denials (after a console change). */
  forgetRoleDenials(accountId: string): void {
    this.denials.delete(accountId);
  }

  private injectFault(service: SandboxService): void {
    const fault = this.rng.decide(this.faults);
    if (fault === "throttle") throw throttlingError(service);
    if (fault === "server") throw serverError(service, this.rng.next() < 0.5);
    if (fault === "timeout") throw timeoutError();
  }

  private async execute(service: SandboxService, operation: string, input: Record<string, unknown>, caller: Caller, region: string): Promise<unknown> {
    if (service === "sts") {
      const env = { store: this.o.store, externalId: this.o.externalId, seed: this.o.seed, sessions: this.sessions };
      if (operation === "AssumeRole") return assumeRole(env, caller, input);
      if (operation === "GetCallerIdentity") return getCallerIdentity(caller);
      throw unknownOperationError(service, operation);
    }
    const handler = HANDLERS[service][operation];
    if (!handler) throw unknownOperationError(service, operation);
    const denied = await this.roleDenial(caller);
    if (denied) throw accessDeniedError(service, denied, caller.arn, `${IAM_PREFIX[service]}:${operation}`, "*");
    return this.withContext(caller.accountId, region, caller, (ctx) => handler(ctx, input));
  }
}

function restore(target: AccountState, from: AccountState): void {
  for (const key of Object.keys(target)) delete (target as unknown as Record<string, unknown>)[key];
  Object.assign(target, from);
}
