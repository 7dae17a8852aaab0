// The database step over the real SDK clients with the sandbox beneath them: a busy-but-serving
// instance does not hold the pass back, an engineVersion change is a major upgrade RDS accepts, and
// a downgrade reaches the user as RDS's own refusal (InvalidParameterCombination).
import { afterAll, beforeAll, expect, test } from "vitest";
import { ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import type { PassResult } from "../../reconcilers/pass.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createDesiredProject, passPlace, type PassPlace } from "../support/pass-context.js";

const REGION = "us-east-1";
// Frozen, the sandbox's clock holds RDS in `modifying` while the pass looks (the operator keeps real time).
let frozenAt: number | undefined;
let at: PassPlace;
let p: DesiredProject;
const pass = () => at.pass(p);
const dbStep = (r: PassResult) => r.steps.find((s) => s.kind === "DBInstance")!.outcome;
const untilReady = () => at.untilReady(p);
const db = async () => (await at.state()).rds.instances["lg-dbup"];

beforeAll(async () => {
  const now = () => frozenAt ?? Date.now();
  at = await passPlace({ account: "525252525252", region: REGION, operatorId: "db", sandbox: { delayMs: 20, seed: 11, now } });
  p = await createDesiredProject(at, "dbup");
  await untilReady();
}, 120_000);
afterAll(async () => { await at?.close(); });

test("a modifying instance (storage growing) still serves: DatabaseReady with reason Modifying, the pass reaches Health", async () => {
  const { rds } = await at.cloud.clientsFor(p.roleArn, p.externalId, REGION);
  frozenAt = Date.now();
  await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-dbup", BackupRetentionPeriod: 1, MultiAZ: false, DBInstanceClass: "db.t4g.micro", AllocatedStorage: 30, ApplyImmediately: true }));
  p.database.allocatedStorageGb = 30;
  const r = await pass();
  expect((await db())?.status).toBe("modifying");
  frozenAt = undefined;
  expect(dbStep(r)).toMatchObject({ kind: "done", reason: "Modifying" });
  expect(r.steps.at(-1)?.kind).toBe("Health");
  await untilReady();
});

test("engineVersion 16 → 17: ModifyDBInstance with AllowMajorVersionUpgrade; the pass waits while it upgrades, then is Ready on 17", async () => {
  at.sandbox.calls.reset();
  p.database.engineVersion = "17";
  const rs = await untilReady();
  expect((await db())?.engineVersion).toBe("17");
  expect(rs.some((r) => dbStep(r).kind === "requeue" && "reason" in dbStep(r) && (dbStep(r) as { reason: string }).reason === "Upgrading")).toBe(true);
  expect(rs.flatMap((r) => r.events).map((e) => e.message)).toContain("RDS instance lg-dbup: EngineVersion 16 → 17");
  expect(at.sandbox.calls.count("rds:ModifyDBInstance", "ok")).toBe(1);
});

test("engineVersion 17 → 16: RDS refuses the downgrade; the condition carries its code and nothing changes", async () => {
  p.database.engineVersion = "16";
  const r = await pass();
  expect(dbStep(r)).toMatchObject({ kind: "terminal", code: "InvalidParameterCombination" });
  expect((await db())?.engineVersion).toBe("17");
});
