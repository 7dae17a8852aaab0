// Secrets: projects are created with secret values (and one with its own database URI), converge fully
// with debug logging, have a secret rotated, and then every log line the daemon process wrote, every
// API response (every GET route of the OpenAPI document, the watch stream, metrics), every event and
// every row of every table is searched for the plaintext values: the project secrets, the external
// database password, the RDS master passwords the operator generated (which must live only in the
// customer's Secrets Manager), and the API tokens. None may appear.
//
// The sandbox's own schema (byoc_sandbox) is left out on purpose: it IS the customer's AWS account,
// where the secrets are meant to be (Secrets Manager, the task definitions' valueFrom references).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { projectNames } from "../../src/cloud/names.js";
import { createTestDatabase } from "../support/db.js";
import {
  ACCOUNTS, controlPlane, openCloud, projectBody, READ_TOKEN, REGION, spawnDaemon, stopProcess, waitFor, WRITE_TOKEN, type DaemonProcess,
} from "./harness.js";
import { recordFigures } from "../support/figures.js";

const names = ["sec-a", "sec-b", "sec-c"];
// Fixed, distinctive values: a hit can only be a leak, never a coincidence.
const SECRETS: Record<string, Record<string, string>> = {
  "sec-a": { OPENAI_API_KEY: "sk-rel-openai-9f3a71c2e4b8d6", LANGSMITH_API_KEY: "lsv2-rel-langsmith-5d2e8a1f7c" },
  "sec-b": { STRIPE_KEY: "rk-rel-stripe-0b7e4c9a13f2", WEBHOOK_SECRET: "whsec-rel-hook-6a9c2f0e58d1" },
};
const EXTERNAL_DB_PASSWORD = "pw-rel-external-db-3c8f1b6e92a4";
const EXTERNAL_DB_URI = `postgres://app:${EXTERNAL_DB_PASSWORD}@db.customer.example:5432/app`;
const ROTATED = "sk-rel-openai-rotated-71e0c4a9b2d5";

let db: { url: string; drop(): Promise<void> };
let daemon: DaemonProcess | undefined;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => {
  if (daemon) await stopProcess(daemon);
  await db?.drop();
});

function fill(template: string, projectName: string): string {
  return template.replace(/\{(\w+)\}/g, (_, p: string) => (p === "idOrName" ? projectName : p === "number" ? "1" : randomUUID()));
}

