import { createHash } from "node:crypto";

// Names and tags of docs/reference.md §4, shared by the reconcilers, the sandbox, the Terraform module's test and the docs.
// Changing one here is a breaking change for every customer account already prepared.

export const CLUSTER_NAME = "langgraph-cloud-cluster";
export const LOG_GROUP_NAME = "/aws/ecs/langgraph-cloud";
export const SERVICE_SG_NAME = "langgraph-cloud-service-sg";
export const LB_SG_NAME = "langgraph-cloud-lb-sg";
export const DB_SUBNET_GROUP_NAME = "langgraph-cloud-db-subnet-group";
export const TASK_EXECUTION_ROLE_NAME = "LangGraphCloudECSTaskExecutionRole";
/** The Cloud Map private DNS namespace the api and queue find their Redis in. */
export const REDIS_NAMESPACE_NAME = "langgraph-cloud-redis";
/** The inline policy on the operator role: what the managed policies lack (docs/reference.md §4). */
export const OPERATOR_INLINE_POLICY_NAME = "langgraph-cloud-operator-extras";
/** The service-linked role ELB needs before the first load balancer of an account; AWS names it. */
export const ELB_SERVICE_LINKED_ROLE_NAME = "AWSServiceRoleForElasticLoadBalancing";
/** The predefined TLS policy of HTTPS listeners. */
export const LISTENER_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** The port every LangGraph container serves on; the target group and LB SG → service SG rule use it. */
export const CONTAINER_PORT = 8000;
/** The project's Redis: Docker's official image through ECR Public (no Docker Hub pull limits), on its own port. */
export const REDIS_IMAGE = "public.ecr.aws/docker/library/redis:7";
export const REDIS_PORT = 6379;
/** The Cloud Map record of the project's Redis: an A record (awsvpc tasks have their own IP), TTL 10 s. */
export const REDIS_DNS_TTL_S = 10;

/** Target tracking of an autoscaled service (docs/reference.md §4, scalable targets): 75 % CPU and memory. */
export const SCALING_TARGET_VALUE = 75;
export const SCALE_OUT_COOLDOWN_S = 60;
export const SCALE_IN_COOLDOWN_S = 1800;
export const SCALING_METRICS = { cpu: "ECSServiceAverageCPUUtilization", memory: "ECSServiceAverageMemoryUtilization" } as const;
export const ECS_SCALABLE_DIMENSION = "ecs:service:DesiredCount";

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

/** ELBv2 names (load balancers, target groups) are at most 32 characters. */
const ELB_NAME_MAX = 32;

/**
 * `alb(<p>)` of docs/reference.md §4: `lg-<p>` when it fits ELBv2's 32 characters, else `lg-` + the first 22
 * characters of `<p>` + `-` + the first 6 hex digits of sha256(`<p>`), so two long names that share
 * a prefix still differ. A 22-character prefix may end in a hyphen; the hash after it keeps the name valid.
 */
export function albName(p: string): string {
  const plain = `lg-${p}`;
  if (plain.length <= ELB_NAME_MAX) return plain;
  return `lg-${p.slice(0, 22)}-${createHash("sha256").update(p).digest("hex").slice(0, 6)}`;
}

export const projectNames = (p: string) => ({
  postgresSecret: `langgraph-cloud/${p}/postgres`,
  envSecret: `langgraph-cloud/${p}/env`,
  dbInstance: `lg-${p}`,
  finalSnapshot: (ts: Date) => `lg-${p}-final-${ts.toISOString().replace(/[-:T]/g, "").slice(0, 14)}`,
  family: (role: ServiceRole) => `lg-${p}-${role}`,
  service: (role: ServiceRole) => `lg-${p}-${role}`,
  logStreamPrefix: p,
  loadBalancer: albName(p),
  targetGroup: albName(p),
  /** The Cloud Map service the redis ECS service registers in; its DNS name is what REDIS_URI names. */
  redisDiscoveryService: `lg-${p}-redis`,
  redisHost: `lg-${p}-redis.${REDIS_NAMESPACE_NAME}`,
  scalableTarget: (role: "api" | "queue") => `service/${CLUSTER_NAME}/lg-${p}-${role}`,
  scalingPolicy: (role: "api" | "queue", metric: "cpu" | "memory") => `lg-${p}-${role}-${metric}`,
});

