// RDS as the operator meets it: asynchronous creation, modifications that take effect later or at a
// maintenance window, deletion rules and final snapshots, stop/start, and RDS's own error classes.
import { describe, expect, it } from "vitest";
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
  type CreateDBInstanceCommandInput,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { DB_SUBNET_GROUP_NAME } from "../../src/cloud/names.js";
import { SandboxFixture, rejection } from "./fixture.js";

const DELAY = 1000;

function createInput(id = "lg-demo", extra: Partial<CreateDBInstanceCommandInput> = {}): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: id,
    DBInstanceClass: "db.t4g.micro",
    Engine: "postgres",
    EngineVersion: "16.4",
    AllocatedStorage: 20,
    MasterUsername: "langgraph",
    MasterUserPassword: "correct-horse-battery-staple",
    DBName: "langgraph",
    DBSubnetGroupName: DB_SUBNET_GROUP_NAME,
    StorageEncrypted: true,
    BackupRetentionPeriod: 7,
    MultiAZ: true,
    Tags: [{ Key: "langgraph-cloud", Value: "demo" }],
    ...extra,
  };
}

async function describe1(rds: RDSClient, id = "lg-demo") {
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
}

async function available(f: SandboxFixture, rds: RDSClient, extra: Partial<CreateDBInstanceCommandInput> = {}) {
  await rds.send(new CreateDBInstanceCommand(createInput("lg-demo", extra)));
  f.advance(DELAY);
  return describe1(rds);
}

describe("CreateDBInstance lifecycle", () => {
  const timeline = [
    { after: 0, status: "creating", endpoint: false },
    { after: DELAY * 0.5, status: "creating", endpoint: false },
    // The first backup runs on a serving instance: RDS shows its endpoint.
    { after: DELAY * 0.8, status: "backing-up", endpoint: true },
    { after: DELAY, status: "available", endpoint: true },
    { after: DELAY * 50, status: "available", endpoint: true },
  ];
  it.each(timeline)("reads $status $after ms after the create", async ({ after, status, endpoint }) => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    const created = await rds.send(new CreateDBInstanceCommand(createInput()));
    expect(created.DBInstance?.DBInstanceStatus).toBe("creating");
    f.advance(after);
    const db = await describe1(rds);
    expect(db.DBInstanceStatus).toBe(status);
    expect(Boolean(db.Endpoint?.Address)).toBe(endpoint);
  });

  it("keeps what was asked for and never returns the password", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    const db = await available(f, rds);
    expect(db).toMatchObject({ DBInstanceClass: "db.t4g.micro", StorageEncrypted: true, MultiAZ: true, BackupRetentionPeriod: 7, MasterUsername: "langgraph", DBName: "langgraph" });
    expect(db.DBSubnetGroup?.DBSubnetGroupName).toBe(DB_SUBNET_GROUP_NAME);
    expect(db.TagList).toEqual([{ Key: "langgraph-cloud", Value: "demo" }]);
    expect(db.InstanceCreateTime).toBeInstanceOf(Date);
    expect(db.Endpoint?.Port).toBe(5432);
    expect(JSON.stringify(db)).not.toContain("correct-horse-battery-staple");
  });
});

describe("RDS errors are the modelled classes", () => {
  const cases = [
    { reason: "an unknown identifier", run: (rds: RDSClient) => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "lg-missing" })), cls: DBInstanceNotFoundFault, status: 404 },
    { reason: "a duplicate identifier (case-insensitive)", run: async (rds: RDSClient) => { await rds.send(new CreateDBInstanceCommand(createInput())); return rds.send(new CreateDBInstanceCommand(createInput("LG-DEMO"))); }, cls: DBInstanceAlreadyExistsFault, status: 400 },
    { reason: "stopping an instance still creating", run: async (rds: RDSClient) => { await rds.send(new CreateDBInstanceCommand(createInput())); return rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "lg-demo" })); }, cls: InvalidDBInstanceStateFault, status: 400 },
  ];
  it.each(cases)("$reason", async ({ run, cls, status }) => {
    const { rds } = await new SandboxFixture().clients();
    const err = await rejection(run(rds));
    expect(err).toBeInstanceOf(cls);
    expect(err.$metadata.httpStatusCode).toBe(status);
  });

  it("refuses a password with characters RDS does not allow", async () => {
    const { rds } = await new SandboxFixture().clients();
    const err = await rejection(rds.send(new CreateDBInstanceCommand(createInput("lg-demo", { MasterUserPassword: "has/slash@at" }))));
    expect(err.name).toBe("InvalidParameterValue");
  });
});

