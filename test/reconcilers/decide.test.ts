// Each resource kind's decide(): observation + desired state → changes and outcome, pure, one row per
// behaviour (reason, observation, want), as crossplane tests its ExternalClients. The sandbox and moto
// suites prove the AWS calls; these prove the decisions, including the ones that are hard to stage.
import { describe, expect, test } from "vitest";
import type { Service } from "@aws-sdk/client-ecs";
import type { DBInstance as RdsInstance } from "@aws-sdk/client-rds";
import { decideCluster } from "../../reconcilers/cluster.js";
import { decideDatabase, type DbWant } from "../../reconcilers/database.js";
import { decideLogGroup, RETENTION_DAYS } from "../../reconcilers/logGroup.js";
import { decideRevision, type DeploymentSeen } from "../../reconcilers/revision.js";
import { decideRollout } from "../../reconcilers/rollout.js";
import { decideEndpoint } from "../../reconcilers/secretEndpoint.js";
import { decideSecrets, type SecretsDesired } from "../../reconcilers/secrets.js";
import type { SecretState } from "../../reconcilers/secretValues.js";
import { decideServices, type ServiceSeen, type ServicesWant } from "../../reconcilers/serviceChanges.js";
import { decideTaskDefinitions, type TaskDefinitionSeen } from "../../reconcilers/taskDefinitions.js";
import type { Revision } from "../../src/model/project.js";

const PID = "00000000-0000-0000-0000-000000000001";
const OURS = { "langgraph-cloud": "p", "byoc:project-id": PID, "byoc:managed-by": "op" };
const verbs = (changes: Array<{ verb: string; resource: string }>) => changes.map((c) => `${c.verb} ${c.resource}`);

describe("cluster", () => {
  test.each([
    { reason: "active → nothing", o: { active: true, existed: true }, want: [] },
    { reason: "never existed → create, a Normal event", o: { active: false, existed: false }, want: ["create Normal"] },
    { reason: "INACTIVE (deleted out of band) → create, a Warning", o: { active: false, existed: true }, want: ["create Warning"] },
  ])("$reason", ({ o, want }) => {
    expect(decideCluster(o).changes.map((c) => `${c.verb} ${c.event?.type}`)).toEqual(want);
  });
});

describe("log group", () => {
  const base = { exists: true, retentionInDays: RETENTION_DAYS, retentionDenied: false, ranBefore: true };
  test.each([
    { reason: "as desired → nothing", o: base, want: [] },
    { reason: "missing, never ran → create (Normal)", o: { ...base, exists: false, ranBefore: false }, want: ["create Normal"] },
    { reason: "missing after tasks logged to it → create (Warning: its logs are gone)", o: { ...base, exists: false }, want: ["create Warning"] },
    { reason: "retention drifted → update with the diff", o: { ...base, retentionInDays: 7 }, want: ["update Normal retentionInDays 7→30"] },
    { reason: "never expire → update", o: { ...base, retentionInDays: undefined }, want: ["update Normal retentionInDays never expire→30"] },
    { reason: "retention drifted but the role may not set it → nothing (no loop)", o: { ...base, retentionInDays: 7, retentionDenied: true }, want: [] },
  ])("$reason", ({ o, want }) => {
    const got = decideLogGroup(o).changes.map((c) => [`${c.verb} ${c.event?.type}`, ...(c.diffs ?? []).map((d) => `${d.field} ${d.actual}→${d.desired}`)].join(" "));
    expect(got).toEqual(want);
  });
});

