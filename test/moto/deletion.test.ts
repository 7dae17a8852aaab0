// Deletion on moto, per deletionPolicy: the finalizer scales services to 0 and deletes them, deregisters
// the task definitions, deletes the DB (with a final snapshot for `snapshot`), schedules the secrets for
// deletion with a recovery window, and removes the row only once AWS confirms; `retain` leaves every
// resource as it was. Also the prod shape (Multi-AZ, backups, deletion protection turned off to delete)
// and the external-database mode (no RDS instance created or deleted).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { projectNames, SERVICE_ROLES } from "../../src/cloud/names.js";
import type { Moto } from "../support/moto.js";
import * as view from "./aws-view.js";
import { absorbCreateServiceGap, image, ownTags, startFileMoto, startWorld, waitFor, waitForPhase, type World } from "./world.js";

let moto: Moto;
beforeAll(async () => { moto = await startFileMoto(); });
afterAll(async () => { await moto?.stop(); });

async function deleteAndWaitGone(w: World, name: string) {
  const res = await w.api("DELETE", `/v1/projects/${name}`);
  expect(res.status).toBe(202);
  expect(res.body.phase).toBe("Deleting");
  await waitFor(`${name} gone from the API`, async () => (await w.api("GET", `/v1/projects/${name}`)).status === 404);
}

async function expectTornDown(w: World, name: string) {
  for (const [role, s] of await view.services(w.aws, name)) expect(s.status, role).toBe("INACTIVE");
  for (const role of SERVICE_ROLES) {
    expect(await view.taskDefinitions(w.aws, name, role, "ACTIVE"), role).toEqual([]);
    expect((await view.taskDefinitions(w.aws, name, role, "INACTIVE")).length, role).toBeGreaterThan(0);
  }
  const secrets = await view.secretsOf(w.aws, name);
  expect(secrets.size).toBe(2);
  // Still listed with a deletion date: scheduled with a recovery window, not force-deleted, so the
  // customer can still restore it.
  for (const [secretName, s] of secrets) expect(s.DeletedDate, secretName).toBeInstanceOf(Date);
}

describe("deletion policies", () => {
  let w: World;
  const projects: Record<string, { id: string; name: string }> = {};
  beforeAll(async () => {
    w = await startWorld(moto);
    for (const [name, deletionPolicy] of [["snap", "snapshot"], ["gone", "delete"], ["keep", "retain"]] as const) {
      projects[name] = await w.createProject({ name, image: image("v1"), deletionPolicy });
    }
    for (const name of Object.keys(projects)) {
      await waitForPhase(w, name, "Ready");
      await absorbCreateServiceGap(w, name);
    }
  });
  afterAll(async () => { await w?.stop(); });

  test("snapshot: everything is torn down and the DB leaves a final snapshot carrying our tags", async () => {
    await deleteAndWaitGone(w, "snap");
    expect(await view.dbInstance(w.aws, "snap")).toBeUndefined();
    await expectTornDown(w, "snap");
    const snaps = await view.finalSnapshots(w.aws, "snap");
    expect(snaps).toHaveLength(1);
    expect(snaps[0].DBSnapshotIdentifier).toMatch(/^lg-snap-final-\d{14}$/);
    expect(view.tagMap(snaps[0].TagList)).toMatchObject(ownTags(projects.snap));
  });

  test("delete: the DB goes without a snapshot", async () => {
    await deleteAndWaitGone(w, "gone");
    expect(await view.dbInstance(w.aws, "gone")).toBeUndefined();
    await expectTornDown(w, "gone");
    expect(await view.finalSnapshots(w.aws, "gone")).toEqual([]);
  });

  test("retain: the project row goes, every AWS resource stays as it was, tags untouched", async () => {
    const before = {
      tds: await view.allTaskDefinitionArns(w.aws, "keep"),
      services: [...(await view.services(w.aws, "keep")).values()].map((s) => [s.serviceName, s.status, s.desiredCount, view.tagMap(s.tags)]),
      db: await view.dbInstance(w.aws, "keep"),
      secrets: [...(await view.secretsOf(w.aws, "keep")).values()].map((s) => [s.Name, s.DeletedDate, s.tags]),
    };
    await deleteAndWaitGone(w, "keep");
    expect(await view.allTaskDefinitionArns(w.aws, "keep")).toEqual(before.tds);
    expect([...(await view.services(w.aws, "keep")).values()].map((s) => [s.serviceName, s.status, s.desiredCount, view.tagMap(s.tags)])).toEqual(before.services);
    const db = await view.dbInstance(w.aws, "keep");
    expect(db?.DBInstanceStatus).toBe("available");
    expect(view.tagMap(db?.TagList)).toEqual(view.tagMap(before.db?.TagList));
    expect([...(await view.secretsOf(w.aws, "keep")).values()].map((s) => [s.Name, s.DeletedDate, s.tags])).toEqual(before.secrets);
  });

  test("the account's shared cluster and log group outlive the projects", async () => {
    expect(await view.cluster(w.aws)).toBeDefined();
    expect(await view.logGroup(w.aws)).toBeDefined();
  });
});

describe("prod and external database", () => {
  let w: World;
  let prod: { id: string; name: string };
  const EXTERNAL_URI = "postgres://app:s3cr3t-pw@db.customer.internal:6543/langgraph";
  beforeAll(async () => {
    w = await startWorld(moto);
    prod = await w.createProject({ name: "bigco", image: image("v1"), deploymentType: "prod" });
    await w.createProject({ name: "byodb", image: image("v1"), database: { mode: "external", uri: EXTERNAL_URI } });
    for (const name of ["bigco", "byodb"]) {
      await waitForPhase(w, name, "Ready");
      await absorbCreateServiceGap(w, name);
    }
  });
  afterAll(async () => { await w?.stop(); });

  test("prod: Multi-AZ DB on the prod class with 7-day backups and deletion protection, two API tasks", async () => {
    const db = await view.dbInstance(w.aws, "bigco");
    expect(db).toMatchObject({ DBInstanceClass: "db.m6g.large", MultiAZ: true, BackupRetentionPeriod: 7, DeletionProtection: true, StorageEncrypted: true });
    expect(view.tagMap(db?.TagList)).toEqual(ownTags(prod));
    expect((await view.service(w.aws, "bigco", "api"))?.desiredCount).toBe(2);
    expect((await view.service(w.aws, "bigco", "queue"))?.desiredCount).toBe(1);
  });

  test("external database: no RDS instance, and the postgres secret carries the given URI", async () => {
    expect(await view.dbInstance(w.aws, "byodb")).toBeUndefined();
    const pg = await view.secretJson(w.aws, projectNames("byodb").postgresSecret);
    expect(pg.get("uri") === EXTERNAL_URI).toBe(true);
    expect(pg.get("host")).toBe("db.customer.internal");
    expect(pg.get("port")).toBe(6543);
  });

  test("prod delete: deletion protection is turned off, then the DB is deleted with a final snapshot", async () => {
    await deleteAndWaitGone(w, "bigco");
    expect(await view.dbInstance(w.aws, "bigco")).toBeUndefined();
    expect(await view.finalSnapshots(w.aws, "bigco")).toHaveLength(1);
    await expectTornDown(w, "bigco");
  });

  test("external database delete: secrets and services go, no DB is touched", async () => {
    await deleteAndWaitGone(w, "byodb");
    await expectTornDown(w, "byodb");
    expect(await view.finalSnapshots(w.aws, "byodb")).toEqual([]);
  });
});
