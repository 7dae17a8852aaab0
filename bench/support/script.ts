// How the bench starts a process of its own code: compiled JavaScript, as bench/run.ts runs every
// scenario (the operator as the image runs it, not through tsx's transform: esbuild's keepNames wraps
// every function it creates, the SDK's middleware included, in a helper call), or TypeScript under tsx
// when a scenario was started from source (BENCH_FROM_SOURCE=1, or `npx tsx bench/<scenario>.ts`).
import path from "node:path";

const COMPILED = import.meta.url.endsWith(".js");

/** The node arguments that run `file` (a .ts name) of `dir`: compiled, or under tsx (by default as this process itself runs). */
export function scriptArgs(dir: string, file: string, compiled = COMPILED): string[] {
  return compiled ? [path.join(dir, file.replace(/\.ts$/, ".js"))] : ["--import", "tsx", path.join(dir, file)];
}
