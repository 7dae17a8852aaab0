// Reads a V8 .cpuprofile (from `node --cpu-prof` or bench/run.ts --profile) and prints where the time
// went: by area (our engine, store, reconcilers, the AWS SDK, the sandbox standing in for AWS, the
// Postgres driver, Node itself, GC) and the heaviest functions by self time.
// Usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function areaOf(url: string, fn: string): string {
  if (fn === "(garbage collector)") return "gc";
  if (fn === "(idle)" || fn === "(program)") return fn.slice(1, -1);
  if (url.includes("/src/cloud/sandbox/")) return "sandbox (simulated AWS)";
  if (url.includes("/reconcilers/")) return "reconcilers";
  if (url.includes("/src/engine/")) return "engine";
  if (url.includes("/src/store/")) return "store";
  if (url.includes("/src/cloud/")) return "cloud layer";
  if (url.includes("/src/api/")) return "api";
  if (url.includes("/bench/")) return "bench instruments";
  if (/node_modules\/(@aws-sdk|@smithy|@aws-crypto|fast-xml-parser|@aws)\//.test(url)) return "aws sdk";
  if (url.includes("node_modules/postgres/")) return "postgres driver";
  if (url.includes("node_modules/drizzle-orm/")) return "drizzle";
  if (url.includes("node_modules/fastify") || url.includes("node_modules/@fastify") || url.includes("node_modules/find-my-way") || url.includes("node_modules/light-my-request")) return "fastify";
  if (url.includes("node_modules/pino")) return "pino";
  if (url.includes("node_modules/p-queue") || url.includes("node_modules/eventemitter3")) return "p-queue";
  if (url.includes("node_modules/prom-client")) return "prom-client";
  if (url.includes("node_modules/tsx") || url.includes("node_modules/esbuild")) return "tsx loader";
  if (url.includes("node_modules/")) return `other deps (${url.split("node_modules/")[1]?.split("/")[0]})`;
  if (url.startsWith("node:") || url === "") return "node internals / native";
  return "other";
}

export interface ProfileSummary { totalMs: number; byArea: Array<[string, number]>; inclusiveSandboxMs: number; top: Array<{ fn: string; where: string; ms: number }> }

export function summarizeProfile(p: Profile, top = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  // A sample is the sandbox's when any frame on its stack is sandbox code (the SDK work it triggers included).
  const underSandbox = new Map<number, boolean>();
  const isUnder = (id: number): boolean => {
    const known = underSandbox.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    const v = n.callFrame.url.includes("/src/cloud/sandbox/") || (parent.has(id) ? isUnder(parent.get(id)!) : false);
    underSandbox.set(id, v);
    return v;
  };
  // Stopping the inspector's profiler is sampled too (when bench/support/profile.ts takes a window): not ours.
  const underProfiler = new Map<number, boolean>();
  const isProfiler = (id: number): boolean => {
    const known = underProfiler.get(id);
    if (known !== undefined) return known;
    const f = byId.get(id)!.callFrame;
    const v = f.url === "node:inspector" || /\/bench\/support\/profile\.[jt]s$/.test(f.url) || (parent.has(id) ? isProfiler(parent.get(id)!) : false);
    underProfiler.set(id, v);
    return v;
  };
  const areas = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; ms: number }>();
  let total = 0;
  let inclusiveSandboxMs = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const area = areaOf(n.callFrame.url, n.callFrame.functionName);
    if (area === "idle" || isProfiler(id)) continue;
    total += ms;
    if (isUnder(id)) inclusiveSandboxMs += ms;
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const where = `${n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules\/|src\/|reconcilers\/|bench\/)/, "$1")}:${n.callFrame.lineNumber + 1}`;
    const key = `${n.callFrame.functionName || "(anonymous)"} ${where}`;
    const f = fns.get(key) ?? { fn: n.callFrame.functionName || "(anonymous)", where, ms: 0 };
    f.ms += ms;
    fns.set(key, f);
  }
  return {
    totalMs: total,
    byArea: [...areas].sort((a, b) => b[1] - a[1]),
    inclusiveSandboxMs,
    top: [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
  };
}

export function printProfile(s: ProfileSummary, out = (l: string) => process.stdout.write(`${l}\n`)) {
  const pct = (ms: number) => `${((100 * ms) / s.totalMs).toFixed(1)}%`.padStart(6);
  out(`busy ${(s.totalMs / 1000).toFixed(1)} s; under sandbox frames (simulated AWS, inclusive) ${pct(s.inclusiveSandboxMs)}`);
  out("by area (self time):");
  for (const [a, ms] of s.byArea) out(`  ${pct(ms)}  ${a}`);
  out("top functions (self time):");
  for (const f of s.top) out(`  ${pct(f.ms)}  ${f.fn}  ${f.where}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) { process.stderr.write("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]\n"); process.exit(2); }
  printProfile(summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(process.argv[3] ?? 25)));
}
