// A model of the LangGraph server image (docs/reference.md §4, "the container contract"): what the real image does
// with the task definition it is given, so the sandbox refuses a deployment that real AWS would run
// but that would never serve. Each rule is one row of CONTRACT: what it checks, the stoppedReason and
// exit code ECS would report, and the line the container would log. Rules are tried in the order the
// server meets them at start-up (licence, Postgres, Redis, entrypoint), then its health check; the
// first broken one decides how the task stops. Redis containers (image `…/redis:…`) are not LangGraph.
import { serviceByDnsName, instancesOf } from "./cloudmap.js";
import type { EcsTaskDefinition } from "./ecs-model.js";
import type { OpContext } from "./state.js";

export interface ContainerView {
  name: string;
  image: string;
  /** queue when the container or its family is the queue, else api. */
  role: "api" | "queue";
  /** environment and secrets as the container sees them (secrets resolved from Secrets Manager). */
  env: Record<string, string>;
  command?: string[];
  healthCheck?: string[];
  /** The task's private IP, as Postgres sees the client. */
  ip?: string;
}

export interface ContractRule {
  rule: string;
  /** When the container meets it: at start-up (it exits), or in its health check (ECS kills it). */
  phase: "startup" | "healthcheck";
  /** What is wrong, in the container's own words, or undefined when the rule holds. */
  check(ctx: OpContext, c: ContainerView): string | undefined;
  stoppedReason: string;
  exitCode: number;
}

export interface ContractFailure {
  rule: string;
  phase: ContractRule["phase"];
  stoppedReason: string;
  exitCode: number;
  /** The log line the container writes before it stops (secret values never appear in it). */
  line: string;
}

const EXITED = "Essential container in task exited";
const UNHEALTHY = "Task failed container health checks";
const QUEUE_COMMAND = ["python", "-m", "langgraph_api.queue_entrypoint"];
const HEALTH_CHECK = "python /api/healthcheck.py";

function uriHost(uri: string): { host: string; port?: string; query: URLSearchParams } | undefined {
  try {
    const u = new URL(uri);
    return { host: u.hostname, port: u.port || undefined, query: u.searchParams };
  } catch {
    return undefined;
  }
}

const postgresUri = (c: ContainerView) => c.env.POSTGRES_URI ?? c.env.DATABASE_URI;
const isRdsHost = (host: string) => /\.rds\.amazonaws\.com(\.cn)?$/.test(host);
const SERVING = new Set(["available", "backing-up", "modifying", "storage-optimization", "maintenance", "configuring-enhanced-monitoring", "configuring-log-exports"]);

/** The project's RDS instance a POSTGRES_URI names, when its host is an endpoint of this account and region. */
function rdsInstanceOf(ctx: OpContext, host: string) {
  return Object.values(ctx.s.rds.instances).find((i) => i.endpointAddress === host);
}

function postgresUnreachable(ctx: OpContext, c: ContainerView): string | undefined {
  const uri = postgresUri(c);
  if (uri === undefined) return undefined;
  const parsed = uriHost(uri);
  if (!parsed) return "psycopg.OperationalError: invalid connection option in POSTGRES_URI: it is not a postgres:// URI";
  // A host outside RDS is the customer's own database (POSTGRES_URI_CUSTOM): the sandbox cannot see it.
  if (!isRdsHost(parsed.host)) return undefined;
  const inst = rdsInstanceOf(ctx, parsed.host);
  if (!inst) return `psycopg.OperationalError: connection is bad: could not translate host name "${parsed.host}" to address: Name or service not known`;
  if (!SERVING.has(inst.status)) {
    return `psycopg.OperationalError: connection failed: connection to server at "${parsed.host}", port ${parsed.port ?? 5432} failed: Connection refused`;
  }
  return undefined;
}

function postgresWithoutTls(ctx: OpContext, c: ContainerView): string | undefined {
  const parsed = uriHost(postgresUri(c) ?? "");
  if (!parsed || !isRdsHost(parsed.host)) return undefined;
  const inst = rdsInstanceOf(ctx, parsed.host);
  if (!inst || Number.parseInt(inst.engineVersion, 10) < 15) return undefined;
  const mode = parsed.query.get("sslmode");
  if (mode === "require" || mode === "verify-ca" || mode === "verify-full") return undefined;
  const user = decodeURIComponent(new URL(postgresUri(c)!).username || "postgres");
  const db = new URL(postgresUri(c)!).pathname.slice(1) || user;
  return `psycopg.OperationalError: connection failed: FATAL: no pg_hba.conf entry for host "${c.ip ?? "10.0.0.1"}", user "${user}", database "${db}", no encryption`;
}

function redisUnresolvable(ctx: OpContext, c: ContainerView): string | undefined {
  const uri = c.env.REDIS_URI;
  if (uri === undefined) return undefined;
  const parsed = uriHost(uri);
  if (!parsed) return "redis.exceptions.ConnectionError: REDIS_URI is not a redis:// URI";
  const port = parsed.port ?? "6379";
  // An IP literal or an ElastiCache endpoint is reachable as far as the sandbox can tell.
  if (/^\d+\.\d+\.\d+\.\d+$/.test(parsed.host) || /\.cache\.amazonaws\.com$/.test(parsed.host)) return undefined;
  const svc = serviceByDnsName(ctx, parsed.host);
  if (svc && instancesOf(ctx, svc).length) return undefined;
  return `redis.exceptions.ConnectionError: Error -2 connecting to ${parsed.host}:${port}. Name or service not known.`;
}

