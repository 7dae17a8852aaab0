// A spec's `resources` on create and PATCH (docs/reference.md §3): each service's replicas (the fixed count, or
// the autoscaler's minimum) and maxReplicas (above replicas, the service autoscales). A maximum below the
// minimum is a spec Application Auto Scaling refuses (RegisterScalableTarget: MaxCapacity < MinCapacity),
// so it is a 400 now rather than a condition that never clears.
import { resourcesOfRow, withDefaults, type DeploymentType, type ResourcesSpec } from "../model/project.js";
import type { ProjectRow } from "../store/projects.js";
import type { FieldError } from "./problem.js";
import type { ProjectCreate, ProjectPatch } from "./schemas.js";

const ROLES = ["api", "queue"] as const;
type Defaults = ReturnType<typeof withDefaults>;

/** On a dev ↔ prod switch, a value that was the old type's default follows the new type's default. */
export function followTypeDefault<T>(from: DeploymentType, to: DeploymentType, value: T, pick: (d: Defaults) => T): T {
  const wasDefault = from !== to && value === pick(withDefaults({ deploymentType: from }));
  return wasDefault ? pick(withDefaults({ deploymentType: to })) : value;
}

/**
 * The resources a PATCH asks for. A maxReplicas the patch does not give follows the deployment type's default
 * when it was the old one's; otherwise a fixed count (maxReplicas = replicas) stays fixed at the new count, and
 * an autoscaling range keeps its maximum (so raising replicas past it is refused, naming replicas).
 */
export function patchResources(
  current: ProjectRow, patch: ProjectPatch["resources"], from: DeploymentType, to: DeploymentType,
): ResourcesSpec {
  const was = resourcesOfRow(current.resources);
  const one = (role: (typeof ROLES)[number]) => {
    const cur = was[role];
    const given = patch?.[role];
    const replicas = given?.replicas ?? followTypeDefault(from, to, cur.replicas, (d) => d.resources[role].replicas);
    const followed = followTypeDefault(from, to, cur.maxReplicas, (d) => d.resources[role].maxReplicas);
    const fixed = cur.maxReplicas === cur.replicas;
    const maxReplicas = given?.maxReplicas
      ?? (followed !== cur.maxReplicas ? Math.max(followed, replicas) : fixed ? replicas : cur.maxReplicas);
    return { ...cur, ...given, replicas, maxReplicas };
  };
  return { api: one("api"), queue: one("queue") };
}

/** maxReplicas ≥ replicas; the field named is the one the request gave (maxReplicas when it gave both). */
export function checkScaling(
  resources: ResourcesSpec, given: ProjectCreate["resources"] | ProjectPatch["resources"], errors: FieldError[],
) {
  for (const role of ROLES) {
    const { replicas, maxReplicas } = resources[role];
    if (maxReplicas >= replicas) continue;
    if (given?.[role]?.maxReplicas !== undefined) {
      errors.push({ field: `resources.${role}.maxReplicas`, message: `${maxReplicas} is below replicas (${replicas})` });
    } else {
      const message = `${replicas} is above maxReplicas (${maxReplicas}): raise maxReplicas too, or ask for fewer`;
      errors.push({ field: `resources.${role}.replicas`, message });
    }
  }
}
