// Desired state for many projects at once: rows built by the API's own input code (same defaults,
// same sealing) and inserted with multi-row INSERTs, 1,000 rows a statement, each with revision 1 and
// a lease due now. One NOTIFY at the end wakes the engines, as the API's per-row NOTIFY would.
import { newProjectFromBody } from "../../src/api/projectInput.js";
import { createSealer, type Sealer } from "../../src/store/crypto.js";
import type { Store } from "../../src/store/db.js";
import { DESIRED_CHANNEL } from "../../src/store/projects.js";
import { ensureDefaultTenant } from "../../src/store/tenants.js";
import { startOperatorProcess } from "./children.js";
import { waitUntil } from "./measure.js";
import { BENCH_KEY, countedStore } from "./operator.js";

export const REGION = "us-east-1";
export const EXTERNAL_ID = "sandbox-external-id";

/**
 * Customer accounts: `perAccount` projects each, as BYOC customers have a few deployments per account.
 * Grouped: an account's projects are consecutive (written together); interleaved (`accounts` given):
 * project i is in account i mod accounts, as projects of many customers arrive over time.
 */
export const accountOf = (i: number, perAccount: number, accounts?: number) =>
  `2${String(accounts ? i % accounts : Math.floor(i / perAccount)).padStart(11, "0")}`;
export const roleOf = (account: string) => `arn:aws:iam::${account}:role/LangGraphCloudOperatorRole`;
export const imageOf = (account: string, tag = "v1") => `${account}.dkr.ecr.${REGION}.amazonaws.com/agent:${tag}`;

export interface SeedOptions { count: number; perAccount: number; prefix: string; offset?: number; withImage?: boolean; interleave?: boolean }

export async function seedProjects(store: Store, sealer: Sealer, o: SeedOptions): Promise<string[]> {
  const sql = store.sql;
  const names: string[] = [];
  const offset = o.offset ?? 0;
  const tenant = await ensureDefaultTenant(store.db, EXTERNAL_ID);
  for (let start = 0; start < o.count; start += 1000) {
    const rows: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(o.count, start + 1000); i++) {
      const account = accountOf(offset + i, o.perAccount, o.interleave ? Math.ceil(o.count / o.perAccount) : undefined);
      const name = `${o.prefix}-${String(offset + i).padStart(5, "0")}`;
      names.push(name);
      const p = newProjectFromBody({
        name, region: REGION, roleArn: roleOf(account), externalId: EXTERNAL_ID,
        env: { LOG_LEVEL: "info" }, secrets: { OPENAI_API_KEY: `sk-bench-${i}` },
        ...(o.withImage ?? true ? { image: imageOf(account) } : {}),
      } as never, sealer);
      rows.push({
        tenant_id: tenant.id, name: p.name, region: p.region, role_arn: p.roleArn, account_id: p.accountId, external_id: p.externalId,
        deployment_type: p.deploymentType, database: JSON.stringify(p.database), resources: JSON.stringify(p.resources),
        env: JSON.stringify(p.env), secret_names: p.secretNames, sealed_secrets: p.sealedSecrets, deletion_policy: p.deletionPolicy, image: p.image ?? null,
      });
    }
    await sql.begin(async (tx) => {
      const ids = await tx<{ id: string; image: string | null }[]>`INSERT INTO projects ${tx(rows as never[])} RETURNING id, image`;
      await tx`INSERT INTO leases ${tx(ids.map((r) => ({ project_id: r.id })))}`;
      const revs = ids.filter((r) => r.image).map((r) => ({ project_id: r.id, number: 1, image: r.image }));
      if (revs.length) await tx`INSERT INTO revisions ${tx(revs)}`;
      const accounts = [...new Set(rows.map((r) => r.account_id as string))].map((a) => ({ account_id: a, tenant_id: tenant.id }));
      await tx`INSERT INTO account_bindings ${tx(accounts)} ON CONFLICT DO NOTHING`;
    });
  }
  await sql`SELECT pg_notify(${DESIRED_CHANNEL}, 'bench-seed')`;
  return names;
}

export async function countByPhase(store: Store): Promise<Record<string, number>> {
  const rows = await store.sql<{ phase: string; n: number }[]>`SELECT phase, count(*)::int AS n FROM projects GROUP BY phase`;
  return Object.fromEntries(rows.map((r) => [r.phase, r.n]));
}

/** Projects Ready with revision 1 DEPLOYED: converged. */
export async function countConverged(store: Store): Promise<number> {
  const [row] = await store.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM projects p JOIN revisions r ON r.project_id = p.id AND r.number = 1
    WHERE p.phase = 'Ready' AND r.status = 'DEPLOYED'`;
  return row.n;
}

/**
 * `o.count` projects made Ready by a converger operator in a process of its own (so none of its memory
 * is in the measuring process), then out of the way, with every project's next pass spread at random
 * over `spreadS`, as a daemon that just started over old rows would find them.
 */
export async function seedReadyProjects(url: string, sockets: string[], o: SeedOptions & { spreadS: number; timeoutMs: number }): Promise<{ names: string[]; convergeS: number }> {
  const conv = await startOperatorProcess({ databaseUrl: url, sockets, operatorId: "converger", concurrency: 256, pollMs: 300, countQueries: false });
  const { store } = countedStore(url, 2, false);
  try {
    const t0 = performance.now();
    const names = await seedProjects(store, createSealer([BENCH_KEY]), o);
    await waitUntil(`${o.count} projects Ready`, async () => (await countConverged(store)) >= o.count, o.timeoutMs, 2000);
    const convergeS = (performance.now() - t0) / 1000;
    await conv.stop();
    await store.sql`UPDATE leases SET due_at = now() + random() * make_interval(secs => ${o.spreadS}), owner = NULL, expires_at = NULL, attempts = 0`;
    return { names, convergeS };
  } finally {
    await store.sql.end();
  }
}
