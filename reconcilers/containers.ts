// The container contract (docs/reference.md §4): what the LangGraph server image and its Redis need from
// the task definitions the operator registers. Pure functions of the project, the revision and the secrets'
// ARNs, so every rule is a row in test/reconcilers/containers.test.ts; taskDefinitions.ts wraps them in the
// family, roles and tags it registers. The health check and queue entrypoint are LangChain's own: the
// langgraph CLI's compose file and LangChain's Helm chart probe `python /api/healthcheck.py` and run the
// queue with `python -m langgraph_api.queue_entrypoint`; nothing promises curl is in the image.
import type { ContainerDefinition, RuntimePlatform } from "@aws-sdk/client-ecs";
import { CONTAINER_PORT, projectNames, REDIS_IMAGE, REDIS_PORT } from "../src/cloud/names.js";
import type { CpuArchitecture, DesiredProject, Revision } from "../src/model/project.js";

export const HEALTH_CHECK_COMMAND = ["CMD", "python", "/api/healthcheck.py"];
export const QUEUE_COMMAND = ["python", "-m", "langgraph_api.queue_entrypoint"];
/** Seconds a stopping task is given before SIGKILL: runs in flight can finish (Fargate allows up to 120). */
export const STOP_TIMEOUT_S = 120;
/** Background runs per worker process; the api runs none when a queue service runs them. */
export const JOBS_PER_WORKER = 10;
export const REDIS_CPU = 256;
export const REDIS_MEMORY_MB = 512;
/** Redis holds the runs' streams and queue signals: evicting keys would lose them, so it refuses writes instead. */
export const REDIS_COMMAND = ["redis-server", "--maxmemory-policy", "noeviction"];

const healthCheck = () => ({ command: [...HEALTH_CHECK_COMMAND], interval: 30, timeout: 5, retries: 3, startPeriod: 60 });

export type LangGraphRole = "api" | "queue";

/** N_JOBS_PER_WORKER: the queue runs the background runs; the api does too only when no queue task runs. */
export function jobsPerWorker(p: Pick<DesiredProject, "resources">, role: LangGraphRole): number {
  if (role === "queue") return JOBS_PER_WORKER;
  return p.resources.queue.replicas > 0 ? 0 : JOBS_PER_WORKER;
}

export const runtimePlatform = (arch: CpuArchitecture | undefined): RuntimePlatform =>
  ({ operatingSystemFamily: "LINUX", cpuArchitecture: arch ?? "X86_64" });

/** The plain environment of an api or queue container: the project's, the revision's, then the operator's own. */
export function containerEnvironment(p: Pick<DesiredProject, "id" | "name" | "env" | "resources">, rev: Revision | undefined,
  role: LangGraphRole): Record<string, string> {
  return {
    ...p.env, ...(rev?.env ?? {}),
    PORT: String(CONTAINER_PORT),
    REDIS_URI: `redis://${projectNames(p.name).redisHost}:${REDIS_PORT}`,
    LANGSMITH_HOST_PROJECT_ID: p.id,
    LANGSMITH_HOST_REVISION_ID: rev?.id ?? "",
    N_JOBS_PER_WORKER: String(jobsPerWorker(p, role)),
  };
}

export interface SecretRefs { postgresArn: string; envArn: string; envKeys: string[] }

/** Secrets Manager references the ECS agent resolves: the Postgres URI twice (both names are read), each env key. */
export function containerSecrets(s: SecretRefs): { name: string; valueFrom: string }[] {
  return [
    { name: "POSTGRES_URI", valueFrom: `${s.postgresArn}:uri::` },
    { name: "DATABASE_URI", valueFrom: `${s.postgresArn}:uri::` },
    ...[...s.envKeys].sort().map((k) => ({ name: k, valueFrom: `${s.envArn}:${k}::` })),
  ];
}

const envList = (env: Record<string, string>) => Object.keys(env).sort().map((name) => ({ name, value: env[name] }));

/** The api or queue container: the revision's image, the contract's health check, the queue's entrypoint. */
export function langGraphContainer(p: DesiredProject, rev: Revision | undefined, role: LangGraphRole, secrets: SecretRefs,
  logConfiguration: ContainerDefinition["logConfiguration"]): ContainerDefinition {
  return {
    name: role, image: rev?.image, essential: true,
    environment: envList(containerEnvironment(p, rev, role)), secrets: containerSecrets(secrets), logConfiguration,
    healthCheck: healthCheck(), stopTimeout: STOP_TIMEOUT_S,
    ...(role === "api"
      ? { portMappings: [{ containerPort: CONTAINER_PORT, protocol: "tcp" as const }] }
      : { command: [...QUEUE_COMMAND] }),
  };
}

export function redisContainer(logConfiguration: ContainerDefinition["logConfiguration"]): ContainerDefinition {
  return {
    name: "redis", image: REDIS_IMAGE, essential: true, command: [...REDIS_COMMAND],
    portMappings: [{ containerPort: REDIS_PORT, protocol: "tcp" }], logConfiguration,
  };
}
