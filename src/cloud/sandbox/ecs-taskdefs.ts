// ECS task definitions: RegisterTaskDefinition (revision numbers per family, never reused, Fargate's
// validation of network mode, task-level cpu/memory pairs, execution role for awslogs and secrets),
// DescribeTaskDefinition (ClientException "Unable to describe task definition." when absent),
// ListTaskDefinitions (familyPrefix is the full family name, as ECS documents), Deregister (INACTIVE,
// still describable by revision) and DeleteTaskDefinitions (only INACTIVE ones; DELETE_IN_PROGRESS).
import { fail } from "./errors.js";
import { ecsArn, ecsTags, findTaskDefinition, tagsFromEcs, type EcsTaskDefinition } from "./ecs-model.js";
import { taskDefinitionOutput } from "./ecs-shapes.js";
import type { OperationHandler, OpContext } from "./state.js";

const FAMILY = /^[a-zA-Z0-9_-]{1,255}$/;

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Fargate's task-level CPU → allowed memory (MiB). */
const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function units(value: string | undefined, unit: RegExp, scale: number): number | undefined {
  if (value === undefined) return undefined;
  const m = unit.exec(value.trim());
  return m ? Math.round(Number(m[1]) * scale) : Number(value);
}

interface ContainerInput {
  name?: string;
  image?: string;
  essential?: boolean;
  portMappings?: { containerPort?: number; hostPort?: number; protocol?: string }[];
  logConfiguration?: { logDriver?: string };
  secrets?: unknown[];
  [key: string]: unknown;
}

interface RegisterInput {
  family?: string;
  containerDefinitions?: ContainerInput[];
  networkMode?: string;
  requiresCompatibilities?: string[];
  cpu?: string;
  memory?: string;
  executionRoleArn?: string;
  tags?: { key?: string; value?: string }[];
  [key: string]: unknown;
}

/** ECS's quota "task definition size": the RegisterTaskDefinition request is at most 64 KiB. */
const TASK_DEFINITION_MAX_BYTES = 65_536;

function validate(input: RegisterInput): void {
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > TASK_DEFINITION_MAX_BYTES) {
    fail("ecs", "ClientException", `Actual length: '${bytes}'. Max allowed length is '${TASK_DEFINITION_MAX_BYTES}' bytes.`);
  }
  if (!input.family || !FAMILY.test(input.family)) {
    fail("ecs", "ClientException", "Family must be 1-255 letters (uppercase and lowercase), numbers, underscores, and hyphens.");
  }
  const containers = input.containerDefinitions ?? [];
  if (!containers.length) fail("ecs", "ClientException", "Container list cannot be empty.");
  const names = new Set<string>();
  for (const c of containers) {
    if (!c.name) fail("ecs", "ClientException", "Container.name should not be null or empty.");
    if (!c.image) fail("ecs", "ClientException", "Container.image should not be null or empty.");
    if (names.has(c.name)) fail("ecs", "ClientException", "Duplicate container names are not allowed.");
    names.add(c.name);
  }
  if (containers.some((c) => c.secrets?.length) && !input.executionRoleArn) {
    fail("ecs", "ClientException", "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.");
  }
  if (!input.requiresCompatibilities?.includes("FARGATE")) return;
  if (input.networkMode !== "awsvpc") fail("ecs", "ClientException", "Fargate only supports network mode 'awsvpc'.");
  const cpu = units(input.cpu, /^([\d.]+)\s*vcpu$/i, 1024);
  const memory = units(input.memory, /^([\d.]+)\s*gb$/i, 1024);
  if (cpu === undefined) fail("ecs", "ClientException", "Fargate requires that 'cpu' be defined at the task level.");
  if (memory === undefined) fail("ecs", "ClientException", "Fargate requires that 'memory' be defined at the task level.");
  if (!FARGATE_SIZES[cpu]?.includes(memory)) {
    fail("ecs", "ClientException", `No Fargate configuration exists for given values: ${input.cpu} CPU, ${input.memory} memory. Ensure the cpu value is a valid option and the memory value is a valid option for that cpu.`);
  }
  if (containers.some((c) => c.logConfiguration?.logDriver === "awslogs") && !input.executionRoleArn) {
    fail("ecs", "ClientException", "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
  }
}

/** What ECS fills in on registration, so a describe reads back the way it does on AWS. */
function normaliseContainer(c: ContainerInput, networkMode: string | undefined) {
  return {
    cpu: 0,
    environment: [],
    mountPoints: [],
    volumesFrom: [],
    systemControls: [],
    ...structuredClone(c),
    essential: c.essential ?? true,
    portMappings: (c.portMappings ?? []).map((p) => ({
      ...p,
      hostPort: p.hostPort ?? (networkMode === "awsvpc" ? p.containerPort : undefined),
      protocol: p.protocol ?? "tcp",
    })),
  };
}

