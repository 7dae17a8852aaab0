// The AWS names of docs/reference.md §4 that the operator, the sandbox and the customer's Terraform module share.
// alb(<p>) must always be a valid ELBv2 name (≤ 32 characters, alphanumerics and hyphens, no hyphen at
// either end) and two projects must never share one.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { albName, projectNames, REDIS_NAMESPACE_NAME } from "../../src/cloud/names.js";

const ELB_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$/;
const sha6 = (p: string) => createHash("sha256").update(p).digest("hex").slice(0, 6);

describe("albName", () => {
  test.each([
    { reason: "a short name is lg-<p>", p: "demo", want: "lg-demo" },
    { reason: "29 characters still fit as lg-<p> (32 in all)", p: "a".repeat(29), want: `lg-${"a".repeat(29)}` },
    { reason: "30 characters are cut to 22 and hashed", p: "a".repeat(30), want: `lg-${"a".repeat(22)}-${sha6("a".repeat(30))}` },
    { reason: "the longest project name (40) is hashed", p: "b".repeat(40), want: `lg-${"b".repeat(22)}-${sha6("b".repeat(40))}` },
    { reason: "a cut that ends on a hyphen stays valid", p: `${"c".repeat(21)}-tail-of-a-long-name`, want: `lg-${"c".repeat(21)}--${sha6(`${"c".repeat(21)}-tail-of-a-long-name`)}` },
  ])("$reason", ({ p, want }) => {
    expect(albName(p)).toBe(want);
    expect(albName(p)).toMatch(ELB_NAME);
  });

  test("two long names with the same first 22 characters get different names", () => {
    const a = `${"x".repeat(22)}-production`;
    const b = `${"x".repeat(22)}-staging-one`;
    expect(albName(a)).not.toBe(albName(b));
    expect([albName(a).length, albName(b).length]).toEqual([32, 32]);
  });
});

describe("projectNames", () => {
  test.each([
    { field: "loadBalancer", want: "lg-demo" },
    { field: "targetGroup", want: "lg-demo" },
    { field: "redisDiscoveryService", want: "lg-demo-redis" },
    { field: "redisHost", want: `lg-demo-redis.${REDIS_NAMESPACE_NAME}` },
  ] as const)("$field of demo is $want", ({ field, want }) => {
    expect(projectNames("demo")[field]).toBe(want);
  });

  test("scalable targets and policies follow docs/reference.md §4", () => {
    const n = projectNames("demo");
    expect([n.scalableTarget("api"), n.scalableTarget("queue")]).toEqual(["service/langgraph-cloud-cluster/lg-demo-api", "service/langgraph-cloud-cluster/lg-demo-queue"]);
    expect([n.scalingPolicy("api", "cpu"), n.scalingPolicy("queue", "memory")]).toEqual(["lg-demo-api-cpu", "lg-demo-queue-memory"]);
  });
});
