// byoc apply -f project.yaml [--dry-run]: create the project, or change it to match the file (see
// projectDiff.ts for what "match" means). Idempotent: a second apply of the same file says "unchanged"
// (unless the file holds secrets, which are write-only and so always sent). The PATCH carries the
// generation it diffed against (If-Match), so a change made meanwhile by someone else is a conflict,
// never silently overwritten.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { ApiError, projectPath, type ListPage, type ProjectView, type RevisionView } from "./client.js";
import { withContext, type Context } from "./context.js";
import { CliError, Exit, usageError } from "./errors.js";
import { scalar, shortImage, show } from "./output.js";
import { diffProject, isEmpty, type Change, type ProjectDiff, type ProjectFile } from "./projectDiff.js";

export async function readProjectFile(path: string, readStdin: () => string = () => readFileSync(0, "utf8")): Promise<ProjectFile> {
  let text: string;
  try {
    text = path === "-" ? readStdin() : readFileSync(path, "utf8");
  } catch (err) {
    throw usageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(text);
  if (doc.errors.length) throw usageError(`${path}: ${doc.errors[0].message.split("\n")[0].replace(/:$/, "")}`);
  const data = normalize(doc.toJS());
  const problems = await validationErrors(data);
  if (problems.length) throw usageError(`${path}: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`);
  return data as ProjectFile;
}

/** YAML reads `engineVersion: 16` and `env: {WORKERS: 4}` as numbers; the API wants strings there. */
function normalize(data: unknown): unknown {
  if (!isObject(data)) return data;
  const strings = (m: unknown) => isObject(m)
    ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === "number" || typeof v === "boolean" ? String(v) : v])) : m;
  const out: Record<string, unknown> = { ...data };
  if (out.env !== undefined) out.env = strings(out.env);
  if (out.secrets !== undefined) out.secrets = strings(out.secrets);
  if (isObject(out.database) && typeof out.database.engineVersion === "number") out.database = { ...out.database, engineVersion: String(out.database.engineVersion) };
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The server's own create schema, so the file is refused here for exactly what the server would refuse.
 * Loaded only here: TypeBox takes a third of a second to import, which every other command would pay.
 */
async function validationErrors(data: unknown): Promise<string[]> {
  if (!isObject(data)) return ["must be a mapping of project fields (the body of POST /v1/projects, plus image)"];
  const [{ default: Value }, { ProjectCreate }] = await Promise.all([import("typebox/value"), import("../api/schemas.js")]);
  const out = new Set<string>();
  for (const e of Value.Errors(ProjectCreate, data)) {
    const at = e.instancePath.split("/").filter(Boolean).join(".");
    const params = e.params as { additionalProperties?: string[]; requiredProperties?: string[] };
    if (e.keyword === "boolean") continue; // the additionalProperties error below names the field
    if (e.keyword === "additionalProperties") for (const p of params.additionalProperties ?? []) out.add(`${at ? `${at}.` : ""}${p}: unknown field`);
    else if (e.keyword === "required") for (const p of params.requiredProperties ?? []) out.add(`${at ? `${at}.` : ""}${p}: is required`);
    else out.add(`${at || "(file)"}: ${e.message}`);
  }
  return [...out];
}

interface ApplyResult {
  name: string;
  action: "created" | "updated" | "unchanged";
  dryRun: boolean;
  generation: number;
  /** When a PATCH bumped it. */
  previousGeneration?: number;
  changes: Change[];
  writeOnly: string[];
  /** The revision made for the file's image. */
  revision?: number;
  /** The project's endpoint as the server last recorded it: null until its load balancer exists. */
  url?: string | null;
}

async function apply(ctx: Context, opts: { file: string; dryRun?: boolean }): Promise<void> {
  const file = await readProjectFile(opts.file, ctx.io.readStdin);
  const current = await getIfExists(ctx, file.name);
  const result = current ? await update(ctx, file, current.project, current.etag, Boolean(opts.dryRun)) : await create(ctx, file, Boolean(opts.dryRun));
  show(ctx.out, result, () => applyText(result));
}