function registerTaskDefinition(ctx: OpContext, input: RegisterInput) {
  validate(input);
  const { family, tags, containerDefinitions, ...rest } = input;
  const revision = (ctx.s.ecs.familyRevisions[family!] ?? 0) + 1;
  ctx.s.ecs.familyRevisions[family!] = revision;
  const td: EcsTaskDefinition = {
    arn: ecsArn(ctx, `task-definition/${family}:${revision}`),
    family: family!,
    revision,
    status: "ACTIVE",
    registeredAt: ctx.now,
    registeredBy: ctx.caller.arn,
    tags: tagsFromEcs(tags),
    spec: {
      ...structuredClone(rest),
      containerDefinitions: containerDefinitions!.map((c) => normaliseContainer(c, input.networkMode)),
      volumes: rest.volumes ?? [],
      placementConstraints: rest.placementConstraints ?? [],
    },
  };
  (ctx.s.ecs.taskDefinitions[family!] ??= []).push(td);
  return { taskDefinition: taskDefinitionOutput(td), tags: ecsTags(td.tags) };
}

export function describableTaskDefinition(ctx: OpContext, ref: string | undefined): EcsTaskDefinition {
  const td = findTaskDefinition(ctx, ref);
  if (!td) fail("ecs", "ClientException", "Unable to describe task definition.");
  return td;
}

function listTaskDefinitions(ctx: OpContext, input: { familyPrefix?: string; status?: string; sort?: string; maxResults?: number; nextToken?: string }) {
  const status = input.status ?? "ACTIVE";
  const all = Object.values(ctx.s.ecs.taskDefinitions)
    .flat()
    .filter((td) => (!input.familyPrefix || td.family === input.familyPrefix) && (status === "ALL" || td.status === status))
    .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
  if (input.sort === "DESC") all.reverse();
  const start = input.nextToken ? Number(Buffer.from(input.nextToken, "base64").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) fail("ecs", "InvalidParameterException", "Invalid nextToken.");
  const size = Math.min(input.maxResults ?? 100, 100);
  return {
    taskDefinitionArns: all.slice(start, start + size).map((td) => td.arn),
    nextToken: start + size < all.length ? Buffer.from(String(start + size)).toString("base64") : undefined,
  };
}

function deregisterTaskDefinition(ctx: OpContext, input: { taskDefinition?: string }) {
  const ref = input.taskDefinition ?? "";
  if (!/:\d+$/.test(ref)) fail("ecs", "ClientException", "A revision must be specified: use family:revision or the task definition ARN.");
  const td = findTaskDefinition(ctx, ref);
  if (!td || td.status === "DELETE_IN_PROGRESS") fail("ecs", "ClientException", "The specified task definition does not exist.");
  if (td.status === "ACTIVE") {
    td.status = "INACTIVE";
    td.deregisteredAt = ctx.now;
  }
  return { taskDefinition: taskDefinitionOutput(td) };
}

function deleteTaskDefinitions(ctx: OpContext, input: { taskDefinitions?: string[] }) {
  const refs = input.taskDefinitions ?? [];
  if (!refs.length || refs.length > 10) fail("ecs", "InvalidParameterException", "taskDefinitions must contain between 1 and 10 task definitions.");
  const taskDefinitions = [];
  const failures = [];
  for (const ref of refs) {
    const td = /:\d+$/.test(ref) ? findTaskDefinition(ctx, ref) : undefined;
    if (!td) {
      failures.push({ arn: ref, reason: "The specified task definition does not exist." });
    } else if (td.status === "ACTIVE") {
      failures.push({ arn: td.arn, reason: "The specified task definition is ACTIVE. Deregister it before deleting it." });
    } else {
      if (td.status === "INACTIVE") {
        td.status = "DELETE_IN_PROGRESS";
        td.deleteAt = ctx.now + ctx.timings.taskDefinitionDelete;
      }
      taskDefinitions.push(taskDefinitionOutput(td));
    }
  }
  return { taskDefinitions, failures };
}

export const ecsTaskDefinitionHandlers: Record<string, OperationHandler> = {
  RegisterTaskDefinition: registerTaskDefinition,
  DescribeTaskDefinition: (ctx, input: { taskDefinition?: string; include?: string[] }) => {
    const td = describableTaskDefinition(ctx, input.taskDefinition);
    return { taskDefinition: taskDefinitionOutput(td), tags: input.include?.includes("TAGS") ? ecsTags(td.tags) : undefined };
  },
  ListTaskDefinitions: listTaskDefinitions,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  DeleteTaskDefinitions: deleteTaskDefinitions,
};
