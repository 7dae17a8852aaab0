// Tags every created resource carries (docs/reference.md §4) and the ownership rule: we touch a resource only if its
// byoc:project-id is this project's; a same-named resource without it is a Conflict, never adopted.
import { TAG_MANAGED_BY, TAG_PROJECT, TAG_PROJECT_ID } from "../src/cloud/names.js";
import { blocked, type BaseContext, type Blocked, type Change } from "./contract.js";

export type TagMap = Record<string, string>;

export function projectTags(ctx: Pick<BaseContext, "project" | "operatorId">): TagMap {
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

/** Looked at again after a resync interval: someone may rename, delete or tag it meanwhile. */
export function conflict(resource: string, tags: TagMap, afterMs: number): Blocked {
  const owner = tags[TAG_PROJECT_ID];
  return blocked("Conflict", owner
    ? `${resource} exists and belongs to another project (${TAG_PROJECT_ID}=${owner}); not touching it`
    : `${resource} exists without our ${TAG_PROJECT_ID} tag; not touching it. Delete or rename it, or tag it ${TAG_PROJECT_ID}=<this project's id> to adopt it`,
  { afterMs });
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

/** A tag repair: `label` names the resource in the event ("secret langgraph-cloud/p/env"). */
export function tagChange(kind: string, label: string, resource: string, actual: TagMap, repaired: TagMap): Change {
  const drift = Object.entries(repaired).map(([k, v]) => `tags.${k} ${actual[k] ?? "(absent)"} → ${v}`).join(", ");
  return {
    verb: "tag", kind, resource, reason: "tags drifted",
    diffs: Object.keys(repaired).map((k) => ({ field: `tags.${k}`, actual: actual[k] ?? "(absent)", desired: repaired[k] })),
    event: { type: "Normal", reason: "DriftRepaired", message: `${label}: ${drift}`, resource },
  };
}

/**
 * A create whose answer was lost (the process died after AWS accepted it) left its intent open; the
 * resource is found by name and our tag, so the intent is resolved and the create is recorded now.
 */
export function adoptChange(kind: string, name: string): Change {
  return {
    verb: "adopt", kind, resource: name, reason: "an interrupted create left its intent open",
    event: { type: "Normal", reason: "Adopted", message: `${kind} ${name}: created by a pass that was interrupted before it recorded it; found by its ${TAG_PROJECT_ID} tag and adopted`, resource: name },
  };
}
