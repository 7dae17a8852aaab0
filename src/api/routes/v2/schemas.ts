// Schemas of the LangSmith-compatible API (SPEC §7.1), in LangSmith's own field names (snake_case). As on
// /v1, the same objects validate requests and generate /openapi.json. The references for names are
// LangSmith's published control-plane OpenAPI and the langgraph CLI's client (host-backend.mjs): its
// PATCH sends `revision_source`, its lists read `resources`, its log reads `logs` and `next_offset`.
import { Type, type Static } from "typebox";
import { ECR_IMAGE, ENV_NAME, ENV_VALUE, PROJECT_NAME } from "../../schemas.js";

const Strict = { additionalProperties: false } as const;
const UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/** BYOC runs images already in the customer's registry; `internal_docker` is what the CLI's PATCH says. */
const Source = Type.Union([Type.Literal("external_docker"), Type.Literal("internal_docker")], {
  description: "Where the image comes from: BYOC deploys images already pushed to the customer's ECR",
});
const DeploymentType = Type.Union([Type.Literal("dev"), Type.Literal("prod")]);
const Secret = Type.Object({
  name: Type.String({ pattern: ENV_NAME, maxLength: 256 }),
  value: Type.String({ maxLength: 32_768, pattern: ENV_VALUE }),
}, Strict);
const Secrets = Type.Array(Secret, { maxItems: 200, description: "Write-only; stored encrypted, never returned" });

const Scale = Type.Integer({ minimum: 0, maximum: 100 });
const Cpu = Type.Union([0.25, 0.5, 1, 2, 4, 8, 16].map((n) => Type.Literal(n)), { description: "vCPU (Fargate sizes)" });
const MemoryMb = Type.Integer({ minimum: 512, maximum: 122_880 });
/**
 * LangSmith's resource_spec. Fields of it that Fargate cannot honour are listed so that the refusal can
 * say why (400 naming them) instead of "unknown field".
 */
export const UNSUPPORTED_RESOURCE_FIELDS = ["cpu_limit", "memory_limit_mb", "labels"] as const;
const Refused = Type.Unknown({ description: "Refused: Fargate cannot honour it" });
export const ResourceSpec = Type.Object({
  min_scale: Type.Optional(Scale), max_scale: Type.Optional(Scale), cpu: Type.Optional(Cpu), memory_mb: Type.Optional(MemoryMb),
  queue_min_scale: Type.Optional(Scale), queue_max_scale: Type.Optional(Scale), queue_cpu: Type.Optional(Cpu), queue_memory_mb: Type.Optional(MemoryMb),
  cpu_limit: Type.Optional(Refused), memory_limit_mb: Type.Optional(Refused), labels: Type.Optional(Refused),
}, Strict);
export type ResourceSpec = Static<typeof ResourceSpec>;

export const DeploymentCreate = Type.Object({
  name: Type.String({ pattern: PROJECT_NAME, minLength: 3, maxLength: 40 }),
  source: Source,
  source_config: Type.Optional(Type.Object({
    deployment_type: Type.Optional(DeploymentType),
    resource_spec: Type.Optional(ResourceSpec),
  }, Strict)),
  source_revision_config: Type.Optional(Type.Object({
    image_uri: Type.Optional(Type.String({ pattern: ECR_IMAGE, maxLength: 512, description: "Image URI in the customer's ECR" })),
  }, Strict)),
  secrets: Type.Optional(Secrets),
}, Strict);
export type DeploymentCreate = Static<typeof DeploymentCreate>;

export const DeploymentPatch = Type.Object({
  revision_source: Type.Optional(Source),
  source_config: Type.Optional(Type.Object({
    deployment_type: Type.Optional(DeploymentType),
    resource_spec: Type.Optional(ResourceSpec),
  }, Strict)),
  source_revision_config: Type.Optional(Type.Object({
    image_uri: Type.String({ pattern: ECR_IMAGE, maxLength: 512 }),
  }, Strict)),
  secrets: Type.Optional(Type.Array(Secret, { maxItems: 200, description: "The deployment's secrets become exactly these" })),
}, { ...Strict, minProperties: 1 });
export type DeploymentPatch = Static<typeof DeploymentPatch>;

