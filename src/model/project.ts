// Plain types of desired and observed state, shared by the API, the store, the engine and the
// reconcilers. Nothing here knows of SQL, HTTP or AWS.

export interface DatabaseSpec {
  mode: "rds" | "external";
  instanceClass?: string;
  allocatedStorageGb?: number;
  engineVersion?: string;
}
/**
 * `replicas`: the fixed count, or the autoscaler's minimum when `maxReplicas` > `replicas` (docs/reference.md §4,
 * scalable targets).
 */
export interface ServiceResources { cpu: number; memoryMb: number; replicas: number; maxReplicas: number }
export interface ResourcesSpec { api: ServiceResources; queue: ServiceResources }
export type DeploymentType = "dev" | "prod";
export const CPU_ARCHITECTURES = ["X86_64", "ARM64"] as const;
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];
/**
 * The deployment's load balancer: internet-facing in the public subnets, or internal in the private ones; with an
 * ACM certificate (same account and region) HTTPS on 443 and 80 redirecting to it, else HTTP on 80.
 */
export interface IngressSpec { visibility: "public" | "internal"; certificateArn?: string }
export type DeletionPolicy = "snapshot" | "delete" | "retain";
export type Phase = "Provisioning" | "Ready" | "Degraded" | "Deleting" | "Failed";
export type RevisionStatus = "QUEUED" | "DEPLOYING" | "DEPLOYED" | "DEPLOY_FAILED" | "SKIPPED" | "INTERRUPTED";
export const CONDITION_TYPES = ["CredentialsValid", "NetworkReady", "SecretsReady", "DatabaseReady", "IngressReady", "ServicesReady", "Synced", "Ready"] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export type ConditionStatus = "True" | "False" | "Unknown";

/** Names the operator sets itself; users may not. */
export const RESERVED_ENV = [
  "POSTGRES_URI", "DATABASE_URI", "REDIS_URI", "PORT", "N_JOBS_PER_WORKER", "LANGSMITH_HOST_PROJECT_ID", "LANGSMITH_HOST_REVISION_ID",
] as const;

/** The secrets the LangGraph server takes its licence from; without either the operator adds BYOC_LICENSE_KEY's. */
export const LICENSE_SECRET_NAMES = ["LANGSMITH_API_KEY", "LANGGRAPH_CLOUD_LICENSE_KEY"] as const;

export interface Revision {
  id: string;
  projectId: string;
  number: number;
  image: string;
  env: Record<string, string>;
  status: RevisionStatus;
  message: string;
  createdAt: Date;
}

/** The spec fields a project has however it is held (a row to write, a pass's desired state). */
export interface ProjectSpec {
  name: string;
  region: string;
  roleArn: string;
  accountId: string;
  externalId: string;
  deploymentType: DeploymentType;
  database: DatabaseSpec;
  resources: ResourcesSpec;
  cpuArchitecture: CpuArchitecture;
  ingress: IngressSpec;
  env: Record<string, string>;
  deletionPolicy: DeletionPolicy;
}

/** What a reconcile pass is given: the whole desired state of one project, secrets opened. */
export interface DesiredProject extends ProjectSpec {
  id: string;
  /** Only for database.mode = external. */
  databaseUri?: string;
  secrets: Record<string, string>;
  generation: number;
  deleting: boolean;
  /** Newest first. */
  revisions: Revision[];
}

/** What a dry run says (GET /v1/projects/{id}/plan): the actions a pass would take now, and where it would stop. */
export interface PassPlan {
  actions: Array<{ verb: string; kind: string; resource: string; reason: string; diffs: Array<{ field: string; actual: string; desired: string }> }>;
  steps: Array<{ kind: string; outcome: string; reason: string; message: string }>;
}

export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface ResourceObservation {
  kind: string;
  name: string;
  arn: string | null;
  phase: string;
  lastError: { code: string; message: string } | null;
}

export interface EventRecord {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  resource?: string;
  /**
   * A condition seen again by every pass or retry (a failing call, storage that cannot shrink), not a
   * change the operator made: recorded once per ten minutes. Changes are always recorded.
   */
  repeats?: boolean;
}

const DEFAULT_SERVICE = { cpu: 1024, memoryMb: 2048, replicas: 1, maxReplicas: 1 };
/** LangGraph's production deployments scale to 10 containers. */
const PROD_MAX_REPLICAS = 10;

/**
 * A service's resources with `maxReplicas` filled in: never below `replicas` (a fixed count asks for no
 * autoscaling); rows written before `maxReplicas` existed read as fixed.
 */
function withMax(s: Omit<ServiceResources, "maxReplicas"> & { maxReplicas?: number }, defaultMax: number): ServiceResources {
  return { ...s, maxReplicas: s.maxReplicas ?? Math.max(defaultMax, s.replicas) };
}
export function resourcesOfRow(r: { api: Omit<ServiceResources, "maxReplicas"> & { maxReplicas?: number }; queue: Omit<ServiceResources, "maxReplicas"> & { maxReplicas?: number } }): ResourcesSpec {
  return { api: withMax(r.api, r.api.replicas), queue: withMax(r.queue, r.queue.replicas) };
}

/** docs/reference.md §3 defaults, applied on create; prod changes the DB class and the API replica count. */
export function withDefaults(input: {
  deploymentType?: DeploymentType;
  database?: Partial<DatabaseSpec> & { uri?: string };
  resources?: { api?: Partial<ResourcesSpec["api"]>; queue?: Partial<ResourcesSpec["queue"]> };
}): { deploymentType: DeploymentType; database: DatabaseSpec; resources: ResourcesSpec } {
  const deploymentType = input.deploymentType ?? "dev";
  const prod = deploymentType === "prod";
  const db = input.database ?? {};
  const database: DatabaseSpec = db.mode === "external"
    ? { mode: "external" }
    : {
        mode: "rds",
        instanceClass: db.instanceClass ?? (prod ? "db.m6g.large" : "db.t4g.micro"),
        allocatedStorageGb: db.allocatedStorageGb ?? 20,
        engineVersion: db.engineVersion ?? "16",
      };
  const max = prod ? PROD_MAX_REPLICAS : 1;
  const { maxReplicas: _a, ...apiDefaults } = DEFAULT_SERVICE;
  const resources: ResourcesSpec = {
    api: withMax({ ...apiDefaults, replicas: prod ? 2 : 1, ...input.resources?.api }, max),
    queue: withMax({ ...apiDefaults, ...input.resources?.queue }, max),
  };
  return { deploymentType, database, resources };
}

/**
 * docs/reference.md §3: prod runs at least two API replicas (reconcilers/services.ts desiredCount). The API refuses
 * fewer; rows written before it did read back the count that really runs.
 */
export function replicasRun(deploymentType: DeploymentType, resources: ResourcesSpec): ResourcesSpec {
  if (deploymentType !== "prod" || resources.api.replicas >= 2) return resources;
  return { ...resources, api: { ...resources.api, replicas: 2, maxReplicas: Math.max(2, resources.api.maxReplicas) } };
}

/** Fargate's valid cpu → memory (MiB) combinations. */
export function validMemoryForCpu(cpu: number): number[] {
  const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  switch (cpu) {
    case 256: return [512, 1024, 2048];
    case 512: return range(1024, 4096, 1024);
    case 1024: return range(2048, 8192, 1024);
    case 2048: return range(4096, 16384, 1024);
    case 4096: return range(8192, 30720, 1024);
    case 8192: return range(16384, 61440, 4096);
    case 16384: return range(32768, 122880, 8192);
    default: return [];
  }
}
