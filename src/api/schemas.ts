// Request and response schemas of the admin API (docs/reference.md §7). The same objects validate requests (ajv,
// through Fastify) and generate /openapi.json, so the document cannot disagree with the server.
import { Type, type Static } from "typebox";
import { CERTIFICATE_ARN_PATTERN, ROLE_ARN_PATTERN } from "../cloud/names.js";

const Strict = { additionalProperties: false } as const;
/** What one service may scale to: ECS runs far more, but a deployment asking for more is a typo, not a plan. */
export const MAX_REPLICAS = 100;

export const PROJECT_NAME = "^[a-z][a-z0-9-]*[a-z0-9]$";
export const REGION = "^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$";
export const ROLE_ARN = ROLE_ARN_PATTERN;
export const EXTERNAL_ID = "^[\\w+=,.@:/-]+$";
export const ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";
/** `<acct>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` or `@sha256:<digest>`. */
export const ECR_IMAGE = "^\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9]+(?:[._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$";

/** Env and secret values: no NUL and no lone UTF-16 surrogate (neither can be stored in jsonb nor set in a process environment). */
export const ENV_VALUE = "^[^\\u0000\\uD800-\\uDFFF]*$";
const EnvValue = Type.String({ maxLength: 32_768, pattern: ENV_VALUE });

const EnvMap = Type.Record(Type.String({ pattern: ENV_NAME, maxLength: 256 }), EnvValue, {
  ...Strict, maxProperties: 200, description: "Plain environment variables for the containers.",
});
const SecretMap = Type.Record(Type.String({ pattern: ENV_NAME, maxLength: 256 }), EnvValue, {
  ...Strict, maxProperties: 200, description: "Write-only secret values, stored encrypted; never returned.",
});

const Service = Type.Object({
  cpu: Type.Union([256, 512, 1024, 2048, 4096, 8192, 16384].map((n) => Type.Literal(n)), { description: "Fargate CPU units" }),
  memoryMb: Type.Integer({ minimum: 512, maximum: 122_880 }),
  replicas: Type.Integer({ minimum: 0, maximum: MAX_REPLICAS, description: "The fixed count, or the autoscaler's minimum" }),
  maxReplicas: Type.Optional(Type.Integer({
    minimum: 0, maximum: MAX_REPLICAS,
    description: "At least replicas; above it the service autoscales (default: dev = replicas, prod 10)",
  })),
}, Strict);
const ServicePatch = Type.Partial(Service, Strict);

const CpuArchitecture = Type.Union([Type.Literal("X86_64"), Type.Literal("ARM64")], {
  description: "The containers' CPU architecture (ARM64: images built on Apple silicon); default X86_64",
});
const Visibility = Type.Union([Type.Literal("public"), Type.Literal("internal")], {
  description: "public: internet-facing in the public subnets (default); internal: in the private subnets",
});
const CertificateArn = Type.String({
  pattern: CERTIFICATE_ARN_PATTERN, maxLength: 2048,
  description: "An ACM certificate in the project's account and region: HTTPS on 443, 80 redirects to it",
});
const Ingress = Type.Object({ visibility: Type.Optional(Visibility), certificateArn: Type.Optional(CertificateArn) }, Strict);
/** Merge patch of `ingress`: a null certificateArn removes it (the load balancer serves HTTP on 80 again). */
const IngressPatch = Type.Object({
  visibility: Type.Optional(Visibility), certificateArn: Type.Optional(Type.Union([CertificateArn, Type.Null()])),
}, Strict);

const RdsDatabase = Type.Object({
  mode: Type.Literal("rds"),
  instanceClass: Type.Optional(Type.String({ pattern: "^db\\.[a-z0-9]+\\.[a-z0-9]+$", maxLength: 64 })),
  allocatedStorageGb: Type.Optional(Type.Integer({ minimum: 20, maximum: 65_536 })),
  engineVersion: Type.Optional(Type.String({ pattern: "^\\d+(\\.\\d+)?$", maxLength: 16 })),
}, Strict);
const ExternalDatabase = Type.Object({
  mode: Type.Literal("external"),
  uri: Type.String({ pattern: "^postgres(ql)?://", minLength: 12, maxLength: 2048, description: "Secret; never returned." }),
}, Strict);

