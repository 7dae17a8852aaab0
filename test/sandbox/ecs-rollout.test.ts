// ECS deployments over time: a healthy rollout completes, an update drains the old deployment,
// a `fail…` image trips the circuit breaker and rolls back while the previous revision keeps
// serving, stopped tasks are replaced, and tasks cannot start without their log group.
import { describe, expect, it } from "vitest";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { SandboxFixture } from "./fixture.js";
import { preparedAccount, SERVICE } from "./ecs-setup.js";
import { ACCOUNT, REGION } from "./fixture.js";

const DELAY = 1000; // tasks become healthy in DELAY/2

describe("a healthy rollout", () => {
  const timeline = [
    { after: 0, running: 0, pending: 2, rollout: "IN_PROGRESS" },
    { after: DELAY * 0.35, running: 2, pending: 0, rollout: "IN_PROGRESS" },
    { after: DELAY * 0.5, running: 2, pending: 0, rollout: "COMPLETED" },
  ];
  it.each(timeline)("reads $running running / $pending pending, $rollout, $after ms after CreateService", async ({ after, running, pending, rollout }) => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("v1"));
    f.advance(after);
    const s = await a.service();
    expect([s.runningCount, s.pendingCount]).toEqual([running, pending]);
    expect(s.deployments!.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", rollout]]);
  });

  it("an update starts a new PRIMARY, keeps the old one serving, then drains it", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const v1 = await a.register("v1");
    await a.createService(v1);
    f.advance(DELAY);
    const v2 = await a.register("v2");
    await a.ecs.send(new UpdateServiceCommand({ cluster: "langgraph-cloud-cluster", service: SERVICE, taskDefinition: v2 }));
    const during = await a.service();
    expect(during.deployments!.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([
      ["PRIMARY", v2, "IN_PROGRESS"],
      ["ACTIVE", v1, "COMPLETED"],
    ]);
    expect(during.runningCount).toBe(2);
    f.advance(DELAY);
    const after = await a.service();
    expect(after.deployments!.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([["PRIMARY", v2, "COMPLETED"]]);
    expect(after.taskDefinition).toBe(v2);
    expect(after.events![0].message).toBe(`(service ${SERVICE}) has reached a steady state.`);
  });
});

describe("an image tagged fail…", () => {
  it("fails its deployment through the circuit breaker and ECS rolls back to the last completed revision", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const v1 = await a.register("v1");
    await a.createService(v1);
    f.advance(DELAY);
    const bad = await a.register("fail-health");
    await a.ecs.send(new UpdateServiceCommand({ cluster: "langgraph-cloud-cluster", service: SERVICE, taskDefinition: bad }));

    let sawFailed: { failedTasks?: number; rolloutStateReason?: string } | undefined;
    let minServing = Infinity;
    for (let elapsed = 0; elapsed < DELAY * 6; elapsed += 50) {
      f.advance(50);
      const s = await a.service();
      sawFailed ??= s.deployments!.find((d) => d.taskDefinition === bad && d.rolloutState === "FAILED");
      minServing = Math.min(minServing, s.runningCount!);
    }
    expect(sawFailed?.rolloutStateReason).toBe("ECS deployment circuit breaker: tasks failed to start.");
    expect(sawFailed?.failedTasks).toBeGreaterThanOrEqual(3);
    expect(minServing).toBeGreaterThanOrEqual(2); // the previous revision kept serving throughout

    const s = await a.service();
    expect(s.taskDefinition).toBe(v1);
    expect(s.deployments!.map((d) => [d.status, d.taskDefinition, d.rolloutState])).toEqual([["PRIMARY", v1, "COMPLETED"]]);
    const messages = s.events!.map((e) => e.message ?? "");
    expect(messages.some((m) => m.includes("deployment failed: tasks failed to start."))).toBe(true);
    expect(messages.some((m) => m.includes("rolling back to deployment"))).toBe(true);
  });

  it("without the circuit breaker keeps failing tasks, stays IN_PROGRESS and leaves the old revision serving", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const v1 = await a.register("v1");
    await a.createService(v1, { deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } } });
    f.advance(DELAY);
    await a.ecs.send(new UpdateServiceCommand({ cluster: "langgraph-cloud-cluster", service: SERVICE, taskDefinition: await a.register("fail-boot") }));
    f.advance(DELAY * 5);
    const s = await a.service();
    const [primary, old] = s.deployments!;
    expect(primary.rolloutState).toBe("IN_PROGRESS");
    expect(primary.failedTasks).toBeGreaterThanOrEqual(10);
    expect([old.taskDefinition, old.runningCount]).toEqual([v1, 2]);
  });

  it("as the first revision fails with nothing to roll back to", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("fail-first"), { desiredCount: 1 });
    f.advance(DELAY * 3);
    const s = await a.service();
    expect(s.deployments!.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", "FAILED"]]);
    expect(s.runningCount).toBe(0);
  });
});

describe("tasks stopped out of band", () => {
  it("drop the running count, then ECS replaces them", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("v1"));
    f.advance(DELAY);
    const stopped = await f.cloud.console.stopTasks(ACCOUNT, REGION, SERVICE, 1);
    expect(stopped).toHaveLength(1);
    expect((await a.service()).runningCount).toBe(1);
    f.advance(DELAY);
    const s = await a.service();
    expect(s.runningCount).toBe(2);
    expect(s.deployments![0].rolloutState).toBe("COMPLETED");
  });
});

describe("a task whose log group is missing", () => {
  it("fails to start with Fargate's ResourceInitializationError", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f, { logGroup: false });
    await a.createService(await a.register("v1"), { desiredCount: 1 });
    f.advance(DELAY * 2);
    const s = await a.service();
    expect(s.deployments![0].rolloutState).toBe("FAILED");
    expect(s.events!.some((e) => e.message?.includes("ResourceInitializationError: failed to validate logger args"))).toBe(true);
  });
});
