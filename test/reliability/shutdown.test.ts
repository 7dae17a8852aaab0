// Graceful shutdown: SIGTERM to a daemon process in the middle of convergence. It stops claiming,
// lets the passes in flight finish (abandoning the ones still queued, which have not touched AWS),
// releases every lease it holds and exits 0 well within 30 s. A successor converges everything with
// nothing created twice.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase } from "../support/db.js";
import {
  controlPlane, createProjects, inventory, missingResources, openCloud, passesFrom, spawnDaemon, stopProcess, waitFor, type DaemonProcess,
} from "./harness.js";
import { recordFigures } from "../support/figures.js";

const PROJECTS = 16;
const names = Array.from({ length: PROJECTS }, (_, i) => `sd-${String(i).padStart(2, "0")}`);

let db: { url: string; drop(): Promise<void> };
const started: DaemonProcess[] = [];
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => {
  await Promise.all(started.map((d) => stopProcess(d)));
  await db?.drop();
});

test("SIGTERM mid-convergence: stops claiming, finishes or abandons passes, releases its leases, exits 0 within 30 s", async () => {
  const cp = controlPlane(db.url);
  const cloud = openCloud(db.url);
  try {
    // Slow AWS answers keep passes in flight when the signal arrives.
    const first = await spawnDaemon({ databaseUrl: db.url, operatorId: "shutdown-1", env: { BYOC_SANDBOX_FAULTS: "latencyMs=120", BYOC_ACCOUNT_CONCURRENCY: "4" } });
    started.push(first);
    await createProjects(first, names);
    const inFlight = await waitFor("passes in flight", async () => {
      const [{ n }] = await cp.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM leases WHERE owner = ${first.operatorId}`;
      return n >= 8 && n;
    }, 30_000, 10);

    const signalledAt = Date.now();
    first.kill("SIGTERM");
    const exit = await first.exit;
    const tookMs = exit.at - signalledAt;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(30_000);
    const [{ held }] = await cp.sql<{ held: number }[]>`SELECT count(*)::int AS held FROM leases WHERE owner = ${first.operatorId}`;
    expect(held).toBe(0);
    // Nothing started after the signal: every pass the daemon logged began before it.
    const passes = passesFrom(first);
    expect(passes.filter((p) => p.start > signalledAt + 50)).toEqual([]);
    const stopped = first.lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((j) => j?.msg === "engine stopped");
    expect(stopped, "the engine logs what it released").toBeDefined();

    const second = await spawnDaemon({ databaseUrl: db.url, operatorId: "shutdown-2" });
    started.push(second);
    await waitFor("every project Ready under the successor", () => cp.allReady(names), 60_000, 250);
    const inv = await inventory(cloud.sandbox);
    const ids = (await cp.sql<{ id: string }[]>`SELECT id FROM projects`).map((r) => r.id);
    expect(inv.duplicates).toEqual([]);
    expect(missingResources(inv, ids)).toEqual([]);
    recordFigures("shutdown", `SIGTERM with ${inFlight} leases held (${PROJECTS} projects converging): exit code ${exit.code} after ${tookMs} ms; ` +
      `${passes.filter((p) => p.end > signalledAt).length} passes in flight finished, ${stopped.notStarted} queued ones abandoned before touching AWS, ${stopped.stillRunning} cut off; ` +
      `${stopped.released} leases released at exit, 0 left held; ` +
      `none started after it; successor converged all, duplicates ${inv.duplicates.length}`);
  } finally {
    await cloud.close();
    await cp.close();
  }
}, 120_000);
