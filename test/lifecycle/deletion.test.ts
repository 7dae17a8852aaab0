// Deletion: DELETE → Deleting → services drained and deleted, task definitions deregistered, the DB per
// deletionPolicy (snapshot: final snapshot lg-<p>-final-<ts>; delete: none; retain: everything left and
// no longer managed), secrets deleted with a recovery window — and the rows go only once AWS confirms.
// Deleting while a create is in flight, or while AWS is unreachable, leaves no orphan.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { projectNames, SERVICE_ROLES } from "../../src/cloud/names.js";
import { image, projectBody, roleIn, startTestDaemon, type TestDaemon } from "../support/daemon.js";
import { SandboxView } from "../support/sandbox-view.js";

const DELAY = 300; // the test daemon's BYOC_SANDBOX_DELAY_MS: one "day" of a secret's recovery window
let t: TestDaemon;

beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { t?.clock.resume(); t?.sandbox.setFaults({ serverErrorRate: 0 }); await t?.stop(); });

/** What is left of a project in its account, as a person with console access would count it. */
async function leftovers(aws: SandboxView, p: string) {
  const s = await aws.state();
  const names = projectNames(p);
  return {
    liveServices: s.ecs.services.filter((x) => x.name.startsWith(`lg-${p}-`) && x.status !== "INACTIVE").map((x) => x.name),
    activeTaskDefinitions: SERVICE_ROLES.flatMap((r) => (s.ecs.taskDefinitions[names.family(r)] ?? []).filter((td) => td.status === "ACTIVE").map((td) => `${td.family}:${td.revision}`)),
    dbInstances: Object.keys(s.rds.instances),
    liveSecrets: Object.values(s.secrets.secrets).filter((x) => x.deletedAt === undefined).map((x) => x.name),
  };
}
const nothingLeft = { liveServices: [], activeTaskDefinitions: [], dbInstances: [], liveSecrets: [] };

async function deleteAndWait(p: string) {
  const res = await t.http("DELETE", `/v1/projects/${p}`);
  expect(res.status).toBe(202);
  // The answer itself says so: a retained project's rows can be gone before a GET could ask.
  expect(res.body.phase).toBe("Deleting");
  await t.waitFor(`${p} gone`, async () => (await t.http("GET", `/v1/projects/${p}`)).status === 404, 30_000);
}

interface PolicyCase {
  policy: "snapshot" | "delete" | "retain";
  deploymentType: "dev" | "prod";
  account: string;
  project: string;
  want: (aws: SandboxView, p: string, since: number) => Promise<void>;
}

const everythingGone = async (aws: SandboxView, p: string) => {
  expect(await leftovers(aws, p)).toEqual(nothingLeft);
  // Secrets are scheduled for deletion with a 7-day recovery window, not deleted outright.
  for (const name of [projectNames(p).postgresSecret, projectNames(p).envSecret]) {
    const s = await aws.secret(name);
    expect(s?.deletedAt).toBeDefined();
    expect(s!.purgeAt! - s!.deletedAt!).toBe(7 * DELAY);
  }
};

const policies: PolicyCase[] = [
  {
    policy: "snapshot", deploymentType: "dev", account: "100000000031", project: "del-snap",
    want: async (aws, p) => {
      await everythingGone(aws, p);
      const snaps = Object.values((await aws.state()).rds.snapshots);
      expect(snaps.map((x) => x.id)).toEqual([expect.stringMatching(new RegExp(`^lg-${p}-final-\\d{14}$`))]);
      expect(snaps[0]).toMatchObject({ instanceId: `lg-${p}`, type: "manual" });
    },
  },
  {
    policy: "snapshot", deploymentType: "prod", account: "100000000032", project: "del-prod",
    want: async (aws, p) => {
      await everythingGone(aws, p);
      expect(Object.keys((await aws.state()).rds.snapshots)).toEqual([expect.stringMatching(new RegExp(`^lg-${p}-final-\\d{14}$`))]);
    },
  },
  {
    policy: "delete", deploymentType: "dev", account: "100000000033", project: "del-del",
    want: async (aws, p) => {
      await everythingGone(aws, p);
      expect((await aws.state()).rds.snapshots).toEqual({});
    },
  },
  {
    policy: "retain", deploymentType: "dev", account: "100000000034", project: "del-keep",
    want: async (aws, p, since) => {
      const left = await leftovers(aws, p);
      expect(left.liveServices.sort()).toEqual([`lg-${p}-api`, `lg-${p}-queue`, `lg-${p}-redis`]);
      expect(left.activeTaskDefinitions).toHaveLength(3);
      expect(left.dbInstances).toEqual([`lg-${p}`]);
      expect(left.liveSecrets.sort()).toEqual([projectNames(p).envSecret, projectNames(p).postgresSecret]);
      expect((await aws.db(p))?.status).toBe("available");
      // Left as it was: the operator changed nothing, not even a tag, and manages it no more.
      expect(aws.writes(since)).toEqual([]);
    },
  },
];

