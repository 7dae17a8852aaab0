#!/usr/bin/env node
// `npm run build`: the daemon and the CLI compiled to JavaScript in dist/ (or the directory given), with
// what they read at run time beside them: the dashboard's static files (read next to their module),
// the migrations (read from ../../drizzle of src/store) and a package.json (ESM, and the CLI's version).
// The image runs this output with production dependencies only (deploy/docker/Dockerfile).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
// --bench: bench/ too, for bench/run.ts, which runs its scenarios compiled as the image runs the daemon.
const withBench = args.includes("--bench");
const out = path.resolve(args.find((a) => !a.startsWith("--")) ?? path.join(root, "dist"));
rmSync(out, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, withBench ? "tsconfig.bench.json" : "tsconfig.build.json"), "--outDir", out], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

// Every file of src/ that is not TypeScript (today the dashboard's HTML, JS and CSS).
cpSync(path.join(root, "src"), path.join(out, "src"), {
  recursive: true, filter: (p) => !p.endsWith(".ts"),
});
cpSync(path.join(root, "drizzle"), path.join(out, "drizzle"), { recursive: true });
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, "package.json"), `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: "module" }, null, 2)}\n`);
console.log(`built ${path.relative(process.cwd(), out) || "."}: node ${path.relative(process.cwd(), path.join(out, "src/main.js"))}`);
