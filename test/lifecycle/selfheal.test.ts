// Self-healing: what is deleted or stopped out of band comes back, each with an event, and the project
// reads Degraded while it heals and Ready after. The sandbox clock is frozen while the damage is done,
// so AWS's side of the healing (draining, deleting, starting tasks) waits until the Degraded phase has
// been seen.
import { afterAll, beforeAll, expect, test } from "vitest";
import { CLUSTER_NAME, LOG_GROUP_NAME } from "../../src/cloud/names.js";
import { image, startDaemonWithProject, type EventView, type TestDaemon } from "../support/daemon.js";
import type { SandboxView } from "../support/sandbox-view.js";

const ACCOUNT = "100000000005";
const REGION = "us-east-1";
const P = "heal";
const DELAY = 300; // the test daemon's BYOC_SANDBOX_DELAY_MS
let t: TestDaemon;
let aws: SandboxView;

beforeAll(async () => {
  ({ t, aws } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1") }, daemon: { healGraceMs: 500 } }));
});
afterAll(async () => { t?.clock.resume(); await t?.stop(); });

const allServicesRunning = async () => {
  for (const role of ["api", "queue", "redis"] as const) {
    const s = await aws.service(P, role);
    if (s?.status !== "ACTIVE" || s.tags["byoc:project-id"] === undefined) return false;
    const running = Object.values((await aws.state()).ecs.tasks).filter((x) => x.serviceName === s.name && x.lastStatus === "RUNNING" && x.ready);
    if (running.length !== s.desiredCount) return false;
  }
  return true;
};

interface Case {
  what: string;
  breakIt: () => Promise<unknown>;
  /** Sandbox time to let pass at once after the damage (e.g. until ECS forgets a deleted service). */
  advanceMs?: number;
  /** Whether the project must read Degraded while AWS stands still (false: healed in one pass). */
  degraded: boolean;
  /** The events come while AWS stands still (the damage must last, e.g. past a grace period). */
  eventsWhileFrozen?: boolean;
  events: Array<{ type: "Warning" | "Normal"; reason: string; resource: string; message: RegExp }>;
  healed: () => Promise<boolean>;
}

const console = () => t.sandbox.console;
const cases: Case[] = [
  {
    what: "a deleted ECS service is recreated",
    breakIt: () => console().deleteService(ACCOUNT, REGION, "lg-heal-api"),
    degraded: true,
    events: [{ type: "Warning", reason: "Recreated", resource: "lg-heal-api", message: /^recreated deleted ECS service lg-heal-api \(1 tasks\)$/ }],
    healed: allServicesRunning,
  },
  {
    what: "a service deleted so long ago that ECS no longer lists it (MISSING) is recreated",
    breakIt: () => console().deleteService(ACCOUNT, REGION, "lg-heal-queue"),
    advanceMs: 20 * DELAY,
    degraded: true,
    events: [{ type: "Warning", reason: "Recreated", resource: "lg-heal-queue", message: /^recreated deleted ECS service lg-heal-queue/ }],
    healed: allServicesRunning,
  },
  {
    what: "a secret scheduled for deletion is restored",
    breakIt: () => console().deleteSecret(ACCOUNT, REGION, "langgraph-cloud/heal/env", 7),
    degraded: true,
    events: [{ type: "Warning", reason: "Restored", resource: "langgraph-cloud/heal/env", message: /scheduled for deletion out of band; restored it/ }],
    healed: async () => { const s = await aws.secret("langgraph-cloud/heal/env"); return !!s && s.deletedAt === undefined; },
  },
  {
    what: "a deleted DB instance is recreated, and an event says its data is gone",
    breakIt: () => console().deleteDBInstance(ACCOUNT, REGION, "lg-heal"),
    degraded: true,
    events: [{ type: "Warning", reason: "Created", resource: "lg-heal", message: /^RDS instance lg-heal was deleted out of band; creating it again, empty \(db\.t4g\.micro, 20 GiB, postgres 16\): its data is gone/ }],
    healed: async () => {
      const db = await aws.db(P);
      return db?.status === "available" && db.tags["langgraph-cloud"] === P && (await aws.secretJson("langgraph-cloud/heal/postgres")).host === db.endpointAddress;
    },
  },
  {
    what: "a stopped DB instance is started",
    breakIt: () => console().stopDBInstance(ACCOUNT, REGION, "lg-heal"),
    degraded: true,
    events: [{ type: "Warning", reason: "Started", resource: "lg-heal", message: /^RDS instance lg-heal was stopped out of band; starting it$/ }],
    healed: async () => (await aws.db(P))?.status === "available",
  },
  {
    what: "a deleted cluster is recreated, and its services with it",
    breakIt: () => console().deleteCluster(ACCOUNT, REGION),
    degraded: true,
    events: [
      { type: "Warning", reason: "Created", resource: CLUSTER_NAME, message: /^created ECS cluster langgraph-cloud-cluster \(it had been deleted\)$/ },
      ...(["api", "queue", "redis"] as const).map((r) => ({ type: "Warning" as const, reason: "Recreated", resource: `lg-heal-${r}`, message: /^recreated deleted ECS service/ })),
    ],
    healed: async () => (await aws.state()).ecs.clusters[CLUSTER_NAME]?.status === "ACTIVE" && (await allServicesRunning()),
  },
  {
    what: "a deleted log group is recreated",
    breakIt: () => console().deleteLogGroup(ACCOUNT, REGION),
    degraded: false,
    events: [{ type: "Warning", reason: "Created", resource: LOG_GROUP_NAME, message: /^log group \/aws\/ecs\/langgraph-cloud was deleted out of band \(with the logs in it\); created it again \(30-day retention\)$/ }],
    healed: async () => (await aws.state()).logs.groups[LOG_GROUP_NAME]?.retentionInDays === 30,
  },
  {
    what: "an API service whose running count stays below desired past the grace period gets a new deployment",
    breakIt: () => console().stopTasks(ACCOUNT, REGION, "lg-heal-api"),
    degraded: true,
    eventsWhileFrozen: true,
    events: [{ type: "Warning", reason: "Redeployed", resource: "lg-heal-api", message: /^ECS service lg-heal-api runs 0\/1 tasks for over 1 s; forced a new deployment$/ }],
    healed: allServicesRunning,
  },
];

async function expectEvents(c: Case, after: string) {
  for (const want of c.events) {
    const e = await t.waitForEvent(P, `${want.reason} on ${want.resource}`, (x) => x.reason === want.reason && x.resource === want.resource && want.message.test(x.message), { after });
    expect(e.type).toBe(want.type);
  }
}

test.each(cases)("$what; Degraded while healing, Ready after", async (c) => {
  await t.waitForPhase(P, "Ready");
  const last = (await t.events(P)).at(-1)!.id;
  t.clock.freeze();
  try {
    await c.breakIt();
    if (c.advanceMs) t.clock.advance(c.advanceMs);
    await t.http("POST", `/v1/projects/${P}/reconcile`);
    if (c.degraded) {
      const s = await t.waitForPhase(P, "Degraded");
      expect(s.conditions.find((x: any) => x.type === "Ready").status).toBe("False");
    }
    if (c.eventsWhileFrozen) await expectEvents(c, last);
  } finally {
    t.clock.resume();
  }
  await expectEvents(c, last);
  await t.waitFor(`${c.what}: healed in AWS`, c.healed);
  const s = await t.waitForPhase(P, "Ready");
  expect(s.conditions.every((x: any) => x.status === "True")).toBe(true);
});

test("after all of it there is one of everything: nothing was created twice", async () => {
  const s = await aws.state();
  const live = s.ecs.services.filter((x) => x.status === "ACTIVE").map((x) => x.name).sort();
  expect(live).toEqual(["lg-heal-api", "lg-heal-queue", "lg-heal-redis"]);
  expect(Object.keys(s.rds.instances)).toEqual(["lg-heal"]);
  expect(Object.values(s.secrets.secrets).filter((x) => x.deletedAt === undefined).map((x) => x.name).sort()).toEqual(["langgraph-cloud/heal/env", "langgraph-cloud/heal/postgres"]);
  const events: EventView[] = await t.events(P);
  expect(events.filter((e) => e.type === "Warning" && !["Recreated", "Restored", "Started", "Created", "Redeployed"].includes(e.reason)).map((e) => `${e.reason}: ${e.message}`)).toEqual([]);
});
