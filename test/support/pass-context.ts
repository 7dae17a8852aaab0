// A project row in a real Postgres and a pass context over the real SDK clients (with the sandbox
// beneath them), for tests that drive the reconcilers' steps or whole passes without the engine.
import pino from "pino";
import { randomBytes } from "node:crypto";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { SandboxCloud, type AccountState, type SandboxOptions } from "../../src/cloud/sandbox/index.js";
import { createSealer, type Sealer } from "../../src/store/crypto.js";
import type { Store } from "../../src/store/db.js";
import { intentsFor } from "../../src/store/intents.js";
import { loadProjects } from "../../src/store/passes.js";
import { createProject } from "../../src/store/projects.js";
import { TtlCache } from "../../src/engine/cache.js";
import { creation, PassStopped, runPass, type PassDeps, type PassResult, type RunStep } from "../../reconcilers/pass.js";
import type { Action, BaseContext, StepPlan } from "../../reconcilers/contract.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createTestStore } from "./db.js";

/** What the daemon's BYOC_LICENSE_KEY gives a pass (the image refuses to start without a licence). */
export const TEST_LICENSE_KEY = "test-license";

export interface ProjectPlace { store: Store; sealer: Sealer; cloud: Cloud; account: string; region: string }

export interface PassPlaceOptions {
  account: string;
  region: string;
  /** The Cloud's operator id. */
  operatorId: string;
  /** The sandbox's delay, seed and clock. */
  sandbox: Pick<SandboxOptions, "delayMs" | "seed" | "now">;
  /** The cache every pass shares, as the engine's does; a fresh one unless given (one on a clock a test moves, say). */
  cache?: TtlCache;
}

/** A sandbox, a Cloud over the real SDK clients, a sealer and a store on a fresh database: where passes run. */
export interface PassPlace extends ProjectPlace {
  sandbox: SandboxCloud;
  cache: TtlCache;
  /** The sandbox's state of this place's account and region. */
  state(): Promise<AccountState>;
  /** One pass of `p` as the engine runs it; `dryRun` as the plan endpoint asks. */
  pass(p: DesiredProject, opts?: { dryRun?: boolean }): Promise<PassResult>;
  /** Passes `p`, 25 ms apart, until one is `ok` (at most 300): all of them. */
  until(p: DesiredProject, ok: (r: PassResult) => boolean): Promise<PassResult[]>;
  /** Passes `p` until it is Ready (isReady): all of them. */
  untilReady(p: DesiredProject): Promise<PassResult[]>;
  /** Ends the store and drops its database. */
  close(): Promise<void>;
}

/** Every step done and the pass reached Health: the project is Ready. */
export const isReady = (r: PassResult) =>
  r.steps.every((s) => s.outcome.kind === "done") && r.steps.at(-1)?.kind === "Health";

export async function passPlace(o: PassPlaceOptions): Promise<PassPlace> {
  const sandbox = new SandboxCloud(o.sandbox);
  const credentials = SANDBOX_OPERATOR_CREDENTIALS;
  const cloud = new Cloud({ backend: sandbox, baseCredentials: credentials, operatorId: o.operatorId });
  const { store, close } = await createTestStore();
  const cache = o.cache ?? new TtlCache();
  const sealer = createSealer([randomBytes(32)]);
  const place: ProjectPlace = { store, sealer, cloud, account: o.account, region: o.region };
  const pass = (p: DesiredProject, opts: { dryRun?: boolean } = {}) =>
    runPass(p, { ...passDeps(place, p.id, cache), ...opts });
  async function until(p: DesiredProject, ok: (r: PassResult) => boolean): Promise<PassResult[]> {
    const seen: PassResult[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await pass(p);
      seen.push(r);
      if (ok(r)) return seen;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`${p.name}: no such pass in 300; the last ended ${JSON.stringify(seen.at(-1)?.steps.at(-1))}`);
  }
  return {
    ...place, sandbox, cache, pass, until, close,
    state: () => sandbox.state(o.account, o.region),
    untilReady: (p) => until(p, isReady),
  };
}

