// The licence (docs/reference.md §3): with neither a key in the project's secrets nor BYOC_LICENSE_KEY, the api
// and queue are not rolled out — their task definitions are not registered, redis still is, and the services
// step is blocked with MissingLicenseKey (a wait for someone else, not a hot loop); with BYOC_LICENSE_KEY the
// env secret carries it as LANGGRAPH_CLOUD_LICENSE_KEY. Real SDK clients over the sandbox, real Postgres.
import { afterAll, beforeAll, expect, test } from "vitest";
import type { StepPlan } from "../../reconcilers/contract.js";
import { passPlace, planStep, projectContext, TEST_LICENSE_KEY, type PassPlace } from "../support/pass-context.js";

const WHERE = { account: "616161616161", region: "eu-west-2", operatorId: "licence", sandbox: { delayMs: 20, seed: 11 } };
let at: PassPlace;
beforeAll(async () => { at = await passPlace(WHERE); });
afterAll(async () => { await at?.close(); });

const envSecret = async (p: string) => {
  const s = await at.state();
  const secret = Object.values(s.secrets.secrets).find((x) => x.name === `langgraph-cloud/${p}/env`)!;
  return JSON.parse(secret.versions.find((v) => v.stages.includes("AWSCURRENT"))!.value!) as Record<string, string>;
};
const families = async (p: string) => Object.keys((await at.state()).ecs.taskDefinitions).filter((f) => f.startsWith(`lg-${p}-`)).sort();

test("no licence anywhere: redis only, ServicesReady blocked MissingLicenseKey, the key named but no value", async () => {
  const ctx = { ...(await projectContext(at, "nolicence")), licenseKey: undefined };
  const plan = (await planStep(ctx, "Service")) as StepPlan<unknown>;
  expect(plan.after).toMatchObject({ kind: "blocked", reason: "MissingLicenseKey", afterMs: ctx.resyncMs });
  expect(plan.after.message).toMatch(/LANGGRAPH_CLOUD_LICENSE_KEY/);
  expect(plan.actions.map((a) => `${a.verb} ${a.resource}`)).toEqual(["create lg-nolicence-redis"]);
  expect(await families("nolicence")).toEqual(["lg-nolicence-redis"]);
  expect(await envSecret("nolicence")).toEqual({ K: "v" });
});

test("BYOC_LICENSE_KEY: put into the env secret as LANGGRAPH_CLOUD_LICENSE_KEY; api and queue registered", async () => {
  const ctx = await projectContext(at, "licensed");
  const plan = (await planStep(ctx, "Service")) as StepPlan<unknown>;
  expect(plan.after.kind).not.toBe("blocked");
  expect(await envSecret("licensed")).toEqual({ K: "v", LANGGRAPH_CLOUD_LICENSE_KEY: TEST_LICENSE_KEY });
  expect(await families("licensed")).toEqual(["lg-licensed-api", "lg-licensed-queue", "lg-licensed-redis"]);
});
