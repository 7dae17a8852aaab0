// What the API test files share: a valid project body, valid images, and the row counts that prove a
// rejected request wrote nothing.
import type { TestApi } from "../support/api.js";

export const ACCOUNT = "123456789012";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/LangGraphCloudOperator`;
export const EXTERNAL_ID = "sandbox-external-id";

export const image = (tag: string) => `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent:${tag}`;

let seq = 0;
/** A fresh, valid project name: tests in one file share a database, so names never repeat. */
export const uniqueName = (prefix = "p") => `${prefix}-${process.pid % 1000}-${++seq}`;

/** The smallest valid create body; override any field. */
export function projectBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: uniqueName(), region: "us-east-1", roleArn: ROLE_ARN, externalId: EXTERNAL_ID, ...overrides };
}

/** Creates a project and returns its body and ETag; fails loudly if the API refuses. */
export async function createProject(api: TestApi, overrides: Record<string, unknown> = {}) {
  const res = await api.request("POST", "/v1/projects", { body: projectBody(overrides) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return { project: res.body, etag: res.headers.get("etag")!, res };
}

export const DESIRED_TABLES = ["projects", "revisions", "events", "leases", "api_tokens"] as const;

/** Row counts of every table a request could write to. */
export async function rowCounts(api: TestApi): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of DESIRED_TABLES) {
    const [row] = await api.store.sql.unsafe(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = row.n as number;
  }
  return out;
}

/** The problem+json fields every error carries, checked together. */
export function isProblem(res: { status: number; headers: Headers; body: any }): boolean {
  return (res.headers.get("content-type") ?? "").startsWith("application/problem+json")
    && res.body?.status === res.status && typeof res.body?.title === "string" && typeof res.body?.type === "string";
}

export const fieldsOf = (res: { body: any }): string[] => (res.body?.errors ?? []).map((e: { field: string }) => e.field);
