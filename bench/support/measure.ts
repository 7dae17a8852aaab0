// Measuring instruments shared by the scenarios: percentiles, a CPU window (this process through
// process.cpuUsage, Postgres and any child processes through /proc, and the whole machine through
// /proc/stat so a busy neighbour is visible in the figures), and peak RSS sampling.
import { readFileSync } from "node:fs";
import os from "node:os";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean };
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; 0 if it is gone. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * TICK_MS) / 1000; // utime, stime
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] ?? 0);
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuFigures {
  wallS: number;
  /** Core-seconds per second of this process (1.0 = one core busy). */
  selfCores: number;
  /** Of the machine's cores (nproc), in percent: what "< 30 % of 2 cores" is judged on. */
  selfPctOfMachine: number;
  postgresCores: number;
  childCores: number;
  /** Everything else on the machine in the window (other users, the kernel). */
  otherCores: number;
  machineCores: number;
}

/** Starts a CPU window; `end()` returns its figures. `pgPids`/`childPids` are re-read at the end. */
export function cpuWindow(opts: { pgPids?: () => number[]; childPids?: () => number[] } = {}) {
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const m0 = machineTicks();
  const snap = (pids: number[]) => new Map(pids.map((p) => [p, procCpuSeconds(p)]));
  const pg0 = snap(opts.pgPids?.() ?? []);
  const ch0 = snap(opts.childPids?.() ?? []);
  return {
    end(): CpuFigures {
      const wallS = (performance.now() - t0) / 1000;
      const self = process.cpuUsage(self0);
      const selfS = (self.user + self.system) / 1e6;
      const delta = (before: Map<number, number>, pids: number[]) => pids.reduce((a, p) => a + (procCpuSeconds(p) - (before.get(p) ?? 0)), 0);
      const pgS = delta(pg0, opts.pgPids?.() ?? []);
      const chS = delta(ch0, opts.childPids?.() ?? []);
      const m1 = machineTicks();
      const cores = os.cpus().length;
      const machineBusyS = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores * wallS;
      return {
        wallS,
        selfCores: selfS / wallS,
        selfPctOfMachine: (100 * selfS) / wallS / cores,
        postgresCores: pgS / wallS,
        childCores: chS / wallS,
        otherCores: Math.max(0, machineBusyS - selfS - pgS - chS) / wallS,
        machineCores: cores,
      };
    },
  };
}

/** Samples RSS and heap every `everyMs`; `stop()` returns the peaks and the last sample. */
export function memorySampler(everyMs = 500) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  sample();
  const t = setInterval(sample, everyMs);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      sample();
      const m = process.memoryUsage();
      return { peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20, rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20 };
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const round = (v: number, digits = 1) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);
