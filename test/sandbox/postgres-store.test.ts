// The Postgres state store: several sandbox instances (daemon replicas, a daemon and its restart)
// sharing one Postgres see one consistent cloud, that outlives every one of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { CreateDBInstanceCommand, DBInstanceAlreadyExistsFault, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { CreateSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { PostgresStateStore } from "../../src/cloud/sandbox/index.js";
import { createTestDatabase } from "../support/db.js";
import { ACCOUNT, SandboxFixture, START } from "./fixture.js";
import { preparedAccount } from "./ecs-setup.js";

const DELAY = 1000;
let db: { url: string; drop(): Promise<void> };
const stores: PostgresStateStore[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await db.drop();
});

/** A sandbox on its own connection to the shared database, on a clock the test moves. */
function replica(clock: { t: number }) {
  const store = new PostgresStateStore(db.url);
  stores.push(store);
  const f = new SandboxFixture({ delayMs: DELAY, store, now: () => clock.t });
  return { f, store };
}

const dbInput = (id: string) => ({
  DBInstanceIdentifier: id,
  DBInstanceClass: "db.t4g.micro",
  Engine: "postgres",
  AllocatedStorage: 20,
  MasterUsername: "lg",
  MasterUserPassword: "password-123",
  DBSubnetGroupName: "langgraph-cloud-db-subnet-group",
});

describe("PostgresStateStore", () => {
  it("lets a second process use sessions and resources the first one created", async () => {
    const clock = { t: START };
    const a = replica(clock);
    const b = replica(clock);
    const fromA = await a.f.clients();
    await fromA.rds.send(new CreateDBInstanceCommand(dbInput("lg-shared")));
    await fromA.secrets.send(new CreateSecretCommand({ Name: "langgraph-cloud/shared/env", SecretString: '{"K":"v"}' }));

    const fromB = await b.f.clients({ credentials: fromA.credentials });
    expect((await fromB.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
    clock.t += DELAY;
    const [inst] = (await fromB.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "lg-shared" }))).DBInstances!;
    expect(inst.DBInstanceStatus).toBe("available");
    expect((await fromB.secrets.send(new GetSecretValueCommand({ SecretId: "langgraph-cloud/shared/env" }))).SecretString).toBe('{"K":"v"}');
  });

  it("serialises concurrent creates across processes: exactly one wins", async () => {
    const clock = { t: START };
    const [a, b] = [replica(clock), replica(clock)];
    const [ca, cb] = await Promise.all([a.f.clients(), b.f.clients()]);
    const results = await Promise.allSettled([
      ca.rds.send(new CreateDBInstanceCommand(dbInput("lg-race"))),
      cb.rds.send(new CreateDBInstanceCommand(dbInput("lg-race"))),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(DBInstanceAlreadyExistsFault);
  });

  it("keeps the cloud, mid-rollout, across a process that stops and one that starts", async () => {
    const clock = { t: START };
    const first = replica(clock);
    const a = await preparedAccount(first.f);
    await a.createService(await a.register("v1"));
    const credentials = a.credentials;
    await first.store.close();

    clock.t += DELAY;
    const second = replica(clock);
    const { ecs } = await second.f.clients({ credentials });
    const [svc] = (await ecs.send(new DescribeServicesCommand({ cluster: "langgraph-cloud-cluster", services: ["lg-demo-api"] }))).services!;
    expect([svc.runningCount, svc.deployments![0].rolloutState]).toEqual([2, "COMPLETED"]);
  });

  it("keeps its tables in its own schema", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ table_name: string }[]>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'byoc_sandbox' ORDER BY table_name`;
      expect(rows.map((r) => r.table_name)).toEqual(["account_state", "session_credentials"]);
    } finally {
      await sql.end();
    }
  });
});
