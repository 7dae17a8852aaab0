// byoc plan NAME: the dry run of the next pass: which actions it would take, on what, and the field
// diffs behind each. Nothing is changed. The pass stops at the first step that is not done (a DB still
// creating), so the plan says where it stopped: later steps were not looked at.
import type { Command } from "commander";
import { projectPath } from "./client.js";
import { withContext, type Context } from "./context.js";
import { show } from "./output.js";

interface Plan {
  generation: number;
  observedGeneration: number;
  actions: Array<{ verb: string; kind: string; resource: string; reason: string; diffs: Array<{ field: string; actual: string; desired: string }> }>;
  steps: Array<{ kind: string; outcome: string; reason: string; message: string }>;
  computedAt: string;
}

export function planText(name: string, plan: Plan): string {
  const lines: string[] = [];
  const n = plan.actions.length;
  lines.push(n === 0 ? `${name}: no changes; AWS matches generation ${plan.generation}.`
    : `${name}: ${n} action${n === 1 ? "" : "s"} to reach generation ${plan.generation} (last applied: ${plan.observedGeneration})`);
  for (const a of plan.actions) {
    lines.push(`  ${a.verb} ${a.kind} ${a.resource}: ${a.reason}`);
    for (const d of a.diffs) lines.push(`      ${d.field}: ${d.actual} → ${d.desired}`);
  }
  const stopped = plan.steps.find((s) => s.outcome !== "done");
  if (stopped) lines.push(`stopped at ${stopped.kind} (${stopped.outcome}, ${stopped.reason}): ${stopped.message}; later steps not planned`);
  return lines.join("\n");
}

async function plan(ctx: Context, name: string): Promise<void> {
  const p = await ctx.client.get<Plan>(projectPath(name, "/plan"));
  show(ctx.out, p, () => planText(name, p));
}

export function registerPlan(program: Command): void {
  program.command("plan").argument("<name>", "project name or id")
    .description("dry run: what the next reconcile pass would change in AWS, and why (changes nothing)")
    .action(withContext(plan));
}