async function getIfExists(ctx: Context, name: string): Promise<{ project: ProjectView; etag: string } | undefined> {
  try {
    const r = await ctx.client.request<ProjectView>("GET", projectPath(name));
    return { project: r.body, etag: r.headers.get("etag") ?? `"${r.body.generation}"` };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function create(ctx: Context, file: ProjectFile, dryRun: boolean): Promise<ApplyResult> {
  const writeOnly = [...Object.keys(file.secrets ?? {}).map((k) => `secrets.${k}`), ...(file.database?.mode === "external" ? ["database.uri"] : [])];
  const changes = file.image ? [{ field: "image", to: file.image }] : [];
  const result: ApplyResult = { name: file.name, action: "created", dryRun, generation: 1, changes, writeOnly };
  if (dryRun) return result;
  const r = await ctx.client.request<ProjectView>("POST", "/v1/projects", { body: file });
  result.generation = r.body.generation;
  result.url = r.body.url;
  if (file.image) result.revision = 1; // an image on create is revision 1 (docs/reference.md §3)
  return result;
}

async function update(ctx: Context, file: ProjectFile, current: ProjectView, etag: string, dryRun: boolean): Promise<ApplyResult> {
  if (current.phase === "Deleting") throw new CliError(`project ${current.name} is being deleted; apply it again once it is gone`, Exit.Conflict);
  const newest = file.image ? (await ctx.client.get<ListPage<RevisionView>>(projectPath(current.name, "/revisions"), { limit: 1 })).items[0] : undefined;
  const diff = diffProject(file, current, newest?.image);
  if (diff.immutable.length) {
    const what = diff.immutable.map((c) => `${c.field} ${scalar(c.from)} → ${scalar(c.to)}`).join(", ");
    throw new CliError(`project ${current.name}: ${what} cannot change; delete the project and create it again`, Exit.Conflict);
  }
  const changes = diff.image ? [...diff.changes, { field: "image", from: diff.image.from, to: diff.image.to }] : diff.changes;
  const result: ApplyResult = {
    name: current.name, action: isEmpty(diff) ? "unchanged" : "updated", dryRun, generation: current.generation, changes, writeOnly: diff.writeOnly,
    url: current.url,
  };
  if (dryRun || isEmpty(diff)) return result;
  if (Object.keys(diff.patch).length) {
    result.generation = await patch(ctx, current, etag, diff);
    result.previousGeneration = current.generation;
  }
  if (diff.image) {
    const r = await ctx.client.request<RevisionView>("POST", projectPath(current.name, "/revisions"), { body: { image: diff.image.to } });
    result.revision = r.body.number;
  }
  return result;
}

async function patch(ctx: Context, current: ProjectView, etag: string, diff: ProjectDiff): Promise<number> {
  try {
    const r = await ctx.client.request<ProjectView>("PATCH", projectPath(current.name), { body: diff.patch, headers: { "if-match": etag } });
    return r.body.generation;
  } catch (err) {
    if (err instanceof ApiError && err.status === 412) {
      throw new CliError(`project ${current.name} changed while applying (${err.message}); run apply again`, Exit.Conflict, { cause: err });
    }
    throw err;
  }
}

function changeLine(c: Change, revision: number | undefined): string {
  const value = (v: unknown) => (c.field === "image" ? shortImage(String(v)) : scalar(v));
  const note = c.field === "image" && revision ? ` (revision ${revision} queued)` : "";
  if (c.from === undefined) return `  + ${c.field}: ${value(c.to)}${note}`;
  if (c.to === undefined) return `  - ${c.field}${c.field.startsWith("secrets.") ? "" : `: ${value(c.from)}`} (removed)`;
  return `  ~ ${c.field}: ${value(c.from)} → ${value(c.to)}${note}`;
}

export function applyText(r: ApplyResult): string {
  // The url once there is one: before the load balancer exists, `byoc status` says why there is none.
  const url = r.url ? [`  url: ${r.url}`] : [];
  if (r.action === "unchanged") return [`project ${r.name} unchanged (generation ${r.generation})`, ...url].join("\n");
  const head = r.dryRun
    ? `project ${r.name} would be ${r.action} (dry run: nothing sent)`
    : `project ${r.name} ${r.action} (generation ${r.previousGeneration ? `${r.previousGeneration} → ` : ""}${r.generation})`;
  const lines = [head, ...r.changes.map((c) => changeLine(c, r.revision))];
  if (r.writeOnly.length) lines.push(`  ${r.writeOnly.join(", ")}: ${r.dryRun ? "would be sent" : "sent"}; write-only values cannot be compared, so apply always sends them`);
  return [...lines, ...url].join("\n");
}

export function registerApply(program: Command): void {
  program.command("apply")
    .description("create a project from a YAML file, or change it to match (idempotent; prints what changed)")
    .requiredOption("-f, --file <path>", "project YAML: the body of POST /v1/projects plus an optional image ('-' for stdin)")
    .option("--dry-run", "show what would change, send nothing")
    .action(withContext(apply));
}
