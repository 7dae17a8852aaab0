// The LangGraph image model (docs/reference.md §4, the container contract): with it on, a task whose container
// breaks one rule starts, logs why and stops the way the real image would, one case per rule of
// CONTRACT; a container that keeps every rule serves; with the model off the same broken task serves
// (today's behaviour, so the switch is visible). Real SDK clients over the sandbox.
import { describe, expect, it } from "vitest";
import {
  CreateServiceCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, type ContainerDefinition,
} from "@aws-sdk/client-ecs";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { CreateServiceCommand as CreateDiscoveryServiceCommand, ListNamespacesCommand } from "@aws-sdk/client-servicediscovery";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { CLUSTER_NAME, LOG_GROUP_NAME, REDIS_NAMESPACE_NAME } from "../../src/cloud/names.js";
import { CONTRACT, isLangGraphImage } from "../../src/cloud/sandbox/image-model.js";
import { ACCOUNT, REGION, SandboxFixture } from "./fixture.js";
import { describeService, IMAGE, preparedAccount } from "./ecs-setup.js";

const DELAY = 1000;
const QUEUE_COMMAND = ["python", "-m", "langgraph_api.queue_entrypoint"];
const HEALTHY = { command: ["CMD", "python", "/api/healthcheck.py"], interval: 30, timeout: 5, retries: 3, startPeriod: 60 };

/** An account with the project's database available and its Redis running and registered in Cloud Map. */
async function langGraphAccount(imageModel: boolean) {
  const f = new SandboxFixture({ delayMs: DELAY, imageModel });
  const a = await preparedAccount(f);
  await f.cloud.console.createDBInstanceWithoutTags(ACCOUNT, REGION, "lg-demo");
  const endpoint = (await a.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "lg-demo" }))).DBInstances![0].Endpoint!.Address!;
  const licence = (await a.secrets.send(new CreateSecretCommand({ Name: "langgraph-cloud/demo/env", SecretString: JSON.stringify({ LANGGRAPH_CLOUD_LICENSE_KEY: "lcl-123" }) }))).ARN!;
  const ns = (await a.cloudmap.send(new ListNamespacesCommand({}))).Namespaces!.find((n) => n.Name === REDIS_NAMESPACE_NAME)!;
  const registry = (await a.cloudmap.send(new CreateDiscoveryServiceCommand({
    Name: "lg-demo-redis", NamespaceId: ns.Id, DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 10 }] },
  }))).Service!;

  async function register(family: string, container: ContainerDefinition): Promise<string> {
    const out = await a.ecs.send(new RegisterTaskDefinitionCommand({
      family, networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "1024", memory: "2048",
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/LangGraphCloudECSTaskExecutionRole`,
      containerDefinitions: [{
        ...container,
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": LOG_GROUP_NAME, "awslogs-region": REGION, "awslogs-stream-prefix": "demo" } },
      }],
    }));
    return out.taskDefinition!.taskDefinitionArn!;
  }
  const redis = await register("lg-demo-redis", { name: "redis", image: "public.ecr.aws/docker/library/redis:7", portMappings: [{ containerPort: 6379 }] });
  await a.ecs.send(new CreateServiceCommand({
    cluster: CLUSTER_NAME, serviceName: "lg-demo-redis", taskDefinition: redis, desiredCount: 1, launchType: "FARGATE",
    networkConfiguration: a.network, serviceRegistries: [{ registryArn: registry.Arn }],
  }));
  f.advance(DELAY);

  /** The api container the operator should send: every rule of the contract kept. */
  const good = (): ContainerDefinition => ({
    name: "api",
    image: `${IMAGE}:v1`,
    portMappings: [{ containerPort: 8000 }],
    healthCheck: structuredClone(HEALTHY),
    environment: [
      { name: "POSTGRES_URI", value: `postgres://postgres:pw@${endpoint}:5432/postgres?sslmode=require` },
      { name: "REDIS_URI", value: "redis://lg-demo-redis.langgraph-cloud-redis:6379" },
      { name: "PORT", value: "8000" },
    ],
    secrets: [{ name: "LANGGRAPH_CLOUD_LICENSE_KEY", valueFrom: `${licence}:LANGGRAPH_CLOUD_LICENSE_KEY::` }],
  });

  /** Runs one task of the container as a service and reads how it ended: rollout, stop, exit code, log lines. */
  async function run(container: ContainerDefinition, family = "lg-demo-api") {
    const td = await register(family, container);
    await a.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER_NAME, serviceName: family, taskDefinition: td, desiredCount: 1, launchType: "FARGATE", networkConfiguration: a.network,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }));
    f.advance(DELAY * 0.55);
    const stopped = (await a.ecs.send(new ListTasksCommand({ cluster: CLUSTER_NAME, serviceName: family, desiredStatus: "STOPPED" }))).taskArns!;
    const task = stopped.length ? (await a.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER_NAME, tasks: stopped.slice(0, 1) }))).tasks![0] : undefined;
    const logs = (await a.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: `demo/${container.name}/` }))).events!;
    const svc = await describeService(a.ecs, family);
    return { task, lines: logs.map((e) => e.message ?? ""), rollout: svc.deployments![0].rolloutState, running: svc.runningCount };
  }

  return { f, a, good, run, endpoint };
}

const without = (c: ContainerDefinition, name: string): ContainerDefinition => ({
  ...c, environment: c.environment!.filter((e) => e.name !== name), secrets: c.secrets!.filter((s) => s.name !== name),
});
const withEnv = (c: ContainerDefinition, name: string, value: string): ContainerDefinition => ({
  ...c, environment: [...c.environment!.filter((e) => e.name !== name), { name, value }],
});

