// What every command gets from the global flags: a client for the admin API, a place to print, and the
// input it may read.
import type { Command } from "commander";
import { ApiClient } from "./client.js";
import { processIo, stdio, type CliIo, type Format, type Out } from "./output.js";
import { resolveTenant } from "./tenants.js";

export interface Context {
  client: ApiClient;
  out: Out;
  io: CliIo;
  /** --tenant/BYOC_TENANT as given (an id or a name); see tenants.ts resolveTenant. */
  tenant?: string;
}

/** The I/O each program was built with (buildProgram), found from any of its commands. */
const ioOfProgram = new WeakMap<Command, CliIo>();
export function bindIo(program: Command, io: CliIo): void { ioOfProgram.set(program, io); }
function ioOf(cmd: Command): CliIo {
  let root = cmd;
  while (root.parent) root = root.parent;
  return ioOfProgram.get(root) ?? processIo();
}

/**
 * Wraps a command's action: builds the context from the global flags, then runs `fn` with the arguments.
 * With --tenant, every request carries X-Tenant-Id (a name is looked up first), so an admin key acts
 * inside that tenant; a tenant key needs no --tenant.
 */
export function withContext<A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const g = cmd.optsWithGlobals<{ url: string; token?: string; output: Format; tenant?: string }>();
    const io = ioOf(cmd);
    const ctx: Context = { client: new ApiClient(g.url, g.token), out: await stdio(g.output, io), io, tenant: g.tenant };
    if (g.tenant) ctx.client.tenantId = (await resolveTenant(ctx)).id;
    await fn(ctx, ...(args.slice(0, -1) as A));
  };
}