test("no secret value, generated DB password or token appears in any log line, API response, event or table row", async () => {
  daemon = await spawnDaemon({ databaseUrl: db.url, operatorId: "secrets", logLevel: "debug", resyncSeconds: 2 });
  const d = daemon;
  const cp = controlPlane(db.url);
  const cloud = openCloud(db.url);
  const responses: string[] = [];
  const record = async (method: string, path: string, body?: unknown, token = WRITE_TOKEN, headers: Record<string, string> = {}) => {
    const res = await d.http(method, path, body, token, headers);
    responses.push(`${method} ${path} ${res.status} ${JSON.stringify([...res.headers])} ${res.text}`);
    return res;
  };
  try {
    expect((await record("POST", "/v1/projects", projectBody("sec-a", ACCOUNTS[0], { secrets: SECRETS["sec-a"] }))).status).toBe(201);
    expect((await record("POST", "/v1/projects", projectBody("sec-b", ACCOUNTS[1], { secrets: SECRETS["sec-b"], env: { LOG_FORMAT: "json" } }))).status).toBe(201);
    expect((await record("POST", "/v1/projects", projectBody("sec-c", ACCOUNTS[2], { secrets: { POSTGRES_URI_CUSTOM: EXTERNAL_DB_URI } }))).status).toBe(201);
    // A minted token is shown once, in this response; it must be nowhere else.
    const minted = await d.http("POST", "/v1/tokens", { name: "ci", scope: "read" });
    expect(minted.status).toBe(201);
    await waitFor("every project Ready", () => cp.allReady(names), 60_000, 250);

    // Rotate a secret: the new value travels to Secrets Manager, and the services are redeployed to read it.
    const etag = (await record("GET", "/v1/projects/sec-a")).headers.get("etag")!;
    const rotated = await record("PATCH", "/v1/projects/sec-a", { secrets: { ...SECRETS["sec-a"], OPENAI_API_KEY: ROTATED } }, WRITE_TOKEN, { "if-match": etag });
    expect(rotated.status, rotated.text).toBe(200);
    await waitFor("the rotation applied", async () => {
      const [row] = await cp.sql<{ g: number; o: number; phase: string }[]>`SELECT generation AS g, observed_generation AS o, phase FROM projects WHERE name = 'sec-a'`;
      return row.o === row.g && row.phase === "Ready";
    }, 60_000, 250);
    await waitFor("every project Ready", () => cp.allReady(names), 60_000, 250);

    // The customer's account holds the values, as it should: read them from there, including what only it knows.
    const generated: string[] = [];
    for (const [i, name] of names.entries()) {
      const s = await cloud.sandbox.state(ACCOUNTS[i], REGION);
      const pg = s.secrets.secrets[projectNames(name).postgresSecret];
      const value = JSON.parse(pg.versions.find((v) => v.stages.includes("AWSCURRENT"))!.value!);
      if (name !== "sec-c") generated.push(value.password);
      else expect(value.uri).toBe(EXTERNAL_DB_URI);
      const env = s.secrets.secrets[projectNames(name).envSecret];
      const envValue = JSON.parse(env.versions.find((v) => v.stages.includes("AWSCURRENT"))!.value!);
      if (name === "sec-a") expect(envValue.OPENAI_API_KEY).toBe(ROTATED);
    }
    expect(generated.every((p) => typeof p === "string" && p.length >= 16)).toBe(true);

    // Every GET route of the API, with both tokens, for every project; the rest of the surface too.
    const doc = (await record("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const gets = Object.entries(doc.paths).filter(([p, ops]) => p.startsWith("/v1/") && "get" in ops && p !== "/v1/watch").map(([p]) => p);
    expect(gets.length).toBeGreaterThanOrEqual(8);
    for (const name of names) {
      for (const template of gets) {
        await record("GET", fill(template, name));
        await record("GET", fill(template, name), undefined, READ_TOKEN);
      }
    }
    for (const path of ["/healthz", "/readyz", "/metrics"]) await record("GET", path);
    const watch = new AbortController();
    const stream = await fetch(`${d.url}/v1/watch`, { headers: { authorization: `Bearer ${READ_TOKEN}`, "last-event-id": "0" }, signal: watch.signal });
    const reader = stream.body!.getReader();
    let sse = "";
    const until = Date.now() + 1500;
    try {
      while (Date.now() < until) {
        const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(() => r(undefined), until - Date.now()))]);
        if (!chunk || chunk.done) break;
        sse += new TextDecoder().decode(chunk.value);
      }
    } finally {
      watch.abort();
    }
    expect(sse).toContain("event:");
    responses.push(`GET /v1/watch ${sse}`);

    // Every row of every table the control plane has (not the sandbox's: that is the customer's account).
    const tables = await cp.sql<{ schema: string; name: string }[]>`
      SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', 'byoc_sandbox')`;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["projects", "events", "leases", "api_tokens", "create_intents", "changes", "conditions", "resource_status", "revisions"]));
    const rows: string[] = [];
    for (const t of tables) {
      const found = await cp.sql.unsafe(`SELECT row_to_json(x)::text AS j FROM "${t.schema}"."${t.name}" x`);
      for (const r of found) rows.push(`${t.schema}.${t.name} ${r.j}`);
    }
    const events = rows.filter((r) => r.startsWith("public.events "));
    expect(events.length).toBeGreaterThan(20);

    const values = [
      ...Object.values(SECRETS).flatMap((m) => Object.values(m)), ROTATED, EXTERNAL_DB_PASSWORD, EXTERNAL_DB_URI, ...generated,
      WRITE_TOKEN, READ_TOKEN, minted.body.token as string,
    ];
    const forms = (v: string) => [...new Set([v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)])];
    const logs = d.lines;
    const leaks: string[] = [];
    for (const [where, texts] of [["log line", logs], ["API response", responses], ["table row", rows]] as const) {
      for (const text of texts) {
        for (const v of values) if (forms(v).some((f) => text.includes(f))) leaks.push(`${where} has ${v.slice(0, 12)}…: ${text.slice(0, 300)}`);
      }
    }
    expect(leaks).toEqual([]);
    // The search itself works: the customer's account (the sandbox's schema) does hold the values.
    const account = (await cp.sql`SELECT state::text AS s FROM byoc_sandbox.account_state`).map((r) => r.s as string).join("\n");
    expect(values.filter((v) => !v.startsWith("reliability-") && v !== minted.body.token && !forms(v).some((f) => account.includes(f)))).toEqual([]);
    const debugLines = logs.filter((l) => l.includes('"level":20')).length;
    expect(debugLines).toBeGreaterThan(10);
    // The token row holds a hash, not the token.
    const [tokenRow] = await cp.sql<{ token_hash: string }[]>`SELECT token_hash FROM api_tokens WHERE id = ${minted.body.id}`;
    expect(tokenRow.token_hash).toMatch(/^[0-9a-f]{64}$/);
    recordFigures("secrets", `${values.length} plaintext values (project secrets, a rotated one, an external DB URI and password, ${generated.length} generated RDS passwords, 3 tokens) ` +
      `searched in ${logs.length} log lines (${debugLines} at debug), ${responses.length} API responses, ${events.length} events and ${rows.length} rows of ${tables.length} tables: 0 found`);
  } finally {
    await cloud.close();
    await cp.close();
  }
}, 150_000);
