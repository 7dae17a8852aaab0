// The coalescer under the batched reads: which requests share a call, and what each caller gets back.
// The clients are only a key here, so a plain object stands in for them; the reads' AWS side is proved
// in test/reconcilers/batched-reads.test.ts against the sandbox beneath the real SDK clients.
import { describe, expect, test } from "vitest";
import { batched, type BatchRead } from "../../src/cloud/batch.js";
import type { AwsClients } from "../../src/cloud/clients.js";

const clients = (accountId: string) => ({ accountId, region: "us-east-1" }) as AwsClients;

/** A read that records each call's items and answers every item with its own label. */
function recordingRead(capacity = 10, fail?: Error): BatchRead<string[], string> & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls, key: "test:Read", capacity, weight: (names) => names.length,
    async run(_aws, items) {
      calls.push(items.flat());
      if (fail) throw fail;
      return items.map((names) => `answer for ${names.join("+")}`);
    },
  };
}

describe("batched", () => {
  test("requests made together share one call, and each caller gets its own answer", async () => {
    const read = recordingRead();
    const aws = clients("111111111111");
    const answers = await Promise.all([["a1", "a2", "a3"], ["b1", "b2", "b3"], ["c1"]].map((names) => batched(aws, read, names)));
    expect(read.calls).toEqual([["a1", "a2", "a3", "b1", "b2", "b3", "c1"]]);
    expect(answers).toEqual(["answer for a1+a2+a3", "answer for b1+b2+b3", "answer for c1"]);
  });

  test("a call never carries more than its capacity: a request that would overflow starts the next call", async () => {
    const read = recordingRead(10);
    const aws = clients("111111111111");
    await Promise.all(["a", "b", "c", "d"].map((p) => batched(aws, read, [`${p}1`, `${p}2`, `${p}3`])));
    expect(read.calls.map((c) => c.length)).toEqual([9, 3]);
  });

  test("a full call goes at once, without waiting out the window", async () => {
    const read = recordingRead(2);
    const aws = clients("111111111111");
    const first = batched(aws, read, ["x", "y"], 60_000);
    await first;
    expect(read.calls).toEqual([["x", "y"]]);
  });

  test("different clients (another account, or another role in it) never share a call", async () => {
    const read = recordingRead();
    await Promise.all([batched(clients("111111111111"), read, ["a"]), batched(clients("222222222222"), read, ["b"])]);
    expect(read.calls.sort()).toEqual([["a"], ["b"]]);
  });

  test("requests further apart than the window make calls of their own", async () => {
    const read = recordingRead();
    const aws = clients("111111111111");
    await batched(aws, read, ["a"], 1);
    await batched(aws, read, ["b"], 1);
    expect(read.calls).toEqual([["a"], ["b"]]);
  });

  test("a failed call fails every request in it with the same error", async () => {
    const err = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const read = recordingRead(10, err);
    const aws = clients("111111111111");
    const results = await Promise.allSettled([batched(aws, read, ["a"]), batched(aws, read, ["b"])]);
    expect(results).toEqual([{ status: "rejected", reason: err }, { status: "rejected", reason: err }]);
    expect(read.calls).toHaveLength(1);
  });

  test("a request larger than a call can carry is refused before anything is sent", () => {
    const read = recordingRead(2);
    expect(() => batched(clients("111111111111"), read, ["a", "b", "c"])).toThrow(/exceeds a call's capacity of 2/);
    expect(read.calls).toEqual([]);
  });
});
