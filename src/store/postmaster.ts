// A postmaster left running by a previous run of an embedded data directory. Postgres does not notice
// its parent dying, so after `kill -9` of the daemon (or the OOM killer) it keeps the data directory
// locked and the next start fails with `lock file "postmaster.pid" already exists`. Before starting,
// the embedded server looks here: a postmaster of this directory whose starter is gone is shut down
// (fast shutdown: SIGINT, then wait); one whose starter is still alive is another daemon's, and is
// refused by name rather than stopped under it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, unlinkSync } from "node:fs";
import path from "node:path";

/** The setting each embedded postmaster is started with, naming the process that started it. */
export const OWNER_SETTING = "byoc.owner_pid";

export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmbeddedPostgresError";
  }
}

interface ProcessInfo { ppid: number; args: string[] }

/** ppid and argv of a live process; undefined when it is gone. /proc where there is one, else ps(1). */
function processInfo(pid: number): ProcessInfo | undefined {
  if (existsSync("/proc/self/stat")) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name (field 2) may hold spaces and parentheses: fields after the last ")" are safe.
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") return undefined; // exited, not yet reaped: it holds nothing any more
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      return { ppid: Number(ppid), args };
    } catch {
      return undefined;
    }
  }
  try {
    const out = execFileSync("ps", ["-o", "ppid=,command=", "-p", String(pid)], { encoding: "utf8" }).trim();
    const m = /^(\d+)\s+(.*)$/.exec(out);
    return m ? { ppid: Number(m[1]), args: m[2].split(/\s+/) } : undefined;
  } catch {
    return undefined;
  }
}

const samePath = (a: string, b: string) => {
  try { return realpathSync(a) === realpathSync(b); } catch { return path.resolve(a) === path.resolve(b); }
};

/** What postmaster.pid's process is, for this data directory. */
export type Postmaster =
  | { kind: "none" }
  /** The file names a process that is gone, or is not a postmaster of this directory (pid reused). */
  | { kind: "stale"; pid: number }
  | { kind: "orphan"; pid: number }
  | { kind: "owned"; pid: number; owner: number };

export function findPostmaster(dataDir: string): Postmaster {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return { kind: "none" };
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return { kind: "stale", pid: 0 };
  const info = processInfo(pid);
  const d = info?.args.indexOf("-D") ?? -1;
  const isOurs = info && /(^|\/)postgres$/.test(info.args[0] ?? "") && d >= 0 && samePath(info.args[d + 1] ?? "", dataDir);
  if (!info || !isOurs) return { kind: "stale", pid };
  const setting = info.args.find((a) => a.startsWith(`${OWNER_SETTING}=`));
  const owner = Number(setting?.slice(OWNER_SETTING.length + 1));
  // The starter is alive exactly when it is still the postmaster's parent: a process whose parent
  // died is re-parented (to init or a subreaper), so a reused pid can never look like the owner.
  if (owner > 0 && info.ppid === owner) return { kind: "owned", pid, owner };
  return { kind: "orphan", pid };
}

const alive = (pid: number) => processInfo(pid) !== undefined;

/**
 * Makes the data directory free to start: removes a stale lock file, shuts down an orphaned
 * postmaster (SIGINT is Postgres's fast shutdown: it disconnects clients and writes a checkpoint, so
 * nothing is lost and no recovery is needed), and refuses a directory another live daemon runs.
 */
export async function freeDataDirectory(dataDir: string, log: (line: string) => void, timeoutMs = 30_000): Promise<void> {
  const found = findPostmaster(dataDir);
  switch (found.kind) {
    case "none":
      return;
    case "stale":
      // Postgres removes a lock file whose pid is gone, but not one whose pid now belongs to another process.
      log(`removing stale postmaster.pid (pid ${found.pid} is not a postmaster of ${dataDir})`);
      try { unlinkSync(path.join(dataDir, "postmaster.pid")); } catch { /* already gone */ }
      return;
    case "owned":
      throw new EmbeddedPostgresError(
        `the embedded Postgres in ${dataDir} is in use by another process (pid ${found.owner}, postmaster ${found.pid}); ` +
        "stop it, or set BYOC_DATA_DIR to another directory");
    case "orphan":
      log(`stopping postmaster ${found.pid} left running by a previous run of ${dataDir}`);
      try {
        process.kill(found.pid, "SIGINT");
      } catch (err) {
        throw new EmbeddedPostgresError(
          `a Postgres left running by a previous run (pid ${found.pid}) holds ${dataDir} and cannot be stopped: ` +
          `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
      for (const until = Date.now() + timeoutMs; alive(found.pid);) {
        if (Date.now() > until) {
          throw new EmbeddedPostgresError(
            `a Postgres left running by a previous run (pid ${found.pid}) holds ${dataDir} and did not stop within ` +
            `${timeoutMs / 1000} s of a fast shutdown`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
  }
}
