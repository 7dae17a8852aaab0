// The database step over the real SDK clients with the sandbox beneath them: a busy-but-serving
// instance does not hold the pass back, an engineVersion change is a major upgrade RDS accepts, and
// a downgrade reaches the user as RDS's own refusal (InvalidParameterCombination).
import { afterAll, beforeAll, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { runPass, type PassResult } from "../../reconcilers/pass.js";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS } from "../../src/cloud/clients.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { TtlCache } from "../../src/engine/cache.js";
import { createSealer } from "../../src/store/crypto.js";
import { applyMigrations, connect, type Store } from "../../src/store/db.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createTestDatabase } from "../support/db.js";
import { createDesiredProject, passDeps, type ProjectPlace } from "../support/pass-context.js";

const ACCOUNT = "525252525252";
const REGION = "us-east-1";
const sealer = createSealer([randomBytes(32)]);
// Frozen, the sandbox's clock holds RDS in `modifying` while the pass looks (the operator keeps real time).
let frozenAt: number | undefined;
const sandbox = new SandboxCloud({ delayMs: 20, seed: 11, now: () => frozenAt ?? Date.now() });
const cloud = new Cloud({ backend: sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "db" });
const cache = new TtlCache();
let store: Store;
let drop: () => Promise<void>;
let p: DesiredProject;
const place = (): ProjectPlace => ({ store, sealer, cloud, account: ACCOUNT, region: REGION });
const pass = () => runPass(p, passDeps(place(), p.id, cache));
const dbStep = (r: PassResult) => r.steps.find((s) => s.kind === "DBInstance")!.outcome;
async function until(ok: (r: PassResult) => boolean): Promise<PassResult[]> {
  const seen: PassResult[] = [];
  for (let i = 0; i < 300; i++) {
    const r = await pass();
    seen.push(r);
    if (ok(r)) return seen;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`no such pass: ${JSON.stringify(seen.at(-1)?.steps.at(-1))}`);
}
const ready = (r: PassResult) => r.steps.every((s) => s.outcome.kind === "done") && r.steps.at(-1)?.kind === "Health";
const db = async () => (await sandbox.state(ACCOUNT, REGION)).rds.instances["lg-dbup"];

beforeAll(async () => {
  const d = await createTestDatabase();
  drop = d.drop;
  await applyMigrations(d.url);
  store = connect(d.url);
  p = await createDesiredProject(place(), "dbup");
  await until(ready);
}, 120_000);
afterAll(async () => { await store?.sql.end(); await drop?.(); });

test("a modifying instance (storage growing) still serves: DatabaseReady with reason Modifying, the pass reaches Health", async () => {
  const { rds } = await cloud.clientsFor(p.roleArn, p.externalId, REGION);
  frozenAt = Date.now();
  await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-dbup", BackupRetentionPeriod: 1, MultiAZ: false, DBInstanceClass: "db.t4g.micro", AllocatedStorage: 30, ApplyImmediately: true }));
  p.database.allocatedStorageGb = 30;
  const r = await pass();
  expect((await db())?.status).toBe("modifying");
  frozenAt = undefined;
  expect(dbStep(r)).toMatchObject({ kind: "done", reason: "Modifying" });
  expect(r.steps.at(-1)?.kind).toBe("Health");
  await until(ready);
});

test("engineVersion 16 → 17: ModifyDBInstance with AllowMajorVersionUpgrade; the pass waits while it upgrades, then is Ready on 17", async () => {
  sandbox.calls.reset();
  p.database.engineVersion = "17";
  const rs = await until(ready);
  expect((await db())?.engineVersion).toBe("17");
  expect(rs.some((r) => dbStep(r).kind === "requeue" && "reason" in dbStep(r) && (dbStep(r) as { reason: string }).reason === "Upgrading")).toBe(true);
  expect(rs.flatMap((r) => r.events).map((e) => e.message)).toContain("RDS instance lg-dbup: EngineVersion 16 → 17");
  expect(sandbox.calls.count("rds:ModifyDBInstance", "ok")).toBe(1);
});

test("engineVersion 17 → 16: RDS refuses the downgrade; the condition carries its code and nothing changes", async () => {
  p.database.engineVersion = "16";
  const r = await pass();
  expect(dbStep(r)).toMatchObject({ kind: "terminal", code: "InvalidParameterCombination" });
  expect((await db())?.engineVersion).toBe("17");
});
