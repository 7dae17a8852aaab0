// The shape of one simulated AWS account in one region, and the clock rules that move it forward.
// State is plain JSON (timestamps are epoch milliseconds) so a Postgres row can hold it and several
// processes can share it. Nothing runs on timers: every transition AWS would make in the background
// (RDS creating → available, ECS tasks starting, secrets purged) is stored as a due time and applied
// by `advance` when the state is next read, so a process that restarts finds the cloud where it left it.
import type { Ec2State } from "./ec2.js";
import type { RdsState } from "./rds-model.js";
import type { SecretsState } from "./secrets-model.js";
import type { EcsState } from "./ecs-model.js";
import type { LogsState } from "./logs.js";
import type { MetricsState } from "./cloudwatch.js";
import { emptyElb, type ElbState } from "./elb-model.js";
import { emptyCloudMap, type CloudMapState } from "./cloudmap.js";
import { emptyScaling, type ScalingState } from "./autoscaling.js";
import type { AcmState } from "./acm.js";
import { stableHex } from "./ids.js";
import { seedPrerequisites, seedRedisNamespace } from "./prerequisites.js";

/** Tags are kept as a map; each service's API shape ({Key,Value}, {key,value}, map) is made on output. */
export type Tags = Record<string, string>;

export interface IamState {
  executionRoleArn: string;
  /** Role name → the error code every call made with its sessions fails with (console.denyRole). */
  deniedRoles: Record<string, string>;
  /**
   * The external ID this account's roles trust, as the customer's Terraform set it for their tenant
   * (console.prepareAccount); absent → the sandbox-wide one (BYOC_SANDBOX_EXTERNAL_ID).
   */
  trustedExternalId?: string;
}

export interface AccountState {
  version: 1;
  accountId: string;
  region: string;
  /** Counter behind every generated id; shared through the store, so ids never repeat across processes. */
  seq: number;
  iam: IamState;
  ec2: Ec2State;
  rds: RdsState;
  secrets: SecretsState;
  ecs: EcsState;
  logs: LogsState;
  metrics: MetricsState;
  elb: ElbState;
  cloudmap: CloudMapState;
  scaling: ScalingState;
  acm: AcmState;
}

/** IAM is global in AWS: role denials live in this pseudo-region's row of each account. */
export const IAM_SCOPE = "global";

export interface Caller {
  accountId: string;
  accessKeyId: string;
  /** `arn:aws:iam::…:user/…` for base credentials, `arn:aws:sts::…:assumed-role/…` for sessions. */
  arn: string;
  userId: string;
  roleArn?: string;
  roleName?: string;
}

/** Everything an operation handler needs: the account's state (mutable) and the simulated clock. */
export interface OpContext {
  s: AccountState;
  now: number;
  timings: SandboxTimings;
  seed: number;
  caller: Caller;
  partition: string;
  /** Whether tasks are held to the LangGraph image's container contract (image-model.ts). */
  imageModel: boolean;
}

/** One AWS operation: reads `input` as the SDK command received it, returns the SDK's output shape. */
export type OperationHandler = (ctx: OpContext, input: any) => unknown;

/**
 * How long AWS's background work takes, scaled by BYOC_SANDBOX_DELAY_MS. One `delayMs` stands for
 * the ~10 minutes an RDS create takes; a secret's recovery window counts one `delayMs` per day so
 * that a 7-day window is seen to pass in a test.
 */
export interface SandboxTimings {
  delayMs: number;
  rdsCreate: number;
  rdsModify: number;
  rdsDelete: number;
  rdsStop: number;
  rdsStart: number;
  snapshot: number;
  /** An ECS task from launch to healthy; a rollout of healthy tasks takes about this long. */
  taskStart: number;
  /** A stopped task is replaced by the service scheduler after this long. */
  taskReplace: number;
  taskStop: number;
  serviceInactiveRetention: number;
  clusterInactiveRetention: number;
  taskDefinitionDelete: number;
  stoppedTaskRetention: number;
  secretRecoveryDay: number;
  /** A new load balancer from `provisioning` to `active`. */
  lbProvision: number;
}

export function timingsFor(delayMs: number): SandboxTimings {
  const d = Math.max(0, delayMs);
  return {
    delayMs: d,
    rdsCreate: d,
    rdsModify: d / 2,
    rdsDelete: d / 2,
    rdsStop: d / 3,
    rdsStart: d / 2,
    snapshot: d / 2,
    taskStart: Math.max(1, d / 2), // never zero: a crash-looping task must take some time per cycle
    taskReplace: d / 10,
    taskStop: d / 10,
    serviceInactiveRetention: d * 6,
    clusterInactiveRetention: d * 6,
    taskDefinitionDelete: d / 4,
    stoppedTaskRetention: d * 6,
    secretRecoveryDay: d,
    lbProvision: d / 2,
  };
}

export function seedAccountState(accountId: string, region: string): AccountState {
  const base: AccountState = {
    version: 1,
    accountId,
    region,
    seq: 0,
    iam: { executionRoleArn: "", deniedRoles: {} },
    ec2: { vpcs: [], subnets: [], securityGroups: [] },
    rds: { subnetGroups: [], instances: {}, snapshots: {} },
    secrets: { secrets: {} },
    ecs: { clusters: {}, taskDefinitions: {}, services: [], tasks: {}, familyRevisions: {} },
    logs: { groups: {} },
    metrics: { overrides: [] },
    elb: emptyElb(),
    cloudmap: emptyCloudMap(),
    scaling: emptyScaling(),
    acm: { certificates: {} },
  };
  if (region === IAM_SCOPE) return base;
  return seedPrerequisites(base);
}

/**
 * A state stored before the sandbox modelled load balancing, Cloud Map, autoscaling and ACM (a Postgres
 * store outlives the code that wrote it) gains them, with the prerequisites the module now creates.
 */
export function upgradeAccountState(s: AccountState): void {
  if (s.elb && s.cloudmap && s.scaling && s.acm) return;
  s.elb ??= emptyElb();
  s.scaling ??= emptyScaling();
  s.acm ??= { certificates: {} };
  if (!s.cloudmap) {
    s.cloudmap = emptyCloudMap();
    if (s.region !== IAM_SCOPE) seedRedisNamespace(s);
  }
}

/** A fresh id of `length` hex digits, unique within the account and region. */
export function mintHex(ctx: Pick<OpContext, "s" | "seed">, kind: string, length: number): string {
  ctx.s.seq += 1;
  return stableHex([ctx.seed, ctx.s.accountId, ctx.s.region, kind, ctx.s.seq], length);
}

export function tagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagsFromList(list: readonly { Key?: string; Value?: string }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

export function date(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}