/** A dev project with an RDS database and one secret, created as the admin API would, and its desired state as a pass loads it. */
export async function createDesiredProject(at: ProjectPlace, name: string): Promise<DesiredProject> {
  const { project } = await createProject(at.store, {
    name, region: at.region, roleArn: `arn:aws:iam::${at.account}:role/op`, accountId: at.account, externalId: "sandbox-external-id",
    deploymentType: "dev", database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, engineVersion: "16" },
    resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 }, queue: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 } },
    env: {}, secretNames: ["K"], sealedSecrets: at.sealer.seal(JSON.stringify({ secrets: { K: "v" } })), deletionPolicy: "delete",
    image: `${at.account}.dkr.ecr.${at.region}.amazonaws.com/app:v1`,
  });
  return (await loadProjects(at.store, at.sealer, [project.id])).get(project.id)!.desired;
}

/** A context for driving one project's steps by hand (see planStep, convergeThrough). */
export async function projectContext(at: ProjectPlace, name: string): Promise<BaseContext> {
  const desired = await createDesiredProject(at, name);
  return {
    project: desired, operatorId: "test", log: pino({ level: "silent" }), dryRun: false, pollMs: 50, resyncMs: 60_000,
    intents: intentsFor(at.store, desired.id), cache: new TtlCache(), licenseKey: TEST_LICENSE_KEY,
    connect: () => at.cloud.clientsFor(desired.roleArn, desired.externalId, at.region),
  };
}

/** What runPass needs besides the project, as the engine passes it. */
export function passDeps(at: ProjectPlace, projectId: string, cache: TtlCache): PassDeps {
  return { cloud: at.cloud, operatorId: "test", cache, intents: intentsFor(at.store, projectId), log: pino({ level: "silent" }), pollMs: 50, resyncMs: 60_000, licenseKey: TEST_LICENSE_KEY };
}

class NextPass extends Error {}
/** What an action applied by hand records to: nothing. */
export const noRecord = { emit: () => {}, setRevisionStatus: () => {} };
const settled = (kind: string, plan: StepPlan<unknown>) => plan.after.kind === "done" || (kind === "Rollout" && plan.after.kind === "requeue");

/**
 * Runs the creation path, each step planned and applied until it is done (waiting out AWS's background
 * work), up to the step of `kind`: `stop` says whether that one is converged too or only planned.
 */
async function drive(ctx: BaseContext, kind: string, stop: "plan" | "converge"): Promise<StepPlan<unknown> | undefined> {
  let planned: StepPlan<unknown> | undefined;
  const run: RunStep = async (step, c, input) => {
    for (let i = 0; ; i++) {
      const plan = await step.plan(c, input);
      if (step.kind === kind && stop === "plan") { planned = plan; throw new PassStopped(kind); }
      for (const a of plan.actions) await a.run(noRecord);
      if (settled(step.kind, plan) && step.kind === kind) throw new PassStopped(kind);
      if (settled(step.kind, plan) && "provide" in plan) return plan.provide();
      if (i > 100) throw new Error(`${step.kind} did not converge: ${JSON.stringify(plan.after)}`);
      await new Promise((r) => setTimeout(r, 30));
      // What it waits for is read by an earlier step (the services, by the revision step): a new pass.
      if (plan.after.kind === "requeue" && plan.after.reason === "AwaitingRedis") throw new NextPass();
    }
  };
  for (let pass = 0; ; pass++) {
    try {
      await creation(ctx, run);
      return planned;
    } catch (err) {
      if (err instanceof PassStopped) return planned;
      if (!(err instanceof NextPass) || pass > 100) throw err;
    }
  }
}

/** Converges every step up to and including the step of `kind`. */
export async function convergeThrough(ctx: BaseContext, kind: string): Promise<void> {
  await drive(ctx, kind, "converge");
}

/** Converges the steps before the step of `kind`, then plans that one (nothing of it applied). */
export async function planStep(ctx: BaseContext, kind: string): Promise<{ actions: Action[] }> {
  const plan = await drive(ctx, kind, "plan");
  if (!plan) throw new Error(`no step ${kind} in the creation path`);
  return plan;
}