describe("secrets", () => {
  const names = { postgres: "langgraph-cloud/p/postgres", env: "langgraph-cloud/p/env" };
  const want: SecretsDesired = { projectId: PID, tags: OURS, env: { K: "v" }, externalUri: undefined, resyncMs: 60_000 };
  const secret = (name: string, value: Record<string, unknown>, extra: Partial<SecretState> = {}): SecretState => ({
    name, arn: `arn:${name}`, tags: OURS, deletedAt: undefined, createdAt: 1000, passwordAppliedAt: 0, interrupted: false, value: { parsed: value, createdAt: 2000 }, ...extra,
  });
  const pg = { username: "langgraph", password: "pw", host: "db", port: 5432, dbname: "langgraph", uri: "postgres://x" };
  const both = { postgres: secret(names.postgres, pg), env: secret(names.env, { K: "v" }) };
  test.each([
    { reason: "both in sync → nothing, done, changedAt from AWS's value timestamps", o: both, w: want, changes: [], after: "done SecretsInSync", changedAt: 2000 },
    { reason: "none yet → two creates, requeue until they exist", o: { postgres: undefined, env: undefined }, w: want, changes: ["create langgraph-cloud/p/postgres", "create langgraph-cloud/p/env"], after: "requeue Creating", changedAt: 0 },
    { reason: "one scheduled for deletion → restore, requeue", o: { ...both, env: secret(names.env, {}, { deletedAt: new Date(0), value: undefined }) }, w: want, changes: ["restore langgraph-cloud/p/env"], after: "requeue Creating", changedAt: 0 },
    { reason: "someone else's → Conflict, nothing changed", o: { ...both, env: secret(names.env, {}, { tags: { "byoc:project-id": "other" } }) }, w: want, changes: [], after: "blocked Conflict", changedAt: 0 },
    { reason: "a tag removed → tag it back", o: { ...both, env: secret(names.env, { K: "v" }, { tags: { ...OURS, "langgraph-cloud": "x" } }) }, w: want, changes: ["tag langgraph-cloud/p/env"], after: "done SecretsInSync", changedAt: 2000 },
    { reason: "env value differs → write it; changedAt: now (the services redeploy)", o: { ...both, env: secret(names.env, { K: "old" }) }, w: want, changes: ["update langgraph-cloud/p/env"], after: "done SecretsInSync", changedAt: Number.POSITIVE_INFINITY },
    { reason: "an interrupted create → adopt", o: { ...both, postgres: secret(names.postgres, pg, { interrupted: true }) }, w: want, changes: ["adopt langgraph-cloud/p/postgres"], after: "done SecretsInSync", changedAt: 2000 },
    { reason: "external database URI changed → write the postgres secret", o: both, w: { ...want, externalUri: "postgres://u:p@ext:5432/db" }, changes: ["update langgraph-cloud/p/postgres"], after: "done SecretsInSync", changedAt: Number.POSITIVE_INFINITY },
  ])("$reason", ({ o, w, changes, after, changedAt }) => {
    const d = decideSecrets(o, w, names);
    expect(verbs(d.changes)).toEqual(changes);
    expect(`${d.after.kind} ${"reason" in d.after ? d.after.reason : ""}`).toBe(after);
    expect(d.changedAt).toBe(changedAt);
  });
  test("a differing env value is reported by key name only, never its value", () => {
    const d = decideSecrets({ ...both, env: secret(names.env, { K: "hunter2", OLD: "s3cret" }) }, want, names);
    const shown = JSON.stringify(d.changes.map(({ verb, reason, diffs, event }) => ({ verb, reason, diffs, event })));
    expect(shown).toContain("K (value differs), OLD (not in the spec)");
    expect(shown).not.toMatch(/hunter2|s3cret/);
  });
});

