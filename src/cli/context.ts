// What every command gets from the global flags: a client for the admin API and a place to print.
import type { Command } from "commander";
import { ApiClient } from "./client.js";
import { stdio, type Format, type Out } from "./output.js";

export interface Context { client: ApiClient; out: Out }

/** Wraps a command's action: builds the context from the global flags, then runs `fn` with the arguments. */
export function withContext<A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const g = cmd.optsWithGlobals<{ url: string; token?: string; output: Format }>();
    await fn({ client: new ApiClient(g.url, g.token), out: await stdio(g.output) }, ...(args.slice(0, -1) as A));
  };
}
