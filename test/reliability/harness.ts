// Real daemon processes for the reliability suite: `node --import tsx src/main.ts` children on a shared
// Postgres, killed and restarted by the tests; a view of the simulated cloud (the sandbox keeps it in
// Postgres, so every process and the test see one account); and the bookkeeping the figures in
// RELIABILITY.md come from (passes per replica from debug logs, duplicates in the cloud).
import { waitFor } from "../support/wait.js";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { PostgresStateStore, SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { CLUSTER_NAME, TAG_PROJECT_ID, TAG_SPEC_HASH } from "../../src/cloud/names.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const WRITE_TOKEN = "reliability-write-token-0001";
export const READ_TOKEN = "reliability-read-token-00001";
/** Every replica must share the key: a project sealed by one is opened by another. */
export const ENCRYPTION_KEY = Buffer.alloc(32, 11).toString("base64");
export const REGION = "us-east-1";
export const ACCOUNTS = ["210987654321", "310987654321", "410987654321"];
export const roleArn = (account: string) => `arn:aws:iam::${account}:role/LangGraphCloudOperatorRole`;
export const image = (account: string, tag = "v1") => `${account}.dkr.ecr.${REGION}.amazonaws.com/agent:${tag}`;

/** mulberry32: the kill schedule and every other random choice of the suite come from a fixed seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


export interface Exit { code: number | null; signal: NodeJS.Signals | null; at: number }

export interface DaemonProcess {
  operatorId: string;
  pid: number;
  url: string;
  /** Every line the process wrote, stdout and stderr, in arrival order. */
  lines: string[];
  exit: Promise<Exit>;
  exited(): boolean;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the `count`-th line from now on that matches, or undefined after `timeoutMs`. */
  nextLine(match: RegExp, count: number, timeoutMs: number): Promise<string | undefined>;
  http(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

export interface DaemonOptions {
  /** Unset: the daemon starts its embedded Postgres in its data directory. */
  databaseUrl?: string;
  /** A data directory the caller keeps (and removes); default: a fresh one removed when the process exits. */
  dataDir?: string;
  operatorId: string;
  logLevel?: string;
  leaseSeconds?: number;
  resyncSeconds?: number;
  /** Extra environment, e.g. BYOC_SANDBOX_FAULTS. */
  env?: Record<string, string>;
}

const START_TIMEOUT_MS = 60_000;

/** Starts `src/main.ts` as a child process and resolves once it prints its admin API URL. */
export async function spawnDaemon(o: DaemonOptions): Promise<DaemonProcess> {
  const dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), "byoc-rel-"));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_NO_WARNINGS: "1",
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}), BYOC_CLOUD: "sandbox", PORT: "0", BYOC_HOST: "127.0.0.1",
    BYOC_ADMIN_TOKENS: `write:${WRITE_TOKEN},read:${READ_TOKEN}`, BYOC_ENCRYPTION_KEY: ENCRYPTION_KEY,
    BYOC_OPERATOR_ID: o.operatorId, BYOC_DATA_DIR: dataDir,
    BYOC_LEASE_SECONDS: String(o.leaseSeconds ?? 3), BYOC_RESYNC_SECONDS: String(o.resyncSeconds ?? 600), BYOC_POLL_SECONDS: "1",
    BYOC_SANDBOX_DELAY_MS: "1000", BYOC_SANDBOX_SEED: "4242", LOG_LEVEL: o.logLevel ?? "debug",
    ...o.env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let exited = false;
  const exit = new Promise<Exit>((resolve) => child.on("exit", (code, signal) => {
    exited = true;
    if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    resolve({ code, signal, at: Date.now() });
  }));
  let onUrl: ((url: string) => void) | undefined;
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const w of watchers) w(line);
        const m = /^\s*admin API: (http\S+)/.exec(line);
        if (m) onUrl?.(m[1]);
      }
    });
    stream.on("end", () => { if (partial) lines.push(partial); });
  }
  // The start-up deadline is cleared once the daemon is up: left running, it SIGKILLed a daemon that was
  // serving 30 s after its spawn (seen under load, when its sibling replicas were slow to start).
  let deadline: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    new Promise<string>((resolve) => { onUrl = resolve; }),
    exit.then((e) => { throw new Error(`daemon ${o.operatorId} exited (${e.code ?? e.signal}) before it was up:\n${lines.slice(-30).join("\n")}`); }),
    new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`daemon ${o.operatorId} did not come up in ${START_TIMEOUT_MS / 1000} s:\n${lines.slice(-30).join("\n")}`));
      }, START_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(deadline));
  return {
    operatorId: o.operatorId, pid: child.pid!, url, lines, exit,
    exited: () => exited,
    kill: (signal) => { if (!exited) child.kill(signal); },
    nextLine: (match, count, timeoutMs) => new Promise((resolve) => {
      let seen = 0;
      const done = (line: string | undefined) => { watchers.delete(watch); clearTimeout(timer); resolve(line); };
      const watch = (line: string) => { if (match.test(line) && ++seen >= count) done(line); };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      watchers.add(watch);
    }),
    async http(method, p, body, token = WRITE_TOKEN, headers = {}) {
      const res = await fetch(url + p, {
        method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let parsed: unknown;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
  };
}

/** SIGKILL (or another signal) and wait for the process to be gone. */
export async function stopProcess(d: DaemonProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<Exit> {
  d.kill(signal);
  return d.exit;
}

export function projectBody(name: string, account: string, extra: Record<string, unknown> = {}) {
  return { name, region: REGION, roleArn: roleArn(account), externalId: "sandbox-external-id", image: image(account), ...extra };
}

/** A project per name, spread over the accounts round-robin, created through one daemon's API. */
export async function createProjects(d: DaemonProcess, names: string[], extra: (i: number) => Record<string, unknown> = () => ({})) {
  for (const [i, name] of names.entries()) {
    const res = await d.http("POST", "/v1/projects", projectBody(name, ACCOUNTS[i % ACCOUNTS.length], extra(i)));
    if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${res.text}`);
  }
}

/** A direct connection to the control-plane database, for assertions that need no daemon to be up. */
export function controlPlane(url: string) {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  return {
    sql,
    async phases(): Promise<Map<string, string>> {
      const rows = await sql<{ name: string; phase: string }[]>`SELECT name, phase FROM projects`;
      return new Map(rows.map((r) => [r.name, r.phase]));
    },
    async allReady(names: string[]): Promise<boolean> {
      const phases = await this.phases();
      return names.every((n) => phases.get(n) === "Ready");
    },
    async passes(): Promise<Map<string, number>> {
      const rows = await sql<{ name: string; passes: number }[]>`SELECT p.name, l.passes FROM leases l JOIN projects p ON p.id = l.project_id`;
      return new Map(rows.map((r) => [r.name, r.passes]));
    },
    /** The desired state as the API wrote it, per project name: what a crash must never lose or change. */
    async desiredRows(): Promise<Map<string, string>> {
      const projects = await sql`SELECT id, name, region, role_arn, account_id, external_id, deployment_type, database, resources, env, secret_names,
        sealed_secrets, deletion_policy, image, generation, deleting_at, created_at FROM projects ORDER BY name`;
      const revisions = await sql`SELECT id, project_id, number, image, env, created_at FROM revisions ORDER BY project_id, number`;
      return new Map(projects.map((p) => [p.name as string, JSON.stringify({ project: p, revisions: revisions.filter((r) => r.project_id === p.id) })]));
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** A pass as the engine logs it at debug level ("pass done"): who ran it, for which project, when. */
export interface PassRecord { operator: string; project: string; start: number; end: number; saved: boolean }

export function passesFrom(d: DaemonProcess): PassRecord[] {
  const out: PassRecord[] = [];
  for (const line of d.lines) {
    if (!line.startsWith("{") || !line.includes("pass ")) continue;
    let j: { msg?: string; time?: string; ms?: number; project?: string; operator?: string };
    try { j = JSON.parse(line); } catch { continue; }
    if (j.msg !== "pass done" && j.msg !== "pass result dropped: lease lost") continue;
    const end = Date.parse(j.time!);
    out.push({ operator: j.operator!, project: j.project!, start: end - (j.ms ?? 0), end, saved: j.msg === "pass done" });
  }
  return out;
}

/** Pairs of passes of one project whose run times overlap: two reconcilers at once. */
export function overlappingPasses(passes: PassRecord[]): Array<[PassRecord, PassRecord]> {
  const byProject = new Map<string, PassRecord[]>();
  for (const p of passes) byProject.set(p.project, [...(byProject.get(p.project) ?? []), p]);
  const out: Array<[PassRecord, PassRecord]> = [];
  for (const list of byProject.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) if (list[i].start < list[i - 1].end) out.push([list[i - 1], list[i]]);
  }
  return out;
}

/** The simulated cloud as the test sees it: the same Postgres rows every daemon process reads and writes. */
export function openCloud(url: string) {
  const store = new PostgresStateStore(url);
  const sandbox = new SandboxCloud({ store, delayMs: 1000 });
  return { sandbox, close: () => store.close() };
}

export interface Inventory {
  secrets: number;
  dbInstances: number;
  services: number;
  taskDefinitions: number;
  clusters: number;
  snapshots: number;
  /** Copies beyond the first of one thing: a service name, a task definition (family, spec hash), a secret name, a DB. */
  duplicates: string[];
  /** Projects (by byoc:project-id) that own each kind, to check nothing is missing. */
  byProject: Map<string, { secrets: number; db: number; services: number; families: Set<string> }>;
}

/** Counts every managed resource in the accounts, and every copy of one that should exist once. */
export async function inventory(sandbox: SandboxCloud, accounts = ACCOUNTS): Promise<Inventory> {
  const inv: Inventory = { secrets: 0, dbInstances: 0, services: 0, taskDefinitions: 0, clusters: 0, snapshots: 0, duplicates: [], byProject: new Map() };
  const own = (id: string | undefined) => {
    const key = id ?? "(untagged)";
    let e = inv.byProject.get(key);
    if (!e) { e = { secrets: 0, db: 0, services: 0, families: new Set() }; inv.byProject.set(key, e); }
    return e;
  };
  const dup = (what: string, n: number) => { if (n > 1) inv.duplicates.push(`${what} ×${n}`); };
  for (const account of accounts) {
    const s = await sandbox.state(account, REGION);
    const secretNames = new Map<string, number>();
    for (const secret of Object.values(s.secrets.secrets)) {
      inv.secrets++;
      own(secret.tags[TAG_PROJECT_ID]).secrets++;
      secretNames.set(secret.name, (secretNames.get(secret.name) ?? 0) + 1);
    }
    for (const [name, n] of secretNames) dup(`${account} secret ${name}`, n);
    for (const db of Object.values(s.rds.instances)) { inv.dbInstances++; own(db.tags[TAG_PROJECT_ID]).db++; }
    inv.snapshots += Object.keys(s.rds.snapshots).filter((k) => s.rds.snapshots[k].type === "manual").length;
    // Every service ever created, whatever its status: a second CreateService of one name is a duplicate even if one was deleted since.
    const serviceNames = new Map<string, number>();
    for (const svc of s.ecs.services) {
      const key = `${svc.clusterName}/${svc.name}`;
      serviceNames.set(key, (serviceNames.get(key) ?? 0) + 1);
      if (svc.status === "ACTIVE") { inv.services++; own(svc.tags[TAG_PROJECT_ID]).services++; }
    }
    for (const [name, n] of serviceNames) dup(`${account} service ${name}`, n);
    for (const [family, revisions] of Object.entries(s.ecs.taskDefinitions)) {
      const byHash = new Map<string, number>();
      for (const td of revisions) {
        inv.taskDefinitions++;
        own(td.tags[TAG_PROJECT_ID]).families.add(family);
        const hash = td.tags[TAG_SPEC_HASH] ?? "(no hash)";
        byHash.set(hash, (byHash.get(hash) ?? 0) + 1);
      }
      for (const [hash, n] of byHash) dup(`${account} task definition ${family} spec ${hash}`, n);
    }
    inv.clusters += Object.values(s.ecs.clusters).filter((c) => c.name === CLUSTER_NAME && c.status === "ACTIVE").length;
  }
  return inv;
}

/** Every project has exactly its resources: 2 secrets, 1 DB, 3 services, 3 task definition families. */
export function missingResources(inv: Inventory, projectIds: string[]): string[] {
  const out: string[] = [];
  for (const id of projectIds) {
    const e = inv.byProject.get(id);
    if (!e || e.secrets !== 2 || e.db !== 1 || e.services !== 3 || e.families.size !== 3) {
      out.push(`${id}: ${JSON.stringify(e ? { ...e, families: [...e.families] } : null)}`);
    }
  }
  return out;
}

export { waitFor };