export const DeploymentParams = Type.Object({ deployment_id: Type.String({ pattern: UUID }) }, Strict);
export const RevisionParams = Type.Object({
  deployment_id: Type.String({ pattern: UUID }), revision_id: Type.String({ pattern: UUID }),
}, Strict);

const Limit = Type.Optional(Type.String({ pattern: "^([1-9]\\d?|100)$", description: "1–100, default 20" }));
const Offset = Type.Optional(Type.String({ pattern: "^\\d{1,9}$", description: "The offset a previous page returned" }));
export const DEPLOYMENT_STATUSES = ["AWAITING_DATABASE", "READY", "AWAITING_DELETE", "UNKNOWN"] as const;
export const REVISION_STATUSES = ["QUEUED", "DEPLOYING", "DEPLOYED", "DEPLOY_FAILED", "SKIPPED", "INTERRUPTED"] as const;
const statusList = (values: readonly string[]) => Type.Optional(Type.String({
  pattern: `^(${values.join("|")})(,(${values.join("|")}))*$`, description: `comma-separated: ${values.join(", ")}`,
}));
export const DeploymentsQuery = Type.Object({
  name_contains: Type.Optional(Type.String({ maxLength: 40 })), limit: Limit, offset: Offset, status: statusList(DEPLOYMENT_STATUSES),
}, Strict);
export const RevisionsQuery = Type.Object({ limit: Limit, offset: Offset, status: statusList(REVISION_STATUSES) }, Strict);

// ---- responses ----
const Timestamp = Type.String({ format: "date-time" });
const ResourceSpecOut = Type.Object({
  min_scale: Type.Integer(), max_scale: Type.Integer(), cpu: Type.Number(), memory_mb: Type.Integer(),
  queue_min_scale: Type.Integer(), queue_max_scale: Type.Integer(), queue_cpu: Type.Number(), queue_memory_mb: Type.Integer(),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const Deployment = Type.Object({
  id: Type.String({ format: "uuid" }),
  name: Type.String(),
  tenant_id: Type.String({ format: "uuid" }),
  created_at: Timestamp,
  updated_at: Timestamp,
  source: Type.Literal("external_docker"),
  source_config: Type.Object({
    deployment_type: DeploymentType, resource_spec: ResourceSpecOut,
    custom_url: Nullable(Type.String({ description: "The deployment's URL (its load balancer); null until it exists" })),
  }),
  source_revision_config: Type.Object({ image_uri: Nullable(Type.String()) }),
  status: Type.Union([Type.Literal("AWAITING_DATABASE"), Type.Literal("READY"), Type.Literal("AWAITING_DELETE"), Type.Literal("UNKNOWN")]),
  latest_revision_id: Nullable(Type.String({ format: "uuid" })),
  active_revision_id: Nullable(Type.String({ format: "uuid" })),
  image_version: Nullable(Type.String({ description: "The serving image's tag or digest" })),
});
export const Revision = Type.Object({
  id: Type.String({ format: "uuid" }),
  created_at: Timestamp,
  updated_at: Timestamp,
  status: Type.String({ enum: [...REVISION_STATUSES] }),
  status_message: Type.String(),
  source: Type.Literal("external_docker"),
  source_revision_config: Type.Object({ image_uri: Type.String() }),
});
export const page = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({
    resources: Type.Array(item),
    offset: Nullable(Type.Integer({ description: "Pass it back for the next page; null on the last" })),
  });

export const DeployLogsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
  offset: Type.Optional(Type.String({ pattern: "^\\d{1,9}$" })),
  level: Type.Optional(Type.String({ pattern: "^[A-Za-z]{1,16}$" })),
  query: Type.Optional(Type.String({ maxLength: 1024 })),
  start_time: Type.Optional(Type.String({ format: "date-time" })),
  end_time: Type.Optional(Type.String({ format: "date-time" })),
}, Strict);
export type DeployLogsQuery = Static<typeof DeployLogsQuery>;
export const DeployLogs = Type.Object({
  logs: Type.Array(Type.Object({
    id: Type.String(), timestamp: Type.Integer({ description: "ms since the epoch" }), level: Type.String(), message: Type.String(),
  })),
  next_offset: Nullable(Type.String()),
});
