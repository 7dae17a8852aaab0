// The container contract (docs/reference.md §4) as the operator writes it: one row per rule of
// reconcilers/containers.ts, the licence rule of the env secret and the Postgres URI's sslmode.
import { describe, expect, test } from "vitest";
import {
  containerEnvironment, containerSecrets, HEALTH_CHECK_COMMAND, jobsPerWorker, langGraphContainer, QUEUE_COMMAND, redisContainer,
  runtimePlatform, STOP_TIMEOUT_S,
} from "../../reconcilers/containers.js";
import { envSecretValue } from "../../reconcilers/secrets.js";
import { fromExternalUri, postgresUri } from "../../reconcilers/secretValues.js";
import { REDIS_IMAGE } from "../../src/cloud/names.js";
import type { DesiredProject, Revision, ServiceResources } from "../../src/model/project.js";

const res = (replicas: number): ServiceResources => ({ cpu: 1024, memoryMb: 2048, replicas, maxReplicas: replicas });
const project = (queueReplicas = 1, extra: Partial<DesiredProject> = {}): DesiredProject => ({
  id: "00000000-0000-0000-0000-0000000000aa", name: "shop", region: "us-east-1", roleArn: "arn:aws:iam::111122223333:role/r",
  accountId: "111122223333", externalId: "x", deploymentType: "prod", database: { mode: "rds" },
  resources: { api: res(2), queue: res(queueReplicas) }, cpuArchitecture: "X86_64", ingress: { visibility: "public" },
  env: { MY_FLAG: "1" }, deletionPolicy: "delete", secrets: {}, generation: 1, deleting: false, revisions: [], ...extra,
});
const rev: Revision = {
  id: "rev-7", projectId: "p", number: 7, image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/agent:7", env: { FROM_REV: "y" },
  status: "QUEUED", message: "", createdAt: new Date(0),
};
const refs = { postgresArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:langgraph-cloud/shop/postgres-AbCdEf",
  envArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:langgraph-cloud/shop/env-GhIjKl", envKeys: ["ZED", "LANGSMITH_API_KEY"] };
const logs = { logDriver: "awslogs" as const, options: { "awslogs-group": "g" } };
const envOf = (c: { environment?: { name?: string; value?: string }[] }) => Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));

describe("N_JOBS_PER_WORKER", () => {
  test.each([
    { reason: "the queue always runs the background runs", role: "queue" as const, queue: 1, want: 10 },
    { reason: "the api runs none while a queue service has replicas", role: "api" as const, queue: 2, want: 0 },
    { reason: "the api runs them itself when the queue has no replicas", role: "api" as const, queue: 0, want: 10 },
  ])("$reason", ({ role, queue, want }) => {
    expect(jobsPerWorker(project(queue), role)).toBe(want);
    expect(containerEnvironment(project(queue), rev, role).N_JOBS_PER_WORKER).toBe(String(want));
  });
});

describe("the api and queue containers", () => {
  test.each([
    { reason: "api: port 8000, LangChain's python health check, no command (the image's own server)", role: "api" as const,
      want: { portMappings: [{ containerPort: 8000, protocol: "tcp" }], command: undefined } },
    { reason: "queue: the queue entrypoint, no port", role: "queue" as const,
      want: { portMappings: undefined, command: ["python", "-m", "langgraph_api.queue_entrypoint"] } },
  ])("$reason", ({ role, want }) => {
    const c = langGraphContainer(project(), rev, role, refs, logs);
    expect(c).toMatchObject({ name: role, image: rev.image, essential: true, stopTimeout: 120, logConfiguration: logs });
    expect(c.healthCheck?.command).toEqual(["CMD", "python", "/api/healthcheck.py"]);
    expect(c.portMappings).toEqual(want.portMappings);
    expect(c.command).toEqual(want.command);
    expect(JSON.stringify(c)).not.toMatch(/curl/);
  });

  test("the plain environment: the project's and revision's, then the operator's, which the user cannot override", () => {
    const p = project(1, { env: { MY_FLAG: "1", PORT: "9999", REDIS_URI: "redis://elsewhere:6379" } });
    expect(envOf(langGraphContainer(p, rev, "api", refs, logs))).toEqual({
      MY_FLAG: "1", FROM_REV: "y", PORT: "8000", REDIS_URI: "redis://lg-shop-redis.langgraph-cloud-redis:6379",
      LANGSMITH_HOST_PROJECT_ID: p.id, LANGSMITH_HOST_REVISION_ID: "rev-7", N_JOBS_PER_WORKER: "0",
    });
  });

  test("secrets: the Postgres URI under both names from the secret's `uri` key, each env key by name, sorted", () => {
    expect(containerSecrets(refs)).toEqual([
      { name: "POSTGRES_URI", valueFrom: `${refs.postgresArn}:uri::` },
      { name: "DATABASE_URI", valueFrom: `${refs.postgresArn}:uri::` },
      { name: "LANGSMITH_API_KEY", valueFrom: `${refs.envArn}:LANGSMITH_API_KEY::` },
      { name: "ZED", valueFrom: `${refs.envArn}:ZED::` },
    ]);
  });

  test("the constants are LangChain's (compose/helm): health check, queue entrypoint, 120 s to stop", () => {
    expect({ HEALTH_CHECK_COMMAND, QUEUE_COMMAND, STOP_TIMEOUT_S }).toEqual({
      HEALTH_CHECK_COMMAND: ["CMD", "python", "/api/healthcheck.py"], QUEUE_COMMAND: ["python", "-m", "langgraph_api.queue_entrypoint"],
      STOP_TIMEOUT_S: 120,
    });
  });
});

