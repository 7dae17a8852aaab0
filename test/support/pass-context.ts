// A project row in a real Postgres and a pass context over the real SDK clients (with the sandbox
// beneath them), for tests that drive the reconcilers' steps or whole passes without the engine.
import pino from "pino";
import type { Cloud } from "../../src/cloud/clients.js";
import type { Sealer } from "../../src/store/crypto.js";
import type { Store } from "../../src/store/db.js";
import { intentsFor } from "../../src/store/intents.js";
import { loadProjects } from "../../src/store/passes.js";
import { createProject } from "../../src/store/projects.js";
import { TtlCache } from "../../src/engine/cache.js";
import { CREATE_STEPS, type PassDeps } from "../../reconcilers/pass.js";
import type { PassContext } from "../../reconcilers/types.js";
import type { DesiredProject } from "../../src/model/project.js";

export interface ProjectPlace { store: Store; sealer: Sealer; cloud: Cloud; account: string; region: string }

/** A dev project with an RDS database and one secret, created as the admin API would, and its desired state as a pass loads it. */
export async function createDesiredProject(at: ProjectPlace, name: string): Promise<DesiredProject> {
  const { project } = await createProject(at.store, {
    name, region: at.region, roleArn: `arn:aws:iam::${at.account}:role/op`, accountId: at.account, externalId: "sandbox-external-id",
    deploymentType: "dev", database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, engineVersion: "16" },
    resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1 }, queue: { cpu: 1024, memoryMb: 2048, replicas: 1 } },
    env: {}, secretNames: ["K"], sealedSecrets: at.sealer.seal(JSON.stringify({ secrets: { K: "v" } })), deletionPolicy: "delete",
    image: `${at.account}.dkr.ecr.${at.region}.amazonaws.com/app:v1`,
  });
  return (await loadProjects(at.store, at.sealer, [project.id])).get(project.id)!.desired;
}

/** A context for driving one project's steps by hand. */
export async function projectContext(at: ProjectPlace, name: string): Promise<PassContext> {
  const desired = await createDesiredProject(at, name);
  const ctx: PassContext = {
    project: desired, operatorId: "test", log: pino({ level: "silent" }), dryRun: false, pollMs: 50, resyncMs: 60_000,
    facts: {}, intents: intentsFor(at.store, desired.id), cache: new TtlCache(), aws: undefined as never,
    connect: async () => (ctx.aws = await at.cloud.clientsFor(desired.roleArn, desired.externalId, at.region)),
    observe: () => {}, emit: () => {}, setRevisionStatus: () => {},
  };
  return ctx;
}

/** What runPass needs besides the project, as the engine passes it. */
export function passDeps(at: ProjectPlace, projectId: string, cache: TtlCache): PassDeps {
  return { cloud: at.cloud, operatorId: "test", cache, intents: intentsFor(at.store, projectId), log: pino({ level: "silent" }), pollMs: 50, resyncMs: 60_000 };
}

/** Plans and applies steps up to `kind` until it is done (waiting out AWS's background work). */
export async function convergeThrough(ctx: PassContext, kind: string) {
  for (const s of CREATE_STEPS) {
    for (let i = 0; ; i++) {
      const plan = await s.plan(ctx);
      for (const a of plan.actions) await a.run();
      if (plan.after.kind === "done" || (s.kind === "Rollout" && plan.after.kind === "requeue")) break;
      if (i > 100) throw new Error(`${s.kind} did not converge: ${JSON.stringify(plan.after)}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    if (s.kind === kind) return;
  }
}
