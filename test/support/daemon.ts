// A whole daemon in process on the sandbox cloud: real Postgres (fresh database), real HTTP, the real
// SDK clients with the simulated AWS beneath them.
import { waitFor as pollUntil } from "./wait.js";
import pino from "pino";
import { loadConfig } from "../../src/config/index.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { SandboxCloud, type SandboxOptions } from "../../src/cloud/sandbox/index.js";
import { createTestDatabase } from "./db.js";
import { SandboxView } from "./sandbox-view.js";

export const TOKEN = "write-token-for-e2e-tests-0001";
export const READ = "read-token-for-e2e-tests-00001";
export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/LangGraphCloudOperatorRole`;
/** The test daemon engine's longest sleep between claims (see startTestDaemon). */
export const IDLE_MS = 50;
export const image = (tag: string, repo = "agent") => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repo}:${tag}`;

/**
 * The sandbox's clock, which a test may stop: while frozen nothing AWS does in the background
 * advances (RDS stays `deleting`, ECS tasks stay pending, a rollout stays in progress), so a state the
 * operator passes through quickly can be observed without racing it. The operator keeps real time.
 */
export class TestClock {
  private offset = 0;
  private frozenAt: number | undefined;
  readonly now = (): number => this.frozenAt ?? Date.now() + this.offset;
  freeze(): void { this.frozenAt ??= this.now(); }
  resume(): void {
    if (this.frozenAt === undefined) return;
    this.offset = this.frozenAt - Date.now();
    this.frozenAt = undefined;
  }
  /** Jump ahead: whatever AWS would do in `ms` happens at once, before the operator looks again. */
  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offset += ms;
  }
}

export interface EventView { id: string; type: "Normal" | "Warning"; reason: string; message: string; resource: string | null; createdAt: string }

export interface TestDaemon {
  d: Daemon;
  sandbox: SandboxCloud;
  clock: TestClock;
  databaseUrl: string;
  /** Every event of the project, oldest first. */
  events(name: string): Promise<EventView[]>;
  /** The first event (newer than `after`, an event id) matching `match`. */
  waitForEvent(name: string, what: string, match: (e: EventView) => boolean, opts?: { after?: string; timeoutMs?: number }): Promise<EventView>;
  waitForPhase(name: string, phase: string, timeoutMs?: number): Promise<any>;
  /** PATCH with the current generation as If-Match; expects 200. */
  patch(name: string, body: unknown): Promise<any>;
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  status(name: string): Promise<any>;
  stop(): Promise<void>;
}

export interface TestDaemonOptions {
  sandbox?: SandboxOptions; env?: Record<string, string>; logStream?: pino.DestinationStream; logLevel?: string;
  healGraceMs?: number; healthIntervalMs?: number; databaseUrl?: string;
}

export async function startTestDaemon(opts: TestDaemonOptions = {}): Promise<TestDaemon> {
  const db = opts.databaseUrl ? undefined : await createTestDatabase();
  const clock = new TestClock();
  const sandbox = new SandboxCloud({ delayMs: 300, seed: 7, now: clock.now, ...opts.sandbox });
  const config = loadConfig({
    DATABASE_URL: opts.databaseUrl ?? db!.url, BYOC_CLOUD: "sandbox", PORT: "0", BYOC_ADMIN_TOKENS: `write:${TOKEN},read:${READ}`,
    BYOC_DATA_DIR: "/tmp/byoc-e2e", BYOC_RESYNC_SECONDS: "2", BYOC_LEASE_SECONDS: "5", BYOC_OPERATOR_ID: `e2e-${process.pid}`,
    BYOC_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"), ...opts.env,
  });
  const logger = pino({ level: opts.logLevel ?? "warn" }, opts.logStream ?? pino.destination("/dev/null"));
  // The engine looks for due work at least every IDLE_MS (1 s by default): a pass's 150 ms requeue then
  // runs on time instead of up to a second late, which every wait on the operator would pay.
  const d = await startDaemon(config, logger, {
    sandbox, pollMs: 150, idleMs: IDLE_MS, healGraceMs: opts.healGraceMs ?? 500, healthIntervalMs: opts.healthIntervalMs,
  });
  const http: TestDaemon["http"] = async (method, path, body, headers = {}) => {
    const res = await fetch(d.url + path, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const waitFor: TestDaemon["waitFor"] = (what, probe, timeoutMs = 20_000) => pollUntil(what, probe, timeoutMs, 100);
  const events: TestDaemon["events"] = async (name) => {
    const out: EventView[] = [];
    for (let cursor: string | undefined; ;) {
      const page = await http("GET", `/v1/projects/${name}/events?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      if (page.status !== 200) throw new Error(`GET events of ${name}: ${page.status} ${JSON.stringify(page.body)}`);
      out.push(...page.body.items);
      cursor = page.body.nextCursor ?? undefined;
      if (!cursor) return out.reverse();
    }
  };
  const status: TestDaemon["status"] = async (name) => (await http("GET", `/v1/projects/${name}/status`)).body;
  return {
    d, sandbox, http, waitFor, clock, databaseUrl: opts.databaseUrl ?? db!.url, events, status,
    waitForEvent: (name, what, match, o = {}) => waitFor(what, async () => (await events(name)).find((e) => (o.after === undefined || Number(e.id) > Number(o.after)) && match(e)), o.timeoutMs),
    waitForPhase: (name, phase, timeoutMs) => waitFor(`${name} ${phase}`, async () => { const s = await status(name); return s.phase === phase && s; }, timeoutMs),
    async patch(name, body) {
      const cur = await http("GET", `/v1/projects/${name}`);
      const res = await http("PATCH", `/v1/projects/${name}`, body, { "if-match": cur.headers.get("etag")! });
      if (res.status !== 200) throw new Error(`PATCH ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async stop() { await d.stop(); await db?.drop(); },
  };
}

export function projectBody(name: string, extra: Record<string, unknown> = {}) {
  return { name, region: REGION, roleArn: ROLE, externalId: "sandbox-external-id", ...extra };
}

export interface ProjectFixture {
  t: TestDaemon;
  /** The project's account, as a person with console access would read it. */
  aws: SandboxView;
  projectId: string;
}

/**
 * A daemon with one project, alone in its account, already Ready: the setup of a suite whose tests all
 * act on that one project. `spec` adds to the project body (image, secrets, …); `daemon` is for
 * startTestDaemon. The caller stops `t` in its afterAll.
 */
export async function startDaemonWithProject(opts: {
  account: string; name: string; spec?: Record<string, unknown>; daemon?: TestDaemonOptions;
}): Promise<ProjectFixture> {
  const t = await startTestDaemon(opts.daemon);
  try {
    const res = await t.http("POST", "/v1/projects", projectBody(opts.name, { roleArn: roleIn(opts.account), ...opts.spec }));
    if (res.status !== 201) throw new Error(`POST project ${opts.name}: ${res.status} ${JSON.stringify(res.body)}`);
    await t.waitForPhase(opts.name, "Ready");
    return { t, aws: new SandboxView(t.sandbox, opts.account), projectId: res.body.id };
  } catch (err) {
    // The caller never gets `t` to stop: without this the daemon would outlive the failed suite.
    await t.stop();
    throw err;
  }
}

/** The operator role in another account: a project alone in its account has the cluster and log group to itself. */
export const roleIn = (account: string) => `arn:aws:iam::${account}:role/LangGraphCloudOperatorRole`;
