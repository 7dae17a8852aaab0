// LangSmith's deployment shapes ↔ our projects and revisions. A /v2 write becomes the /v1 body it means
// and goes through the same validation and store code (one code path for the rules); a refusal from
// that path is told back in LangSmith's field names.
import type { ProjectRow, RevisionRow } from "../../../store/projects.js";
import type { DeploymentRow } from "../../../store/revisions.js";
import { ProblemError, type FieldError } from "../../problem.js";
import type { ProjectCreate, ProjectPatch } from "../../schemas.js";
import { UNSUPPORTED_RESOURCE_FIELDS, type DeploymentCreate, type DeploymentPatch, type ResourceSpec } from "./schemas.js";

type Secret = { name: string; value: string };
type Resources = NonNullable<ProjectCreate["resources"]>;
type ServicePart = Partial<NonNullable<Resources["api"]>> & { maxReplicas?: number };

function invalid(errors: FieldError[]): never {
  throw new ProblemError(400, "Invalid request", errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
}

const SPEC = "source_config.resource_spec";

/**
 * resource_spec → resources: min_scale/max_scale/cpu (vCPU)/memory_mb are the api's, queue_* the queue's.
 * max_scale is the autoscaling maximum (maxReplicas); only given fields are set, the rest keep defaults.
 */
export function resourcesFromSpec(spec: ResourceSpec | undefined): Resources | undefined {
  if (!spec) return undefined;
  const refused = UNSUPPORTED_RESOURCE_FIELDS.filter((f) => (spec as Record<string, unknown>)[f] !== undefined);
  const why = "cannot be honoured on Fargate (tasks get exactly their cpu and memory_mb)";
  if (refused.length) invalid(refused.map((f) => ({ field: `${SPEC}.${f}`, message: why })));
  const errors: FieldError[] = [];
  const part = (min?: number, max?: number, cpu?: number, memory?: number, prefix = ""): ServicePart | undefined => {
    if (min !== undefined && max !== undefined && max < min) {
      errors.push({ field: `${SPEC}.${prefix}max_scale`, message: `must be at least ${prefix}min_scale (${min})` });
    }
    const out: ServicePart = {
      ...(min !== undefined ? { replicas: min } : {}), ...(max !== undefined ? { maxReplicas: max } : {}),
      ...(cpu !== undefined ? { cpu: Math.round(cpu * 1024) as never } : {}), ...(memory !== undefined ? { memoryMb: memory } : {}),
    };
    return Object.keys(out).length ? out : undefined;
  };
  const api = part(spec.min_scale, spec.max_scale, spec.cpu, spec.memory_mb);
  const queue = part(spec.queue_min_scale, spec.queue_max_scale, spec.queue_cpu, spec.queue_memory_mb, "queue_");
  if (errors.length) invalid(errors);
  return { ...(api ? { api: api as never } : {}), ...(queue ? { queue: queue as never } : {}) };
}

function secretsMap(list: Secret[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  const errors: FieldError[] = [];
  list.forEach((s, i) => {
    if (s.name in out) errors.push({ field: `secrets.${i}.name`, message: `${s.name} is given twice` });
    out[s.name] = s.value;
  });
  if (errors.length) invalid(errors);
  return out;
}

/** The /v1 create body a /v2 create means; region and role come from the tenant (see tenancy.ts). */
export function projectCreateFrom(body: DeploymentCreate): ProjectCreate {
  const resources = resourcesFromSpec(body.source_config?.resource_spec);
  const secrets = secretsMap(body.secrets);
  const image = body.source_revision_config?.image_uri;
  return {
    name: body.name,
    ...(body.source_config?.deployment_type ? { deploymentType: body.source_config.deployment_type } : {}),
    ...(resources ? { resources } : {}), ...(secrets ? { secrets } : {}), ...(image ? { image } : {}),
  };
}

/** The /v1 merge patch a /v2 PATCH means: `secrets` is the whole list, so names not in it are removed. */
export function projectPatchFrom(body: DeploymentPatch, current: ProjectRow): ProjectPatch | undefined {
  const patch: ProjectPatch = {};
  const secrets = secretsMap(body.secrets);
  if (secrets) patch.secrets = { ...Object.fromEntries(current.secretNames.map((n) => [n, null])), ...secrets };
  const resources = resourcesFromSpec(body.source_config?.resource_spec);
  if (resources && Object.keys(resources).length) patch.resources = resources;
  if (body.source_config?.deployment_type) patch.deploymentType = body.source_config.deployment_type;
  return Object.keys(patch).length ? patch : undefined;
}

/** /v1 field paths → LangSmith's, so a refusal names what the caller sent. */
const FIELD_NAMES: Array<[RegExp, (m: RegExpMatchArray, secrets: Secret[]) => string]> = [
  [/^image$/, () => "source_revision_config.image_uri"],
  [/^deploymentType$/, () => "source_config.deployment_type"],
  [/^region$/, () => "tenant.defaultRegion"],
  [/^roleArn$/, () => "tenant.defaultRoleArn"],
  [/^resources\.(api|queue)\.(cpu|memoryMb|replicas|maxReplicas)$/, (m) => `${SPEC}.${m[1] === "queue" ? "queue_" : ""}${
    ({ cpu: "cpu", memoryMb: "memory_mb", replicas: "min_scale", maxReplicas: "max_scale" } as Record<string, string>)[m[2]]}`],
  [/^secrets\.(\w+)$/, (m, secrets) => { const i = secrets.findIndex((s) => s.name === m[1]); return i < 0 ? "secrets" : `secrets.${i}.name`; }],
];

export function inLangSmithTerms(err: unknown, secrets: Secret[] = []): unknown {
  if (!(err instanceof ProblemError) || !err.errors) return err;
  const errors = err.errors.map((e) => {
    for (const [re, to] of FIELD_NAMES) {
      const m = e.field.match(re);
      const message = e.message.replace(/defaultRegion|defaultRoleArn/, (d) => `${d} (set it with PATCH /v1/tenants/{id})`);
      if (m) return { field: to(m, secrets), message };
    }
    return e;
  });
  return new ProblemError(err.status, err.title, errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors, err.headers);
}

const tagOf = (image: string) => image.slice(Math.max(image.lastIndexOf(":"), image.lastIndexOf("@")) + 1);
const vcpu = (units: number) => units / 1024;

export function deploymentView(d: DeploymentRow) {
  const p = d.project;
  const { api, queue } = p.resources as Resources & { api: ServicePart; queue: ServicePart };
  return {
    id: p.id, name: p.name, tenant_id: p.tenantId, created_at: p.createdAt.toISOString(), updated_at: p.updatedAt.toISOString(),
    source: "external_docker" as const,
    source_config: {
      deployment_type: p.deploymentType,
      resource_spec: {
        min_scale: api.replicas!, max_scale: api.maxReplicas ?? api.replicas!, cpu: vcpu(api.cpu!), memory_mb: api.memoryMb!,
        queue_min_scale: queue.replicas!, queue_max_scale: queue.maxReplicas ?? queue.replicas!,
        queue_cpu: vcpu(queue.cpu!), queue_memory_mb: queue.memoryMb!,
      },
      // The load balancer's URL, once the ingress work records it on the project (SPEC §6 `url`).
      custom_url: (p as { url?: string | null }).url ?? null,
    },
    source_revision_config: { image_uri: d.latest?.image ?? null },
    status: d.status,
    latest_revision_id: d.latest?.id ?? null,
    active_revision_id: d.active?.id ?? null,
    image_version: d.active ? tagOf(d.active.image) : null,
  };
}

export function revisionV2View(r: RevisionRow) {
  return {
    id: r.id, created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString(),
    status: r.status, status_message: r.message, source: "external_docker" as const,
    source_revision_config: { image_uri: r.image },
  };
}
