#!/usr/bin/env node
// The `byoc` command. In a checkout it runs the TypeScript through tsx (a development dependency), so
// there is no build step between an edit and a working command; where there is no source (the image:
// `npm run build` output and production dependencies only) it runs the compiled CLI in dist/.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import(new URL("../dist/src/cli/main.js", import.meta.url).href);
}
