// Out-of-band changes on moto, made with the SDK as a console user (or a careless script) would, each
// repaired by the next pass the reconcile endpoint wakes, and each recorded as an event that names what
// changed. Secret values are compared, never printed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DeleteLogGroupCommand, PutRetentionPolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DeleteServiceCommand, DeregisterTaskDefinitionCommand, UntagResourceCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DeleteDBInstanceCommand, ModifyDBInstanceCommand, RemoveTagsFromResourceCommand, StopDBInstanceCommand } from "@aws-sdk/client-rds";
import { DeleteSecretCommand, PutSecretValueCommand, UntagResourceCommand as UntagSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CLUSTER_NAME, LOG_GROUP_NAME, projectNames } from "../../src/cloud/names.js";
import type { Moto } from "../support/moto.js";
import * as view from "./aws-view.js";
import { absorbCreateServiceGap, image, ownTags, startFileMoto, startWorld, waitFor, waitForConverged, waitForEvent, waitForPhase, type World } from "./world.js";

let moto: Moto;
let w: World;
let p: { id: string; name: string };
const P = "drifty";
const names = projectNames(P);
const SECRETS = { OPENAI_API_KEY: "sk-moto-drift", OTHER: "x" };

beforeAll(async () => {
  moto = await startFileMoto();
  w = await startWorld(moto);
  p = await w.createProject({ name: P, image: image("v1"), secrets: SECRETS });
  await waitForPhase(w, P, "Ready");
  await absorbCreateServiceGap(w, P);
});
afterAll(async () => {
  await w?.stop();
  await moto?.stop();
});

/** Waits for an event of `reason` on `resource` newer than any seen before `change` ran. */
async function repaired(change: () => Promise<unknown>, resource: string, reason: string, probe: () => Promise<boolean>) {
  const before = new Set((await w.events(P)).map((e: any) => e.id));
  await change();
  await w.reconcile(P);
  await waitFor(`${resource} repaired`, async () => (await probe()) || undefined);
  return waitForEvent(w, P, `${reason} on ${resource}`, (e: any) => !before.has(e.id) && e.resource === resource && e.reason === reason);
}

describe("ECS", () => {
  test("a scaled service is scaled back", async () => {
    const e = await repaired(
      () => w.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: names.service("api"), desiredCount: 5 })),
      names.service("api"), "DriftRepaired",
      async () => (await view.service(w.aws, P, "api"))?.desiredCount === 1,
    );
    expect(e.message).toContain("desiredCount 5 → 1");
  });

  test("a deleted service is recreated with our tags and network", async () => {
    const e = await repaired(async () => {
      await w.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: names.service("queue"), desiredCount: 0 }));
      await w.aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: names.service("queue") }));
    }, names.service("queue"), "Recreated", async () => (await view.service(w.aws, P, "queue"))?.status === "ACTIVE");
    expect(e.type).toBe("Warning");
    const s = await view.service(w.aws, P, "queue");
    expect(s?.desiredCount).toBe(1);
    expect(view.tagMap(s?.tags)).toEqual(ownTags(p));
    expect(s?.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual([w.prereqs.serviceSgId]);
  });

  test("a deregistered task definition is registered again and the service moved to it", async () => {
    const current = (await view.service(w.aws, P, "api"))!.taskDefinition!;
    await repaired(
      () => w.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: current })),
      names.family("api"), "Registered",
      async () => {
        const s = await view.service(w.aws, P, "api");
        return !!s?.taskDefinition && s.taskDefinition !== current;
      },
    );
    const active = await view.taskDefinitions(w.aws, P, "api");
    expect(active).toHaveLength(1);
    expect(active[0].td.containerDefinitions?.[0].image).toBe(image("v1"));
    expect((await view.service(w.aws, P, "api"))?.taskDefinition).toBe(active[0].td.taskDefinitionArn);
  });

  test("a removed tag is put back", async () => {
    const s = (await view.service(w.aws, P, "redis"))!;
    await repaired(
      () => w.aws.ecs.send(new UntagResourceCommand({ resourceArn: s.serviceArn, tagKeys: ["langgraph-cloud", "byoc:managed-by"] })),
      names.service("redis"), "DriftRepaired",
      async () => Object.keys(view.tagMap((await view.service(w.aws, P, "redis"))?.tags)).length === 3,
    );
    expect(view.tagMap((await view.service(w.aws, P, "redis"))?.tags)).toEqual(ownTags(p));
  });
});

