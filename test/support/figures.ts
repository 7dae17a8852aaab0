// Figures a test measures on its way (kills survived, requests tried, leases abandoned) are evidence for
// RELIABILITY.md, not test output: they go to test-results/figures/<name>.txt, one file per test file,
// rewritten on each run. RELIABILITY.md's commands run the tests and print these files.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FIGURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test-results/figures");

export function recordFigures(name: string, line: string): void {
  mkdirSync(FIGURES_DIR, { recursive: true });
  writeFileSync(path.join(FIGURES_DIR, `${name}.txt`), `${new Date().toISOString()} ${line}\n`);
}
