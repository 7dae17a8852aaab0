// The single outcome → (conditions, phase, schedule) mapping, one case per behaviour.
import { describe, expect, test } from "vitest";
import { accountResync } from "../../src/engine/backoff.js";
import { failedRollout, settle, type SettleInput } from "../../src/engine/outcomes.js";
import type { StepResult } from "../../reconcilers/pass.js";
import { blocked } from "../../reconcilers/contract.js";

const ok = (kind: string, condition: StepResult["condition"]): StepResult => ({ kind, condition, durationMs: 1, outcome: { kind: "done", reason: "Ok", message: "ok" } });
const allDone: StepResult[] = [
  ok("Credentials", "CredentialsValid"), ok("Network", "NetworkReady"), ok("Secret", "SecretsReady"), ok("DBInstance", "DatabaseReady"),
  ok("Cluster", "ServicesReady"), ok("LoadBalancer", "IngressReady"), ok("Service", "ServicesReady"), ok("Rollout", "ServicesReady"),
  ok("TargetGroup", "IngressReady"),
];
/** A pass that ran on its account's resync slot. */
const onSlot = accountResync(60_000, "111122223333", 0);
const base: Omit<SettleInput, "steps"> = { deleting: false, previousAttempts: 0, wasReady: false, resyncMs: 60_000, accountId: "111122223333", now: onSlot, random: () => 0.5 };
const cond = (s: ReturnType<typeof settle>, type: string) => s.conditions.find((c) => c.type === type)!;

