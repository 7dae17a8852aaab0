// Claims, leases and wake-ups on a real Postgres: never two owners, expired leases are taken over,
// a write during a pass is not lost, and a replica that lost its lease cannot save.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import type { Store } from "../../src/store/db.js";
import { createSealer } from "../../src/store/crypto.js";
import { claimDue, claimDueProjects, releaseLeases, renewLeases } from "../../src/store/leases.js";
import { addRevision, createProject, requestReconcile } from "../../src/store/projects.js";
import { loadProjects, savePass } from "../../src/store/passes.js";
import { createTestStore } from "../support/db.js";

let store: Store;
let close: () => Promise<void>;
const sealer = createSealer([randomBytes(32)]);

async function newProject(name: string, account = "123456789012") {
  const { project } = await createProject(store, {
    name, region: "us-east-1", roleArn: `arn:aws:iam::${account}:role/r`, accountId: account, externalId: "x1",
    deploymentType: "dev", database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, engineVersion: "16" },
    resources: { api: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 }, queue: { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 } },
    env: {}, secretNames: [], sealedSecrets: sealer.seal(JSON.stringify({ secrets: {} })), deletionPolicy: "snapshot",
  });
  return project.id;
}

beforeAll(async () => { ({ store, close } = await createTestStore()); });
afterAll(async () => { await close?.(); });
beforeEach(async () => { await store.sql`DELETE FROM projects`; });

