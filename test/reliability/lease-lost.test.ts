// One project is never reconciled by two workers: a pass whose lease another replica has taken stops
// before its next change to AWS, instead of carrying on beside the new owner until it tries to save.
import { afterAll, beforeAll, expect, test } from "vitest";
import { Writable } from "node:stream";
import { projectBody, roleIn, startTestDaemon, type TestDaemon } from "../support/daemon.js";

const ACCOUNT = "100000000077";
let t: TestDaemon;
const logs: string[] = [];

beforeAll(async () => {
  // Every AWS call takes 300 ms, so a new project's first pass (role, network, secrets, DB...) runs for
  // seconds; leases of 3 s are renewed every second.
  t = await startTestDaemon({
    sandbox: { faults: { latencyMs: 300 } }, env: { BYOC_LEASE_SECONDS: "3" }, logLevel: "warn",
    logStream: new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }),
  });
});
afterAll(async () => { await t?.stop(); });

const WRITE = /^(Create|Put|Register|Update|Tag|Delete|Deregister|Start|Modify|Restore|AddTags)/;
const writesIn = (account: string, after = 0) =>
  t.sandbox.calls.entries.filter((c) => c.accountId === account && WRITE.test(c.operation) && c.at > after).map((c) => c.operation);

test("a pass whose lease is taken by another replica changes nothing in AWS once it knows", async () => {
  expect((await t.http("POST", "/v1/projects", projectBody("stolen", { roleArn: roleIn(ACCOUNT) }))).status).toBe(201);
  await t.waitFor("the first pass calling AWS", async () => t.sandbox.calls.entries.some((c) => c.accountId === ACCOUNT));
  // Another replica takes the project (as after this one's lease expired), and keeps it.
  await t.d.store.sql`UPDATE leases SET owner = 'other-replica', expires_at = now() + interval '1 hour' WHERE project_id = (SELECT id FROM projects WHERE name = 'stolen')`;
  // The next renewal (every second) finds the lease gone.
  await t.waitFor("the lease loss noticed", async () => logs.some((l) => l.includes("lease lost")), 5_000);
  const noticedAt = t.clock.now();
  // A write already in flight may land (300 ms); none may start after. Without the stop, the pass goes
  // on to create the secrets and the DB instance, one write every 300 ms.
  await new Promise((r) => setTimeout(r, 4_000));
  expect(writesIn(ACCOUNT, noticedAt + 500)).toEqual([]);
});
