// Starting bench/support/operator-process.ts children and waiting for them to be ready.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scriptArgs } from "./script.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface OperatorChild { pid: number; url?: string; stop(): Promise<void> }

export async function startOperatorProcess(options: Record<string, unknown>): Promise<OperatorChild> {
  // BENCH_PROFILE_DIR: profile the operator process (node --cpu-prof), to see where its time goes.
  const prof = process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, ...scriptArgs(HERE, "operator-process.ts"), JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  const url = await new Promise<string | undefined>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`operator process exited with ${code} before it was ready`)));
    child.stdout!.on("data", (d: Buffer) => {
      const m = /ready (\S+)/.exec(d.toString());
      if (m) resolve(m[1] === "-" ? undefined : m[1]);
    });
  });
  child.removeAllListeners("exit");
  return {
    pid: child.pid!, url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
