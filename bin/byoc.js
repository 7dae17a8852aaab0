#!/usr/bin/env node
// The `byoc` command. The CLI is TypeScript run through tsx (a runtime dependency), so there is no
// build step between a checkout and a working command.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