describe("ModifyDBInstance", () => {
  it("with ApplyImmediately goes through modifying and applies the change", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds);
    const out = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", DBInstanceClass: "db.m6g.large", AllocatedStorage: 40, ApplyImmediately: true }));
    expect(out.DBInstance?.DBInstanceStatus).toBe("modifying");
    expect(out.DBInstance?.PendingModifiedValues).toMatchObject({ DBInstanceClass: "db.m6g.large", AllocatedStorage: 40 });
    f.advance(DELAY);
    const db = await describe1(rds);
    expect(db).toMatchObject({ DBInstanceStatus: "available", DBInstanceClass: "db.m6g.large", AllocatedStorage: 40 });
    expect(db.PendingModifiedValues).toEqual({});
  });

  it("without ApplyImmediately only records pending values, but deletion protection applies at once", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds);
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", DBInstanceClass: "db.m6g.large", DeletionProtection: true }));
    f.advance(DELAY * 100);
    const db = await describe1(rds);
    expect(db).toMatchObject({ DBInstanceStatus: "available", DBInstanceClass: "db.t4g.micro", DeletionProtection: true });
    expect(db.PendingModifiedValues).toEqual({ DBInstanceClass: "db.m6g.large" });
  });

  it("upgrades the major version with AllowMajorVersionUpgrade: upgrading (no endpoint promise), then the new family's default group", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds);
    const out = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", EngineVersion: "17", AllowMajorVersionUpgrade: true, ApplyImmediately: true }));
    expect(out.DBInstance?.DBInstanceStatus).toBe("upgrading");
    f.advance(DELAY);
    const db = await describe1(rds);
    expect([db.DBInstanceStatus, db.EngineVersion, db.DBParameterGroups?.[0]?.DBParameterGroupName]).toEqual(["available", "17", "default.postgres17"]);
  });

  it.each([
    { reason: "a new major version without AllowMajorVersionUpgrade", input: { EngineVersion: "17" } },
    { reason: "a downgrade, even with AllowMajorVersionUpgrade", input: { EngineVersion: "15", AllowMajorVersionUpgrade: true } },
    { reason: "a minor downgrade", input: { EngineVersion: "16.2" } },
  ])("refuses $reason (InvalidParameterCombination), nothing changes", async ({ input }) => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds);
    const err = await rejection(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", ApplyImmediately: true, ...input })));
    expect(err.name).toBe("InvalidParameterCombination");
    expect(await describe1(rds)).toMatchObject({ DBInstanceStatus: "available", EngineVersion: "16.4" });
  });

  it("refuses to shrink storage", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds, { AllocatedStorage: 50 });
    const err = await rejection(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", AllocatedStorage: 20, ApplyImmediately: true })));
    expect(err.name).toBe("InvalidParameterCombination");
    expect(err.Code).toBe("InvalidParameterCombination");
  });

  it("grows storage by at least 10%, counted in whole GiB: 50 → 54 refused, 50 → 55 accepted (50 × 1.1 is 55.00000000000001 in floating point)", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds, { AllocatedStorage: 50 });
    const err = await rejection(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", AllocatedStorage: 54, ApplyImmediately: true })));
    expect(err.name).toBe("InvalidParameterCombination");
    const out = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", AllocatedStorage: 55, ApplyImmediately: true }));
    expect(out.DBInstance?.PendingModifiedValues?.AllocatedStorage).toBe(55);
  });
});

describe("DeleteDBInstance", () => {
  const refusals = [
    { reason: "needs SkipFinalSnapshot or a FinalDBSnapshotIdentifier", create: {}, input: {}, name: "InvalidParameterCombination" },
    { reason: "refuses a protected instance", create: { DeletionProtection: true }, input: { SkipFinalSnapshot: true }, name: "InvalidParameterCombination" },
  ];
  it.each(refusals)("$reason", async ({ create, input, name }) => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds, create);
    const err = await rejection(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", ...input })));
    expect(err.name).toBe(name);
    expect((await describe1(rds)).DBInstanceStatus).toBe("available");
  });

  it("deletes over time and leaves the final snapshot", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds);
    const out = await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", FinalDBSnapshotIdentifier: "lg-demo-final-20261124120000" }));
    expect(out.DBInstance?.DBInstanceStatus).toBe("deleting");
    const again = await rejection(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "lg-demo", SkipFinalSnapshot: true })));
    expect(again).toBeInstanceOf(InvalidDBInstanceStateFault);
    f.advance(DELAY);
    expect(await rejection(describe1(rds))).toBeInstanceOf(DBInstanceNotFoundFault);
    const snaps = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "lg-demo" }))).DBSnapshots!;
    expect(snaps.map((s) => [s.DBSnapshotIdentifier, s.Status, s.SnapshotType])).toEqual([["lg-demo-final-20261124120000", "available", "manual"]]);
  });
});

describe("Stop and start", () => {
  it("go through stopping/stopped and starting/available, refusing out-of-order requests", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    await available(f, rds);
    expect((await rejection(rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: "lg-demo" })))).name).toBe("InvalidDBInstanceStateFault");
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: "lg-demo" }));
    expect((await describe1(rds)).DBInstanceStatus).toBe("stopping");
    f.advance(DELAY);
    expect((await describe1(rds)).DBInstanceStatus).toBe("stopped");
    await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: "lg-demo" }));
    expect((await describe1(rds)).DBInstanceStatus).toBe("starting");
    f.advance(DELAY);
    expect((await describe1(rds)).DBInstanceStatus).toBe("available");
  });
});

describe("tags by ARN", () => {
  it("adds and lists tags on the instance", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { rds } = await f.clients();
    const db = await available(f, rds);
    await rds.send(new AddTagsToResourceCommand({ ResourceName: db.DBInstanceArn, Tags: [{ Key: "byoc:project-id", Value: "p-1" }] }));
    const tags = (await rds.send(new ListTagsForResourceCommand({ ResourceName: db.DBInstanceArn }))).TagList;
    expect(tags).toEqual([{ Key: "langgraph-cloud", Value: "demo" }, { Key: "byoc:project-id", Value: "p-1" }]);
  });
});
