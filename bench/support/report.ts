// Results of a scenario: printed as a table and written to bench/results/<id>.json, from which
// bench/run.ts regenerates the figures section of BENCHMARKS.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's bench/ (results, profiles), also when a scenario runs compiled from elsewhere (bench/run.ts sets it). */
export const BENCH_DIR = process.env.BYOC_BENCH_DIR ?? path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const RESULTS_DIR = path.join(BENCH_DIR, "results");

export interface Row {
  /** The row of the table this figure answers (or a supporting figure). */
  metric: string;
  target: string;
  measured: string;
  /** true/false against the target; null when the row is "report". */
  met: boolean | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  command: string;
  startedAt: string;
  durationS: number;
  machine: ReturnType<typeof machineInfo>;
  rows: Row[];
  /** Supporting figures (breakdowns, distributions) for the write-up. */
  details: Record<string, unknown>;
  notes: string[];
}

export function machineInfo() {
  let memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  try { memory = execFileSync("free", ["-h"], { encoding: "utf8" }).split("\n")[1].trim().split(/\s+/)[1]; } catch { /* no free(1) */ }
  return {
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "unknown",
    memory,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAvgAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export function scenario(id: string, title: string) {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const rows: Row[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  const log = (line: string) => process.stdout.write(`[${id}] ${line}\n`);
  return {
    log, rows, notes, details,
    row(metric: string, target: string, measured: string, met: boolean | null) { rows.push({ metric, target, measured, met }); },
    finish(): ScenarioResult {
      const result: ScenarioResult = {
        id, title, command: `npm run bench -- ${path.basename(process.argv[1] ?? id).replace(/\.[jt]s$/, "")} ${process.argv.slice(2).join(" ")}`.trim(),
        startedAt: startedAt.toISOString(), durationS: Math.round((performance.now() - t0) / 100) / 10, machine, rows, details, notes,
      };
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(path.join(RESULTS_DIR, `${id}.json`), `${JSON.stringify(result, null, 2)}\n`);
      log(`done in ${result.durationS} s`);
      for (const r of rows) log(`${r.met === null ? "  report" : r.met ? "  MET   " : "  MISSED"}  ${r.metric}: ${r.measured}  (target ${r.target})`);
      return result;
    },
  };
}

/** Runs a scenario's main: exits 0 once figures are written, 1 if it could not run (targets are never asserted). */
export function runMain(main: () => Promise<unknown>) {
  main().then(() => process.exit(0), (err) => {
    process.stderr.write(`benchmark could not run: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  });
}

/** `--name value` flags of a scenario's command line. */
export function flag(name: string, dflt: number): number;
export function flag(name: string, dflt: string): string;
export function flag(name: string, dflt: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) return dflt;
  return typeof dflt === "number" ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
