// The AWS path on moto, create and change: the real daemon in BYOC_CLOUD=aws mode converges a project
// in the customer's account (reached only through the assumed role), and every resource docs/reference.md §4 names
// exists there with its name and tags; a new revision and spec changes reach ECS and RDS; re-running
// passes registers and creates nothing new.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLUSTER_NAME, LOG_GROUP_NAME, projectNames, SERVICE_ROLES } from "../../src/cloud/names.js";
import type { Moto } from "../support/moto.js";
import * as view from "./aws-view.js";
import { absorbCreateServiceGap, condition, CUSTOMER_ACCOUNT, image, OPERATOR_ID, ownTags, startFileMoto, startWorld, waitFor, waitForEvent, waitForPhase, type World } from "./world.js";

let moto: Moto;
beforeAll(async () => { moto = await startFileMoto(); });
afterAll(async () => { await moto?.stop(); });

const SECRETS = { OPENAI_API_KEY: "sk-moto-not-a-real-key", LANGSMITH_API_KEY: "lsv2-moto-not-real" };

describe("create → Ready", () => {
  let w: World;
  let p: { id: string; name: string };
  const names = projectNames("acme");
  beforeAll(async () => {
    w = await startWorld(moto);
    p = await w.createProject({ name: "acme", image: image("v1"), env: { LOG_LEVEL: "debug" }, secrets: SECRETS });
    await waitForPhase(w, "acme", "Ready");
    await absorbCreateServiceGap(w, "acme");
  });
  afterAll(async () => { await w?.stop(); });

  test("every condition is True and revision 1 is DEPLOYED", async () => {
    const s = await w.status("acme");
    expect(s.conditions.filter((c: any) => c.status !== "True")).toEqual([]);
    expect(condition(s, "CredentialsValid").message).toContain(`arn:aws:iam::${CUSTOMER_ACCOUNT}:role/`);
    expect(s.activeRevision).toMatchObject({ number: 1, image: image("v1"), status: "DEPLOYED" });
    expect(s.observedGeneration).toBe(s.generation);
  });

  test("the account's cluster and log group exist, in the customer's account", async () => {
    const c = await view.cluster(w.aws);
    expect(c?.clusterArn).toBe(`arn:aws:ecs:us-east-1:${CUSTOMER_ACCOUNT}:cluster/${CLUSTER_NAME}`);
    expect(view.tagMap(c?.tags)).toMatchObject({ "byoc:managed-by": OPERATOR_ID });
    const g = await view.logGroup(w.aws);
    expect(g?.retentionInDays).toBe(30);
    expect(g?.tags).toMatchObject({ "byoc:managed-by": OPERATOR_ID });
  });

  test("both secrets exist with our tags; the postgres secret holds the DB endpoint, the env secret the project's keys", async () => {
    const secrets = await view.secretsOf(w.aws, "acme");
    expect([...secrets.keys()].sort()).toEqual([names.envSecret, names.postgresSecret]);
    for (const s of secrets.values()) {
      expect(s.tags).toEqual(ownTags(p));
      expect(s.ARN).toContain(`:${CUSTOMER_ACCOUNT}:secret:`);
      expect(s.DeletedDate).toBeUndefined();
    }
    const pg = await view.secretJson(w.aws, names.postgresSecret);
    expect(pg.keys).toEqual(["dbname", "host", "password", "port", "uri", "username"]);
    const db = await view.dbInstance(w.aws, "acme");
    expect(pg.get("host")).toBe(db?.Endpoint?.Address);
    expect(pg.get("port")).toBe(db?.Endpoint?.Port);
    expect(pg.get("username")).toBe(db?.MasterUsername);
    expect(pg.get("dbname")).toBe(db?.DBName);
    const uri = String(pg.get("uri"));
    expect(uri.startsWith(`postgres://${db?.MasterUsername}:`) && uri.endsWith(`@${db?.Endpoint?.Address}:${db?.Endpoint?.Port}/${db?.DBName}?sslmode=require`)).toBe(true);
    expect(String(pg.get("password")).length).toBeGreaterThanOrEqual(24);
    const env = await view.secretJson(w.aws, names.envSecret);
    expect(env.keys).toEqual(Object.keys(SECRETS).sort());
    expect(Object.keys(SECRETS).every((k) => env.get(k) === SECRETS[k as keyof typeof SECRETS])).toBe(true);
  });

  test("the RDS instance is postgres, encrypted, in the DB subnet group and the service security group, with our tags", async () => {
    const db = await view.dbInstance(w.aws, "acme");
    expect(db).toMatchObject({
      DBInstanceIdentifier: "lg-acme", Engine: "postgres", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, StorageEncrypted: true,
      MultiAZ: false, DeletionProtection: false, PubliclyAccessible: false, BackupRetentionPeriod: 1, DBInstanceStatus: "available",
    });
    expect(db?.EngineVersion?.startsWith("16")).toBe(true);
    expect(db?.DBSubnetGroup?.DBSubnetGroupName).toBe("langgraph-cloud-db-subnet-group");
    expect(db?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.prereqs.serviceSgId]);
    expect(view.tagMap(db?.TagList)).toEqual(ownTags(p));
  });

  test("one task definition per family, tagged with the spec hash, wired to the secrets and the log group", async () => {
    const pgArn = (await view.secretsOf(w.aws, "acme")).get(names.postgresSecret)!.ARN!;
    const envArn = (await view.secretsOf(w.aws, "acme")).get(names.envSecret)!.ARN!;
    for (const role of SERVICE_ROLES) {
      const tds = await view.taskDefinitions(w.aws, "acme", role);
      expect(tds, role).toHaveLength(1);
      const [{ td, tags }] = tds;
      expect(tags).toMatchObject(ownTags(p));
      expect(tags["byoc:spec-hash"]).toMatch(/^[0-9a-f]{16}$/);
      expect(td).toMatchObject({ family: names.family(role), networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], executionRoleArn: w.prereqs.executionRoleArn });
      const [c] = td.containerDefinitions!;
      expect(c.logConfiguration).toEqual({ logDriver: "awslogs", options: { "awslogs-group": LOG_GROUP_NAME, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "acme" } });
      if (role === "redis") continue;
      expect(tags["byoc:revision"]).toBe("1");
      expect(c.image).toBe(image("v1"));
      expect(td.cpu).toBe("1024");
      expect(td.memory).toBe("2048");
      const secretRefs = Object.fromEntries((c.secrets ?? []).map((s) => [s.name, s.valueFrom]));
      expect(secretRefs).toEqual({
        POSTGRES_URI: `${pgArn}:uri::`, DATABASE_URI: `${pgArn}:uri::`,
        LANGSMITH_API_KEY: `${envArn}:LANGSMITH_API_KEY::`, OPENAI_API_KEY: `${envArn}:OPENAI_API_KEY::`,
      });
      const env = Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
      expect(env).toMatchObject({ LOG_LEVEL: "debug", PORT: "8000", LANGSMITH_HOST_PROJECT_ID: p.id, REDIS_URI: "redis://lg-acme-redis.langgraph-cloud-redis:6379" });
      expect(Object.values(env)).not.toContain(SECRETS.OPENAI_API_KEY);
      expect(c.healthCheck?.command).toEqual(["CMD", "python", "/api/healthcheck.py"]);
      expect(c.stopTimeout).toBe(120);
      if (role === "api") {
        expect(c.portMappings?.map((m) => m.containerPort)).toEqual([8000]);
        expect(env.N_JOBS_PER_WORKER).toBe("0");
      } else {
        expect(c.command).toEqual(["python", "-m", "langgraph_api.queue_entrypoint"]);
        expect(env.N_JOBS_PER_WORKER).toBe("10");
      }
    }
  });

  test("three Fargate services on the cluster, in the private subnets with the service security group", async () => {
    const svcs = await view.services(w.aws, "acme");
    expect([...svcs.keys()].sort()).toEqual(["api", "queue", "redis"]);
    for (const [role, s] of svcs) {
      expect(s).toMatchObject({ serviceName: names.service(role), status: "ACTIVE", desiredCount: 1, launchType: "FARGATE" });
      expect(s.clusterArn).toBe(`arn:aws:ecs:us-east-1:${CUSTOMER_ACCOUNT}:cluster/${CLUSTER_NAME}`);
      const net = s.networkConfiguration?.awsvpcConfiguration;
      expect([...(net?.subnets ?? [])].sort()).toEqual(w.prereqs.privateSubnetIds);
      expect(net?.securityGroups).toEqual([w.prereqs.serviceSgId]);
      expect(net?.assignPublicIp).toBe("DISABLED");
      expect(view.tagMap(s.tags)).toEqual(ownTags(p));
      const [td] = await view.taskDefinitions(w.aws, "acme", role);
      expect(s.taskDefinition).toBe(td.td.taskDefinitionArn);
      expect(s.deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true });
    }
  });

  test("the events are the audit trail of every create, with no warning", async () => {
    const events = await w.events("acme");
    expect(events.filter((e) => e.type === "Warning").map((e) => `${e.reason}: ${e.message}`)).toEqual([]);
    // Besides the creates, only moto's CreateService gap: one circuit-breaker repair per service (SpecApplied
    // when made before the project was first Ready: redis's while the api and queue wait for it, the others'
    // while the load balancer's targets turn healthy).
    const repairs = events.filter((e) => e.reason === "DriftRepaired" || e.reason === "SpecApplied");
    expect(repairs.map((e) => e.resource).sort()).toEqual(SERVICE_ROLES.map((r) => names.service(r)).sort());
    expect(repairs.every((e) => e.message.includes("deploymentCircuitBreaker null →"))).toBe(true);
    const reasons = events.map((e) => `${e.reason} ${e.resource ?? ""}`.trim());
    for (const want of [
      `Created ${names.postgresSecret}`, `Created ${names.envSecret}`, "Created lg-acme", `Created ${CLUSTER_NAME}`, `Created ${LOG_GROUP_NAME}`,
      ...SERVICE_ROLES.map((r) => `Registered ${names.family(r)}`), ...SERVICE_ROLES.map((r) => `Created ${names.service(r)}`),
    ]) expect(reasons).toContain(want);
  });

  test("further passes register, create and update nothing", async () => {
    const tdsBefore = await view.allTaskDefinitionArns(w.aws, "acme");
    const eventsBefore = (await w.events("acme")).length;
    await w.afterPasses(3, "acme");
    expect(await view.allTaskDefinitionArns(w.aws, "acme")).toEqual(tdsBefore);
    const after = await w.events("acme");
    const newer = after.slice(0, after.length - eventsBefore);
    expect(newer.map((e) => `${e.reason}: ${e.message}`)).toEqual([]);
    expect((await w.status("acme")).phase).toBe("Ready");
  });
});