function healthCheckCommand(cmd: string[] | undefined): string | undefined {
  if (!cmd?.length) return undefined;
  const [kind, ...rest] = cmd;
  const line = kind === "CMD-SHELL" ? rest.join(" ") : kind === "CMD" ? rest.join(" ") : cmd.join(" ");
  const first = line.trim().split(/\s+/)[0] ?? "";
  if (line.trim().replace(/\s*\|\|\s*exit 1$/, "") === HEALTH_CHECK) return undefined;
  if (first === "python" || first === "python3") return `python: can't open file '${line.trim().split(/\s+/)[1] ?? ""}': [Errno 2] No such file or directory`;
  return kind === "CMD-SHELL" ? `/bin/sh: 1: ${first}: not found` : `exec: "${first}": executable file not found in $PATH`;
}

/** The contract, in the order the server meets it. */
export const CONTRACT: readonly ContractRule[] = [
  {
    rule: "licence-key",
    phase: "startup",
    check: (_ctx, c) => (c.env.LANGSMITH_API_KEY || c.env.LANGGRAPH_CLOUD_LICENSE_KEY ? undefined
      : "License verification failed: set LANGGRAPH_CLOUD_LICENSE_KEY or LANGSMITH_API_KEY"),
    stoppedReason: EXITED,
    exitCode: 1,
  },
  {
    rule: "postgres-uri-set",
    phase: "startup",
    check: (_ctx, c) => (postgresUri(c) === undefined ? "ValueError: POSTGRES_URI (or DATABASE_URI) must be set" : undefined),
    stoppedReason: EXITED,
    exitCode: 1,
  },
  { rule: "postgres-reachable", phase: "startup", check: postgresUnreachable, stoppedReason: EXITED, exitCode: 1 },
  { rule: "postgres-tls", phase: "startup", check: postgresWithoutTls, stoppedReason: EXITED, exitCode: 1 },
  {
    rule: "redis-uri-set",
    phase: "startup",
    check: (_ctx, c) => (c.env.REDIS_URI === undefined ? "ValueError: REDIS_URI must be set" : undefined),
    stoppedReason: EXITED,
    exitCode: 1,
  },
  { rule: "redis-discoverable", phase: "startup", check: redisUnresolvable, stoppedReason: EXITED, exitCode: 1 },
  {
    rule: "queue-entrypoint",
    phase: "startup",
    check: (_ctx, c) => (c.role === "queue" && (c.command ?? []).join(" ") !== QUEUE_COMMAND.join(" ")
      ? `the queue container must run ${JSON.stringify(QUEUE_COMMAND)}; with ${JSON.stringify(c.command ?? [])} it starts a second API server`
      : undefined),
    stoppedReason: EXITED,
    exitCode: 2,
  },
  { rule: "health-check-command", phase: "healthcheck", check: (_ctx, c) => healthCheckCommand(c.healthCheck), stoppedReason: UNHEALTHY, exitCode: 137 },
];

/** Redis (and anything that is not the LangGraph image) is not held to its contract. */
export function isLangGraphImage(image: string): boolean {
  // Docker's official images through ECR Public (redis, nginx…) are never a LangGraph build.
  if (image.startsWith("public.ecr.aws/docker/library/")) return false;
  // The repository's last path segment, without tag or digest (a registry host may carry a port).
  const repo = image.split("@")[0].split("/").pop()!.split(":")[0];
  return repo !== "redis";
}

/** The first rule the container breaks, as the task will report it. */
export function contractFailure(ctx: OpContext, c: ContainerView): ContractFailure | undefined {
  for (const r of CONTRACT) {
    const line = r.check(ctx, c);
    if (line !== undefined) return { rule: r.rule, phase: r.phase, stoppedReason: r.stoppedReason, exitCode: r.exitCode, line };
  }
  return undefined;
}

interface ContainerDef {
  name?: string;
  image?: string;
  essential?: boolean;
  command?: string[];
  environment?: { name?: string; value?: string }[];
  secrets?: { name?: string; valueFrom?: string }[];
  healthCheck?: { command?: string[] };
}

/** A secret reference (`arn…:secret:name-AbCdEf[:jsonKey::]`) resolved as the ECS agent would; undefined when it cannot be. */
export function resolveSecret(ctx: OpContext, valueFrom: string): string | undefined {
  if (!valueFrom.includes(":secretsmanager:")) return undefined;
  const parts = valueFrom.split(":");
  const arn = parts.slice(0, 7).join(":");
  const jsonKey = parts[7];
  const secret = Object.values(ctx.s.secrets.secrets).find((x) => x.arn === arn || x.arn.slice(0, -7) === arn);
  const current = secret?.versions.find((v) => v.stages.includes("AWSCURRENT"))?.value;
  if (current === undefined || !jsonKey) return current;
  try {
    const v = (JSON.parse(current) as Record<string, unknown>)[jsonKey];
    return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/** The essential LangGraph containers of a task definition as the image would see them. */
export function langGraphContainers(ctx: OpContext, td: EcsTaskDefinition, ip?: string): ContainerView[] {
  const defs = (td.spec.containerDefinitions ?? []) as ContainerDef[];
  return defs.filter((d) => d.essential !== false && d.image && isLangGraphImage(d.image)).map((d) => {
    const env: Record<string, string> = {};
    for (const e of d.environment ?? []) if (e.name) env[e.name] = e.value ?? "";
    for (const s of d.secrets ?? []) {
      const v = s.name && s.valueFrom ? resolveSecret(ctx, s.valueFrom) : undefined;
      if (s.name && v !== undefined) env[s.name] = v;
    }
    const queue = d.name === "queue" || td.family.endsWith("-queue");
    return { name: d.name ?? "", image: d.image!, role: queue ? "queue" : "api", env, command: d.command, healthCheck: d.healthCheck?.command, ip };
  });
}