describe("database", () => {
  const want: DbWant = {
    id: "lg-p", secretName: "langgraph-cloud/p/postgres", projectId: PID, tags: OURS, pollMs: 1000, resyncMs: 60_000,
    db: { DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, EngineVersion: "16", MultiAZ: false, BackupRetentionPeriod: 1, DeletionProtection: false },
  };
  const secret = { arn: "arn:pg", value: { username: "u", password: "pw", host: "", port: 5432, dbname: "d", uri: "" }, createdAt: 1000, passwordAppliedAt: 0 };
  const available: RdsInstance = {
    DBInstanceIdentifier: "lg-p", DBInstanceArn: "arn:db", DBInstanceStatus: "available", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, EngineVersion: "16.4",
    MultiAZ: false, BackupRetentionPeriod: 1, DeletionProtection: false, InstanceCreateTime: new Date(5000), Endpoint: { Address: "db.host", Port: 5432 },
    TagList: Object.entries(OURS).map(([Key, Value]) => ({ Key, Value })),
  };
  test.each([
    { reason: "absent, secret readable → create, requeue Creating", db: undefined, s: secret, changes: ["create lg-p"], after: "requeue Creating" },
    { reason: "absent, secret holds an endpoint → it was deleted: recreate (Warning)", db: undefined, s: { ...secret, value: { ...secret.value, host: "old" } }, changes: ["create lg-p"], after: "requeue Recreating" },
    { reason: "absent, secret unreadable → wait, nothing created", db: undefined, s: { ...secret, value: undefined }, changes: [], after: "requeue WaitingForSecret" },
    { reason: "available and as desired → nothing, done", db: available, s: secret, changes: [], after: "done Available" },
    { reason: "someone else's → Conflict", db: { ...available, TagList: [] }, s: secret, changes: [], after: "blocked Conflict" },
    { reason: "stopped → start it", db: { ...available, DBInstanceStatus: "stopped" }, s: secret, changes: ["start lg-p"], after: "requeue Starting" },
    { reason: "cannot serve (rebooting) → wait", db: { ...available, DBInstanceStatus: "rebooting" }, s: secret, changes: [], after: "requeue Busy" },
    { reason: "cannot serve (upgrading) → wait", db: { ...available, DBInstanceStatus: "upgrading" }, s: secret, changes: [], after: "requeue Busy" },
    { reason: "busy but serving (modifying) → done, later steps go ahead", db: { ...available, DBInstanceStatus: "modifying" }, s: secret, changes: [], after: "done Modifying" },
    { reason: "busy but serving (backing-up) → done", db: { ...available, DBInstanceStatus: "backing-up" }, s: secret, changes: [], after: "done BackingUp" },
    { reason: "busy but serving (configuring-enhanced-monitoring) → done", db: { ...available, DBInstanceStatus: "configuring-enhanced-monitoring" }, s: secret, changes: [], after: "done ConfiguringEnhancedMonitoring" },
    { reason: "backing-up without an endpoint → wait", db: { ...available, DBInstanceStatus: "backing-up", Endpoint: undefined }, s: secret, changes: [], after: "requeue Busy" },
    { reason: "class drifted → modify; it serves meanwhile", db: { ...available, DBInstanceClass: "db.t4g.large" }, s: secret, changes: ["update lg-p"], after: "done Modifying" },
    { reason: "engine 16 asked, 16.4 runs → nothing", db: available, s: secret, changes: [], after: "done Available" },
    { reason: "engine 17 asked, 16.4 runs → upgrade, wait while it upgrades", db: available, s: secret, w: { ...want, db: { ...want.db, EngineVersion: "17" } }, changes: ["update lg-p"], after: "requeue Upgrading" },
    { reason: "a pending class change already asked for → nothing", db: { ...available, DBInstanceClass: "db.t4g.large", PendingModifiedValues: { DBInstanceClass: "db.t4g.micro" } }, s: secret, changes: [], after: "done Available" },
    { reason: "storage larger than the spec → cannot shrink: blocked, nothing attempted", db: { ...available, AllocatedStorage: 50 }, s: secret, changes: [], after: "blocked CannotShrinkStorage" },
    { reason: "the secret is newer than the instance → reset the master password", db: { ...available, InstanceCreateTime: new Date(500) }, s: secret, changes: ["update lg-p"], after: "done Available" },
    { reason: "the reset was applied since → nothing", db: { ...available, InstanceCreateTime: new Date(500) }, s: { ...secret, passwordAppliedAt: 2000 }, changes: [], after: "done Available" },
  ])("$reason", ({ db, s, changes, after, ...rest }) => {
    const w = "w" in rest ? (rest.w as DbWant) : undefined;
    const d = decideDatabase(db, s, w ?? want);
    expect(verbs(d.changes)).toEqual(changes);
    expect(`${d.after.kind} ${"reason" in d.after ? d.after.reason : ""}`).toBe(after);
  });
  test.each([
    { reason: "16.4 → 17: a major upgrade, AllowMajorVersionUpgrade", want: "17", major: true },
    { reason: "16.4 → 16.6: a minor upgrade", want: "16.6", major: false },
    { reason: "16.4 → 15: asked as it is (RDS refuses a downgrade with its code)", want: "15", major: true },
  ])("engine: $reason", ({ want: v, major }) => {
    const d = decideDatabase(available, secret, { ...want, db: { ...want.db, EngineVersion: v } });
    expect(d.changes[0]).toMatchObject({ op: "modify", fields: { EngineVersion: v }, majorUpgrade: major, diffs: [{ field: "EngineVersion", actual: "16.4", desired: v }] });
  });
  test("cannot shrink: one Warning to record, with what to set", () => {
    const d = decideDatabase({ ...available, AllocatedStorage: 50 }, secret, want);
    expect(d.events).toEqual([expect.objectContaining({ type: "Warning", reason: "CannotShrinkStorage", repeats: true, message: expect.stringContaining("allocatedStorageGb ≥ 50") })]);
  });
});

