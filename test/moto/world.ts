// What every moto test file shares: one moto_server per file, and per describe block a "world" — moto
// reset and seeded as the customer's Terraform would leave the account, a fresh database, and the real
// daemon (BYOC_CLOUD=aws, the real SDK clients pointed at moto through AWS_ENDPOINT_URL) driven over HTTP.
// Assertions about AWS are made with the SDK against moto, as a console user would see the account.
import { waitFor } from "../support/wait.js";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { albName } from "../../src/cloud/names.js";
import { IAMClient } from "@aws-sdk/client-iam";
import { RDSClient } from "@aws-sdk/client-rds";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { loadConfig } from "../../src/config/index.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createTestDatabase } from "../support/db.js";
import { accountAdminCredentials, MOTO_CREDENTIALS, OPERATOR_ROLE_NAME, seedPrerequisites, startMoto, type Moto, type Prerequisites } from "../support/moto.js";

export const REGION = "us-east-1";
/** The customer's account: not moto's default one, so the operator must really act through the assumed role. */
export const CUSTOMER_ACCOUNT = "111122223333";
export const EXTERNAL_ID = "moto-external-id-4f1c";
export const WRITE_TOKEN = "write:moto-write-token-0123456789";
export const OPERATOR_ID = "moto-operator";

export const image = (tag: string, account = CUSTOMER_ACCOUNT) => `${account}.dkr.ecr.${REGION}.amazonaws.com/agent:${tag}`;

/** The variables startFileMoto and startWorld set, put back as they were by the file's moto.stop(). */
const SDK_ENV = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION"] as const;

/**
 * Starts this file's moto_server and points the SDK at it through process.env. Test files share a worker
 * process (vitest.config.ts: isolate false), so its stop() restores the variables as they were before:
 * the next file in the worker does not send its AWS calls to a stopped moto.
 */
export async function startFileMoto(env: Record<string, string> = {}): Promise<Moto> {
  const moto = await startMoto(env);
  const before = Object.fromEntries(SDK_ENV.map((k) => [k, process.env[k]]));
  const stop = moto.stop;
  moto.stop = async () => {
    await stop();
    for (const k of SDK_ENV) {
      if (before[k] === undefined) delete process.env[k];
      else process.env[k] = before[k];
    }
  };
  process.env.AWS_ENDPOINT_URL = moto.url;
  process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_REGION = REGION;
  return moto;
}

export interface Sdk {
  ecs: ECSClient; rds: RDSClient; secrets: SecretsManagerClient; logs: CloudWatchLogsClient; ec2: EC2Client; iam: IAMClient; sts: STSClient;
  elb: ElasticLoadBalancingV2Client;
}

export function sdkFor(endpoint: string, credentials: AwsCredentialIdentity, region = REGION): Sdk {
  const cfg = { region, endpoint, credentials, maxAttempts: 1 };
  return {
    ecs: new ECSClient(cfg), rds: new RDSClient(cfg), secrets: new SecretsManagerClient(cfg), logs: new CloudWatchLogsClient(cfg),
    ec2: new EC2Client(cfg), iam: new IAMClient({ ...cfg, region: "us-east-1" }), sts: new STSClient(cfg),
    elb: new ElasticLoadBalancingV2Client(cfg),
  };
}

export interface ApiResponse { status: number; headers: Headers; body: any }

