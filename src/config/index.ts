// The configuration (docs/reference.md, "Configuration"), read once from the environment before anything
// starts. A bad value, the sandbox's included, stops start-up with one line naming the variable
// (ConfigError; src/main.ts exits 2), never a stack trace.
import { isIP } from "node:net";
import { ConfigError } from "./errors.js";
import { POSTGRES_URL, readSandboxEnv, type SandboxEnv } from "./sandbox.js";

export { ConfigError } from "./errors.js";
export type { SandboxEnv } from "./sandbox.js";

export type TokenScope = "read" | "write";
export interface AdminToken { scope: TokenScope; token: string }
export type StaticTokenConfig = AdminToken;

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  cloud: "aws" | "sandbox";
  port: number;
  host: string;
  adminTokens: AdminToken[];
  /** base64 keys; the first encrypts, all decrypt (rotation). Undefined → generated into the data dir. */
  encryptionKeys?: Buffer[];
  resyncSeconds: number;
  concurrency: number;
  accountConcurrency: number;
  operatorId: string;
  /**
   * BYOC_LICENSE_KEY: the LangGraph licence given to a project whose secrets hold none (docs/reference.md §3);
   * in sandbox mode `sandbox-license` unless set.
   */
  licenseKey?: string;
  logLevel: string;
  leaseSeconds: number;
  /** How soon to look again while AWS is working (DB creating, rollout in progress). */
  pollSeconds: number;
  /** BYOC_SANDBOX_*: read whatever the cloud, so a bad value is refused even where it would be unused. */
  sandbox: SandboxEnv;
}

/**
 * Passes in flight (BYOC_CONCURRENCY). A pass waits on AWS almost all of its time (about ten reads one
 * after another at no drift, ~1 s at 100 ms a call), so it is the latency, not the CPU, that bounds the
 * passes a replica runs: 10,000 projects resynced every 60 s are 167 passes a second, ~170 in flight.
 * 32 capped one replica at ~35 passes a second (bench "steady-state --projects 10000": every pass late).
 */
export const DEFAULT_CONCURRENCY = 256;

/** What a sandbox project runs with when BYOC_LICENSE_KEY is unset: the sandbox's image model accepts it. */
export const SANDBOX_LICENSE_KEY = "sandbox-license";

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseAdminTokens(raw: string | undefined): AdminToken[] {
  if (!raw) return [];
  return raw.split(",").map((pair) => pair.trim()).filter(Boolean).map((pair) => {
    const i = pair.indexOf(":");
    const scope = pair.slice(0, i);
    const token = pair.slice(i + 1);
    if (i < 0 || (scope !== "read" && scope !== "write")) {
      throw new ConfigError("BYOC_ADMIN_TOKENS", "each entry must be scope:token with scope read or write");
    }
    if (token.length < 16) throw new ConfigError("BYOC_ADMIN_TOKENS", "each token must be at least 16 characters");
    return { scope, token };
  });
}

export function parseEncryptionKeys(raw: string | undefined): Buffer[] | undefined {
  if (!raw) return undefined;
  return raw.split(",").map((k) => {
    const buf = Buffer.from(k.trim(), "base64");
    if (buf.length !== 32 || !/^[A-Za-z0-9+/=]+$/.test(k.trim())) {
      throw new ConfigError("BYOC_ENCRYPTION_KEY", "must be 32 bytes, base64-encoded (comma-separated for rotation)");
    }
    return buf;
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cloudRaw = env.BYOC_CLOUD || (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE ? "aws" : "sandbox");
  if (cloudRaw !== "aws" && cloudRaw !== "sandbox") throw new ConfigError("BYOC_CLOUD", `must be aws or sandbox, got ${JSON.stringify(cloudRaw)}`);
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !POSTGRES_URL.test(databaseUrl)) throw new ConfigError("DATABASE_URL", "must be a postgres:// URL");
  const host = env.BYOC_HOST?.trim() || "127.0.0.1";
  if (!isIP(host) && !HOSTNAME.test(host)) throw new ConfigError("BYOC_HOST", `must be an IP address or a host name, got ${JSON.stringify(host)}`);
  const dataDir = env.BYOC_DATA_DIR || ".byoc";
  if (dataDir.trim() === "" || dataDir.includes("\0")) throw new ConfigError("BYOC_DATA_DIR", "must be a directory path");
  const operatorId = env.BYOC_OPERATOR_ID || `byoc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(operatorId)) throw new ConfigError("BYOC_OPERATOR_ID", "must be 1–128 of [A-Za-z0-9._:-]");
  const licenseKey = env.BYOC_LICENSE_KEY?.trim() || (cloudRaw === "sandbox" ? SANDBOX_LICENSE_KEY : undefined);
  if (licenseKey !== undefined && !/^[\x21-\x7e]{1,1024}$/.test(licenseKey)) {
    throw new ConfigError("BYOC_LICENSE_KEY", "must be 1–1024 printable characters without spaces");
  }
  return {
    databaseUrl,
    dataDir,
    cloud: cloudRaw,
    port: int(env, "PORT", 8080, 0, 65535),
    host,
    adminTokens: parseAdminTokens(env.BYOC_ADMIN_TOKENS),
    encryptionKeys: parseEncryptionKeys(env.BYOC_ENCRYPTION_KEY),
    resyncSeconds: int(env, "BYOC_RESYNC_SECONDS", 60, 1, 86_400),
    concurrency: int(env, "BYOC_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 10_000),
    accountConcurrency: int(env, "BYOC_ACCOUNT_CONCURRENCY", 8, 1, 10_000),
    operatorId,
    licenseKey,
    logLevel,
    leaseSeconds: int(env, "BYOC_LEASE_SECONDS", 15, 2, 3600),
    pollSeconds: int(env, "BYOC_POLL_SECONDS", 2, 1, 600),
    sandbox: readSandboxEnv(env),
  };
}