const DeploymentType = Type.Union([Type.Literal("dev"), Type.Literal("prod")]);
const DeletionPolicy = Type.Union([Type.Literal("snapshot"), Type.Literal("delete"), Type.Literal("retain")]);
const Image = Type.String({ pattern: ECR_IMAGE, maxLength: 512, description: "Image URI in the customer's ECR" });

export const ProjectCreate = Type.Object({
  name: Type.String({ pattern: PROJECT_NAME, minLength: 3, maxLength: 40 }),
  // region and roleArn default to the tenant's; externalId is the tenant's (only an admin key may set it).
  region: Type.Optional(Type.String({ pattern: REGION, maxLength: 32 })),
  roleArn: Type.Optional(Type.String({ pattern: ROLE_ARN, maxLength: 2048 })),
  externalId: Type.Optional(Type.String({ pattern: EXTERNAL_ID, minLength: 2, maxLength: 1224 })),
  deploymentType: Type.Optional(DeploymentType),
  database: Type.Optional(Type.Union([RdsDatabase, ExternalDatabase])),
  resources: Type.Optional(Type.Object({ api: Type.Optional(Service), queue: Type.Optional(Service) }, Strict)),
  cpuArchitecture: Type.Optional(CpuArchitecture),
  ingress: Type.Optional(Ingress),
  env: Type.Optional(EnvMap),
  secrets: Type.Optional(SecretMap),
  deletionPolicy: Type.Optional(DeletionPolicy),
  image: Type.Optional(Image),
}, Strict);
export type ProjectCreate = Static<typeof ProjectCreate>;

/** JSON Merge Patch (RFC 7396) of the spec: env and secrets entries set to null are removed. */
export const ProjectPatch = Type.Object({
  roleArn: Type.Optional(Type.String({ pattern: ROLE_ARN, maxLength: 2048 })),
  externalId: Type.Optional(Type.String({ pattern: EXTERNAL_ID, minLength: 2, maxLength: 1224 })),
  deploymentType: Type.Optional(DeploymentType),
  database: Type.Optional(Type.Union([
    Type.Object({
      mode: Type.Optional(Type.Literal("rds")),
      instanceClass: Type.Optional(Type.String({ pattern: "^db\\.[a-z0-9]+\\.[a-z0-9]+$", maxLength: 64 })),
      allocatedStorageGb: Type.Optional(Type.Integer({ minimum: 20, maximum: 65_536 })),
      engineVersion: Type.Optional(Type.String({ pattern: "^\\d+(\\.\\d+)?$", maxLength: 16 })),
    }, Strict),
    ExternalDatabase,
  ])),
  resources: Type.Optional(Type.Object({ api: Type.Optional(ServicePatch), queue: Type.Optional(ServicePatch) }, Strict)),
  cpuArchitecture: Type.Optional(CpuArchitecture),
  ingress: Type.Optional(IngressPatch),
  env: Type.Optional(Type.Record(Type.String({ pattern: ENV_NAME, maxLength: 256 }), Type.Union([EnvValue, Type.Null()]), { ...Strict, maxProperties: 200 })),
  secrets: Type.Optional(Type.Record(Type.String({ pattern: ENV_NAME, maxLength: 256 }), Type.Union([EnvValue, Type.Null()]), { ...Strict, maxProperties: 200 })),
  deletionPolicy: Type.Optional(DeletionPolicy),
}, { ...Strict, minProperties: 1 });
export type ProjectPatch = Static<typeof ProjectPatch>;

export const RevisionCreate = Type.Object({ image: Image, env: Type.Optional(EnvMap) }, Strict);
export type RevisionCreate = Static<typeof RevisionCreate>;

export const TokenCreate = Type.Object({
  name: Type.String({ pattern: "^[\\w .@-]+$", minLength: 1, maxLength: 100 }),
  scope: Type.Union([Type.Literal("read"), Type.Literal("write")]),
  expiresAt: Type.Optional(Type.String({ format: "date-time", description: "After this the key is refused (401)." })),
}, Strict);