export interface World {
  moto: Moto;
  daemon: Daemon;
  prereqs: Prerequisites;
  /** The customer's admin view of the account (a console user). */
  aws: Sdk;
  account: string;
  roleArn: string;
  api(method: string, urlPath: string, o?: { body?: unknown; headers?: Record<string, string> }): Promise<ApiResponse>;
  createProject(body: Record<string, unknown>): Promise<{ id: string; name: string; etag: string }>;
  status(name: string): Promise<any>;
  events(name: string): Promise<Array<{ id: string; type: string; reason: string; message: string; resource: string | null }>>;
  /** Wake the engine for this project now (as after an out-of-band change). */
  reconcile(name: string): Promise<void>;
  /** Whole-project passes this daemon has finished. */
  passes(): Promise<number>;
  /** Returns once `n` more passes have finished (so "nothing changed" is asserted after real passes). */
  afterPasses(n: number, name?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  /** The account the project's role lives in (CUSTOMER_ACCOUNT by default). */
  account?: string;
  /**
   * Extra seeding after the prerequisites, before the daemon starts (e.g. IAM users for enforcement).
   * May return the keys the daemon runs with (`operator`) and the ones the test reads AWS with (`admin`).
   */
  seed?: (w: { aws: Sdk; prereqs: Prerequisites; credentials: AwsCredentialIdentity }) => Promise<{ operator?: AwsCredentialIdentity; admin?: AwsCredentialIdentity } | void>;
  controlPlanePrincipalArn?: string;
  /** Attach the AWS managed policies (for IAM enforcement; the file's moto must load them). */
  managedPolicies?: boolean;
}

export async function startWorld(moto: Moto, o: WorldOptions = {}): Promise<World> {
  await moto.reset();
  const account = o.account ?? CUSTOMER_ACCOUNT;
  const credentials = await accountAdminCredentials(moto.url, account, REGION);
  let aws = sdkFor(moto.url, credentials);
  const prereqs = await seedPrerequisites(moto.url, REGION, {
    credentials, externalId: EXTERNAL_ID, controlPlanePrincipalArn: o.controlPlanePrincipalArn, managedPolicies: o.managedPolicies ?? false,
  });
  const keys = (await o.seed?.({ aws, prereqs, credentials })) ?? {};
  if (keys.admin) aws = sdkFor(moto.url, keys.admin);
  const operator = keys.operator ?? MOTO_CREDENTIALS;
  process.env.AWS_ACCESS_KEY_ID = operator.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = operator.secretAccessKey;
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), "byoc-moto-"));
  const config = loadConfig({
    DATABASE_URL: db.url, BYOC_CLOUD: "aws", PORT: "0", BYOC_ADMIN_TOKENS: WRITE_TOKEN, BYOC_DATA_DIR: dataDir,
    BYOC_ENCRYPTION_KEY: randomBytes(32).toString("base64"), BYOC_RESYNC_SECONDS: "2", BYOC_OPERATOR_ID: OPERATOR_ID,
    BYOC_LEASE_SECONDS: "10", BYOC_LICENSE_KEY: "moto-license-key",
  });
  const logger = pino({ level: process.env.BYOC_TEST_LOG_LEVEL ?? "silent" });
  // idleMs: a 200 ms requeue runs on time, not up to the engine's default 1 s idle sleep later.
  const daemon = await startDaemon(config, logger, { pollMs: 200, idleMs: 50 });
  const token = WRITE_TOKEN.slice("write:".length);

  const api: World["api"] = async (method, urlPath, opts = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(opts.headers ?? {}) };
    let body: string | undefined;
    if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers["content-type"] = "application/json"; }
    const res = await fetch(daemon.url + urlPath, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  const passes = async () => {
    const m = await daemon.metrics.passes.get();
    return m.values.reduce((n, v) => n + v.value, 0);
  };
  const w: World = {
    moto, daemon, prereqs, aws, account, roleArn: `arn:aws:iam::${account}:role/${OPERATOR_ROLE_NAME}`,
    api,
    async createProject(body) {
      const res = await api("POST", "/v1/projects", { body: { region: REGION, roleArn: w.roleArn, externalId: EXTERNAL_ID, ...body } });
      if (res.status !== 201) throw new Error(`create project: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, name: res.body.name, etag: res.headers.get("etag")! };
    },
    async status(name) {
      const res = await api("GET", `/v1/projects/${name}/status`);
      if (res.status !== 200) throw new Error(`status of ${name}: ${res.status}`);
      return res.body;
    },
    async events(name) {
      const res = await api("GET", `/v1/projects/${name}/events?limit=200`);
      if (res.status !== 200) throw new Error(`events of ${name}: ${res.status}`);
      return res.body.items;
    },
    async reconcile(name) {
      const res = await api("POST", `/v1/projects/${name}/reconcile`);
      if (res.status !== 202) throw new Error(`reconcile ${name}: ${res.status}`);
    },
    passes,
    async afterPasses(n, name) {
      const start = await passes();
      if (name) await w.reconcile(name);
      await waitFor(`${n} more reconcile passes`, async () => (await passes()) >= start + n, 20_000, 50);
    },
    async stop() {
      await daemon.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return w;
}

/**
 * moto's ECS registers no task with the target group of a service's `loadBalancers` (docs/aws-fidelity.md),
 * so the target group stays empty and IngressReady reads NoHealthyTargets. Where that is all that keeps a
 * project from Ready, this does what ECS does once the api's task runs: registers an ip target on 8000
 * (moto reports registered targets healthy), and asks for a pass.
 */
export async function absorbTargetRegistrationGap(w: World, name: string, status: any): Promise<void> {
  const ingress = status.conditions?.find((c: any) => c.type === "IngressReady");
  const services = status.conditions?.find((c: any) => c.type === "ServicesReady");
  if (ingress?.reason !== "NoHealthyTargets" || !/none registered/.test(ingress.message) || services?.status !== "True") return;
  const tg = (await w.aws.elb.send(new DescribeTargetGroupsCommand({ Names: [albName(name)] }))).TargetGroups?.[0];
  if (!tg?.TargetGroupArn) return;
  await w.aws.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: "10.0.1.10", Port: 8000 }] }));
  await w.reconcile(name);
}

/** Waits for the project's phase (and optionally a condition) and returns the status read. */
export async function waitForPhase(w: World, name: string, phase: string, timeoutMs = 30_000): Promise<any> {
  return waitFor(`${name} phase ${phase}`, async () => {
    const s = await w.status(name);
    if (phase === "Ready" && s.phase !== phase) await absorbTargetRegistrationGap(w, name, s);
    return s.phase === phase ? s : (undefined as never);
  }, timeoutMs).catch(async (err) => {
    const s = await w.status(name).catch(() => undefined);
    throw new Error(`${err.message}\nstatus: ${JSON.stringify(s?.conditions?.map((c: any) => `${c.type}=${c.status} ${c.reason}: ${c.message}`))}`);
  });
}

export async function waitForEvent(w: World, name: string, what: string, match: (e: { type: string; reason: string; message: string; resource: string | null }) => boolean, timeoutMs = 30_000) {
  return waitFor(`event ${what} on ${name}`, async () => (await w.events(name)).find(match), timeoutMs);
}

export const condition = (status: any, type: string) => status.conditions.find((c: any) => c.type === type);

/** Tag list (either case of Key/Value) as a map. */
export function tagMap(list: Array<{ Key?: string; Value?: string; key?: string; value?: string }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) out[(t.Key ?? t.key)!] = (t.Value ?? t.value) ?? "";
  return out;
}

export const ownTags = (project: { id: string; name: string }) => ({ "langgraph-cloud": project.name, "byoc:project-id": project.id, "byoc:managed-by": OPERATOR_ID });

/**
 * moto's CreateService drops `deploymentConfiguration` (docs/aws-fidelity.md), so the pass after a
 * service is created sees its circuit breaker off and repairs it with UpdateService, once. AWS keeps
 * the configuration given at create and makes no such update. Waits for that one repair and returns
 * the events it left, so a test can check they are exactly this and nothing else.
 */
export async function absorbCreateServiceGap(w: World, name: string, roles: readonly string[] = ["api", "queue", "redis"]) {
  const want = roles.map((r) => `lg-${name}-${r}`);
  await w.reconcile(name);
  return waitFor(`circuit-breaker repair of ${want.join(", ")} (moto CreateService gap)`, async () => {
    // Redis is repaired while the api and queue wait for it to run, before the first Ready: a SpecApplied then.
    const repairs = (await w.events(name))
      .filter((e) => ["DriftRepaired", "SpecApplied"].includes(e.reason) && e.message.includes("deploymentCircuitBreaker null"));
    return want.every((s) => repairs.some((e) => e.resource === s)) ? repairs : undefined;
  });
}

/**
 * Converged as far as moto can show: every condition True, except that once a service's task
 * definition has been changed by UpdateService, moto never reports a deployment of it (it adds none:
 * docs/aws-fidelity.md), so ServicesReady may read RollingOut — then every service must already be on
 * the task definition the operator wants, which is what UpdateService changes in AWS and moto alike.
 */
export async function waitForConverged(w: World, name: string, timeoutMs = 30_000): Promise<any> {
  return waitFor(`${name} converged`, async () => {
    const s = await w.status(name);
    if (s.phase === "Ready") return s;
    await absorbTargetRegistrationGap(w, name, s);
    const notTrue = s.conditions.filter((c: any) => c.status !== "True").map((c: any) => `${c.type}:${c.reason}`).sort();
    // IngressReady is decided after the rollout step, so while ServicesReady reads RollingOut it waits.
    const rolling = ["Ready:ServicesReadyFalse,ServicesReady:RollingOut", "IngressReady:Waiting,Ready:IngressReadyFalse,ServicesReady:RollingOut"];
    return rolling.includes(notTrue.join()) && s.observedGeneration === s.generation ? s : undefined;
  }, timeoutMs).catch(async (err) => {
    const s = await w.status(name).catch(() => undefined);
    throw new Error(`${err.message}\nstatus: ${JSON.stringify(s?.conditions?.map((c: any) => `${c.type}=${c.status} ${c.reason}: ${c.message}`))}`);
  });
}

export { waitFor };