describe("settle", () => {
  const cases: Array<{ reason: string; steps: StepResult[]; args?: Partial<SettleInput>; want: (s: ReturnType<typeof settle>) => void }> = [
    {
      reason: "every step done → Ready, all conditions True, due again on the account's slot one interval later",
      steps: allDone,
      want: (s) => {
        expect(s.phase).toBe("Ready");
        expect(s.conditions.map((c) => c.status)).toEqual(Array(8).fill("True"));
        expect(s.schedule).toEqual({ op: "resync", afterMs: 60_000, outcome: "success" });
      },
    },
    {
      reason: "DB creating → requeue after its delay, DatabaseReady False, later conditions Unknown, Synced True",
      steps: [...allDone.slice(0, 3), { kind: "DBInstance", condition: "DatabaseReady", durationMs: 1, outcome: { kind: "requeue", afterMs: 2000, reason: "Creating", message: "creating" } }],
      want: (s) => {
        expect(s.phase).toBe("Provisioning");
        expect(cond(s, "DatabaseReady")).toMatchObject({ status: "False", reason: "Creating" });
        expect(cond(s, "ServicesReady")).toMatchObject({ status: "Unknown", reason: "Waiting" });
        expect(cond(s, "Synced").status).toBe("True");
        expect(s.schedule).toEqual({ op: "requeue", afterMs: 2000, outcome: "requeue" });
      },
    },
    {
      reason: "transient error → backoff with attempts+1, the AWS code is the reason",
      steps: [...allDone.slice(0, 2), { kind: "Secret", condition: "SecretsReady", durationMs: 1, outcome: { kind: "error", code: "InternalFailure", message: "boom", throttled: false } }],
      args: { previousAttempts: 3 },
      want: (s) => {
        expect(s.schedule).toMatchObject({ op: "backoff", attempts: 4, outcome: "error" });
        expect(s.schedule.afterMs).toBe(8000); // random 0.5 × min(5 min, 1 s · 2^4)
        expect(cond(s, "SecretsReady")).toMatchObject({ status: "False", reason: "InternalFailure" });
        expect(cond(s, "Synced")).toMatchObject({ status: "False", reason: "InternalFailure" });
      },
    },
    {
      reason: "backoff is capped at 5 minutes",
      steps: [{ kind: "Credentials", condition: "CredentialsValid", durationMs: 1, outcome: { kind: "error", code: "ServiceUnavailable", message: "x", throttled: false } }],
      args: { previousAttempts: 40, random: () => 0.999999 },
      want: (s) => { expect(s.schedule.afterMs).toBeLessThanOrEqual(300_000); expect(s.schedule.afterMs).toBeGreaterThan(299_000); },
    },
    {
      reason: "terminal AccessDenied → Failed, condition carries the AWS code, slow retry capped at 15 minutes",
      steps: [{ kind: "Credentials", condition: "CredentialsValid", durationMs: 1, outcome: { kind: "terminal", code: "AccessDenied", failure: "denied", message: "AccessDenied: no" } }],
      args: { previousAttempts: 50, random: () => 0.999999 },
      want: (s) => {
        expect(s.phase).toBe("Failed");
        expect(cond(s, "CredentialsValid")).toMatchObject({ status: "False", reason: "AccessDenied" });
        expect(s.schedule.op).toBe("backoff");
        expect(s.schedule.afterMs).toBeLessThanOrEqual(900_000);
        expect(s.schedule.afterMs).toBeGreaterThan(800_000);
      },
    },
    {
      reason: "was Ready, now a step requeues → Degraded",
      steps: [...allDone.slice(0, 5), { kind: "Service", condition: "ServicesReady", durationMs: 1, outcome: { kind: "requeue", afterMs: 1000, reason: "Draining", message: "x" } }],
      args: { wasReady: true },
      want: (s) => { expect(s.phase).toBe("Degraded"); expect(cond(s, "ServicesReady").reason).toBe("Draining"); },
    },
    {
      reason: "was Ready, a change someone asked for is rolling out → Provisioning, not Degraded",
      steps: [...allDone.slice(0, 6), { kind: "Rollout", condition: "ServicesReady", durationMs: 1, outcome: { kind: "requeue", afterMs: 2000, reason: "RollingOut", message: "revision 2: 0/1" } }],
      args: { wasReady: true, changeRequested: true },
      want: (s) => { expect(s.phase).toBe("Provisioning"); expect(cond(s, "ServicesReady").reason).toBe("RollingOut"); expect(cond(s, "Ready").status).toBe("False"); },
    },
    {
      reason: "a requested change that fails for good → Failed, whatever was asked",
      steps: [{ kind: "Credentials", condition: "CredentialsValid", durationMs: 1, outcome: { kind: "terminal", code: "AccessDenied", failure: "denied", message: "denied" } }],
      args: { wasReady: true, changeRequested: true },
      want: (s) => { expect(s.phase).toBe("Failed"); },
    },
    {
      reason: "no revision yet → ServicesReady False AwaitingRevision, Synced True, not Ready",
      steps: [...allDone.slice(0, 6), { kind: "Rollout", condition: "ServicesReady", durationMs: 1, outcome: blocked("AwaitingRevision", "no revision", { afterMs: 60_000, synced: true }) }],
      want: (s) => {
        expect(cond(s, "ServicesReady")).toMatchObject({ status: "False", reason: "AwaitingRevision" });
        expect(cond(s, "Synced").status).toBe("True");
        expect(cond(s, "Ready").status).toBe("False");
        expect(s.phase).toBe("Provisioning");
      },
    },
    {
      reason: "Conflict → Synced False with reason Conflict, looked at again exactly when the step said (no cap)",
      steps: [...allDone.slice(0, 2), { kind: "Secret", condition: "SecretsReady", durationMs: 1, outcome: blocked("Conflict", "not ours", { afterMs: 600_000 }) }],
      want: (s) => { expect(cond(s, "Synced")).toMatchObject({ status: "False", reason: "Conflict" }); expect(s.schedule).toEqual({ op: "requeue", afterMs: 600_000, outcome: "requeue" }); },
    },
    {
      reason: "a permanent AWS refusal (validation) → Failed, the code is the reason of the condition and of Synced",
      steps: [...allDone.slice(0, 3), { kind: "DBInstance", condition: "DatabaseReady", durationMs: 1, outcome: { kind: "terminal", code: "InvalidParameterCombination", failure: "permanent", message: "update DBInstance lg-x: at least 10% greater" } }],
      want: (s) => {
        expect(s.phase).toBe("Failed");
        expect(cond(s, "DatabaseReady")).toMatchObject({ status: "False", reason: "InvalidParameterCombination" });
        expect(cond(s, "Synced")).toMatchObject({ status: "False", reason: "InvalidParameterCombination" });
        expect(s.schedule).toMatchObject({ op: "backoff", outcome: "terminal", attempts: 1 });
      },
    },
    {
      reason: "metric labels: each step's outcome kind, and the pass's schedule outcome",
      steps: [...allDone.slice(0, 3), { kind: "DBInstance", condition: "DatabaseReady", durationMs: 1, outcome: { kind: "requeue", afterMs: 2000, reason: "Creating", message: "creating" } }],
      want: (s) => {
        expect(s.labels.steps).toEqual([
          { kind: "Credentials", outcome: "done" }, { kind: "Network", outcome: "done" }, { kind: "Secret", outcome: "done" }, { kind: "DBInstance", outcome: "requeue" },
        ]);
        expect(s.labels.pass).toBe("requeue");
      },
    },
    {
      reason: "metric labels of a throttled failure: the step reads error, the pass backs off as error",
      steps: [{ kind: "Credentials", condition: "CredentialsValid", durationMs: 1, outcome: { kind: "error", code: "ThrottlingException", message: "slow down", throttled: true } }],
      want: (s) => { expect(s.labels).toEqual({ steps: [{ kind: "Credentials", outcome: "error" }], pass: "error" }); expect(s.schedule.op).toBe("backoff"); },
    },
    {
      reason: "the newest revision failed while an earlier one serves → Degraded, though every condition is True",
      steps: allDone,
      args: { wasReady: true, failedRollout: "serving" },
      want: (s) => { expect(s.phase).toBe("Degraded"); expect(cond(s, "ServicesReady").status).toBe("True"); },
    },
    {
      reason: "the newest revision failed and none ever served → Failed, not Provisioning",
      steps: [...allDone.slice(0, 6), { kind: "Rollout", condition: "ServicesReady", durationMs: 1, outcome: { kind: "blocked", synced: true, reason: "RolloutFailed", afterMs: 60_000, message: "revision 1 failed" } }],
      args: { failedRollout: "never-served" },
      want: (s) => { expect(s.phase).toBe("Failed"); expect(cond(s, "ServicesReady").reason).toBe("RolloutFailed"); },
    },
    {
      reason: "deleting → phase Deleting whatever the steps say",
      steps: allDone.slice(0, 2),
      args: { deleting: true },
      want: (s) => { expect(s.phase).toBe("Deleting"); },
    },
  ];
  test.each(cases)("$reason", ({ steps, args, want }) => want(settle({ ...base, ...args, steps })));
});

describe("failedRollout", () => {
  const revs = (...statuses: string[]) => statuses.map((status, i) => ({ number: statuses.length - i, status }));
  test.each([
    { reason: "newest deployed → nothing failed", revisions: revs("DEPLOYED", "DEPLOYED"), updates: [], want: undefined },
    { reason: "newest failed, an older one deployed → serving", revisions: revs("DEPLOY_FAILED", "SKIPPED", "DEPLOYED"), updates: [], want: "serving" },
    { reason: "the only revision failed → never-served", revisions: revs("DEPLOY_FAILED"), updates: [], want: "never-served" },
    { reason: "failed in this very pass (its update, not the loaded row, counts)", revisions: revs("DEPLOYING", "DEPLOYED"), updates: [{ number: 2, status: "DEPLOY_FAILED" }], want: "serving" },
    { reason: "a newer revision queued after a failure → nothing failed yet", revisions: revs("QUEUED", "DEPLOY_FAILED", "DEPLOYED"), updates: [], want: undefined },
    { reason: "no revisions → nothing failed", revisions: [], updates: [], want: undefined },
  ])("$reason", ({ revisions, updates, want }) => expect(failedRollout(revisions, updates)).toBe(want));
});