/** The partitions a project may live in (docs/reference.md §3); a role ARN names one, a region belongs to one. */
export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"] as const;
export type Partition = (typeof PARTITIONS)[number];

/**
 * IAM's shape of a role ARN: an optional path (`/a/b/`) and a name of 1–64 characters. One source for
 * the API's schema pattern, its validation and the cloud layer (the sandbox's STS included), so a role
 * ARN the API accepts is one every later step can parse.
 */
export const ROLE_ARN_PATTERN = "^arn:(aws|aws-cn|aws-us-gov):iam::(\\d{12}):role/((?:[\\w+=,.@-]+/)*)([\\w+=,.@-]{1,64})$";
const ROLE_ARN = new RegExp(ROLE_ARN_PATTERN);

export interface RoleArn { partition: Partition; accountId: string; path: string; roleName: string }

export function parseRoleArn(roleArn: string): RoleArn | undefined {
  const m = ROLE_ARN.exec(roleArn);
  return m ? { partition: m[1] as Partition, accountId: m[2], path: `/${m[3]}`, roleName: m[4] } : undefined;
}

export function accountOfRoleArn(roleArn: string): string {
  const parsed = parseRoleArn(roleArn);
  if (!parsed) throw new Error(`not a role ARN: ${roleArn}`);
  return parsed.accountId;
}

/**
 * The partition a region is in, by AWS's region naming: cn-* is China, us-gov-* GovCloud, the ISO
 * regions are partitions of their own (which no role ARN we accept names), everything else is `aws`.
 */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  const iso = /^[a-z]{2}-iso([a-z]?)-/.exec(region);
  if (iso) return `aws-iso${iso[1] ? `-${iso[1]}` : ""}`;
  return "aws";
}

/** An IAM role ARN in the partition of `region`, for roles the operator names itself (the execution role). */
export const iamRoleArn = (region: string, accountId: string, roleName: string) =>
  `arn:${partitionOfRegion(region)}:iam::${accountId}:role/${roleName}`;

/** ACM's shape of a certificate ARN (`arn:<partition>:acm:<region>:<account>:certificate/<uuid>`). */
export const CERTIFICATE_ARN_PATTERN =
  "^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-gov)?-[a-z]+-\\d):(\\d{12}):certificate/([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})$";
const CERTIFICATE_ARN = new RegExp(CERTIFICATE_ARN_PATTERN);

export interface CertificateArn { partition: Partition; region: string; accountId: string; id: string }

export function parseCertificateArn(arn: string): CertificateArn | undefined {
  const m = CERTIFICATE_ARN.exec(arn);
  return m ? { partition: m[1] as Partition, region: m[2], accountId: m[3], id: m[4] } : undefined;
}

/**
 * The PostgreSQL major versions RDS offers with standard support (docs/reference.md §3): what a project may
 * create, or upgrade to. An engine version is `<major>` or `<major>.<minor>`.
 */
export const POSTGRES_MAJOR_VERSIONS = ["14", "15", "16", "17", "18"] as const;

/** The load balancer's idle timeout (docs/reference.md §4): LangGraph streams runs for a long time. */
export const LB_IDLE_TIMEOUT_SECONDS = 3600;
/** The target group's health check path (the LangGraph server's /ok) and deregistration delay. */
export const TG_HEALTH_CHECK_PATH = "/ok";
export const TG_DEREGISTRATION_DELAY_SECONDS = 30;
/** How long ECS ignores the target group's health checks of a new api task. */
export const API_HEALTH_CHECK_GRACE_SECONDS = 120;
