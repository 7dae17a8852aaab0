// The project's Cloud Map service (reconcilers/discovery.ts): decideRegistry, one row per behaviour.
import { describe, expect, test } from "vitest";
import { decideRegistry, REDIS_DNS_RECORDS, REDIS_ROUTING_POLICY, type RegistrySeen } from "../../reconcilers/discovery.js";

const PID = "00000000-0000-0000-0000-000000000001";
const OURS = { "langgraph-cloud": "p", "byoc:project-id": PID, "byoc:managed-by": "op" };
const want = { name: "lg-p-redis", projectId: PID, tags: OURS, pollMs: 1000, resyncMs: 60_000 };
const seen = (extra: Partial<RegistrySeen> = {}): RegistrySeen => ({
  id: "srv-1", arn: "arn:aws:servicediscovery:us-east-1:111122223333:service/srv-1", records: [{ Type: "A", TTL: 10 }],
  instanceCount: 1, tags: OURS, interrupted: false, ...extra,
});
const summary = (d: ReturnType<typeof decideRegistry>) => ({
  changes: d.changes.map((c) => [c.op, c.event?.reason, ...(c.diffs ?? []).map((x) => `${x.field} ${x.actual}→${x.desired}`)].filter(Boolean).join(" ")),
  after: `${d.after.kind} ${"reason" in d.after ? d.after.reason : ""}`.trim(),
  registry: d.registry,
});

describe("the Cloud Map service of the project's Redis", () => {
  test("an A record, TTL 10 s, MULTIVALUE (what ECS service discovery takes for A records)", () => {
    expect({ REDIS_DNS_RECORDS, REDIS_ROUTING_POLICY }).toEqual({ REDIS_DNS_RECORDS: [{ Type: "A", TTL: 10 }], REDIS_ROUTING_POLICY: "MULTIVALUE" });
  });

  test.each([
    { reason: "absent → create it; redis waits for its ARN", s: undefined,
      want: { changes: ["create Created"], after: "done RegistryReady", registry: { arn: undefined, detach: false } } },
    { reason: "as desired → nothing, redis registers with it", s: seen(),
      want: { changes: [], after: "done RegistryReady", registry: { arn: seen().arn, detach: false } } },
    { reason: "TTL changed out of band → UpdateService, DriftRepaired naming the field", s: seen({ records: [{ Type: "A", TTL: 300 }] }),
      want: { changes: ["update DriftRepaired DnsConfig.DnsRecords A/300→A/10"], after: "done RegistryReady", registry: { arn: seen().arn, detach: false } } },
    { reason: "a tag removed → put back", s: seen({ tags: { "langgraph-cloud": "p", "byoc:project-id": PID } }),
      want: { changes: ["tag DriftRepaired tags.byoc:managed-by (absent)→op"], after: "done RegistryReady", registry: { arn: seen().arn, detach: false } } },
    { reason: "created by an interrupted attempt of ours → adopted", s: seen({ interrupted: true }),
      want: { changes: ["adopt Adopted"], after: "done RegistryReady", registry: { arn: seen().arn, detach: false } } },
    { reason: "a foreign service of our name → Conflict, nothing touched", s: seen({ tags: { "byoc:project-id": "someone-else" } }),
      want: { changes: [], after: "blocked Conflict", registry: { arn: undefined, detach: false } } },
    { reason: "an SRV record (cannot be changed in place), redis still registered → detach redis first", s: seen({ records: [{ Type: "SRV", TTL: 10 }] }),
      want: { changes: [], after: "requeue RecreatingRegistry", registry: { arn: seen().arn, detach: true } } },
    { reason: "an SRV record, no instance left → delete it to create it again", s: seen({ records: [{ Type: "SRV", TTL: 10 }], instanceCount: 0 }),
      want: { changes: ["delete DriftRepaired DnsConfig.DnsRecords SRV/10→A/10"], after: "requeue RecreatingRegistry", registry: { arn: undefined, detach: true } } },
  ])("$reason", ({ s, want: expected }) => {
    const got = summary(decideRegistry(s, want));
    expect(got).toEqual(expected);
  });
});
