// A CPU profile of this process over a window, through the inspector (what `node --cpu-prof` records,
// but for one window of a running scenario). Written to bench/profiles/, summarised by area.
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { summarizeProfile } from "../profile-summary.js";
import { BENCH_DIR } from "./report.js";

export async function profileWindow(ms: number, name: string) {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  await new Promise((r) => setTimeout(r, ms));
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const dir = path.join(BENCH_DIR, "profiles");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const s = summarizeProfile(profile as never, 15);
  const pct = (v: number) => Math.round((1000 * v) / s.totalMs) / 10;
  return {
    file: path.relative(path.dirname(BENCH_DIR), file),
    busyS: Math.round(s.totalMs / 100) / 10,
    byAreaPct: Object.fromEntries(s.byArea.filter(([, v]) => pct(v) >= 0.5).map(([k, v]) => [k, pct(v)])),
    topSelfPct: s.top.map((f) => `${pct(f.ms)}% ${f.fn} ${f.where}`),
  };
}
