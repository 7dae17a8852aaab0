// A whole daemon in process on the sandbox cloud: real Postgres (fresh database), real HTTP, the real
// SDK clients with the simulated AWS beneath them.
import pino from "pino";
import { loadConfig } from "../../src/config/index.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { SandboxCloud, type SandboxOptions } from "../../src/cloud/sandbox/index.js";
import { createTestDatabase } from "./db.js";

export const TOKEN = "write-token-for-e2e-tests-0001";
export const READ = "read-token-for-e2e-tests-00001";
export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/LangGraphCloudOperatorRole`;
export const image = (tag: string, repo = "agent") => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repo}:${tag}`;

export interface TestDaemon {
  d: Daemon;
  sandbox: SandboxCloud;
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  status(name: string): Promise<any>;
  stop(): Promise<void>;
}

export async function startTestDaemon(opts: {
  sandbox?: SandboxOptions; env?: Record<string, string>; logStream?: pino.DestinationStream; logLevel?: string;
  healGraceMs?: number; healthIntervalMs?: number; databaseUrl?: string;
} = {}): Promise<TestDaemon> {
  const db = opts.databaseUrl ? undefined : await createTestDatabase();
  const sandbox = new SandboxCloud({ delayMs: 300, seed: 7, ...opts.sandbox });
  const config = loadConfig({
    DATABASE_URL: opts.databaseUrl ?? db!.url, BYOC_CLOUD: "sandbox", PORT: "0", BYOC_ADMIN_TOKENS: `write:${TOKEN},read:${READ}`,
    BYOC_DATA_DIR: "/tmp/byoc-e2e", BYOC_RESYNC_SECONDS: "2", BYOC_LEASE_SECONDS: "5", BYOC_OPERATOR_ID: `e2e-${process.pid}`,
    BYOC_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"), ...opts.env,
  });
  const logger = pino({ level: opts.logLevel ?? "warn" }, opts.logStream ?? pino.destination("/dev/null"));
  const d = await startDaemon(config, logger, { sandbox, pollMs: 150, healGraceMs: opts.healGraceMs ?? 500, healthIntervalMs: opts.healthIntervalMs });
  const http: TestDaemon["http"] = async (method, path, body, headers = {}) => {
    const res = await fetch(d.url + path, {
      method, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const waitFor: TestDaemon["waitFor"] = async (what, probe, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      const v = await probe();
      if (v) return v;
      last = v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    d, sandbox, http, waitFor,
    status: async (name) => (await http("GET", `/v1/projects/${name}/status`)).body,
    async stop() { await d.stop(); await db?.drop(); },
  };
}

export function projectBody(name: string, extra: Record<string, unknown> = {}) {
  return { name, region: REGION, roleArn: ROLE, externalId: "sandbox-external-id", ...extra };
}
