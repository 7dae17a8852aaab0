// Fault injection: the throttling, server errors, timeouts and latency a real AWS endpoint shows
// under load. Faults are decided per call with a seeded RNG before the operation touches state,
// so a failed call never half-applies (what AWS guarantees for throttles and most 5xx) and a seeded
// test sees the same sequence every run.

export interface SandboxFaults {
  /** Share of calls answered with the service's throttling error. */
  throttleRate: number;
  /** Share of calls answered with a 500/503. */
  serverErrorRate: number;
  /** Share of calls that time out client-side (`TimeoutError`). */
  timeoutRate: number;
  /** Added to every call, faulted or not. */
  latencyMs: number;
}

export const NO_FAULTS: SandboxFaults = { throttleRate: 0, serverErrorRate: 0, timeoutRate: 0, latencyMs: 0 };

export type FaultKind = "throttle" | "server" | "timeout";

const ENV_KEYS: Record<string, keyof SandboxFaults> = {
  throttle: "throttleRate",
  "5xx": "serverErrorRate",
  timeout: "timeoutRate",
  latencyMs: "latencyMs",
};

/** Parses `throttle=0.2,5xx=0.05,timeout=0.02,latencyMs=50`; an error names `variable`. */
export function parseFaults(text: string, variable = "BYOC_SANDBOX_FAULTS"): Partial<SandboxFaults> {
  const out: Partial<SandboxFaults> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [key, raw, ...rest] = part.split("=");
    const field = key === undefined ? undefined : ENV_KEYS[key.trim()];
    const value = Number(raw);
    if (!field || raw === undefined || raw.trim() === "" || rest.length > 0 || !Number.isFinite(value)) {
      throw new Error(`${variable}: cannot read "${part}"; expected comma-separated throttle=<0..1>, 5xx=<0..1>, timeout=<0..1>, latencyMs=<ms>`);
    }
    checkFault(field, value, variable);
    out[field] = value;
  }
  return out;
}

export function checkFault(field: keyof SandboxFaults, value: number, variable = "faults"): void {
  const ok = field === "latencyMs" ? value >= 0 && Number.isFinite(value) : value >= 0 && value <= 1;
  if (!ok) {
    const range = field === "latencyMs" ? "a non-negative number of milliseconds" : "a rate between 0 and 1";
    throw new Error(`${variable}: ${field} must be ${range}, got ${value}`);
  }
}

/** mulberry32: small, fast and good enough to decide faults reproducibly. */
export class FaultRng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** One draw decides which fault, if any, hits this call. */
  decide(f: SandboxFaults): FaultKind | undefined {
    const r = this.next();
    if (r < f.throttleRate) return "throttle";
    if (r < f.throttleRate + f.serverErrorRate) return "server";
    if (r < f.throttleRate + f.serverErrorRate + f.timeoutRate) return "timeout";
    return undefined;
  }
}
