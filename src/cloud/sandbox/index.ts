// The sandbox cloud: a simulated AWS that the operator's real SDK v3 clients talk to in sandbox mode
// (docs/reference.md §2), plugged beneath each client as a middleware so the operator's code path is the one it
// runs against AWS. It models the operations the operator makes (STS, EC2 discovery, RDS, Secrets
// Manager, ECS, CloudWatch Logs and metrics, Elastic Load Balancing v2, Cloud Map, Application Auto
// Scaling, ACM) with AWS's error codes and shapes, a model of the LangGraph image, asynchronous
// provisioning scaled by BYOC_SANDBOX_DELAY_MS, fault injection, and a console for out-of-band changes.
// State lives in a SandboxStateStore (memory, or Postgres to be shared by processes and survive them).
import { randomInt } from "node:crypto";
import type { Pluggable } from "@smithy/types";
import { SANDBOX_DEFAULT_EXTERNAL_ID } from "../names.js";
import { SandboxCallLog } from "./calls.js";
import { SandboxConsole } from "./console.js";
import { readSandboxEnv } from "../../config/sandbox.js";
import { checkFault, NO_FAULTS, type SandboxFaults } from "./faults.js";
import { SandboxRuntime } from "./runtime.js";
import { timingsFor, type AccountState, type Caller } from "./state.js";
import { MemoryStateStore, type SandboxStateStore } from "./store.js";

export type { SandboxFaults } from "./faults.js";
export type { AccountState } from "./state.js";
export { MemoryStateStore, type SandboxStateStore, type SessionCredentials } from "./store.js";
export { PostgresStateStore } from "./postgres-store.js";
export { SandboxCallLog, type SandboxCall } from "./calls.js";
export { SandboxConsole, type ForeignServiceOptions } from "./console.js";
export {
  CONTROL_PLANE_ACCOUNT_ID,
  SANDBOX_OPERATOR_ACCESS_KEY_ID,
  SANDBOX_OPERATOR_SECRET_ACCESS_KEY,
  sandboxOperatorCredentials,
} from "./sts.js";

export interface SandboxOptions {
  /** BYOC_SANDBOX_DELAY_MS: an RDS create takes about this long, an ECS rollout about half. Default 3000. */
  delayMs?: number;
  /** The external id every role trusts. Default SANDBOX_DEFAULT_EXTERNAL_ID. */
  externalId?: string;
  store?: SandboxStateStore;
  faults?: Partial<SandboxFaults>;
  /** Seeds the fault RNG and generated ids; random when absent. */
  seed?: number;
  /** The simulated clock; default Date.now. */
  now?: () => number;
  /**
   * Hold LangGraph tasks to the image's container contract (image-model.ts): a task whose Redis is not
   * in Cloud Map, whose Postgres is unreachable or lacks TLS, whose health check the image cannot run,
   * or that has no licence key, stops as the real image would. BYOC_SANDBOX_IMAGE_MODEL=on|off.
   * Default IMAGE_MODEL_DEFAULT.
   */
  imageModel?: boolean;
}

/** On: the operator meets the container contract (reconcilers/containers.ts), so the suite proves it does. */
export const IMAGE_MODEL_DEFAULT = true;

export class SandboxCloud {
  readonly calls: SandboxCallLog;
  readonly console: SandboxConsole;
  readonly store: SandboxStateStore;
  private readonly rt: SandboxRuntime;

  constructor(opts: SandboxOptions = {}) {
    const faults = { ...NO_FAULTS, ...opts.faults };
    for (const [k, v] of Object.entries(faults)) checkFault(k as keyof SandboxFaults, v);
    this.store = opts.store ?? new MemoryStateStore();
    this.rt = new SandboxRuntime({
      store: this.store,
      externalId: opts.externalId ?? SANDBOX_DEFAULT_EXTERNAL_ID,
      seed: opts.seed ?? randomInt(2 ** 31),
      timings: timingsFor(opts.delayMs ?? 3000),
      now: opts.now ?? Date.now,
      faults,
      imageModel: opts.imageModel ?? IMAGE_MODEL_DEFAULT,
    });
    this.calls = this.rt.calls;
    this.console = new SandboxConsole(this.rt);
  }

  /**
   * Reads BYOC_SANDBOX_DELAY_MS, BYOC_SANDBOX_EXTERNAL_ID, BYOC_SANDBOX_FAULTS
   * ("throttle=0.2,5xx=0.05,timeout=0.02,latencyMs=50") and BYOC_SANDBOX_SEED (src/config/sandbox.ts);
   * a bad value throws a ConfigError whose message starts with the variable's name.
   */
  static fromEnv(env: NodeJS.ProcessEnv, store?: SandboxStateStore): SandboxCloud {
    const { delayMs, externalId, faults, seed, imageModel } = readSandboxEnv(env);
    return new SandboxCloud({ store, delayMs, externalId, faults, seed, imageModel });
  }

  /** Plugs the sandbox beneath a real SDK client (idempotent) and returns the client. */
  attach<C extends { middlewareStack: any }>(client: C): C {
    client.middlewareStack.use(this.plugin());
    return client;
  }

  /** The same, as an SDK plugin, for clients built elsewhere (e.g. `clientPlugins` of a credential provider). */
  plugin(): Pluggable<any, any> {
    const middleware = this.rt.middleware();
    return {
      applyToStack: (stack) => {
        stack.add(middleware as never, { step: "deserialize", priority: "high", name: "byocSandbox", override: true });
      },
    };
  }

  setFaults(f: Partial<SandboxFaults>): void {
    for (const [k, v] of Object.entries(f)) if (v !== undefined) checkFault(k as keyof SandboxFaults, v);
    this.rt.faults = { ...this.rt.faults, ...f };
  }

  /** Turns the LangGraph image model on or off for tasks launched from now on. */
  setImageModel(on: boolean): void {
    this.rt.imageModel = on;
  }

  get imageModel(): boolean {
    return this.rt.imageModel;
  }

  /** A snapshot of one account's region, brought up to the sandbox clock (seeded on first touch). */
  state(accountId: string, region: string): Promise<AccountState> {
    const caller: Caller = { accountId, accessKeyId: "snapshot", arn: `arn:aws:iam::${accountId}:root`, userId: accountId };
    return this.rt.withContext(accountId, region, caller, (ctx) => structuredClone(ctx.s));
  }
}
