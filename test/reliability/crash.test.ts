// Crash-safe creates: a daemon process is SIGKILLed 12 times while it converges 24 projects (created in
// six waves, so there is always work in flight) and restarted each time: every other kill lands right
// after AWS accepted a create of a seeded kind (secret, DB instance, task definition, service) and
// before the pass recorded it, the rest at a seeded moment. Every project still ends Ready with its
// revision deployed, no AWS resource exists twice (task definition registrations counted per spec hash,
// services by name, whatever their status), and the desired-state rows are exactly as the API wrote
// them. Nobody intervenes between restarts.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase } from "../support/db.js";
import {
  controlPlane, createProjects, inventory, missingResources, openCloud, seeded, sleep, spawnDaemon, stopProcess, waitFor, type DaemonProcess,
} from "./harness.js";
import { recordFigures } from "../support/figures.js";

const SEED = 5_150_002;
const PROJECTS = 24;
const KILLS = 12;
const WAVES = 6;
const LEASE_SECONDS = 2;
const names = Array.from({ length: PROJECTS }, (_, i) => `crash-${String(i).padStart(2, "0")}`);
/** The info lines the engine logs once AWS accepted a create, before the pass's result is written. */
const CREATES = [/"msg":"created secret/, /"msg":"creating RDS instance/, /"msg":"registered task definition/, /"msg":"created ECS service/];
const wave = (w: number) => names.slice((w * PROJECTS) / WAVES, ((w + 1) * PROJECTS) / WAVES);

let db: { url: string; drop(): Promise<void> };
let current: DaemonProcess | undefined;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => {
  if (current) await stopProcess(current);
  await db?.drop();
});

