// Tenants for API tests: each with its own AWS account (an account belongs to one tenant), a write key
// and a read key minted through the API as an admin would.
import type { TestApi } from "../support/api.js";
import { uniqueName } from "./fixtures.js";

export interface TestTenant {
  id: string; name: string; externalId: string;
  account: string; roleArn: string;
  write: string; read: string;
  writeKeyId: string; readKeyId: string;
}

let accounts = 0;
/** A fresh 12-digit account per tenant, never the fixtures' shared ACCOUNT. */
export const freshAccount = () => `4${String(process.pid % 100_000).padStart(5, "0")}${String(++accounts).padStart(6, "0")}`;

export async function createTestTenant(api: TestApi, name = uniqueName("t")): Promise<TestTenant> {
  const t = await api.request("POST", "/v1/tenants", { body: { name } });
  if (t.status !== 201) throw new Error(`tenant create failed: ${t.status} ${t.text}`);
  const mint = async (scope: "read" | "write") => {
    const k = await api.request("POST", `/v1/tenants/${t.body.id}/keys`, { body: { scope, name: `${name} ${scope}` } });
    if (k.status !== 201) throw new Error(`key create failed: ${k.status} ${k.text}`);
    return k.body as { id: string; key: string };
  };
  const [w, r] = [await mint("write"), await mint("read")];
  const account = freshAccount();
  return {
    id: t.body.id, name, externalId: t.body.externalId, account, roleArn: `arn:aws:iam::${account}:role/LangGraphCloudOperator`,
    write: w.key, read: r.key, writeKeyId: w.id, readKeyId: r.id,
  };
}

/** A project body for the tenant: its own account, no externalId (the tenant's is used). */
export function tenantProjectBody(t: TestTenant, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: uniqueName("tp"), region: "us-east-1", roleArn: t.roleArn, ...overrides };
}

export async function createTenantProject(api: TestApi, t: TestTenant, overrides: Record<string, unknown> = {}) {
  const res = await api.request("POST", "/v1/projects", { token: t.write, body: tenantProjectBody(t, overrides) });
  if (res.status !== 201) throw new Error(`tenant project create failed: ${res.status} ${res.text}`);
  return res.body as { id: string; name: string; tenantId: string; externalId: string; generation: number };
}
