// Runs the real `byoc` command against a test daemon, the way a user or a script would: arguments,
// environment, stdin in; stdout, stderr and the exit code out. Most tests run it in process (`runCli`:
// the same main() and commands, with buffers for its streams — a call costs milliseconds instead of a
// Node start-up); `spawnCli` and `RunningCli` run `node bin/byoc.js` as a child process, for what only a
// process shows (exit codes, the environment, signals, a terminal).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/program.js";
import type { CliIo } from "../../src/cli/output.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/byoc.js", import.meta.url));

export interface CliResult { code: number | null; stdout: string; stderr: string }

export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** The environment a user of the test daemon would have: BYOC_URL and BYOC_TOKEN, nothing else of ours. */
export function cliEnv(url: string, token: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, BYOC_URL: url, BYOC_TOKEN: token, NO_COLOR: "1" };
  for (const [k, v] of Object.entries(extra)) env[k] = v;
  return env;
}

function start(command: string, args: string[], opts: CliOptions): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env: opts.env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  child.stdin!.end(opts.input ?? "");
  return child;
}

/** Runs `byoc ...args` as a child process to completion (killed, and the test failed, if it outlives `timeoutMs`). */
export function spawnCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return collect(start(process.execPath, [BIN, ...args], opts), opts.timeoutMs ?? 20_000, `byoc ${args.join(" ")}`);
}

/**
 * Runs `byoc ...args` in this process. BYOC_URL, BYOC_TOKEN and BYOC_TENANT of `opts.env` are passed as the flags they
 * stand for (the process's own environment is not changed, so calls may run side by side).
 */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => { stdout += text; }, stderr: (text) => { stderr += text; },
    isTTY: false, columns: 120, readStdin: () => opts.input ?? "",
  };
  const env = opts.env ?? {};
  const flags = [
    ...(env.BYOC_URL ? ["--url", env.BYOC_URL] : []), ...(env.BYOC_TOKEN ? ["--token", env.BYOC_TOKEN] : []),
    ...(env.BYOC_TENANT ? ["--tenant", env.BYOC_TENANT] : []),
  ];
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`byoc ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)), timeoutMs);
  });
  try {
    const code = await Promise.race([main([process.execPath, BIN, ...flags, ...args], io), timeout]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

function collect(child: ChildProcess, timeoutMs: number, what: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => { stdout += d; });
    child.stderr!.on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** A command that keeps running (--follow, --watch): read its output as it comes, then stop it. */
export class RunningCli {
  stdout = "";
  stderr = "";
  readonly done: Promise<CliResult>;
  private readonly child: ChildProcess;

  constructor(args: string[], opts: CliOptions & { command?: string[] } = {}) {
    const [cmd, ...pre] = opts.command ?? [process.execPath, BIN];
    this.child = start(cmd, [...pre, ...args], opts);
    this.child.stdout!.on("data", (d) => { this.stdout += d; });
    this.child.stderr!.on("data", (d) => { this.stderr += d; });
    this.done = new Promise((resolve) => this.child.on("close", (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })));
  }

  /** Resolves when stdout matches; fails (with what was printed) after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stdout.match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no output matching ${pattern} within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves with the exit; kills it and fails after `timeoutMs`. */
  async exit(timeoutMs = 30_000): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => { this.child.kill("SIGKILL"); reject(new Error(`still running after ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`)); }, timeoutMs);
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<CliResult> {
    this.child.kill("SIGTERM");
    return this.exit(5_000);
  }
}

/** A fresh directory for the YAML files of one test file. */
export const scratchDir = () => mkdtempSync(path.join(tmpdir(), "byoc-cli-"));

/** Writes `yaml` to `<dir>/<name>.yaml`; returns the path. */
export function writeYaml(dir: string, name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}
