// The licence (docs/reference.md §3): with neither a key in the project's secrets nor BYOC_LICENSE_KEY, the api
// and queue are not rolled out — their task definitions are not registered, redis still is, and the services
// step is blocked with MissingLicenseKey (a wait for someone else, not a hot loop); with BYOC_LICENSE_KEY the
// env secret carries it as LANGGRAPH_CLOUD_LICENSE_KEY. Real SDK clients over the sandbox, real Postgres.
import { afterAll, beforeAll, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { applyMigrations, connect, type Store } from "../../src/store/db.js";
import { createSealer } from "../../src/store/crypto.js";
import type { StepPlan } from "../../reconcilers/contract.js";
import { createTestDatabase } from "../support/db.js";
import { planStep, projectContext, TEST_LICENSE_KEY } from "../support/pass-context.js";

const ACCOUNT = "616161616161";
const REGION = "eu-west-2";
let store: Store;
let drop: () => Promise<void>;
const sealer = createSealer([randomBytes(32)]);
const sandbox = new SandboxCloud({ delayMs: 20, seed: 11 });
const cloud = new Cloud({ backend: sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "licence" });
const place = () => ({ store, sealer, cloud, account: ACCOUNT, region: REGION });

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  await applyMigrations(db.url);
  store = connect(db.url);
});
afterAll(async () => { await store.sql.end(); await drop(); });

const envSecret = async (p: string) => {
  const s = await sandbox.state(ACCOUNT, REGION);
  const secret = Object.values(s.secrets.secrets).find((x) => x.name === `langgraph-cloud/${p}/env`)!;
  return JSON.parse(secret.versions.find((v) => v.stages.includes("AWSCURRENT"))!.value!) as Record<string, string>;
};
const families = async (p: string) => Object.keys((await sandbox.state(ACCOUNT, REGION)).ecs.taskDefinitions).filter((f) => f.startsWith(`lg-${p}-`)).sort();

test("no licence anywhere: redis only, ServicesReady blocked MissingLicenseKey, the key named but no value", async () => {
  const ctx = { ...(await projectContext(place(), "nolicence")), licenseKey: undefined };
  const plan = (await planStep(ctx, "Service")) as StepPlan<unknown>;
  expect(plan.after).toMatchObject({ kind: "blocked", reason: "MissingLicenseKey", afterMs: ctx.resyncMs });
  expect(plan.after.message).toMatch(/LANGGRAPH_CLOUD_LICENSE_KEY/);
  expect(plan.actions.map((a) => `${a.verb} ${a.resource}`)).toEqual(["create lg-nolicence-redis"]);
  expect(await families("nolicence")).toEqual(["lg-nolicence-redis"]);
  expect(await envSecret("nolicence")).toEqual({ K: "v" });
});

test("BYOC_LICENSE_KEY: put into the env secret as LANGGRAPH_CLOUD_LICENSE_KEY; api and queue registered", async () => {
  const ctx = await projectContext(place(), "licensed");
  const plan = (await planStep(ctx, "Service")) as StepPlan<unknown>;
  expect(plan.after.kind).not.toBe("blocked");
  expect(await envSecret("licensed")).toEqual({ K: "v", LANGGRAPH_CLOUD_LICENSE_KEY: TEST_LICENSE_KEY });
  expect(await families("licensed")).toEqual(["lg-licensed-api", "lg-licensed-queue", "lg-licensed-redis"]);
});