test(`SIGKILL ${KILLS} times mid-convergence, restart each time: all Ready, nothing created twice, no desired row lost`, async () => {
  const rnd = seeded(SEED);
  const cp = controlPlane(db.url);
  const cloud = openCloud(db.url);
  const start = (n: number) => spawnDaemon({ databaseUrl: db.url, operatorId: `crash-${n}`, logLevel: "info", leaseSeconds: LEASE_SECONDS, env: { BYOC_SANDBOX_DELAY_MS: "1500" } });
  const desired = new Map<string, string>();
  const createWave = async (w: number) => {
    await createProjects(current!, wave(w), (i) => ({ secrets: { API_KEY: `crash-secret-${w}-${i}` }, env: { MODE: "crash" } }));
    for (const [name, row] of await cp.desiredRows()) if (wave(w).includes(name)) desired.set(name, row);
  };
  // Odd kills fall right after the n-th create of one kind that AWS answered, before the pass records it:
  // the case crash safety is about. The watch starts before the wave that causes those creates.
  let armed: { n: number; line: Promise<string | undefined> } | undefined;
  const arm = (k: number) => {
    const n = 1 + Math.floor(rnd() * 3);
    armed = { n, line: current!.nextLine(CREATES[((k - 1) / 2) % CREATES.length], n, 20_000) };
  };
  try {
    current = await start(0);
    arm(1);
    await createWave(0);

    const kills: Array<{ at: string; inFlight: number; ready: number }> = [];
    for (let k = 1; k <= KILLS; k++) {
      const operatorId = current.operatorId;
      let at: string;
      if (k % 2 === 1) {
        const line = await armed!.line;
        at = line ? `after create #${armed!.n} (${JSON.parse(line).msg.split(" ").slice(0, 3).join(" ")})` : "no create seen in 20 s";
      } else {
        // At a random moment: a restarted daemon first waits out its predecessor's leases, so count from its first claim.
        await waitFor(`${operatorId} claiming`, async () => {
          const [{ n }] = await cp.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM leases WHERE owner = ${operatorId}`;
          return n > 0;
        }, 30_000, 10);
        const afterMs = Math.floor(rnd() * 800);
        await sleep(afterMs);
        at = `${afterMs} ms after its first claim`;
      }
      current.kill("SIGKILL");
      const [{ n }] = await cp.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM leases WHERE owner = ${operatorId}`;
      await current.exit;
      const ready = [...(await cp.phases()).values()].filter((p) => p === "Ready").length;
      kills.push({ at, inFlight: n, ready });
      current = await start(k);
      if (k % 2 === 0 && k < KILLS) arm(k + 1);
      if (k % 2 === 0 && k / 2 < WAVES) await createWave(k / 2);
    }

    await waitFor("every project Ready after the last restart", () => cp.allReady(names), 90_000, 250);
    expect(desired.size).toBe(PROJECTS);
    const after = await cp.desiredRows();
    expect(names.filter((n) => after.get(n) !== desired.get(n))).toEqual([]);
    const revisions = await cp.sql<{ status: string }[]>`SELECT status FROM revisions`;
    expect(revisions.map((r) => r.status)).toEqual(names.map(() => "DEPLOYED"));

    const inv = await inventory(cloud.sandbox);
    const ids = (await cp.sql<{ id: string }[]>`SELECT id FROM projects`).map((r) => r.id);
    expect(ids).toHaveLength(PROJECTS);
    expect(inv.duplicates).toEqual([]);
    expect(missingResources(inv, ids)).toEqual([]);
    expect(inv).toMatchObject({ secrets: 2 * PROJECTS, dbInstances: PROJECTS, services: 3 * PROJECTS, taskDefinitions: 3 * PROJECTS, clusters: 3 });

    // Each creation is recorded once: an interrupted pass that created something is finished by the next, not repeated.
    // By message, not resource: the DB, the load balancer and the target group share the name lg-<p>.
    const created = await cp.sql<{ message: string; n: number }[]>`
      SELECT message, count(*)::int AS n FROM events WHERE reason IN ('Created', 'Registered') GROUP BY project_id, reason, message HAVING count(*) > 1`;
    // A creation with no event is one a SIGKILL cut between the AWS call and the pass's write-back: the
    // case crash safety is about. The next pass found each of those by name or tag instead of creating it again.
    const recorded = new Set((await cp.sql<{ k: string }[]>`
      SELECT p.name || ' ' || e.reason || ' ' || e.resource || CASE WHEN e.message LIKE '%RDS instance%' THEN ' RDS' ELSE '' END AS k
      FROM events e JOIN projects p ON p.id = e.project_id WHERE e.reason IN ('Created', 'Registered')`).map((r) => r.k));
    const cut: Record<string, number> = { secret: 0, db: 0, taskDefinition: 0, service: 0 };
    for (const p of names) {
      for (const s of ["postgres", "env"]) if (!recorded.has(`${p} Created langgraph-cloud/${p}/${s}`)) cut.secret++;
      if (!recorded.has(`${p} Created lg-${p} RDS`)) cut.db++;
      for (const role of ["api", "queue", "redis"]) {
        if (!recorded.has(`${p} Registered lg-${p}-${role}`)) cut.taskDefinition++;
        if (!recorded.has(`${p} Created lg-${p}-${role}`)) cut.service++;
      }
    }
    const [{ unresolved }] = await cp.sql<{ unresolved: number }[]>`SELECT count(*)::int AS unresolved FROM create_intents WHERE resolved_at IS NULL`;
    const midPass = kills.filter((k) => k.inFlight > 0).length;
    recordFigures("crash", `${KILLS} SIGKILLs survived (seed ${SEED}; ${midPass} with passes in flight, ${kills.reduce((a, k) => a + k.inFlight, 0)} leases abandoned; ` +
      `Ready at each kill ${kills.map((k) => k.ready).join("/")} of ${PROJECTS}; killed ${kills.map((k) => k.at).join("; ")}); duplicates ${inv.duplicates.length}; ` +
      `resources ${inv.secrets} secrets, ${inv.dbInstances} DB instances, ${inv.services} services, ${inv.taskDefinitions} task definitions; ` +
      `creations recorded twice: ${created.length}; creations cut off by a kill before they were recorded, then adopted, not repeated: ${JSON.stringify(cut)} of ${9 * PROJECTS}; create intents left unresolved: ${unresolved}; desired rows of all ${PROJECTS} unchanged`);
    expect(created).toEqual([]);
    expect(midPass).toBeGreaterThan(KILLS / 2);
    expect(kills.filter((k) => k.at.startsWith("no create"))).toEqual([]);
  } finally {
    await cloud.close();
    await cp.close();
  }
}, 150_000);
