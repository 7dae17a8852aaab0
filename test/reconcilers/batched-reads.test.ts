// The passes of one account's projects that run together share their reads (ListSecrets,
// BatchGetSecretValue, DescribeDBInstances, DescribeServices), and each project still sees exactly
// what a pass of its own would have seen: same outcome, same observations, its own drift and nobody
// else's. Real SDK clients over the sandbox, real Postgres for the rows and intents.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { CLUSTER_NAME, projectNames } from "../../src/cloud/names.js";
import type { PassResult } from "../../reconcilers/pass.js";
import type { DesiredProject } from "../../src/model/project.js";
import { createDesiredProject, isReady, passPlace, type PassPlace } from "../support/pass-context.js";

const ACCOUNT = "313131313131";
const OTHER = "424242424242";
const REGION = "eu-central-1";
const READS = ["secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue", "rds:DescribeDBInstances", "ecs:DescribeServices"];
let at: PassPlace;
let mine: DesiredProject[] = [];
let theirs: DesiredProject;

// A project of either account passes in the same place: the Cloud assumes the role its project names.
const pass = (p: DesiredProject) => at.pass(p);
const reads = () => Object.fromEntries(READS.map((op) => [op, at.sandbox.calls.count(op)]));

beforeAll(async () => {
  at = await passPlace({ account: ACCOUNT, region: REGION, operatorId: "batch", sandbox: { delayMs: 20, seed: 5 } });
  mine = [];
  for (const n of ["a", "b", "c", "d", "e"]) mine.push(await createDesiredProject(at, `batch-${n}`));
  theirs = await createDesiredProject({ ...at, account: OTHER }, "batch-other");
  await Promise.all([...mine, theirs].map((p) => at.untilReady(p)));
}, 120_000);
afterAll(async () => { await at?.close(); });

describe("passes of one account that run together", () => {
  test("share one listing, at most one value read, one DB read and DescribeServices of 10 services, and each sees what it would alone", async () => {
    at.sandbox.calls.reset();
    const together = await Promise.all(mine.map(pass));
    // One value read, shared: the pass that made each project Ready wrote its postgres secret's endpoint
    // (a new version); after that the values are unchanged (ListSecrets shows the same AWSCURRENT version)
    // and not read again (test/engine/account-facts.test.ts).
    // Whether that write is still unread here depends on how many passes Ready took (redis runs before the
    // api and queue are created, one more pass): at most one read, shared, either way.
    const { "secretsmanager:BatchGetSecretValue": valueReads, ...rest } = reads();
    expect(valueReads).toBeLessThanOrEqual(1);
    expect(rest).toEqual({ "secretsmanager:ListSecrets": 1, "rds:DescribeDBInstances": 1, "ecs:DescribeServices": 2 });

    at.sandbox.calls.reset();
    const alone: PassResult[] = [];
    for (const p of mine) alone.push(await pass(p));
    expect(reads()).toEqual({ "secretsmanager:ListSecrets": 5, "secretsmanager:BatchGetSecretValue": 0, "rds:DescribeDBInstances": 5, "ecs:DescribeServices": 5 });

    const view = (r: PassResult) => ({ done: isReady(r), planned: r.planned, observations: r.observations.map((o) => `${o.kind} ${o.name} ${o.phase}`).sort() });
    expect(together.map(view)).toEqual(alone.map(view));
    expect(together.every(isReady)).toBe(true);
    expect(together.flatMap((r) => r.planned)).toEqual([]);
  });

  test("drift in one project is found and repaired in that project's pass only", async () => {
    const aws = await at.cloud.clientsFor(mine[2].roleArn, mine[2].externalId, REGION);
    await aws.secrets.send(new PutSecretValueCommand({ SecretId: projectNames(mine[2].name).envSecret, SecretString: JSON.stringify({ K: "changed by hand" }) }));
    await aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: projectNames(mine[3].name).service("queue"), desiredCount: 3 }));
    const results = await Promise.all(mine.map(pass));
    const repaired = results.map((r) => r.applied.filter((a) => a.reason === "DriftRepaired").map((a) => `${a.kind} ${a.fields.join(",")}`));
    expect(repaired).toEqual([[], [], ["Secret SecretString"], ["Service desiredCount"], []]);
  });

  test("a project with no secrets yet is listed again on its own before its secrets are created, and nothing is created twice", async () => {
    const fresh = await createDesiredProject(at, "batch-fresh");
    at.sandbox.calls.reset();
    const [, first] = await Promise.all([pass(mine[0]), pass(fresh)]);
    expect(at.sandbox.calls.count("secretsmanager:ListSecrets")).toBe(2);
    expect(first.planned.filter((a) => a.verb === "create").map((a) => a.resource).sort()).toEqual([projectNames("batch-fresh").envSecret, projectNames("batch-fresh").postgresSecret]);
    await Promise.all([pass(mine[1]), pass(fresh)]);
    const secrets = Object.values((await at.state()).secrets.secrets).filter((s) => s.name.startsWith("langgraph-cloud/batch-fresh/"));
    expect(secrets).toHaveLength(2);
  });
});

test("passes of different accounts never share a call", async () => {
  at.sandbox.calls.reset();
  await Promise.all([pass(mine[0]), pass(theirs)]);
  const listings = at.sandbox.calls.entries.filter((c) => c.operation === "ListSecrets");
  expect(listings.map((c) => c.accountId).sort()).toEqual([ACCOUNT, OTHER]);
});