describe("deletionPolicy", () => {
  test.concurrent.each(policies)("$policy ($deploymentType)", async (c) => {
    const aws = new SandboxView(t.sandbox, c.account);
    await t.http("POST", "/v1/projects", projectBody(c.project, { roleArn: roleIn(c.account), image: image("v1"), deletionPolicy: c.policy, deploymentType: c.deploymentType }));
    await t.waitForPhase(c.project, "Ready");
    if (c.deploymentType === "prod") expect((await aws.db(c.project))?.deletionProtection).toBe(true);
    const since = t.clock.now();
    await deleteAndWait(c.project);
    await c.want(aws, c.project, since);
  });
});

test("deleting while the create is in flight (the DB still creating) leaves no orphan", async () => {
  const ACCOUNT = "100000000035";
  const aws = new SandboxView(t.sandbox, ACCOUNT);
  t.clock.freeze(); // the DB stays `creating` until the deletion has been requested
  try {
    await t.http("POST", "/v1/projects", projectBody("del-early", { roleArn: roleIn(ACCOUNT), image: image("v1"), deletionPolicy: "delete" }));
    await t.waitFor("DB creating", async () => (await aws.db("del-early"))?.status === "creating");
    expect((await t.http("DELETE", "/v1/projects/del-early")).status).toBe(202);
    // Deleting, and waiting for AWS: the row stays while the instance it started is not yet gone.
    const s = await t.waitFor("DatabaseReady waiting for the create to settle", async () => {
      const st = await t.status("del-early");
      return st.conditions.find((c: any) => c.type === "DatabaseReady" && c.reason === "Busy") && st;
    });
    expect(s.phase).toBe("Deleting");
  } finally {
    t.clock.resume();
  }
  await t.waitFor("del-early gone", async () => (await t.http("GET", "/v1/projects/del-early")).status === 404, 30_000);
  expect(await leftovers(aws, "del-early")).toEqual(nothingLeft);
});

test("deleting while AWS is unreachable keeps the project (Deleting, with the error) until AWS confirms, then leaves no orphan", async () => {
  const ACCOUNT = "100000000036";
  const aws = new SandboxView(t.sandbox, ACCOUNT);
  await t.http("POST", "/v1/projects", projectBody("del-down", { roleArn: roleIn(ACCOUNT), image: image("v1"), deletionPolicy: "delete" }));
  await t.waitForPhase("del-down", "Ready");
  t.sandbox.setFaults({ serverErrorRate: 1 });
  try {
    expect((await t.http("DELETE", "/v1/projects/del-down")).status).toBe(202);
    const s = await t.waitFor("a failed deletion pass", async () => {
      const st = await t.status("del-down");
      const synced = st.conditions.find((c: any) => c.type === "Synced");
      return synced?.status === "False" && /ServiceUnavailable|InternalFailure|ServerException|InternalError|InternalServiceError/.test(synced.reason) && st;
    });
    expect(s.phase).toBe("Deleting");
    expect((await t.http("GET", "/v1/projects/del-down")).status).toBe(200);
    expect((await leftovers(aws, "del-down")).dbInstances).toEqual(["lg-del-down"]);
  } finally {
    t.sandbox.setFaults({ serverErrorRate: 0 });
  }
  await t.waitFor("del-down gone", async () => (await t.http("GET", "/v1/projects/del-down")).status === 404, 30_000);
  expect(await leftovers(aws, "del-down")).toEqual(nothingLeft);
});
