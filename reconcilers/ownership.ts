// Tags every created resource carries (docs/reference.md §4) and the ownership rule: we touch a resource only if its
// byoc:project-id is this project's; a same-named resource without it is a Conflict, never adopted.
import { TAG_MANAGED_BY, TAG_PROJECT, TAG_PROJECT_ID } from "../src/cloud/names.js";
import type { Action, Outcome, PassContext } from "./types.js";

export type TagMap = Record<string, string>;

export function projectTags(ctx: PassContext): TagMap {
  return { [TAG_PROJECT]: ctx.project.name, [TAG_PROJECT_ID]: ctx.project.id, [TAG_MANAGED_BY]: ctx.operatorId };
}

export const toKeyValue = (t: TagMap) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
export const toLowerKeyValue = (t: TagMap) => Object.entries(t).map(([key, value]) => ({ key, value }));
export function fromTagList(list: Array<{ Key?: string; Value?: string; key?: string; value?: string }> | undefined): TagMap {
  const out: TagMap = {};
  for (const t of list ?? []) {
    const k = t.Key ?? t.key;
    if (k !== undefined) out[k] = t.Value ?? t.value ?? "";
  }
  return out;
}

export type Ownership = "ours" | "foreign";
export const ownershipOf = (tags: TagMap, projectId: string): Ownership => (tags[TAG_PROJECT_ID] === projectId ? "ours" : "foreign");

export function conflict(resource: string, tags: TagMap, afterMs: number): Outcome {
  const owner = tags[TAG_PROJECT_ID];
  return {
    kind: "blocked", reason: "Conflict", afterMs,
    message: owner
      ? `${resource} exists and belongs to another project (${TAG_PROJECT_ID}=${owner}); not touching it`
      : `${resource} exists without our ${TAG_PROJECT_ID} tag; not touching it. Delete or rename it, or tag it ${TAG_PROJECT_ID}=<this project's id> to adopt it`,
  };
}

/** Our tags missing from a resource (e.g. removed out of band); the value differs → repaired too. */
export function missingTags(actual: TagMap, desired: TagMap): TagMap {
  const out: TagMap = {};
  for (const [k, v] of Object.entries(desired)) {
    // managed-by may legitimately name another replica of this operator
    if (k === TAG_MANAGED_BY ? actual[k] === undefined : actual[k] !== v) out[k] = v;
  }
  return out;
}

/** A tag repair as a DriftRepaired message names it: `tags.k actual → desired` for each tag put back. */
export function tagDrift(actual: TagMap, repaired: TagMap): string {
  return Object.entries(repaired).map(([k, v]) => `tags.${k} ${actual[k] ?? "(absent)"} → ${v}`).join(", ");
}

/**
 * A create whose answer was lost (the process died after AWS accepted it) left its intent open; the
 * resource is found by name and our tag, so the intent is resolved and the create is recorded now.
 */
export function adoptInterruptedCreate(ctx: PassContext, kind: string, name: string, arn: string | undefined): Action | undefined {
  if (!arn || !ctx.intents.pending(kind, name)) return undefined;
  return {
    verb: "adopt", kind, resource: name, reason: "an interrupted create left its intent open",
    event: { type: "Normal", reason: "Adopted", message: `${kind} ${name}: created by a pass that was interrupted before it recorded it; found by its ${TAG_PROJECT_ID} tag and adopted`, resource: name },
    run: () => ctx.intents.resolve(kind, name, arn),
  };
}
