// "lease lost" means another replica took the project, nothing else (issue 12.10). Each case plays the
// engine's steps in one fixed order against a real Postgres — claim, renewal snapshot, save, renewal
// query — so the race that logged 406 false warnings under load is reproduced without any timing.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HeldLeases, type Renewal } from "../../src/engine/heldLeases.js";
import { createSealer } from "../../src/store/crypto.js";
import type { Store } from "../../src/store/db.js";
import { claimDueProjects, renewLeases } from "../../src/store/leases.js";
import { loadProjects, savePass, type LoadedProject } from "../../src/store/passes.js";
import { createProject } from "../../src/store/projects.js";
import { createTestStore } from "../support/db.js";

const OWNER = "replica-a";
const LEASE_MS = 15_000;
const sealer = createSealer([randomBytes(32)]);
let store: Store;
let close: () => Promise<void>;

beforeAll(async () => { ({ store, close } = await createTestStore()); });
afterAll(async () => { await close?.(); });
beforeEach(async () => { await store.sql`DELETE FROM projects`; });

/** What one case can do, in the engine's own terms, to one project it has claimed. */
interface World {
  held: HeldLeases;
  projectId: string;
  /** The pass's save, as the engine runs it: marked releasing first, then savePass. */
  save(): Promise<boolean>;
  /** The pass's `.finally`: the claim let go. */
  end(): void;
  steal(): Promise<void>;
  /** A renewal's query for a snapshot taken earlier; returns what the engine would warn about, and what it did not renew. */
  renew(r: Renewal): Promise<{ warned: string[]; notRenewed: string[] }>;
}

async function claimOne(): Promise<World> {
  const { project } = await createProject(store, {
    name: `p-${randomBytes(3).toString("hex")}`, region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/r", accountId: "123456789012",
    externalId: "x1", deploymentType: "dev", database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, engineVersion: "16" },
    resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 }, queue: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 } },
    env: {}, secretNames: [], sealedSecrets: sealer.seal(JSON.stringify({ secrets: {} })), deletionPolicy: "snapshot",
  });
  const [claim] = await claimDueProjects(store, OWNER, 1, LEASE_MS);
  const loaded: LoadedProject = (await loadProjects(store, sealer, [claim.projectId])).get(claim.projectId)!;
  const held = new HeldLeases();
  held.hold(project.id);
  return {
    held, projectId: project.id,
    async save() {
      held.releasing(project.id);
      return savePass(store, loaded, {
        owner: OWNER, projectId: project.id, seenWakes: claim.wakes, seenGeneration: 1, nextDueInMs: 60_000, attempts: 0,
        outcome: "success", phase: "Ready", synced: true, conditions: [], observations: [], events: [], revisionUpdates: [], deleted: false,
      });
    },
    end: () => held.drop(project.id),
    async steal() { await store.sql`UPDATE leases SET owner = 'replica-b', expires_at = now() + interval '1 hour' WHERE project_id = ${project.id}`; },
    async renew(r) {
      const notRenewed = [...await renewLeases(store, OWNER, r.ids, LEASE_MS)];
      return { warned: r.lost(notRenewed), notRenewed };
    },
  };
}

describe("a renewal that races the pass's own release", () => {
  const cases: Array<{ reason: string; steps: (w: World) => Promise<{ warned: string[]; notRenewed: string[] }>; want: { warned: boolean; notRenewed: boolean } }> = [
    {
      reason: "snapshot before the save, query after it commits (the false warning of issue 12.10)",
      steps: async (w) => { const r = w.held.renewal(); expect(await w.save()).toBe(true); return w.renew(r); },
      want: { warned: false, notRenewed: true },
    },
    {
      reason: "snapshot after the save committed, before the pass let go of its claim",
      steps: async (w) => { expect(await w.save()).toBe(true); return w.renew(w.held.renewal()); },
      want: { warned: false, notRenewed: true },
    },
    {
      reason: "query answered after the pass ended and its claim was dropped",
      steps: async (w) => { const r = w.held.renewal(); expect(await w.save()).toBe(true); w.end(); return w.renew(r); },
      want: { warned: false, notRenewed: true },
    },
    {
      reason: "another replica took the lease while the pass ran (a real loss)",
      steps: async (w) => { const r = w.held.renewal(); await w.steal(); return w.renew(r); },
      want: { warned: true, notRenewed: true },
    },
    {
      reason: "another replica took the lease, and the renewal ran before the pass ended",
      steps: async (w) => { await w.steal(); return w.renew(w.held.renewal()); },
      want: { warned: true, notRenewed: true },
    },
    {
      reason: "nothing raced: the lease is ours and is extended",
      steps: async (w) => w.renew(w.held.renewal()),
      want: { warned: false, notRenewed: false },
    },
  ];

  it.each(cases)("$reason", async ({ steps, want }) => {
    const w = await claimOne();
    const { warned, notRenewed } = await steps(w);
    // notRenewed is what the engine warned about before the fix: every lease the UPDATE did not extend.
    expect(notRenewed.includes(w.projectId)).toBe(want.notRenewed);
    expect(warned.includes(w.projectId)).toBe(want.warned);
  });

  it("a lease taken while the pass saves is not warned by the renewal: the refused save reports it instead", async () => {
    const w = await claimOne();
    const r = w.held.renewal();
    w.held.releasing(w.projectId);
    await w.steal();
    expect(await w.save()).toBe(false); // the engine logs "pass result dropped: lease lost"
    expect((await w.renew(r)).warned).toEqual([]);
  });
});
