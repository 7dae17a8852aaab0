// One set of SDK clients per region, shared by every customer account: each request is signed with the
// session of the account it was sent for, retries included, and counted against that account's bucket.
// Real SDK clients over the sandbox, which tells accounts apart by the access key a request is signed with.
import { describe, expect, test, vi } from "vitest";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { CreateSecretCommand, DescribeSecretCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListNamespacesCommand } from "@aws-sdk/client-servicediscovery";
import { DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { ListCertificatesCommand } from "@aws-sdk/client-acm";
import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS, keyedSha256, sessionSignatureV4, type AwsClients, type CloudBackend } from "../../src/cloud/clients.js";
import { SANDBOX_DEFAULT_EXTERNAL_ID } from "../../src/cloud/names.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { parseAuthorization } from "../../src/cloud/sandbox/runtime.js";
import { AccountBuckets, type AccountBucket } from "../../src/cloud/throttle.js";

const A = "300000000001";
const B = "300000000002";
const role = (account: string) => `arn:aws:iam::${account}:role/LangGraphCloudOperatorRole`;

/** What reached AWS: which SDK client sent it, and the signature's access key, region and service. */
interface Sent { client: object; operation: string; accessKeyId?: string; region?: string; service?: string; token?: string; request: HttpRequest }

/** The sandbox, plus a record of every SDK client Cloud made and every request it signed. */
function recordedSandbox(sandbox = new SandboxCloud({ delayMs: 0, seed: 11 })) {
  const clients: object[] = [];
  const sent: Sent[] = [];
  const backend: CloudBackend = {
    attach(client) {
      clients.push(client);
      client.middlewareStack.add((next: any, context: any) => async (args: any) => {
        const headers = args.request.headers;
        sent.push({
          client, operation: context.commandName.replace(/Command$/, ""), ...parseAuthorization(headers.authorization), token: headers["x-amz-security-token"],
          request: { ...args.request, headers: { ...headers }, query: { ...args.request.query } },
        });
        return next(args);
      }, { step: "finalizeRequest", priority: "low", name: "testRecorder" });
      return sandbox.attach(client);
    },
  };
  return { sandbox, backend, clients, sent };
}