describe("Secrets Manager", () => {
  test("an edited env secret is written back, and the event does not print the value", async () => {
    const e = await repaired(
      () => w.aws.secrets.send(new PutSecretValueCommand({ SecretId: names.envSecret, SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-tampered" }) })),
      names.envSecret, "DriftRepaired",
      async () => {
        const v = await view.secretJson(w.aws, names.envSecret);
        // The daemon's BYOC_LICENSE_KEY is part of the desired value: the project's secrets hold no licence.
        return v.keys.join() === "LANGGRAPH_CLOUD_LICENSE_KEY,OPENAI_API_KEY,OTHER" && v.get("OPENAI_API_KEY") === SECRETS.OPENAI_API_KEY;
      },
    );
    expect(e.message).not.toContain("sk-");
  });

  test("a secret scheduled for deletion is restored", async () => {
    const e = await repaired(
      () => w.aws.secrets.send(new DeleteSecretCommand({ SecretId: names.postgresSecret, RecoveryWindowInDays: 7 })),
      names.postgresSecret, "Restored",
      async () => (await view.describeSecret(w.aws, names.postgresSecret)).DeletedDate === undefined,
    );
    expect(e.type).toBe("Warning");
    const pg = await view.secretJson(w.aws, names.postgresSecret);
    expect(pg.get("host")).toBe((await view.dbInstance(w.aws, P))?.Endpoint?.Address);
  });

  test("a force-deleted env secret is created again with the project's secrets", async () => {
    await repaired(
      () => w.aws.secrets.send(new DeleteSecretCommand({ SecretId: names.envSecret, ForceDeleteWithoutRecovery: true })),
      names.envSecret, "Created",
      async () => (await view.secretsOf(w.aws, P)).has(names.envSecret),
    );
    const v = await view.secretJson(w.aws, names.envSecret);
    expect(v.keys).toEqual(["LANGGRAPH_CLOUD_LICENSE_KEY", "OPENAI_API_KEY", "OTHER"]);
    expect((await view.secretsOf(w.aws, P)).get(names.envSecret)?.tags).toEqual(ownTags(p));
    // Its ARN changed (a new random suffix): the task definitions must follow it.
    const arn = (await view.secretsOf(w.aws, P)).get(names.envSecret)!.ARN!;
    await waitFor("api task definition referencing the new env secret", async () => {
      const s = await view.service(w.aws, P, "api");
      const [td] = (await view.taskDefinitions(w.aws, P, "api")).filter((t) => t.td.taskDefinitionArn === s?.taskDefinition);
      return td?.td.containerDefinitions?.[0].secrets?.find((x) => x.name === "OPENAI_API_KEY")?.valueFrom === `${arn}:OPENAI_API_KEY::`;
    });
  });

  test("an edited endpoint in the postgres secret is corrected", async () => {
    const before = await view.secretJson(w.aws, names.postgresSecret);
    const tampered = Object.fromEntries(before.keys.map((k) => [k, k === "host" ? "evil.example.com" : before.get(k)]));
    await repaired(
      () => w.aws.secrets.send(new PutSecretValueCommand({ SecretId: names.postgresSecret, SecretString: JSON.stringify(tampered) })),
      names.postgresSecret, "DriftRepaired",
      async () => (await view.secretJson(w.aws, names.postgresSecret)).get("host") === before.get("host"),
    );
    const after = await view.secretJson(w.aws, names.postgresSecret);
    expect(after.get("password") === before.get("password")).toBe(true);
    expect(after.get("uri") === before.get("uri")).toBe(true);
  });

  test("removed tags are put back", async () => {
    await repaired(
      () => w.aws.secrets.send(new UntagSecretCommand({ SecretId: names.postgresSecret, TagKeys: ["langgraph-cloud"] })),
      names.postgresSecret, "DriftRepaired",
      async () => (await view.secretsOf(w.aws, P)).get(names.postgresSecret)?.tags["langgraph-cloud"] === P,
    );
  });
});

describe("RDS", () => {
  test("a changed instance class and deletion protection are changed back", async () => {
    const e = await repaired(
      () => w.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: names.dbInstance, DBInstanceClass: "db.r6g.xlarge", DeletionProtection: true, ApplyImmediately: true })),
      names.dbInstance, "DriftRepaired",
      async () => {
        const db = await view.dbInstance(w.aws, P);
        return db?.DBInstanceClass === "db.t4g.micro" && db.DeletionProtection === false;
      },
    );
    expect(e.message).toContain("DBInstanceClass db.r6g.xlarge → db.t4g.micro");
    expect(e.message).toContain("DeletionProtection true → false");
  });

  test("removed tags are put back", async () => {
    const db = (await view.dbInstance(w.aws, P))!;
    await repaired(
      () => w.aws.rds.send(new RemoveTagsFromResourceCommand({ ResourceName: db.DBInstanceArn, TagKeys: ["byoc:managed-by", "langgraph-cloud"] })),
      names.dbInstance, "DriftRepaired",
      async () => Object.keys(view.tagMap((await view.dbInstance(w.aws, P))?.TagList)).length === 3,
    );
    expect(view.tagMap((await view.dbInstance(w.aws, P))?.TagList)).toEqual(ownTags(p));
  });

  test("a stopped instance is started", async () => {
    const e = await repaired(
      () => w.aws.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: names.dbInstance })),
      names.dbInstance, "Started",
      async () => (await view.dbInstance(w.aws, P))?.DBInstanceStatus === "available",
    );
    expect(e.type).toBe("Warning");
  });

  test("a deleted instance is created again in the same place, with the password the secret holds", async () => {
    await repaired(
      () => w.aws.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: names.dbInstance, SkipFinalSnapshot: true })),
      names.dbInstance, "Created",
      async () => (await view.dbInstance(w.aws, P))?.DBInstanceStatus === "available",
    );
    const db = (await view.dbInstance(w.aws, P))!;
    expect(db.DBSubnetGroup?.DBSubnetGroupName).toBe("langgraph-cloud-db-subnet-group");
    expect(db.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.prereqs.serviceSgId]);
    expect(view.tagMap(db.TagList)).toEqual(ownTags(p));
    await waitFor("postgres secret pointing at the new instance", async () => (await view.secretJson(w.aws, names.postgresSecret)).get("host") === db.Endpoint?.Address);
  });
});

