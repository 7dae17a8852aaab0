// Failing tasks explained: a revision whose container exits (the sandbox's `fail` image tag) gets its
// stoppedReason, exit code and last log lines into the rollout's message and one TaskFailed Warning per
// task, with secret values redacted; a healthy project's passes read no stopped tasks at all.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { PassResult } from "../../reconcilers/pass.js";
import { describeFailure, redact } from "../../reconcilers/taskFailures.js";
import { createDesiredProject, passPlace, type PassPlace } from "../support/pass-context.js";

describe("redact", () => {
  test.each([
    { reason: "a value anywhere in a line", text: "connecting with sk-live-123456", secrets: ["sk-live-123456"], want: "connecting with ***" },
    { reason: "the longer of two overlapping values whole", text: "pw=abcd1234xyz", secrets: ["abcd", "abcd1234xyz"], want: "pw=***" },
    { reason: "nothing to hide → unchanged", text: "plain line", secrets: ["secret-value"], want: "plain line" },
  ])("$reason", ({ text, secrets, want }) => { expect(redact(text, secrets)).toBe(want); });
  test("a failure reads as stoppedReason, exit code, reason and last lines", () => {
    expect(describeFailure({ taskId: "t1", container: "api", stoppedReason: "Essential container in task exited", exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage", lines: ["a", "b"] }))
      .toBe("task t1 stopped: Essential container in task exited; container api exited 137 (OutOfMemoryError: Container killed due to memory usage); last lines: a | b");
  });
});

describe("passes over the sandbox", () => {
  const WHERE = { account: "535353535353", region: "us-east-1", operatorId: "tf", sandbox: { delayMs: 20, seed: 13 } };
  let at: PassPlace;
  const rolloutOf = (r: PassResult) => r.steps.find((s) => s.kind === "Rollout")?.outcome;

  beforeAll(async () => { at = await passPlace(WHERE); }, 60_000);
  afterAll(async () => { await at?.close(); });

  test("a revision whose container exits: the message and one TaskFailed event per task name the cause; no secret shows", async () => {
    const p = await createDesiredProject(at, "tfail");
    p.revisions[0].image = p.revisions[0].image.replace(/:v1$/, ":fail-1");
    const results: PassResult[] = [];
    let message = "";
    for (let i = 0; i < 300 && !/stopped: /.test(message); i++) {
      const r = await at.pass(p);
      results.push(r);
      const o = rolloutOf(r);
      message = o && "message" in o ? o.message : "";
      await new Promise((res) => setTimeout(res, 25));
    }
    expect(message).toMatch(/task [0-9a-f]+ stopped: Task failed container health checks; container (api|queue) exited 1/);
    for (let i = 0; i < 5; i++) results.push(await at.pass(p));
    const failed = results.flatMap((r) => r.events).filter((e) => e.reason === "TaskFailed");
    expect(failed.length).toBeGreaterThan(0);
    const ids = failed.map((e) => /task ([0-9a-f]+)/.exec(e.message)![1]);
    expect(new Set(ids).size).toBe(ids.length);
    const everything = JSON.stringify(results.map((r) => [r.events, r.steps]));
    const pg = JSON.parse((Object.values((await at.state()).secrets.secrets).find((s) => s.name.endsWith("tfail/postgres"))!
      .versions.find((v) => v.stages.includes("AWSCURRENT"))!.value!)) as { password: string };
    expect(everything).not.toContain(pg.password);
  });

  test("a Ready project's pass reads no stopped tasks", async () => {
    const p = await createDesiredProject(at, "tok");
    await at.untilReady(p);
    at.sandbox.calls.reset();
    await at.pass(p);
    expect([at.sandbox.calls.count("ecs:ListTasks"), at.sandbox.calls.count("ecs:DescribeTasks")]).toEqual([0, 0]);
  });
});