interface Case {
  rule: string;
  reason: string;
  broken(c: ContainerDefinition, endpoint: string): ContainerDefinition;
  family?: string;
  stoppedReason: string;
  exitCode: number;
  line: string;
}

const cases: Case[] = [
  { rule: "licence-key", reason: "no licence key in env or secrets", broken: (c) => without(c, "LANGGRAPH_CLOUD_LICENSE_KEY"),
    stoppedReason: "Essential container in task exited", exitCode: 1, line: "License verification failed" },
  { rule: "postgres-uri-set", reason: "no POSTGRES_URI", broken: (c) => without(c, "POSTGRES_URI"),
    stoppedReason: "Essential container in task exited", exitCode: 1, line: "POSTGRES_URI (or DATABASE_URI) must be set" },
  { rule: "postgres-reachable", reason: "POSTGRES_URI naming an RDS host that is not the project's endpoint",
    broken: (c, ep) => withEnv(c, "POSTGRES_URI", `postgres://postgres:pw@${ep.replace(/^lg-demo\./, "lg-other.")}:5432/postgres?sslmode=require`),
    stoppedReason: "Essential container in task exited", exitCode: 1, line: "could not translate host name" },
  { rule: "postgres-tls", reason: "no sslmode=require against RDS for PostgreSQL 16",
    broken: (c, ep) => withEnv(c, "POSTGRES_URI", `postgres://postgres:pw@${ep}:5432/postgres`),
    stoppedReason: "Essential container in task exited", exitCode: 1, line: "no pg_hba.conf entry" },
  { rule: "redis-uri-set", reason: "no REDIS_URI", broken: (c) => without(c, "REDIS_URI"),
    stoppedReason: "Essential container in task exited", exitCode: 1, line: "REDIS_URI must be set" },
  { rule: "redis-discoverable", reason: "REDIS_URI naming the bare service name, which awsvpc cannot resolve",
    broken: (c) => withEnv(c, "REDIS_URI", "redis://lg-demo-redis:6379"),
    stoppedReason: "Essential container in task exited", exitCode: 1, line: "Error -2 connecting to lg-demo-redis:6379. Name or service not known." },
  { rule: "queue-entrypoint", reason: "a queue container without the queue entrypoint", family: "lg-demo-queue",
    broken: (c) => ({ ...c, name: "queue" }),
    stoppedReason: "Essential container in task exited", exitCode: 2, line: "langgraph_api.queue_entrypoint" },
  { rule: "health-check-command", reason: "a curl health check (the image has no curl)",
    broken: (c) => ({ ...c, healthCheck: { ...HEALTHY, command: ["CMD-SHELL", "curl -f http://localhost:8000/ok || exit 1"] } }),
    stoppedReason: "Task failed container health checks", exitCode: 137, line: "/bin/sh: 1: curl: not found" },
];

describe("the LangGraph image model", () => {
  it.each([
    { image: "public.ecr.aws/docker/library/redis:7.4", langgraph: false },
    { image: "public.ecr.aws/docker/library/nginx:latest", langgraph: false },
    { image: "registry.local:5000/redis@sha256:0123", langgraph: false },
    { image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/agent:v1", langgraph: true },
    { image: "registry.local:5000/team/redis-agent:1", langgraph: true },
  ])("holds $image to the contract: $langgraph", ({ image, langgraph }) => {
    expect(isLangGraphImage(image)).toBe(langgraph);
  });

  it("has a case here for every rule of the contract", () => {
    expect(cases.map((c) => c.rule).sort()).toEqual(CONTRACT.map((r) => r.rule).sort());
  });

  it.each(cases)("stops a task with $reason, saying why ($rule)", async ({ broken, family, stoppedReason, exitCode, line }) => {
    const w = await langGraphAccount(true);
    const r = await w.run(broken(w.good(), w.endpoint), family);
    expect(r.running).toBe(0);
    expect([r.task?.stoppedReason, r.task?.containers?.[0].exitCode]).toEqual([stoppedReason, exitCode]);
    expect(r.lines.some((l) => l.includes(line)), r.lines.join("\n")).toBe(true);
  });

  it("serves a container that keeps the contract, api and queue alike", async () => {
    const w = await langGraphAccount(true);
    expect(await w.run(w.good())).toMatchObject({ task: undefined, rollout: "COMPLETED", running: 1 });
    const queue = { ...w.good(), name: "queue", command: QUEUE_COMMAND };
    expect(await w.run(queue, "lg-demo-queue")).toMatchObject({ task: undefined, rollout: "COMPLETED", running: 1 });
  });

  it("when off, lets the same broken container serve (today's sandbox)", async () => {
    const w = await langGraphAccount(false);
    const curl = { ...w.good(), healthCheck: { ...HEALTHY, command: ["CMD-SHELL", "curl -f http://localhost:8000/ok || exit 1"] } };
    expect(await w.run(withEnv(curl, "REDIS_URI", "redis://lg-demo-redis:6379"))).toMatchObject({ task: undefined, rollout: "COMPLETED", running: 1 });
  });

  it("keeps a fail… image failing its health check", async () => {
    const w = await langGraphAccount(true);
    const r = await w.run({ ...w.good(), image: `${IMAGE}:fail-boot` });
    expect(r.task?.stoppedReason).toBe("Task failed container health checks");
  });
});
