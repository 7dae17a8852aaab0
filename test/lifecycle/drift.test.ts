// Drift repair: every managed field of docs/reference.md §5 changed out of band (through the sandbox's console, as
// a person would) is put back by the next pass, with a DriftRepaired event naming the field, the
// actual and the desired value — never a secret value.
import { afterAll, beforeAll, expect, test } from "vitest";
import { LOG_GROUP_NAME } from "../../src/cloud/names.js";
import { image, startDaemonWithProject, type TestDaemon } from "../support/daemon.js";
import type { SandboxView } from "../support/sandbox-view.js";

const ACCOUNT = "100000000004";
const REGION = "us-east-1";
const P = "drift";
const SECRET = "sk-drift-original-0001";
let t: TestDaemon;
let aws: SandboxView;
let projectId: string;

beforeAll(async () => {
  ({ t, aws, projectId } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1"), secrets: { OPENAI_API_KEY: SECRET } } }));
});
afterAll(async () => { await t?.stop(); });

const apiTd = async () => (await aws.service(P, "api"))!.deployments.find((d) => d.status === "PRIMARY")!.taskDefinition;
const short = (arn: string) => arn.split("/").pop()!;

interface Case {
  field: string;
  resource: string;
  change: () => Promise<unknown>;
  /** The DriftRepaired message: names the field, actual → desired. */
  message: RegExp | (() => Promise<RegExp> | RegExp);
  repaired: () => Promise<boolean>;
}

const console = () => t.sandbox.console;
const cases: Case[] = [
  {
    field: "desired count", resource: "lg-drift-api",
    change: () => console().setServiceDesiredCount(ACCOUNT, REGION, "lg-drift-api", 3),
    message: /^ECS service lg-drift-api: desiredCount 3 → 1$/,
    repaired: async () => (await aws.service(P, "api"))?.desiredCount === 1,
  },
  (() => {
    let wanted = "";
    return {
      field: "task definition (image, cpu/memory and env live in it)", resource: "lg-drift-api",
      change: async () => {
        wanted = await apiTd();
        const queueTd = (await aws.taskDefinitions(P, "queue", "ACTIVE")).at(-1)!.arn;
        await console().updateServiceTaskDefinition(ACCOUNT, REGION, "lg-drift-api", queueTd);
      },
      message: () => new RegExp(`^ECS service lg-drift-api: taskDefinition lg-drift-queue:\\d+ → ${short(wanted)}$`),
      repaired: async () => (await apiTd()) === wanted && (await aws.runningContainer(P, "api"))?.image === image("v1"),
    };
  })(),
  {
    field: "env secret value", resource: "langgraph-cloud/drift/env",
    change: () => console().putSecretValue(ACCOUNT, REGION, "langgraph-cloud/drift/env", JSON.stringify({ OPENAI_API_KEY: "sk-tampered-0002", EXTRA: "x" })),
    // The operator's default licence (BYOC_LICENSE_KEY; the sandbox's sandbox-license) is part of the desired value.
    message: /^secret langgraph-cloud\/drift\/env: SecretString differs from the project's secrets in EXTRA \(not in the spec\), LANGGRAPH_CLOUD_LICENSE_KEY \(missing\), OPENAI_API_KEY \(value differs\); wrote the desired value \(values not shown\)$/,
    repaired: async () => {
      const { LANGGRAPH_CLOUD_LICENSE_KEY: licence, ...rest } = await aws.secretJson("langgraph-cloud/drift/env");
      return !!licence && JSON.stringify(rest) === JSON.stringify({ OPENAI_API_KEY: SECRET });
    },
  },
  (() => {
    let host = "";
    return {
      field: "postgres secret endpoint", resource: "langgraph-cloud/drift/postgres",
      change: async () => {
        const pg = await aws.secretJson("langgraph-cloud/drift/postgres");
        host = String(pg.host);
        await console().putSecretValue(ACCOUNT, REGION, "langgraph-cloud/drift/postgres", JSON.stringify({ ...pg, host: "evil.example.com" }));
      },
      message: () => new RegExp(`^secret langgraph-cloud/drift/postgres: SecretString endpoint evil\\.example\\.com:5432 → ${host.replace(/\./g, "\\.")}:5432 \\(lg-drift\\)`),
      repaired: async () => (await aws.secretJson("langgraph-cloud/drift/postgres")).host === host,
    };
  })(),
  {
    field: "DB instance class", resource: "lg-drift",
    change: () => console().modifyDBInstance(ACCOUNT, REGION, "lg-drift", { instanceClass: "db.r6g.large" }),
    message: /^RDS instance lg-drift: DBInstanceClass db\.r6g\.large → db\.t4g\.micro$/,
    repaired: async () => (await aws.db(P))?.instanceClass === "db.t4g.micro" && (await aws.db(P))?.status === "available",
  },
  {
    field: "DB deletion protection", resource: "lg-drift",
    change: () => console().modifyDBInstance(ACCOUNT, REGION, "lg-drift", { deletionProtection: true }),
    message: /^RDS instance lg-drift: DeletionProtection true → false$/,
    repaired: async () => (await aws.db(P))?.deletionProtection === false,
  },
  {
    field: "tags of an ECS service", resource: "lg-drift-queue",
    change: async () => console().removeTag((await aws.service(P, "queue"))!.arn, "langgraph-cloud"),
    message: /^ECS service lg-drift-queue: tags\.langgraph-cloud \(absent\) → drift$/,
    repaired: async () => (await aws.service(P, "queue"))?.tags["langgraph-cloud"] === P,
  },
  {
    field: "tags of the DB instance", resource: "lg-drift",
    // (Without byoc:project-id it would no longer be ours to touch: see ownership.test.ts.)
    change: async () => {
      const arn = (await aws.db(P))!.arn;
      await console().removeTag(arn, "byoc:managed-by");
      await console().removeTag(arn, "langgraph-cloud");
    },
    message: /^RDS instance lg-drift: tags\.langgraph-cloud \(absent\) → drift, tags\.byoc:managed-by \(absent\) → e2e-\d+$/,
    repaired: async () => (await aws.db(P))?.tags["langgraph-cloud"] === P && (await aws.db(P))?.tags["byoc:project-id"] === projectId,
  },
  {
    field: "tags of a secret", resource: "langgraph-cloud/drift/env",
    change: async () => console().removeTag((await aws.secret("langgraph-cloud/drift/env"))!.arn, "langgraph-cloud"),
    message: /^secret langgraph-cloud\/drift\/env: tags\.langgraph-cloud \(absent\) → drift$/,
    repaired: async () => (await aws.secret("langgraph-cloud/drift/env"))?.tags["langgraph-cloud"] === P,
  },
  {
    field: "log group retention", resource: LOG_GROUP_NAME,
    change: () => console().putRetentionPolicy(ACCOUNT, REGION, LOG_GROUP_NAME, 7),
    message: /^log group \/aws\/ecs\/langgraph-cloud: retentionInDays 7 → 30$/,
    repaired: async () => (await aws.state()).logs.groups[LOG_GROUP_NAME]?.retentionInDays === 30,
  },
  (() => {
    let was = "";
    return {
      field: "task definition status (deregistered while in use)", resource: "lg-drift-api",
      change: async () => { was = await apiTd(); await console().deregisterTaskDefinition(ACCOUNT, REGION, short(was)); },
      message: () => new RegExp(`^task definition ${short(was)}: status INACTIVE → ACTIVE \\(it was deregistered out of band while lg-drift-api ran it; registered the same spec again as lg-drift-api:\\d+\\)$`),
      repaired: async () => {
        const now = await apiTd();
        const active = await aws.taskDefinitions(P, "api", "ACTIVE");
        return now !== was && active.some((td) => td.arn === now) && (await aws.runningContainer(P, "api"))?.image === image("v1");
      },
    };
  })(),
];

test.each(cases)("$field changed out of band is put back with a DriftRepaired event naming it", async (c) => {
  const last = (await t.events(P)).at(-1)!.id;
  await c.change();
  await t.http("POST", `/v1/projects/${P}/reconcile`);
  const message = typeof c.message === "function" ? await c.message() : c.message;
  const e = await t.waitForEvent(P, `DriftRepaired on ${c.resource} matching ${message}`, (x) => x.reason === "DriftRepaired" && x.resource === c.resource && message.test(x.message), { after: last });
  expect(e.type).toBe("Normal");
  await t.waitFor(`${c.field} repaired in AWS`, c.repaired);
  await t.waitForPhase(P, "Ready");
  const since = (await t.events(P)).filter((x) => Number(x.id) > Number(last));
  expect(JSON.stringify(since)).not.toMatch(/sk-drift|sk-tampered|password/);
});

test("once repaired, further passes change nothing", async () => {
  await t.waitForPhase(P, "Ready");
  const since = t.clock.now();
  const last = (await t.events(P)).at(-1)!.id;
  for (let i = 0; i < 2; i++) {
    const [{ passes }] = await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`;
    await t.http("POST", `/v1/projects/${P}/reconcile`);
    await t.waitFor("another pass", async () => (await t.d.store.sql`SELECT passes FROM leases l JOIN projects p ON p.id = l.project_id WHERE p.name = ${P}`)[0].passes > passes);
  }
  expect(aws.writes(since)).toEqual([]);
  expect((await t.events(P)).filter((x) => Number(x.id) > Number(last))).toEqual([]);
});
