// Revoking a key takes effect on every replica at once (issue 12.5, 12.6): two API servers on one
// database, each with the key in its cache; revoked through one, it is refused by the other within a
// second, and the watch streams opened with it on either replica are closed. Expiry closes them too.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { openSse } from "./sse.js";
import { createTestTenant, type TestTenant } from "./tenant-fixtures.js";

let one: TestApi;
let two: TestApi;
let t: TestTenant;
const figures: string[] = [];

beforeAll(async () => {
  one = await startTestApi();
  two = await startTestApi({ replicaOf: one });
  t = await createTestTenant(one);
});
afterAll(async () => {
  console.log(`revocation.test.ts: ${figures.join("; ")}`);
  await two?.close();
  await one?.close();
});

const mint = async (body: Record<string, unknown> = { scope: "read" }) =>
  (await one.request("POST", `/v1/tenants/${t.id}/keys`, { token: t.write, body })).body as { id: string; key: string };

/** Polls `fn` until it is true; returns how long that took. */
async function within(ms: number, fn: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await fn())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

it("a key revoked on one replica is refused by the other within a second, though that one had it cached", async () => {
  const k = await mint();
  expect((await two.request("GET", "/v1/projects", { token: k.key })).status).toBe(200); // now in two's cache
  expect((await one.request("DELETE", `/v1/tenants/${t.id}/keys/${k.id}`, { token: t.write })).status).toBe(204);
  const took = await within(1000, async () => (await two.request("GET", "/v1/projects", { token: k.key })).status === 401);
  figures.push(`refused by the other replica ${took} ms after the revocation`);
  expect((await one.request("GET", "/v1/projects", { token: k.key })).status).toBe(401);
});

it("revoking a key closes the watch streams opened with it, on both replicas; other keys' streams stay open", async () => {
  const k = await mint();
  const onOne = await openSse(one.url, "/v1/watch", { "x-api-key": k.key });
  const onTwo = await openSse(two.url, "/v1/watch", { "x-api-key": k.key });
  const other = await openSse(two.url, "/v1/watch", { "x-api-key": t.read });
  expect([onOne.status, onTwo.status, other.status]).toEqual([200, 200, 200]);
  const start = Date.now();
  expect((await one.request("DELETE", `/v1/tenants/${t.id}/keys/${k.id}`, { token: t.write })).status).toBe(204);
  const timeout = new Promise<"open">((r) => setTimeout(() => r("open"), 3000));
  expect(await Promise.race([onTwo.ended, timeout])).toBe("ended");
  figures.push(`watch stream on the other replica closed ${Date.now() - start} ms after the revocation`);
  expect(await Promise.race([onOne.ended, timeout])).toBe("ended");
  expect(await Promise.race([other.ended, new Promise((r) => setTimeout(() => r("open"), 300))])).toBe("open");
  other.close();
});

it("a stream opened with a key that expires ends at its expiry", async () => {
  const k = await mint({ scope: "read", expiresAt: new Date(Date.now() + 1200).toISOString() });
  const s = await openSse(two.url, "/v1/watch", { "x-api-key": k.key });
  expect(s.status).toBe(200);
  const timeout = new Promise<"open">((r) => setTimeout(() => r("open"), 4000));
  expect(await Promise.race([s.ended, timeout])).toBe("ended");
  expect((await two.request("GET", "/v1/projects", { token: k.key })).status).toBe(401);
});
