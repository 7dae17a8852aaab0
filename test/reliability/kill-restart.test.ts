// `kill -9` of the daemon, as the OOM killer would do it (issue 12.3): its embedded Postgres outlives it
// and holds the data directory. The next `npm start` on that directory stops the orphan, comes up, and
// finds everything it had; a daemon still running on the directory is never stopped under it, and the
// refusal is one line naming the cause.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { findPostmaster } from "../../src/store/postmaster.js";
import { projectBody, spawnDaemon, stopProcess, ACCOUNTS, type DaemonProcess } from "./harness.js";

let dir: string;
const started: DaemonProcess[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "byoc-kill9-"));
  chmodSync(dir, 0o755); // the embedded Postgres runs as the postgres account when we are root
});
afterAll(async () => {
  await Promise.all(started.map((d) => stopProcess(d, "SIGTERM")));
  rmSync(dir, { recursive: true, force: true });
});

const start = async (n: number) => {
  const d = await spawnDaemon({ dataDir: dir, operatorId: `kill9-${n}`, logLevel: "info" });
  started.push(d);
  return d;
};
const postmasterPid = () => Number(readFileSync(path.join(dir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
/** Alive and not a zombie: an orphan that exited may wait to be reaped by whoever adopted it, holding nothing. */
const running = (pid: number) => {
  try { process.kill(pid, 0); } catch { return false; }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch { return false; }
};

test("after SIGKILL of the daemon alone, the next start on the same data directory is ready and has the data", async () => {
  const first = await start(1);
  const created = await first.http("POST", "/v1/projects", projectBody("survivor", ACCOUNTS[0]));
  expect(created.status).toBe(201);
  const orphan = postmasterPid();

  first.kill("SIGKILL"); // the daemon's own pid only, not its process group: its Postgres is left running
  await first.exit;
  expect(running(orphan)).toBe(true);
  expect(findPostmaster(path.join(dir, "pg")).kind).toBe("orphan");

  const second = await start(2);
  expect(running(orphan)).toBe(false);
  expect((await second.http("GET", "/readyz")).status).toBe(200);
  const project = await second.http("GET", "/v1/projects/survivor");
  expect(project.status).toBe(200);
  expect(project.body.id).toBe(created.body.id);

  // A third start while the second runs is refused with one line, and the second keeps its Postgres.
  const err = await spawnDaemon({ dataDir: dir, operatorId: "kill9-3" }).then(() => undefined, (e: Error) => e);
  expect(err?.message).toMatch(/exited \(1\) before it was up/);
  const output = err!.message.split("\n").slice(1).filter(Boolean);
  expect(output).toEqual([expect.stringMatching(
    /^byoc-operator: the embedded Postgres in \S+ is in use by another process \(pid \d+, postmaster \d+\); stop it, or set BYOC_DATA_DIR/)]);
  expect((await second.http("GET", "/readyz")).status).toBe(200);

  // A clean stop leaves no server behind.
  const pid = postmasterPid();
  await stopProcess(second, "SIGTERM");
  expect(running(pid)).toBe(false);
}, 120_000);
