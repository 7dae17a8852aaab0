// The `byoc` command tree. Global flags (--url, --token, -o) may come before or after the command;
// every failure is one line on stderr and an exit code from errors.ts.
import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "node:fs";
import { registerApply } from "./apply.js";
import { CliError, Exit, oneLine } from "./errors.js";
import { registerEvents } from "./events.js";
import { registerLogs } from "./logs.js";
import { bindIo } from "./context.js";
import { FORMATS, processIo, type CliIo } from "./output.js";
import { registerPlan } from "./plan.js";
import { registerProjects } from "./projects.js";
import { registerRevisions } from "./revisions.js";
import { registerStatus } from "./status.js";
import { registerTokens } from "./tokens.js";
import { registerTenants } from "./tenants.js";
import { registerKeys } from "./keys.js";

export const DEFAULT_URL = "http://127.0.0.1:8080";

function version(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export function buildProgram(io: CliIo = processIo()): Command {
  const program = new Command("byoc")
    .description("Operate byoc-operator: apply projects, deploy revisions, watch status, read events, logs and plans.")
    .version(version(), "-V, --version")
    .addOption(new Option("--url <url>", "admin API URL").env("BYOC_URL").default(DEFAULT_URL))
    .addOption(new Option("--token <token>", "bearer token (npm start prints one; `byoc token create` mints more)").env("BYOC_TOKEN"))
    .addOption(new Option("--tenant <tenant>", "the tenant (id or name) an admin key acts in, sent as X-Tenant-Id").env("BYOC_TENANT"))
    .addOption(new Option("-o, --output <format>", "output format").choices(FORMATS).default("table"))
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (str) => io.stdout(str), writeErr: (str) => io.stderr(str),
      outputError: (str) => io.stderr(`byoc: ${oneLine(str.replace(/^error: /, ""))}\n`),
    })
    .addHelpText("after", `
Exit codes: 0 ok, 1 server/API error, 2 usage or validation error, 3 not found,
            4 conflict (stale generation, being deleted), 5 server unreachable.`);
  registerApply(program);
  registerProjects(program);
  registerStatus(program);
  registerRevisions(program);
  registerEvents(program);
  registerLogs(program);
  registerPlan(program);
  registerTokens(program);
  bindIo(program, io);
  registerTenants(program);
  registerKeys(program);
  return program;
}

/** Runs `byoc` with `argv` (as process.argv: node, script, args…) and returns its exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return Exit.Usage;
  }
  try {
    await program.parseAsync(argv);
    return Exit.Ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.Ok : Exit.Usage; // commander printed it
    if (err instanceof CliError) {
      io.stderr(`byoc: ${oneLine(err.message)}\n`);
      return err.exitCode;
    }
    io.stderr(`byoc: unexpected error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return Exit.Api;
  }
}