describe("the postgres secret's endpoint", () => {
  const names = { secret: "langgraph-cloud/p/postgres", db: "lg-p" };
  const s = { username: "u", password: "pw", host: "", port: 5432, dbname: "d", uri: "" };
  test.each([
    { reason: "no endpoint yet → nothing", secret: s, endpoint: undefined, want: undefined },
    { reason: "first endpoint → published (EndpointPublished)", secret: s, endpoint: { host: "h", port: 5432 }, want: "EndpointPublished" },
    { reason: "moved → repaired (DriftRepaired)", secret: { ...s, host: "old", uri: "x" }, endpoint: { host: "h", port: 5432 }, want: "DriftRepaired" },
    { reason: "in place → nothing", secret: { ...s, host: "h", uri: "postgres://u:pw@h:5432/d?sslmode=require" }, endpoint: { host: "h", port: 5432 }, want: undefined },
    { reason: "in place but without sslmode=require (written before TLS was asked) → rewritten", secret: { ...s, host: "h", uri: "postgres://u:pw@h:5432/d" },
      endpoint: { host: "h", port: 5432 }, want: "DriftRepaired" },
  ])("$reason", ({ secret, endpoint, want }) => {
    const d = decideEndpoint(secret, endpoint, names);
    expect(d.change?.event?.reason).toBe(want);
    if (want) expect(d.value).toMatchObject({ host: "h", uri: "postgres://u:pw@h:5432/d?sslmode=require" });
    if (want) expect(JSON.stringify(d.change)).not.toContain("pw");
  });
});

const rev = (number: number, status: Revision["status"]): Revision => ({ id: `r${number}`, projectId: PID, number, image: `img:${number}`, env: {}, status, message: "", createdAt: new Date(0) });

describe("revision (the target)", () => {
  const dep = (status: string, rolloutState: string, revision: number): DeploymentSeen => ({ service: "lg-p-api", status, rolloutState: rolloutState as never, rolloutStateReason: "tasks failed", revision });
  test.each([
    { reason: "no revision → no target", revisions: [], deps: [], target: undefined, changes: [] },
    { reason: "newest QUEUED → it is the target", revisions: [rev(2, "QUEUED"), rev(1, "DEPLOYED")], deps: [], target: 2, changes: [] },
    { reason: "newest DEPLOY_FAILED → the last DEPLOYED", revisions: [rev(2, "DEPLOY_FAILED"), rev(1, "DEPLOYED")], deps: [], target: 1, changes: [] },
    { reason: "DEPLOYING, a deployment of it FAILED → DEPLOY_FAILED, target the last DEPLOYED", revisions: [rev(2, "DEPLOYING"), rev(1, "DEPLOYED")], deps: [dep("ACTIVE", "FAILED", 2)], target: 1, changes: ["transition revision 2"] },
    { reason: "DEPLOYING, PRIMARY runs an older one again (rolled back) → DEPLOY_FAILED", revisions: [rev(2, "DEPLOYING"), rev(1, "DEPLOYED")], deps: [dep("PRIMARY", "COMPLETED", 1)], target: 1, changes: ["transition revision 2"] },
    { reason: "DEPLOYING, PRIMARY is it, in progress → still the target", revisions: [rev(2, "DEPLOYING"), rev(1, "DEPLOYED")], deps: [dep("PRIMARY", "IN_PROGRESS", 2)], target: 2, changes: [] },
  ])("$reason", ({ revisions, deps, target, changes }) => {
    const d = decideRevision(revisions, deps);
    expect(d.target?.number).toBe(target);
    expect(verbs(d.changes)).toEqual(changes);
  });
});

