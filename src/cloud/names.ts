// Names and tags of SPEC §4, shared by the reconcilers, the sandbox, the Terraform module's test and the docs.
// Changing one here is a breaking change for every customer account already prepared.

export const CLUSTER_NAME = "langgraph-cloud-cluster";
export const LOG_GROUP_NAME = "/aws/ecs/langgraph-cloud";
export const SERVICE_SG_NAME = "langgraph-cloud-service-sg";
export const LB_SG_NAME = "langgraph-cloud-lb-sg";
export const DB_SUBNET_GROUP_NAME = "langgraph-cloud-db-subnet-group";
export const TASK_EXECUTION_ROLE_NAME = "LangGraphCloudECSTaskExecutionRole";

export const TAG_ENABLED = "langgraph-cloud-enabled";
export const TAG_PRIVATE = "langgraph-cloud-private";
/** Every resource we create carries `langgraph-cloud=<project>`; the execution role may only read secrets with it. */
export const TAG_PROJECT = "langgraph-cloud";
export const TAG_PROJECT_ID = "byoc:project-id";
export const TAG_MANAGED_BY = "byoc:managed-by";
export const TAG_SPEC_HASH = "byoc:spec-hash";

export const OPERATOR_ROLE_MANAGED_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonVPCReadOnlyAccess",
  "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
  "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
  "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess",
  "arn:aws:iam::aws:policy/AmazonRDSFullAccess",
] as const;

export const SANDBOX_DEFAULT_EXTERNAL_ID = "sandbox-external-id";

export type ServiceRole = "api" | "queue" | "redis";
export const SERVICE_ROLES: readonly ServiceRole[] = ["api", "queue", "redis"];

export const projectNames = (p: string) => ({
  postgresSecret: `langgraph-cloud/${p}/postgres`,
  envSecret: `langgraph-cloud/${p}/env`,
  dbInstance: `lg-${p}`,
  finalSnapshot: (ts: Date) => `lg-${p}-final-${ts.toISOString().replace(/[-:T]/g, "").slice(0, 14)}`,
  family: (role: ServiceRole) => `lg-${p}-${role}`,
  service: (role: ServiceRole) => `lg-${p}-${role}`,
  logStreamPrefix: p,
});

export function accountOfRoleArn(roleArn: string): string {
  const m = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn);
  if (!m) throw new Error(`not a role ARN: ${roleArn}`);
  return m[1];
}