describe("CloudWatch Logs", () => {
  test("changed retention is set back to 30 days", async () => {
    const e = await repaired(
      () => w.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: 1 })),
      LOG_GROUP_NAME, "DriftRepaired",
      async () => (await view.logGroup(w.aws))?.retentionInDays === 30,
    );
    expect(e.message).toContain("retentionInDays 1 → 30");
  });

  test("a deleted log group is created again", async () => {
    await repaired(
      () => w.aws.logs.send(new DeleteLogGroupCommand({ logGroupName: LOG_GROUP_NAME })),
      LOG_GROUP_NAME, "Created",
      async () => (await view.logGroup(w.aws))?.retentionInDays === 30,
    );
  });
});

test("after all of it the project converges again and further passes change nothing", async () => {
  await waitForConverged(w, P);
  for (const role of ["api", "queue", "redis"] as const) {
    const active = await view.taskDefinitions(w.aws, P, role);
    expect((await view.service(w.aws, P, role))?.taskDefinition).toBe(active[active.length - 1].td.taskDefinitionArn);
  }
  const before = (await w.events(P)).length;
  const tds = await view.allTaskDefinitionArns(w.aws, P);
  await w.afterPasses(2, P);
  const after = await w.events(P);
  expect(after.slice(0, after.length - before).map((e) => `${e.reason}: ${e.message}`)).toEqual([]);
  expect(await view.allTaskDefinitionArns(w.aws, P)).toEqual(tds);
});
