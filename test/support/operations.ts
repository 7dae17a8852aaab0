// The operations the running API documents in /openapi.json: what the auth, encoded-path and tenant-isolation
// matrices walk, so a route added later is covered by all three without anyone remembering to.
import type { TestApi } from "./api.js";

export interface Operation { method: string; template: string }

/** Every operation of the document (method upper-case, path template as OpenAPI writes it: `{param}`). */
export async function documentedOperations(api: Pick<TestApi, "request">): Promise<Operation[]> {
  const doc = await api.request("GET", "/openapi.json", { token: null });
  return Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
    .flatMap(([template, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), template })));
}

/** The versioned API's operations (/v1, /v2, …): those that need a key. */
export const versioned = (ops: Operation[]) => ops.filter((o) => /^\/v\d+\//.test(o.template));