describe("revisions and spec changes", () => {
  let w: World;
  let p: { id: string; name: string; etag: string };
  const names = projectNames("shop");
  beforeAll(async () => {
    w = await startWorld(moto);
    p = await w.createProject({ name: "shop", image: image("v1"), secrets: { A_KEY: "a" } });
    await waitForPhase(w, "shop", "Ready");
    await absorbCreateServiceGap(w, "shop");
  });
  afterAll(async () => { await w?.stop(); });

  const patch = async (body: unknown) => {
    const cur = await w.api("GET", "/v1/projects/shop");
    const res = await w.api("PATCH", "/v1/projects/shop", { body, headers: { "if-match": cur.headers.get("etag")! } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  test("a new revision registers new api and queue task definitions and updates both services to them", async () => {
    const redisBefore = await view.taskDefinitions(w.aws, "shop", "redis");
    const res = await w.api("POST", "/v1/projects/shop/revisions", { body: { image: image("v2"), env: { FEATURE: "on" } } });
    expect(res.status).toBe(201);
    for (const role of ["api", "queue"] as const) {
      const td = await waitFor(`${role} task definition for revision 2`, async () => (await view.taskDefinitions(w.aws, "shop", role)).find((t) => t.tags["byoc:revision"] === "2"));
      expect(td.td.containerDefinitions?.[0].image).toBe(image("v2"));
      expect(td.td.containerDefinitions?.[0].environment).toContainEqual({ name: "FEATURE", value: "on" });
      await waitFor(`${role} service on revision 2`, async () => (await view.service(w.aws, "shop", role))?.taskDefinition === td.td.taskDefinitionArn);
    }
    expect(await view.taskDefinitions(w.aws, "shop", "redis")).toEqual(redisBefore);
    await waitForEvent(w, "shop", "Deploying lg-shop-api", (e) => e.reason === "Deploying" && e.resource === names.service("api"));
  });

  test("the revision reads DEPLOYING while ECS reports no deployment of it (moto adds none on UpdateService: docs/aws-fidelity.md)", async () => {
    const rev = await waitFor("revision 2 DEPLOYING", async () => {
      const r = await w.api("GET", "/v1/projects/shop/revisions/2");
      return r.body.status === "DEPLOYING" ? r.body : undefined;
    });
    expect(rev.image).toBe(image("v2"));
    const revs = await w.api("GET", "/v1/projects/shop/revisions");
    expect(revs.body.items.map((r: any) => [r.number, r.status])).toEqual([[2, "DEPLOYING"], [1, "DEPLOYED"]]);
    const s = await w.status("shop");
    expect(condition(s, "ServicesReady")).toMatchObject({ status: "False", reason: "RollingOut" });
  });

  test("PATCH with If-Match changes the DB instance class in place", async () => {
    await patch({ database: { instanceClass: "db.t4g.small" } });
    await waitFor("lg-shop on db.t4g.small", async () => (await view.dbInstance(w.aws, "shop"))?.DBInstanceClass === "db.t4g.small");
    const e = await waitForEvent(w, "shop", "DB modify", (x) => x.resource === "lg-shop" && x.message.includes("DBInstanceClass"));
    expect(e.message).toContain("db.t4g.micro → db.t4g.small");
    const db = await view.dbInstance(w.aws, "shop");
    expect(db?.DBInstanceStatus).toBe("available");
  });

  test("growing storage is applied; the same class twice is not modified again", async () => {
    await patch({ database: { allocatedStorageGb: 40 } });
    await waitFor("lg-shop with 40 GiB", async () => (await view.dbInstance(w.aws, "shop"))?.AllocatedStorage === 40);
    // moto shows the new size as soon as the pass's ModifyDBInstance returns, before that pass has saved
    // its event: count the events once a pass has finished after it.
    await w.afterPasses(1, "shop");
    const before = (await w.events("shop")).filter((e) => e.resource === "lg-shop").length;
    await w.afterPasses(2, "shop");
    expect((await w.events("shop")).filter((e) => e.resource === "lg-shop").length).toBe(before);
  });

  test("a resources change registers one new task definition for that role only, and going back reuses the old one", async () => {
    const apiBefore = await view.taskDefinitions(w.aws, "shop", "api");
    const queueBefore = await view.taskDefinitions(w.aws, "shop", "queue");
    const original = (await view.service(w.aws, "shop", "api"))!.taskDefinition!;
    await patch({ resources: { api: { cpu: 2048, memoryMb: 4096 } } });
    const bigger = await waitFor("api task definition with 2048 cpu", async () => (await view.taskDefinitions(w.aws, "shop", "api")).find((t) => t.td.cpu === "2048"));
    await waitFor("api service on the bigger task definition", async () => (await view.service(w.aws, "shop", "api"))?.taskDefinition === bigger.td.taskDefinitionArn);
    expect(await view.taskDefinitions(w.aws, "shop", "api")).toHaveLength(apiBefore.length + 1);
    expect(await view.taskDefinitions(w.aws, "shop", "queue")).toEqual(queueBefore);

    await patch({ resources: { api: { cpu: 1024, memoryMb: 2048 } } });
    await waitFor("api service back on its original task definition", async () => (await view.service(w.aws, "shop", "api"))?.taskDefinition === original);
    await w.afterPasses(2, "shop");
    expect(await view.taskDefinitions(w.aws, "shop", "api")).toHaveLength(apiBefore.length + 1);
  });

  test("a desired-count change reaches the service", async () => {
    await patch({ resources: { queue: { replicas: 3 } } });
    await waitFor("queue service with 3 tasks", async () => (await view.service(w.aws, "shop", "queue"))?.desiredCount === 3);
  });

  test("a changed secret is written to the env secret and its key reaches the task definitions", async () => {
    await patch({ secrets: { B_KEY: "b" } });
    const names2 = projectNames("shop");
    await waitFor("env secret with A_KEY and B_KEY", async () => (await view.secretJson(w.aws, names2.envSecret)).keys.join() === "A_KEY,B_KEY,LANGGRAPH_CLOUD_LICENSE_KEY");
    const td = await waitFor("api task definition with B_KEY", async () => (await view.taskDefinitions(w.aws, "shop", "api"))
      .find((t) => t.td.containerDefinitions?.[0].secrets?.some((s) => s.name === "B_KEY")));
    await waitFor("api service on it", async () => (await view.service(w.aws, "shop", "api"))?.taskDefinition === td.td.taskDefinitionArn);
  });
});