describe("runtime platform and redis", () => {
  test.each([
    { arch: "X86_64" as const, want: "X86_64" },
    { arch: "ARM64" as const, want: "ARM64" },
    { arch: undefined, want: "X86_64" },
  ])("cpuArchitecture $arch → $want", ({ arch, want }) => {
    expect(runtimePlatform(arch)).toEqual({ operatingSystemFamily: "LINUX", cpuArchitecture: want });
  });

  test("redis: redis 7 from ECR Public, never evicting keys, on 6379", () => {
    const c = redisContainer(logs);
    expect(REDIS_IMAGE).toBe("public.ecr.aws/docker/library/redis:7");
    expect(c).toMatchObject({ name: "redis", image: REDIS_IMAGE, essential: true, portMappings: [{ containerPort: 6379, protocol: "tcp" }] });
    expect(c.command).toEqual(["redis-server", "--maxmemory-policy", "noeviction"]);
  });
});

describe("the licence in the env secret", () => {
  test.each<{ reason: string; secrets: Record<string, string>; key: string | undefined; want: Record<string, string> }>([
    { reason: "no key of the project's own → BYOC_LICENSE_KEY as LANGGRAPH_CLOUD_LICENSE_KEY", secrets: { A: "1" }, key: "lic",
      want: { A: "1", LANGGRAPH_CLOUD_LICENSE_KEY: "lic" } },
    { reason: "the project's LANGSMITH_API_KEY → left as it is", secrets: { LANGSMITH_API_KEY: "ls" }, key: "lic", want: { LANGSMITH_API_KEY: "ls" } },
    { reason: "the project's own licence → not overwritten", secrets: { LANGGRAPH_CLOUD_LICENSE_KEY: "own" }, key: "lic",
      want: { LANGGRAPH_CLOUD_LICENSE_KEY: "own" } },
    { reason: "no licence anywhere → nothing added (services say MissingLicenseKey)", secrets: { A: "1" }, key: undefined, want: { A: "1" } },
    { reason: "an empty key of the project's is no licence", secrets: { LANGSMITH_API_KEY: "" }, key: "lic",
      want: { LANGSMITH_API_KEY: "", LANGGRAPH_CLOUD_LICENSE_KEY: "lic" } },
  ])("$reason", ({ secrets, key, want }) => {
    expect(envSecretValue(secrets, key)).toEqual(want);
  });
});

describe("the Postgres URI", () => {
  test("the RDS instance's URI asks for TLS (RDS for PostgreSQL 15+ forces it)", () => {
    const u = new URL(postgresUri({ username: "langgraph", password: "p@ss/w", host: "db.x.us-east-1.rds.amazonaws.com", port: 5432, dbname: "langgraph" }));
    expect(u.searchParams.get("sslmode")).toBe("require");
    expect(decodeURIComponent(u.password)).toBe("p@ss/w");
    expect(u.pathname).toBe("/langgraph");
  });
  test("an external database's URI is the user's: kept as given", () => {
    const given = "postgres://me:pw@db.example.com:6543/app?sslmode=disable";
    expect(fromExternalUri(given).uri).toBe(given);
  });
});
