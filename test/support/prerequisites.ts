// `npm test` runs this first (the pretest script): it brings what the suite needs beyond npm's
// dependencies, as a fresh machine needs it — moto_server (the independent AWS implementation) through
// pip, into a virtual environment of its own (Debian's Python refuses `pip install` outside one), and
// Debian's Chromium (the dashboard's end-to-end test) through apt-get when we are root. What it cannot
// install stops the run at once with one line saying what to install: no test is skipped for a tool.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MOTO = "moto[server]==5.2.1";
/** Where test/dashboard/dashboard.test.ts looks for Chromium. */
const CHROMIUM = "/usr/bin/chromium";
/** Where moto goes when the machine has none; test/support/global-setup.ts puts its bin on PATH. */
export const MOTO_VENV = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../node_modules/.cache/byoc-moto");

/** The environment with the virtual environment's moto on PATH, when `npm test` installed one. */
export function withMotoVenv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const bin = path.join(MOTO_VENV, "bin");
  return existsSync(path.join(bin, "moto_server")) ? { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ""}` } : env;
}

const works = (cmd: string, args: string[], env = process.env) => {
  const r = spawnSync(cmd, args, { stdio: "ignore", env });
  return !r.error && r.status === 0;
};
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"] }).status === 0;
const say = (line: string) => process.stdout.write(`npm test: ${line}\n`);
function stop(line: string): never {
  process.stderr.write(`npm test: ${line}\n`);
  process.exit(1);
}

function ensureMoto() {
  const hasMoto = () => works("moto_server", ["--help"], withMotoVenv(process.env));
  if (hasMoto()) return;
  const python = ["python3", "python"].find((p) => works(p, ["-m", "venv", "--help"]));
  if (python) {
    say(`installing ${MOTO} into ${path.relative(process.cwd(), MOTO_VENV)}`);
    if (run(python, ["-m", "venv", MOTO_VENV])) run(path.join(MOTO_VENV, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", MOTO]);
  }
  if (!hasMoto()) stop(`moto_server is not installed: install it with \`pip install '${MOTO}'\` (the moto suite never skips)`);
}

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (os.userInfo().uid === 0 && works("apt-get", ["--version"])) {
    say("installing Debian's chromium with apt-get");
    if (run("apt-get", ["update", "-qq"])) run("apt-get", ["install", "-y", "-qq", "chromium"]);
  }
  if (!existsSync(CHROMIUM)) stop(`Chromium is not installed at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (as root)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  say(`node ${process.version} (${process.execPath})`);
  ensureMoto();
  ensureChromium();
}
