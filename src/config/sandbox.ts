// The sandbox's variables (BYOC_SANDBOX_*), read with the rest of the configuration so a bad one stops
// start-up before anything starts (it used to surface only after the embedded Postgres was up, as an
// unnamed exit 1). SandboxCloud.fromEnv reads them through here too, so there is one parser.
import { parseFaults, type SandboxFaults } from "../cloud/sandbox/faults.js";
import { ConfigError } from "./errors.js";

export interface SandboxEnv {
  /** BYOC_SANDBOX_DELAY_MS: an RDS create takes about this long, an ECS rollout about half. */
  delayMs?: number;
  /** BYOC_SANDBOX_EXTERNAL_ID: the external ID every role trusts. */
  externalId?: string;
  /** BYOC_SANDBOX_FAULTS: `throttle=0.2,5xx=0.05,timeout=0.02,latencyMs=50`. */
  faults?: Partial<SandboxFaults>;
  /** BYOC_SANDBOX_SEED: seeds the fault RNG and generated ids. */
  seed?: number;
  /** BYOC_SANDBOX_DATABASE_URL: keeps the simulated cloud in another Postgres than the control plane's. */
  databaseUrl?: string;
  /** BYOC_SANDBOX_IMAGE_MODEL: `on`/`off` — model the LangGraph container contract (src/cloud/sandbox). */
  imageModel?: boolean;
}

/** AssumeRole's ExternalId: 2–1224 of these characters. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
export const POSTGRES_URL = /^postgres(ql)?:\/\/\S+$/;

const set = (env: NodeJS.ProcessEnv, name: string) => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

export function readSandboxEnv(env: NodeJS.ProcessEnv): SandboxEnv {
  const out: SandboxEnv = {};
  const delay = set(env, "BYOC_SANDBOX_DELAY_MS");
  if (delay !== undefined) {
    if (!/^\d{1,9}$/.test(delay)) {
      throw new ConfigError("BYOC_SANDBOX_DELAY_MS", `must be a whole number of milliseconds, got ${JSON.stringify(delay)}`);
    }
    out.delayMs = Number(delay);
  }
  const externalId = set(env, "BYOC_SANDBOX_EXTERNAL_ID");
  if (externalId !== undefined) {
    if (!EXTERNAL_ID.test(externalId)) {
      throw new ConfigError("BYOC_SANDBOX_EXTERNAL_ID", "must be 2-1224 characters of letters, digits and +=,.@:/-_");
    }
    out.externalId = externalId;
  }
  const faults = set(env, "BYOC_SANDBOX_FAULTS");
  if (faults !== undefined) {
    try {
      out.faults = parseFaults(faults, "BYOC_SANDBOX_FAULTS");
    } catch (err) {
      throw new ConfigError("BYOC_SANDBOX_FAULTS", (err as Error).message.replace(/^BYOC_SANDBOX_FAULTS: /, ""));
    }
  }
  const seed = set(env, "BYOC_SANDBOX_SEED");
  if (seed !== undefined) {
    if (!/^\d{1,10}$/.test(seed) || Number(seed) >= 2 ** 32) {
      throw new ConfigError("BYOC_SANDBOX_SEED", `must be a whole number below 2^32, got ${JSON.stringify(seed)}`);
    }
    out.seed = Number(seed);
  }
  const model = set(env, "BYOC_SANDBOX_IMAGE_MODEL")?.toLowerCase();
  if (model !== undefined) {
    if (!["on", "off", "true", "false", "1", "0"].includes(model)) {
      throw new ConfigError("BYOC_SANDBOX_IMAGE_MODEL", `must be on or off, got ${JSON.stringify(model)}`);
    }
    out.imageModel = ["on", "true", "1"].includes(model);
  }
  const databaseUrl = set(env, "BYOC_SANDBOX_DATABASE_URL");
  if (databaseUrl !== undefined) {
    if (!POSTGRES_URL.test(databaseUrl)) throw new ConfigError("BYOC_SANDBOX_DATABASE_URL", "must be a postgres:// URL");
    out.databaseUrl = databaseUrl;
  }
  return out;
}