describe("task definitions", () => {
  const seen = (extra: Partial<TaskDefinitionSeen> = {}): TaskDefinitionSeen => ({ role: "api", family: "lg-p-api", hash: "h", registered: undefined, active: 1, deregistered: undefined, ...extra });
  test.each([
    { reason: "registered with this spec → nothing", s: [seen({ registered: "arn:td/lg-p-api:3" })], want: [] },
    { reason: "not registered → register", s: [seen()], want: ["create lg-p-api"] },
    { reason: "the family is full → register and prune", s: [seen({ active: 5 })], want: ["create lg-p-api", "prune lg-p-api"] },
    { reason: "the running one was deregistered out of band → register again, the diff says so", s: [seen({ deregistered: "arn:td/lg-p-api:3" })], want: ["create lg-p-api status INACTIVE (lg-p-api:3)→ACTIVE"] },
  ])("$reason", ({ s, want }) => {
    const got = decideTaskDefinitions(s, rev(1, "QUEUED"), () => "img:1").map((c) => [`${c.verb} ${c.resource}`, ...(c.diffs ?? []).map((d) => `${d.field} ${d.actual}→${d.desired}`)].join(" "));
    expect(got).toEqual(want);
  });
});

const TG = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/lg-p/0123456789abcdef";

describe("services", () => {
  const td = { api: { family: "lg-p-api", arn: "arn:td/lg-p-api:2" }, queue: { family: "lg-p-queue", arn: "arn:td/lg-p-queue:2" }, redis: { family: "lg-p-redis", arn: "arn:td/lg-p-redis:1" } };
  const want: ServicesWant = {
    projectId: PID, tags: OURS, desiredCount: () => 1, desiredRange: () => undefined, taskDefinitions: td, target: rev(2, "DEPLOYED"), secretsChangedAt: 0,
    ranBefore: true, healGraceMs: 60_000, redisRegistry: { arn: "arn:sd/srv-1", detach: false }, pollMs: 1000, resyncMs: 60_000, now: 1_000_000, targetGroupArn: TG,
  };
  const redisExtra = (role: string): Partial<Service> => (role === "redis" ? {
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 100, minimumHealthyPercent: 0 },
    serviceRegistries: [{ registryArn: "arn:sd/srv-1" }],
  } : {});
  const svc = (role: "api" | "queue" | "redis", extra: Partial<Service> = {}): Service => ({
    serviceName: `lg-p-${role}`, serviceArn: `arn:svc/lg-p-${role}`, status: "ACTIVE", taskDefinition: td[role].arn, desiredCount: 1, runningCount: 1,
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } }, tags: Object.entries(OURS).map(([key, value]) => ({ key, value })),
    deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", createdAt: new Date(500_000), taskDefinition: td[role].arn }], ...redisExtra(role),
    ...(role === "api" ? { loadBalancers: [{ targetGroupArn: TG, containerName: "api", containerPort: 8000 }], healthCheckGracePeriodSeconds: 120 } : {}),
    ...extra,
  });
  const seenOf = (services: Partial<Record<"api" | "queue" | "redis", Service>>, extra: Partial<ServiceSeen> = {}): ServiceSeen[] =>
    (["api", "queue", "redis"] as const).map((role) => ({ role, name: `lg-p-${role}`, service: services[role], interrupted: false, belowSince: undefined, ...extra }));
  const all = { api: svc("api"), queue: svc("queue"), redis: svc("redis") };
  test.each([
    { reason: "all as desired → nothing", seen: seenOf(all), w: want, changes: [], after: "done" },
    { reason: "none yet, never ran → create redis first; api and queue wait for it", seen: seenOf({}), w: { ...want, ranBefore: false }, changes: ["create lg-p-redis"], after: "requeue AwaitingRedis" },
    { reason: "redis created but not running yet → api and queue still wait", seen: seenOf({ redis: svc("redis", { runningCount: 0 }) }), w: { ...want, ranBefore: false }, changes: [], after: "requeue AwaitingRedis" },
    { reason: "redis running → create api and queue", seen: seenOf({ redis: svc("redis") }), w: { ...want, ranBefore: false }, changes: ["create lg-p-api", "create lg-p-queue"], after: "done" },
    { reason: "redis moving to a new task definition → api's move waits, redis's goes ahead", seen: seenOf({ ...all, api: svc("api", { taskDefinition: "arn:td/lg-p-api:1" }), redis: svc("redis", { taskDefinition: "arn:td/lg-p-redis:0" }) }), w: want, changes: ["update lg-p-redis"], after: "requeue AwaitingRedis" },
    { reason: "redis not registered in Cloud Map (out of band) → update its serviceRegistries", seen: seenOf({ ...all, redis: svc("redis", { serviceRegistries: [] }) }), w: want, changes: ["update lg-p-redis serviceRegistries (none)→arn:sd/srv-1"], after: "done" },
    { reason: "redis allowed two tasks at once (maximumPercent 200) → repaired", seen: seenOf({ ...all, redis: svc("redis", { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 } }) }), w: want, changes: ["update lg-p-redis deploymentConfiguration.maximumPercent 200→100 deploymentConfiguration.minimumHealthyPercent 100→0"], after: "done" },
    { reason: "the registry must be recreated → redis detached from it", seen: seenOf(all), w: { ...want, redisRegistry: { arn: "arn:sd/srv-1", detach: true } }, changes: ["update lg-p-redis serviceRegistries arn:sd/srv-1→(none)"], after: "done" },
    { reason: "a count drifted → update it", seen: seenOf({ ...all, queue: svc("queue", { desiredCount: 3 }) }), w: want, changes: ["update lg-p-queue"], after: "done" },
    { reason: "a foreign service of our name → Conflict, nothing else", seen: seenOf({ ...all, api: svc("api", { tags: [] }) }), w: want, changes: [], after: "blocked" },
    { reason: "draining after an out-of-band delete → wait", seen: seenOf({ ...all, api: svc("api", { status: "DRAINING" }) }), w: want, changes: [], after: "requeue" },
    { reason: "a secret changed after the deployment started → redeploy api and queue, not redis", seen: seenOf(all), w: { ...want, secretsChangedAt: 900_000 }, changes: ["redeploy lg-p-api", "redeploy lg-p-queue"], after: "done" },
    { reason: "api below desired, within the grace → wait, no redeploy", seen: seenOf({ ...all, api: svc("api", { runningCount: 0 }) }).map((x) => (x.role === "api" ? { ...x, belowSince: 990_000 } : x)), w: want, changes: [], after: "requeue" },
    { reason: "api below desired past the grace → redeploy", seen: seenOf({ ...all, api: svc("api", { runningCount: 0 }) }).map((x) => (x.role === "api" ? { ...x, belowSince: 1 } : x)), w: want, changes: ["redeploy lg-p-api"], after: "requeue" },
    { reason: "no revision yet → only redis", seen: seenOf({}), w: { ...want, ranBefore: false, taskDefinitions: { redis: td.redis }, target: undefined }, changes: ["create lg-p-redis"], after: "done" },
  ])("$reason", ({ seen, w, changes, after }) => {
    const d = decideServices(seen, w);
    const withDiffs = (c: (typeof d.changes)[number]) => [`${c.verb} ${c.resource}`, ...(c.resource === "lg-p-redis" && c.verb === "update"
      ? (c.diffs ?? []).map((x) => `${x.field} ${x.actual}→${x.desired}`) : [])].join(" ");
    expect(d.changes.map((c) => (changes.some((x) => x.includes("→")) ? withDiffs(c) : `${c.verb} ${c.resource}`))).toEqual(changes);
    expect(after.includes(" ") ? `${d.after.kind} ${"reason" in d.after ? d.after.reason : ""}` : d.after.kind).toBe(after);
  });
  const scaled: ServicesWant = { ...want, desiredRange: (role) => (role === "queue" ? { min: 1, max: 5 } : undefined) };
  const counts = (d: ReturnType<typeof decideServices>) =>
    d.changes.map((c) => `${c.verb} ${c.resource} ${c.op === "update" ? c.desiredCount : ""} ${(c.diffs ?? []).map((x) => `${x.field} ${x.actual}→${x.desired}`)}`.trim());
  test.each([
    { reason: "autoscaled, the autoscaler set 3 of [1, 5] → not drift", queue: svc("queue", { desiredCount: 3 }), w: scaled, want: [] },
    { reason: "autoscaled, 7 is above [1, 5] → brought back to 5", queue: svc("queue", { desiredCount: 7 }), w: scaled, want: ["update lg-p-queue 5 desiredCount 7→5"] },
    { reason: "autoscaled, 0 is below [1, 5] → brought back to 1", queue: svc("queue", { desiredCount: 0 }), w: scaled, want: ["update lg-p-queue 1 desiredCount 0→1"] },
    {
      reason: "autoscaled at 4, a new task definition → UpdateService without desiredCount", w: { ...scaled, target: rev(3, "QUEUED") },
      queue: svc("queue", { desiredCount: 4, taskDefinition: "arn:td/lg-p-queue:1" }), want: ["update lg-p-queue undefined taskDefinition lg-p-queue:1→lg-p-queue:2"],
    },
    { reason: "fixed count, 3 instead of 1 → set to 1 (as before)", queue: svc("queue", { desiredCount: 3 }), w: want, want: ["update lg-p-queue 1 desiredCount 3→1"] },
  ])("$reason", ({ queue, w, want: expected }) => {
    expect(counts(decideServices(seenOf({ ...all, queue }), w))).toEqual(expected);
  });
  test("a registration made by this pass in a dry run: the diff names the family, never an ARN", () => {
    const d = decideServices(seenOf(all), { ...want, target: rev(3, "QUEUED"), taskDefinitions: { ...td, api: { family: "lg-p-api", arn: undefined } } });
    expect(d.changes[0]).toMatchObject({ verb: "update", resource: "lg-p-api", reason: "roll out revision 3", diffs: [{ field: "taskDefinition", actual: "lg-p-api:2", desired: "lg-p-api (registered by this pass)" }] });
  });
});