describe("claimDueProjects", () => {
  test("two owners claiming concurrently never get the same project", async () => {
    for (let i = 0; i < 40; i++) await newProject(`p-${i}`);
    const [a, b] = await Promise.all([claimDueProjects(store, "A", 30, 15_000), claimDueProjects(store, "B", 30, 15_000)]);
    const ids = [...a, ...b].map((c) => c.projectId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
  });

  test("a held lease is not claimed again until it expires; then another owner takes it over", async () => {
    await newProject("held");
    expect(await claimDueProjects(store, "A", 10, 15_000)).toHaveLength(1);
    expect(await claimDueProjects(store, "B", 10, 15_000)).toHaveLength(0);
    await store.sql`UPDATE leases SET expires_at = now() - interval '1 second'`;
    const taken = await claimDueProjects(store, "B", 10, 15_000);
    expect(taken).toHaveLength(1);
    const lost = await renewLeases(store, "A", [taken[0].projectId], 15_000);
    expect(lost.has(taken[0].projectId)).toBe(true);
  });

  test("a project not yet due is not claimed", async () => {
    await newProject("later");
    await store.sql`UPDATE leases SET due_at = now() + interval '1 hour'`;
    expect(await claimDueProjects(store, "A", 10, 15_000)).toHaveLength(0);
  });

  test("release returns leases so they are claimable at once", async () => {
    await newProject("rel");
    await claimDueProjects(store, "A", 10, 15_000);
    expect(await releaseLeases(store, "A")).toBe(1);
    expect(await claimDueProjects(store, "B", 10, 15_000)).toHaveLength(1);
  });
});

describe("claimDue: the next due time in the claim's own statement", () => {
  test("says when the first unclaimed project falls due, leaving out what it claimed", async () => {
    const now = await newProject("now");
    await newProject("soon");
    await store.sql`UPDATE leases SET due_at = now() + interval '30 seconds' WHERE project_id <> ${now}`;
    const { claims, nextDueMs } = await claimDue(store, "A", 10, 15_000);
    expect(claims.map((c) => c.projectId)).toEqual([now]);
    expect(nextDueMs).toBeGreaterThan(29_000);
    expect(nextDueMs).toBeLessThanOrEqual(30_000);
  });

  test("nothing left unclaimed: no next due time; a held lease does not count", async () => {
    await newProject("only");
    expect((await claimDue(store, "A", 10, 15_000)).nextDueMs).toBeUndefined();
    expect(await claimDue(store, "B", 10, 15_000)).toEqual({ claims: [], nextDueMs: undefined });
  });

  test("a full batch leaves the rest due now: the next due time is not in the future", async () => {
    for (let i = 0; i < 3; i++) await newProject(`full-${i}`);
    const { claims, nextDueMs } = await claimDue(store, "A", 2, 15_000);
    expect(claims).toHaveLength(2);
    expect(nextDueMs).toBeLessThanOrEqual(0);
  });
});

describe("loadProjects: one statement for the project and what hangs off it", () => {
  test("the newest 20 revisions newest first, conditions, resource status and open intents only", async () => {
    const id = await newProject("loaded");
    for (let n = 1; n <= 22; n++) await addRevision(store, id, `repo/app:v${n}`, { N: String(n) });
    await store.sql`INSERT INTO conditions (project_id, type, status, reason, message, observed_generation) VALUES (${id}, 'Ready', 'False', 'Waiting', 'm', 3)`;
    await store.sql`INSERT INTO resource_status (project_id, kind, name, arn, phase, last_error_code, last_error_message, attempts)
      VALUES (${id}, 'RDSInstance', 'lg-loaded', 'arn:db', 'available', 'Throttling', 'slow down', 2)`;
    await store.sql`INSERT INTO create_intents (project_id, kind, name, token) VALUES (${id}, 'ECSService', 'open', 't1')`;
    await store.sql`INSERT INTO create_intents (project_id, kind, name, token, resolved_at) VALUES (${id}, 'ECSService', 'done', 't2', now())`;
    const other = await newProject("empty");
    const loaded = await loadProjects(store, sealer, [id, other]);
    const p = loaded.get(id)!;
    expect(p.desired.revisions.map((r) => r.number)).toEqual(Array.from({ length: 20 }, (_, i) => 22 - i));
    expect(p.desired.revisions[0]).toMatchObject({ projectId: id, image: "repo/app:v22", env: { N: "22" }, status: "QUEUED" });
    expect(p.desired.revisions[0].createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(p.desired.revisions[0].createdAt.getTime())).toBe(false);
    expect(p.conditions.get("Ready")).toEqual({ status: "False", reason: "Waiting", message: "m", observedGeneration: 3 });
    expect(p.resources.get("RDSInstance|lg-loaded")).toEqual({ phase: "available", arn: "arn:db", code: "Throttling", message: "slow down", attempts: 2 });
    expect([...p.pendingIntents]).toEqual(["ECSService|open"]);
    const e = loaded.get(other)!;
    expect([e.desired.revisions.length, e.conditions.size, e.resources.size, e.pendingIntents.size]).toEqual([0, 0, 0, 0]);
  });
});

describe("savePass", () => {
  async function claimAndLoad(owner: string) {
    const [claim] = await claimDueProjects(store, owner, 1, 15_000);
    const loaded = (await loadProjects(store, sealer, [claim.projectId])).get(claim.projectId)!;
    return { claim, loaded };
  }
  const write = (owner: string, claim: { projectId: string; wakes: number }, generation: number) => ({
    owner, projectId: claim.projectId, seenWakes: claim.wakes, seenGeneration: generation, nextDueInMs: 3_600_000, attempts: 0,
    outcome: "success", phase: "Ready" as const, synced: true, conditions: [], observations: [], events: [], revisionUpdates: [], deleted: false,
  });

  test("a desired-state write during a pass leaves the project due instead of waiting for resync", async () => {
    const id = await newProject("woken");
    const { claim, loaded } = await claimAndLoad("A");
    await requestReconcile(store, id); // the API writes while the pass runs
    expect(await savePass(store, loaded, write("A", claim, 1))).toBe(true);
    const [row] = await store.sql`SELECT due_at <= now() AS due FROM leases WHERE project_id = ${id}`;
    expect(row.due).toBe(true);
  });

  test("without a write during the pass, the next pass is scheduled later", async () => {
    const id = await newProject("quiet");
    const { claim, loaded } = await claimAndLoad("A");
    await savePass(store, loaded, write("A", claim, 1));
    const [row] = await store.sql`SELECT due_at > now() + interval '50 minutes' AS later, owner FROM leases WHERE project_id = ${id}`;
    expect(row).toEqual({ later: true, owner: null });
  });

  test("a replica that lost its lease cannot save its result", async () => {
    const id = await newProject("fenced");
    const { claim, loaded } = await claimAndLoad("A");
    await store.sql`UPDATE leases SET expires_at = now() - interval '1 second'`;
    await claimDueProjects(store, "B", 1, 15_000);
    expect(await savePass(store, loaded, { ...write("A", claim, 1), phase: "Failed" })).toBe(false);
    const [p] = await store.sql`SELECT phase FROM projects WHERE id = ${id}`;
    expect(p.phase).toBe("Provisioning");
  });
});

test("a revision POSTed while a pass saves its result: both are written, in either order, never a deadlock", async () => {
  const id = await newProject("busy");
  for (let i = 0; i < 60; i++) {
    await store.sql`UPDATE leases SET due_at = now() - interval '1 second', owner = NULL, expires_at = NULL WHERE project_id = ${id}`;
    const [claim] = await claimDueProjects(store, "A", 1, 15_000);
    const loaded = (await loadProjects(store, sealer, [id])).get(id)!;
    const result = {
      owner: "A", projectId: id, seenWakes: claim.wakes, seenGeneration: 1, nextDueInMs: 60_000, attempts: 0, outcome: "success",
      phase: (i % 2 ? "Ready" : "Degraded") as "Ready" | "Degraded", synced: true, observations: [], revisionUpdates: [], deleted: false,
      conditions: [{ type: "Ready" as const, status: "True" as const, reason: "R", message: `pass ${i}` }],
      events: [{ type: "Normal" as const, reason: "Checked", message: `pass ${i}` }],
    };
    const [saved, revision] = await Promise.all([savePass(store, loaded, result), addRevision(store, id, `img:${i}`, {})]);
    expect(saved).toBe(true);
    expect(revision.number).toBe(i + 1);
  }
});
