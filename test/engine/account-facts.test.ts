// What a no-drift pass of a project alone in its account reads (issue 17): each AWS service it uses once,
// the customer's prerequisites (VPC, subnets, security groups, DB subnet group) and the cluster kept for
// 15–20 minutes (a spread fixed per account) and dropped by a failed pass, a secret value read again only when ListSecrets says it
// changed. Real SDK clients over the sandbox, real Postgres; the pass cache runs on a clock the test
// moves, so "an interval later" is exact and no assertion depends on timing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { projectNames } from "../../src/cloud/names.js";
import { TtlCache } from "../../src/engine/cache.js";
import { forgetAccountFacts } from "../../src/engine/engine.js";
import type { PassResult } from "../../reconcilers/pass.js";
import { accountFactTtlMs } from "../../reconcilers/contract.js";
import { RUNNING_REGISTRATION_INTERVALS } from "../../reconcilers/taskDefinitions.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createDesiredProject, isReady as allDone, passPlace, type PassPlace } from "../support/pass-context.js";

const REGION = "eu-west-1";
const RESYNC = 60_000;
let offset = 0;
const cache = new TtlCache(undefined, () => Date.now() + offset);
let at: PassPlace;
let p: DesiredProject;

const pass = () => at.pass(p);
/** The operations one pass made, sorted (the health reading every 5 min aside). */
async function callsOfOnePass(): Promise<{ result: PassResult; ops: string[] }> {
  at.sandbox.calls.reset();
  const result = await pass();
  const ops = at.sandbox.calls.entries.map((c) => `${c.service}:${c.operation}`).filter((op) => op !== "cloudwatch:GetMetricData").sort();
  return { result, ops };
}

beforeAll(async () => {
  at = await passPlace({ account: "515151515151", region: REGION, operatorId: "facts", sandbox: { delayMs: 10, seed: 9 }, cache });
  p = await createDesiredProject(at, "facts");
  await at.untilReady(p);
  expect(allDone(await pass())).toBe(true);
}, 120_000);
afterAll(async () => { await at?.close(); });

describe("a no-drift pass of the only project in its account", () => {
  test("one resync later makes each read once: services, task definitions, log group, DB, secrets, ingress, Cloud Map", async () => {
    offset += RESYNC + 1000;
    const { result, ops } = await callsOfOnePass();
    expect(allDone(result)).toBe(true);
    expect(result.planned).toEqual([]);
    // ELBv2 cannot describe a load balancer's listeners and attributes and a target group's attributes in
    // fewer calls (each takes one ARN); the names and tags are batched across the account. Target health
    // is read on the health cadence (the test below).
    // DescribeScalableTargets even without autoscaling: a target left behind must be removed.
    expect(ops).toEqual([
      "application-autoscaling:DescribeScalableTargets", "ecs:DescribeServices", "ecs:ListTaskDefinitions",
      "elbv2:DescribeListeners", "elbv2:DescribeLoadBalancerAttributes", "elbv2:DescribeLoadBalancers", "elbv2:DescribeTags",
      "elbv2:DescribeTargetGroupAttributes", "elbv2:DescribeTargetGroups",
      "logs:DescribeLogGroups", "rds:DescribeDBInstances", "secretsmanager:ListSecrets",
      "servicediscovery:ListServices", "servicediscovery:ListTagsForResource",
    ]);
  });

  test("then the registrations the services run are checked against the account's listing every few intervals", async () => {
    for (let i = 1; i < RUNNING_REGISTRATION_INTERVALS; i++) {
      offset += RESYNC;
      const { ops } = await callsOfOnePass();
      // The same reads as the pass above but the listing (and target health, on its 5-minute cadence).
      expect(ops.filter((op) => op !== "elbv2:DescribeTargetHealth")).toEqual([
        "application-autoscaling:DescribeScalableTargets", "ecs:DescribeServices",
        "elbv2:DescribeListeners", "elbv2:DescribeLoadBalancerAttributes", "elbv2:DescribeLoadBalancers", "elbv2:DescribeTags",
        "elbv2:DescribeTargetGroupAttributes", "elbv2:DescribeTargetGroups",
        "logs:DescribeLogGroups", "rds:DescribeDBInstances", "secretsmanager:ListSecrets",
        "servicediscovery:ListServices", "servicediscovery:ListTagsForResource",
      ]);
    }
    offset += RESYNC + 1000;
    const { result, ops } = await callsOfOnePass();
    expect(allDone(result)).toBe(true);
    expect(ops.filter((op) => op.startsWith("ecs:"))).toEqual(["ecs:DescribeServices", "ecs:ListTaskDefinitions"]);
  });

  test("prerequisites and the cluster are trusted for 15–20 minutes, then read again", async () => {
    offset += 10 * 60_000;
    expect((await callsOfOnePass()).ops.filter((op) => /^ec2:|DescribeDBSubnetGroups|DescribeClusters/.test(op))).toEqual([]);
    offset += 11 * 60_000;
    const { result, ops } = await callsOfOnePass();
    expect(allDone(result)).toBe(true);
    expect(ops.filter((op) => /^ec2:|DescribeDBSubnetGroups|DescribeClusters/.test(op))).toEqual([
      "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ecs:DescribeClusters", "rds:DescribeDBSubnetGroups",
    ]);
  });

  test("a pass that fails drops them: the next pass reads them again; a throttled one does not", async () => {
    at.sandbox.setFaults({ serverErrorRate: 1 });
    let failed: PassResult;
    try { failed = await pass(); } finally { at.sandbox.setFaults({ serverErrorRate: 0 }); }
    expect(failed.steps.at(-1)?.outcome.kind).toBe("error");
    expect(forgetAccountFacts(cache, p, failed.steps)).toBe(true);
    const { result, ops } = await callsOfOnePass();
    expect(allDone(result)).toBe(true);
    expect(ops).toContain("ec2:DescribeVpcs");
    expect(ops).toContain("ecs:DescribeClusters");

    const throttled = [{ ...failed.steps.at(-1)!, outcome: { kind: "error" as const, code: "ThrottlingException", message: "slow down", throttled: true } }];
    expect(forgetAccountFacts(cache, p, throttled)).toBe(false);
    expect((await callsOfOnePass()).ops).not.toContain("ec2:DescribeVpcs");
  });
});

