// Restarting the daemon keeps state and converges to the same resources without creating any twice:
// the second daemon shares the Postgres (desired state) and the sandbox cloud (kept in the same
// Postgres, as `npm start` keeps it) with the first.
import { afterAll, beforeAll, expect, test } from "vitest";
import { PostgresStateStore, SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { createTestDatabase } from "../support/db.js";
import { ACCOUNT, image, projectBody, REGION, startTestDaemon } from "../support/daemon.js";

let db: { url: string; drop(): Promise<void> };
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db?.drop(); });

async function resourceCounts(sandbox: SandboxCloud) {
  const s = await sandbox.state(ACCOUNT, REGION);
  return {
    secrets: Object.keys(s.secrets.secrets).length,
    dbInstances: Object.keys(s.rds.instances).length,
    services: Object.values(s.ecs.services).filter((x: any) => x.status === "ACTIVE").length,
    taskDefinitions: Object.values(s.ecs.taskDefinitions).flat().length,
    clusters: Object.values(s.ecs.clusters).length,
  };
}

test("a restarted daemon finds its projects and resources and creates nothing again", async () => {
  const store1 = new PostgresStateStore(db.url);
  const first = await startTestDaemon({ databaseUrl: db.url, sandbox: { store: store1 } });
  await first.http("POST", "/v1/projects", projectBody("keep", { image: image("v1") }));
  await first.http("POST", "/v1/projects", projectBody("keep-too", { image: image("v1") }));
  for (const name of ["keep", "keep-too"]) await first.waitFor(`${name} Ready`, async () => (await first.status(name)).phase === "Ready");
  const before = await resourceCounts(first.sandbox);
  const eventsBefore = (await first.http("GET", "/v1/projects/keep/events?limit=200")).body.items.length;
  await first.stop();

  const second = await startTestDaemon({ databaseUrl: db.url, sandbox: { store: new PostgresStateStore(db.url) } });
  try {
    // Make every project due and let two full passes run on the new daemon.
    for (const name of ["keep", "keep-too"]) {
      for (let pass = 0; pass < 2; pass++) {
        const [{ passes }] = await second.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${name}`;
        await second.http("POST", `/v1/projects/${name}/reconcile`);
        await second.waitFor(`a pass of ${name}`, async () => {
          const [row] = await second.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${name}`;
          return row.passes > passes;
        });
      }
      expect((await second.status(name)).phase).toBe("Ready");
    }
    expect(await resourceCounts(second.sandbox)).toEqual(before);
    expect(before).toMatchObject({ secrets: 4, dbInstances: 2, services: 6, taskDefinitions: 6, clusters: 1 });
    const events = (await second.http("GET", "/v1/projects/keep/events?limit=200")).body.items;
    expect(events.length).toBe(eventsBefore); // no Created/Registered/Deploying after the restart
  } finally {
    await second.stop();
  }
});