const oneOfEach: Array<[keyof Omit<AwsClients, "accountId" | "region">, (aws: AwsClients) => Promise<unknown>]> = [
  ["ecs", (aws) => aws.ecs.send(new ListClustersCommand({}))],
  ["rds", (aws) => aws.rds.send(new DescribeDBInstancesCommand({}))],
  ["secrets", (aws) => aws.secrets.send(new ListSecretsCommand({}))],
  ["logs", (aws) => aws.logs.send(new DescribeLogGroupsCommand({}))],
  ["cloudwatch", (aws) => aws.cloudwatch.send(new GetMetricDataCommand({
    StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(),
    MetricDataQueries: [{ Id: "cpu", MetricStat: { Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization" }, Period: 60, Stat: "Average" } }],
  }))],
  ["ec2", (aws) => aws.ec2.send(new DescribeVpcsCommand({}))],
  ["elb", (aws) => aws.elb.send(new DescribeLoadBalancersCommand({}))],
  ["cloudmap", (aws) => aws.cloudmap.send(new ListNamespacesCommand({}))],
  ["autoscaling", (aws) => aws.autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs" }))],
  ["acm", (aws) => aws.acm.send(new ListCertificatesCommand({}))],
];
const SIGNING_NAMES = {
  ecs: "ecs", rds: "rds", secrets: "secretsmanager", logs: "logs", cloudwatch: "monitoring", ec2: "ec2",
  elb: "elasticloadbalancing", cloudmap: "servicediscovery", autoscaling: "application-autoscaling", acm: "acm",
};
/** SHA-256 and HMAC-SHA-256 as the SDK's Node hash gives them. */
class Sha256 {
  private readonly h;
  constructor(secret?: string | Uint8Array) { this.h = secret ? createHmac("sha256", secret) : createHash("sha256"); }
  update(data: string | Uint8Array) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
  reset() {}
}
/** Services per region (STS is one more, shared by every region). */
const SERVICES = oneOfEach.length;

describe("Cloud.clientsFor", () => {
  test("accounts of a region share one SDK client per service; another region has its own", async () => {
    const r = recordedSandbox();
    const cloud = new Cloud({ backend: r.backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "shared" });
    const a = await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    const b = await cloud.clientsFor(role(B), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    const aWest = await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "eu-west-1");
    expect(await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1")).toBe(a);
    expect(b).not.toBe(a);

    for (const [name, call] of oneOfEach) {
      for (const aws of [a, b, aWest]) await call(aws);
      const [viaA, viaB, viaWest] = r.sent.slice(-3);
      expect(viaB.client, name).toBe(viaA.client);
      expect(viaWest.client, name).not.toBe(viaA.client);
      expect([viaA, viaB, viaWest].map((s) => [s.region, s.service]), name).toEqual([
        ["us-east-1", SIGNING_NAMES[name]], ["us-east-1", SIGNING_NAMES[name]], ["eu-west-1", SIGNING_NAMES[name]],
      ]);
    }
    // STS (a role's session serves every region) and each service in each region; more accounts make no more clients.
    expect(r.clients).toHaveLength(1 + 2 * SERVICES);
    for (let i = 0; i < 5; i++) await (await cloud.clientsFor(role(`30000000010${i}`), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1")).ecs.send(new ListClustersCommand({}));
    expect(r.clients).toHaveLength(1 + 2 * SERVICES);
  });

  test("each request is signed with its own account's session, in every service", async () => {
    const r = recordedSandbox();
    const cloud = new Cloud({ backend: r.backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "signing" });
    const a = await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    const b = await cloud.clientsFor(role(B), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    const keyA = await cloud.assumeRoleSession(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    const keyB = await cloud.assumeRoleSession(role(B), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    expect(keyA.accessKeyId).not.toBe(keyB.accessKeyId);
    const from = r.sent.length;
    await Promise.all(oneOfEach.flatMap(([, call]) => [call(a), call(b)]));
    const signed = r.sent.slice(from).map((s) => [s.accessKeyId, s.token]);
    expect(signed.filter(([k]) => k === keyA.accessKeyId)).toEqual(Array(SERVICES).fill([keyA.accessKeyId, keyA.sessionToken]));
    expect(signed.filter(([k]) => k === keyB.accessKeyId)).toEqual(Array(SERVICES).fill([keyB.accessKeyId, keyB.sessionToken]));
    expect(signed).toHaveLength(2 * SERVICES);
    // One SignatureV4 per region and service serves every session: each signature is the one a stock
    // SignatureV4 holding that request's session computes.
    for (const s of r.sent.slice(from)) {
      const creds = s.accessKeyId === keyA.accessKeyId ? keyA : keyB;
      const { authorization, "x-amz-date": date, "x-amz-security-token": _t, "x-amz-content-sha256": _h, ...headers } = s.request.headers;
      const stock = new SignatureV4({ credentials: creds, region: s.region!, service: s.service!, sha256: Sha256 as never });
      const iso = date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z");
      const again = await stock.sign({ ...s.request, headers }, { signingDate: new Date(iso) });
      expect(again.headers.authorization, s.operation).toBe(authorization);
    }
  });

  test("concurrent requests of two accounts through the shared clients each act in their own account, retries included", async () => {
    const r = recordedSandbox();
    const cloud = new Cloud({ backend: r.backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "crosstalk", maxAttempts: 10 });
    const [a, b] = await Promise.all([A, B].map((acct) => cloud.clientsFor(role(acct), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1")));
    // Requests overlap in flight, and some fail with a 5xx so the SDK signs them again in its retry loop.
    r.sandbox.setFaults({ latencyMs: 2, serverErrorRate: 0.15 });
    const N = 40;
    await Promise.all(Array.from({ length: N }, (_, i) => [
      a.secrets.send(new CreateSecretCommand({ Name: `a-${i}`, SecretString: A })),
      b.secrets.send(new CreateSecretCommand({ Name: `b-${i}`, SecretString: B })),
    ]).flat());
    const described = await Promise.all(Array.from({ length: N }, (_, i) => [
      a.secrets.send(new DescribeSecretCommand({ SecretId: `a-${i}` })),
      b.secrets.send(new DescribeSecretCommand({ SecretId: `b-${i}` })),
    ]).flat());
    r.sandbox.setFaults({ latencyMs: 0, serverErrorRate: 0 });

    expect(r.sandbox.calls.entries.filter((c) => c.operation === "CreateSecret" && c.outcome !== "ok").length).toBeGreaterThan(0);
    const names = (s: { secrets: { secrets: Record<string, unknown> } }) => Object.keys(s.secrets.secrets).sort();
    const range = (p: string) => Array.from({ length: N }, (_, i) => `${p}-${i}`).sort();
    expect(names(await r.sandbox.state(A, "us-east-1"))).toEqual(range("a"));
    expect(names(await r.sandbox.state(B, "us-east-1"))).toEqual(range("b"));
    for (const d of described) expect(d.ARN).toContain(`:${d.Name!.startsWith("a-") ? A : B}:secret:`);
    await expect(b.secrets.send(new DescribeSecretCommand({ SecretId: "a-0" }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  test("after forgetSession the next call assumes the role again and signs with the new session", async () => {
    const r = recordedSandbox();
    const cloud = new Cloud({ backend: r.backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "forget" });
    const before = await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    await before.ecs.send(new ListClustersCommand({}));
    await before.ecs.send(new ListClustersCommand({}));
    expect(r.sandbox.calls.count("sts:AssumeRole")).toBe(1);
    const oldKey = r.sent.at(-1)!.accessKeyId;

    cloud.forgetSession(role(A), SANDBOX_DEFAULT_EXTERNAL_ID);
    const after = await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1");
    expect(r.sandbox.calls.count("sts:AssumeRole")).toBe(2);
    expect(after).not.toBe(before);
    await after.ecs.send(new ListClustersCommand({}));
    // A pass still holding the old view signs with the new session too.
    await before.ecs.send(new ListClustersCommand({}));
    const [viaNew, viaOld] = r.sent.slice(-2).map((s) => s.accessKeyId);
    expect(viaNew).not.toBe(oldKey);
    expect(viaOld).toBe(viaNew);
    expect(r.sandbox.calls.count("sts:AssumeRole")).toBe(2);
  });

  test("a request sent through a shared client directly, for no account, fails and reaches no AWS", async () => {
    const r = recordedSandbox();
    const cloud = new Cloud({ backend: r.backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "unstamped" });
    await (await cloud.clientsFor(role(A), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1")).ecs.send(new ListClustersCommand({}));
    const shared = r.clients.find((c) => c instanceof ECSClient) as ECSClient;
    const calls = r.sandbox.calls.entries.length;
    await expect(shared.send(new ListClustersCommand({}))).rejects.toThrow(/ecs ListClustersCommand: no account session/);
    expect(r.sandbox.calls.entries.length).toBe(calls);
  });

  test("each attempt is charged to the bucket of the account it was sent for", async () => {
    const r = recordedSandbox();
    const taken = new Map<string, number>();
    const buckets = new (class extends AccountBuckets {
      override of(accountId: string): AccountBucket {
        taken.set(accountId, (taken.get(accountId) ?? 0) + 1);
        return super.of(accountId);
      }
    })();
    const observed: string[] = [];
    const cloud = new Cloud({ backend: r.backend, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "buckets", buckets, onCall: (c) => observed.push(`${c.accountId} ${c.service}:${c.operation}`) });
    const [a, b] = await Promise.all([A, B].map((acct) => cloud.clientsFor(role(acct), SANDBOX_DEFAULT_EXTERNAL_ID, "us-east-1")));
    taken.clear();
    observed.length = 0;
    await Promise.all([
      ...Array.from({ length: 3 }, () => a.ecs.send(new ListClustersCommand({}))),
      a.rds.send(new DescribeDBInstancesCommand({})),
      b.secrets.send(new ListSecretsCommand({})),
    ]);
    expect(Object.fromEntries(taken)).toEqual({ [A]: 4, [B]: 1 });
    expect(observed.sort()).toEqual([
      `${A} ecs:ListClusters`, `${A} ecs:ListClusters`, `${A} ecs:ListClusters`, `${A} rds:DescribeDBInstances`, `${B} secretsmanager:ListSecrets`,
    ]);
  });
});

describe("sessionSignatureV4", () => {
  const identity = { accessKeyId: "ASIAEXAMPLESESSION01", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "token-1" };
  const request = (): HttpRequest => ({
    method: "POST", protocol: "https:", hostname: "ecs.us-east-1.amazonaws.com", path: "/", query: {},
    headers: { host: "ecs.us-east-1.amazonaws.com", "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.DescribeServices" },
    body: JSON.stringify({ cluster: "langgraph-cloud", services: ["lg-a-api"] }),
  }) as HttpRequest;

  test("signs byte for byte as the SDK's SignatureV4, on one day and the next, and derives the key once a day", async () => {
    const init = { credentials: identity, region: "us-east-1", service: "ecs", sha256: Sha256 as never };
    const derive = vi.spyOn(SignatureV4.prototype as unknown as { getSigningKey: () => unknown }, "getSigningKey");
    const ours = sessionSignatureV4(init);
    const stock = new SignatureV4(init);
    for (const signingDate of [new Date("2026-12-03T10:00:00Z"), new Date("2026-12-03T10:00:05Z"), new Date("2026-12-04T00:00:01Z")]) {
      const [a, b] = await Promise.all([ours.sign(request(), { signingDate }), stock.sign(request(), { signingDate })]);
      expect(a.headers.authorization).toBe(b.headers.authorization);
      expect(a.headers.authorization).toContain(`/${signingDate.toISOString().slice(0, 10).replace(/-/g, "")}/us-east-1/ecs/aws4_request`);
    }
    // The stock signer derives (through its cache) on each of its 3 calls; ours on the first call of each day.
    expect(derive).toHaveBeenCalledTimes(3 + 2);
    derive.mockRestore();
  });
});


describe("keyedSha256", () => {
  const hex = (u: Uint8Array) => Buffer.from(u).toString("hex");
  test("an HMAC under a KeyObject is node's HMAC, again after reset and under another key; everything else is the SDK's", async () => {
    const made: Array<string | Uint8Array | undefined> = [];
    class Base extends Sha256 { constructor(secret?: string | Uint8Array) { super(secret); made.push(secret); } }
    const Keyed = keyedSha256(Base as never) as unknown as new (secret?: string | Uint8Array | KeyObject) => Sha256;
    const k1 = new Uint8Array(32).fill(1);
    const k2 = new Uint8Array(32).fill(2);
    const msg = new TextEncoder().encode("AWS4-HMAC-SHA256\n20261203T100000Z");
    const want = (k: Uint8Array | string) => createHmac("sha256", k).update(msg).digest("hex");
    for (const k of [k1, k2]) {
      const h = new Keyed(createSecretKey(k));
      h.update(msg);
      expect(hex(await h.digest())).toBe(want(k));
      h.reset();
      h.update(msg);
      expect(hex(await h.digest())).toBe(want(k));
    }
    expect(made).toEqual([]);
    const plain = new Keyed();
    plain.update(msg);
    expect(hex(await plain.digest())).toBe(createHash("sha256").update(msg).digest("hex"));
    for (const k of ["AWS4secret", k1]) {
      const h = new Keyed(k);
      h.update(msg);
      expect(hex(await h.digest())).toBe(want(k));
    }
    expect(made).toEqual([undefined, "AWS4secret", k1]);
  });
});