describe("target health", () => {
  test("a healthy reading is kept for the health interval while the api service is as it was, then read again", async () => {
    offset += RESYNC + 1000;
    expect((await callsOfOnePass()).ops).not.toContain("elbv2:DescribeTargetHealth");
    offset += 5 * 60_000;
    const { result, ops } = await callsOfOnePass();
    expect(allDone(result)).toBe(true);
    expect(ops.filter((op) => op === "elbv2:DescribeTargetHealth")).toHaveLength(1);
    expect(result.steps.find((s) => s.kind === "TargetGroup")?.outcome).toMatchObject({ kind: "done", reason: "Unencrypted" });
  });

  test("a task of the api replaced (ECS's service events say so) is read again once the service is steady", async () => {
    offset += RESYNC + 1000;
    expect((await callsOfOnePass()).ops).not.toContain("elbv2:DescribeTargetHealth");
    await at.sandbox.console.stopTasks(at.account, REGION, projectNames(p.name).service("api"), 1);
    const ops: string[] = [];
    for (let i = 0; i < 300; i++) {
      const one = await callsOfOnePass();
      ops.push(...one.ops);
      if (allDone(one.result)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(ops.filter((op) => op === "elbv2:DescribeTargetHealth")).toHaveLength(1);
    expect((await callsOfOnePass()).ops).not.toContain("elbv2:DescribeTargetHealth");
  });
});

describe("secret values", () => {
  test("an unchanged value is not read again; one changed out of band is read and repaired in the next pass", async () => {
    offset += RESYNC + 1000;
    expect((await callsOfOnePass()).ops).not.toContain("secretsmanager:BatchGetSecretValue");

    const aws = await at.cloud.clientsFor(p.roleArn, p.externalId, REGION);
    await aws.secrets.send(new PutSecretValueCommand({ SecretId: projectNames(p.name).envSecret, SecretString: JSON.stringify({ K: "changed by hand" }) }));
    const { result, ops } = await callsOfOnePass();
    expect(ops.filter((op) => op === "secretsmanager:BatchGetSecretValue")).toHaveLength(1);
    expect(result.applied.filter((a) => a.reason === "DriftRepaired").map((a) => `${a.kind} ${a.fields.join(",")}`)).toEqual(["Secret SecretString"]);

    // Our own write made a new version: read once more (it is what we wrote), then no more.
    const after = await callsOfOnePass();
    expect(after.result.planned).toEqual([]);
    expect(after.ops.filter((op) => op === "secretsmanager:BatchGetSecretValue")).toHaveLength(1);
    expect((await callsOfOnePass()).ops).not.toContain("secretsmanager:BatchGetSecretValue");
  });
});

describe("how long an account's long-lived facts are kept", () => {
  const of = (accountId: string, region = REGION) => accountFactTtlMs({ aws: { accountId, region } }, 20 * 60_000);
  test("15–20 minutes, the same for an account on every pass, spread across accounts so a fleet started together does not read them again all at once", () => {
    const accounts = Array.from({ length: 1000 }, (_, i) => String(100000000000 + i));
    const ttls = accounts.map((a) => of(a));
    expect(ttls.every((t) => t >= 15 * 60_000 && t <= 20 * 60_000)).toBe(true);
    expect(accounts.map((a) => of(a))).toEqual(ttls);
    // Spread over the whole range: each minute of the five holds about a fifth of the accounts.
    const perMinute = [0, 0, 0, 0, 0];
    for (const t of ttls) perMinute[Math.min(4, Math.floor((t - 15 * 60_000) / 60_000))]++;
    for (const n of perMinute) expect(n).toBeGreaterThan(150);
    expect(of("515151515151", "us-east-1")).not.toBe(of("515151515151", "eu-west-1"));
  });
});
