// Create intents: a token recorded before a create call and reused after a crash, so the retried call
// is the same request to AWS (ClientToken / ClientRequestToken) and never a second resource.
import { randomUUID } from "node:crypto";
import { isConnectionError, type Store } from "./db.js";

/** `pending`: "kind|name" of this project's unresolved intents, as loaded with the pass. */
export function intentsFor(store: Store, projectId: string, pending: ReadonlySet<string> = new Set()) {
  const open = new Set(pending);
  return {
    pending: (kind: string, name: string) => open.has(`${kind}|${name}`),
    async begin(kind: string, name: string): Promise<string> {
      const token = randomUUID();
      const [row] = await store.sql<{ token: string }[]>`
        INSERT INTO create_intents (project_id, kind, name, token) VALUES (${projectId}, ${kind}, ${name}, ${token})
        ON CONFLICT (project_id, kind, name) DO UPDATE SET token = CASE WHEN create_intents.resolved_at IS NULL THEN create_intents.token ELSE EXCLUDED.token END,
          resolved_at = NULL, resource_id = NULL, started_at = CASE WHEN create_intents.resolved_at IS NULL THEN create_intents.started_at ELSE now() END
        RETURNING token`;
      return row.token;
    },
    /**
     * Bookkeeping after AWS accepted the create. With Postgres unreachable at that moment the create still
     * happened, and the pass must report it (its event is the record); the intent merely stays open, and
     * a later create of that name reuses its token, which AWS answers with the resource it made.
     */
    async resolve(kind: string, name: string, resourceId: string) {
      open.delete(`${kind}|${name}`);
      try {
        await store.sql`UPDATE create_intents SET resolved_at = now(), resource_id = ${resourceId} WHERE project_id = ${projectId} AND kind = ${kind} AND name = ${name}`;
      } catch (err) {
        if (!isConnectionError(err)) throw err;
      }
    },
    async clear(kind: string, name: string) {
      await store.sql`DELETE FROM create_intents WHERE project_id = ${projectId} AND kind = ${kind} AND name = ${name}`;
    },
  };
}