describe("rollout", () => {
  const tds = { api: { family: "lg-p-api", arn: "arn:td/a:2" }, queue: { family: "lg-p-queue", arn: "arn:td/q:2" } };
  const svc = (td: string, rolloutState: string, running = 1): Service => ({ serviceName: "s", desiredCount: 1, runningCount: running, deployments: [{ status: "PRIMARY", taskDefinition: td, rolloutState: rolloutState as never, rolloutStateReason: "boom" }] });
  const services = (api: Service, queue: Service) => new Map([["api", api], ["queue", queue]] as const);
  const input = (revisions: Revision[], api: Service, queue: Service) => ({ revision: { target: revisions.find((r) => r.status !== "DEPLOY_FAILED"), revisions, running: { byRole: new Map(), clusterMissing: false } }, taskDefinitions: tds, services: services(api, queue) });
  const w = { pollMs: 1000, resyncMs: 60_000, apiService: "lg-p-api" };
  test.each([
    { reason: "QUEUED, not on target yet → DEPLOYING, requeue", i: input([rev(2, "QUEUED"), rev(1, "DEPLOYED")], svc("arn:td/a:1", "COMPLETED"), svc("arn:td/q:1", "COMPLETED")), changes: ["transition revision 2 QUEUED→DEPLOYING"], after: "requeue" },
    { reason: "on target and complete → DEPLOYED, done", i: input([rev(2, "DEPLOYING"), rev(1, "DEPLOYED")], svc("arn:td/a:2", "COMPLETED"), svc("arn:td/q:2", "COMPLETED")), changes: ["transition revision 2 DEPLOYING→DEPLOYED"], after: "done" },
    { reason: "already DEPLOYED and complete → nothing", i: input([rev(2, "DEPLOYED")], svc("arn:td/a:2", "COMPLETED"), svc("arn:td/q:2", "COMPLETED")), changes: [], after: "done" },
    { reason: "on target and FAILED → DEPLOY_FAILED, blocked RolloutFailed", i: input([rev(2, "DEPLOYING")], svc("arn:td/a:2", "FAILED"), svc("arn:td/q:2", "IN_PROGRESS")), changes: ["transition revision 2 DEPLOYING→DEPLOY_FAILED"], after: "blocked" },
    { reason: "older unfinished revisions are superseded", i: input([rev(3, "QUEUED"), rev(2, "DEPLOYING"), rev(1, "QUEUED")], svc("arn:td/a:1", "COMPLETED"), svc("arn:td/q:1", "COMPLETED")), changes: ["transition revision 2 DEPLOYING→INTERRUPTED", "transition revision 1 QUEUED→SKIPPED", "transition revision 3 QUEUED→DEPLOYING"], after: "requeue" },
    { reason: "no revision → blocked AwaitingRevision (Synced)", i: input([], svc("x", "COMPLETED"), svc("y", "COMPLETED")), changes: [], after: "blocked" },
  ])("$reason", ({ i, changes, after }) => {
    const d = decideRollout(i, w);
    expect(d.changes.map((c) => `${c.verb} ${c.resource} ${c.diffs?.[0].actual}→${c.diffs?.[0].desired}`)).toEqual(changes);
    expect(d.after.kind).toBe(after);
  });
});