/** Only the canonical form: ajv's "uuid" format also passes "urn:uuid:…", which Postgres refuses (a 500). */
export const TokenParams = Type.Object({
  id: Type.String({ pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" }),
}, Strict);

export const IdOrName = Type.Object({
  idOrName: Type.String({ pattern: "^([a-z][a-z0-9-]{1,38}[a-z0-9]|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", maxLength: 40 }),
}, Strict);
export const RevisionParams = Type.Object({
  idOrName: IdOrName.properties.idOrName,
  number: Type.String({ pattern: "^[1-9]\\d{0,8}$" }),
}, Strict);
export const ListQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: "^([1-9]\\d?|1\\d\\d|200)$", description: "1–200, default 50" })),
  cursor: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,200}$" })),
}, Strict);
export const EventsQuery = Type.Object({
  ...ListQuery.properties,
  since: Type.Optional(Type.String({ format: "date-time" })),
}, Strict);

// ---- responses ----
const Timestamp = Type.String({ format: "date-time" });
const ServiceOut = Type.Object({ cpu: Type.Integer(), memoryMb: Type.Integer(), replicas: Type.Integer(), maxReplicas: Type.Integer() });
const Url = Type.Union([Type.String(), Type.Null()], {
  description: "The deployment's endpoint (https:// with a certificate, else http://); null until its load balancer exists",
});
export const Project = Type.Object({
  id: Type.String({ format: "uuid" }),
  tenantId: Type.String({ format: "uuid" }),
  name: Type.String(),
  region: Type.String(),
  roleArn: Type.String(),
  externalId: Type.String(),
  deploymentType: DeploymentType,
  database: Type.Object({
    mode: Type.Union([Type.Literal("rds"), Type.Literal("external")]),
    instanceClass: Type.Optional(Type.String()),
    allocatedStorageGb: Type.Optional(Type.Integer()),
    engineVersion: Type.Optional(Type.String()),
  }),
  resources: Type.Object({ api: ServiceOut, queue: ServiceOut }),
  cpuArchitecture: CpuArchitecture,
  ingress: Type.Object({ visibility: Visibility, certificateArn: Type.Optional(Type.String()) }),
  url: Url,
  env: Type.Record(Type.String(), Type.String()),
  secretNames: Type.Array(Type.String()),
  deletionPolicy: DeletionPolicy,
  image: Type.Optional(Type.String()),
  generation: Type.Integer(),
  phase: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const Revision = Type.Object({
  id: Type.String({ format: "uuid" }), projectId: Type.String({ format: "uuid" }), number: Type.Integer(),
  image: Type.String(), env: Type.Record(Type.String(), Type.String()), status: Type.String(), message: Type.String(),
  redeployOf: Type.Union([Type.Integer(), Type.Null()], { description: "The revision this one redeployed (a roll back or forward)" }),
  createdAt: Timestamp, updatedAt: Timestamp,
});
export const Condition = Type.Object({
  type: Type.String(), status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]),
  reason: Type.String(), message: Type.String(), lastTransitionTime: Timestamp, observedGeneration: Type.Integer(),
});
const revisionSummary = (description: string) =>
  Type.Union([Type.Object({ number: Type.Integer(), image: Type.String(), status: Type.String() }), Type.Null()], { description });
export const Status = Type.Object({
  phase: Type.String(), generation: Type.Integer(), observedGeneration: Type.Integer(),
  conditions: Type.Array(Condition),
  resources: Type.Array(Type.Object({
    kind: Type.String(), name: Type.String(), arn: Type.Union([Type.String(), Type.Null()]), phase: Type.String(),
    lastError: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    attempts: Type.Integer(), nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  })),
  url: Url,
  activeRevision: revisionSummary("The revision serving traffic: the newest DEPLOYED"),
  latestRevision: revisionSummary("The newest revision: the one asked for"),
});
export const Event = Type.Object({
  id: Type.String(), type: Type.String(), reason: Type.String(), message: Type.String(),
  resource: Type.Union([Type.String(), Type.Null()]), createdAt: Timestamp,
});
export const Problem = Type.Object({
  type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.Optional(Type.String()), instance: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});
export const listOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
