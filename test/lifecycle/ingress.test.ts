// The deployment's ingress on the sandbox: a project converges with its load balancer, target group and
// HTTP listener, the api registered with the target group, IngressReady True (Unencrypted: no
// certificate) and its url; each managed field changed out of band is repaired with a DriftRepaired
// event naming it; deletion leaves nothing of it behind.
import postgres from "postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { image, startDaemonWithProject, type TestDaemon } from "../support/daemon.js";

const ACCOUNT = "100000000041";
const REGION = "us-east-1";
const P = "ingress";
let t: TestDaemon;
let projectId: string;
let sql: postgres.Sql;

beforeAll(async () => {
  ({ t, projectId } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1") } }));
  sql = postgres(t.databaseUrl, { max: 1 });
});
afterAll(async () => { await sql?.end(); await t?.stop(); });

const elb = async () => (await t.sandbox.state(ACCOUNT, REGION)).elb;
const ours = (tags: Record<string, string>) => tags["byoc:project-id"] === projectId;
const lb = async () => Object.values((await elb()).loadBalancers).find((x) => ours(x.tags))!;
const tg = async () => Object.values((await elb()).targetGroups).find((x) => ours(x.tags))!;
const listeners = async () => { const arn = (await lb()).arn; return Object.values((await elb()).listeners).filter((l) => l.loadBalancerArn === arn); };
const apply = (operation: string, input: Record<string, unknown>) => t.sandbox.console.apply(ACCOUNT, REGION, "elbv2", operation, input);

test("converges: internet-facing ALB with the LB SG in the public subnets, ip target group on 8000 with /ok, HTTP 80 forwarding, the api registered", async () => {
  const state = await t.sandbox.state(ACCOUNT, REGION);
  const [l, g] = [await lb(), await tg()];
  expect(l).toMatchObject({ name: "lg-ingress", scheme: "internet-facing", attributes: expect.objectContaining({ "idle_timeout.timeout_seconds": "3600" }) });
  const lbSg = Object.values(state.ec2.securityGroups).find((s) => s.name === "langgraph-cloud-lb-sg")!;
  expect(l.securityGroups).toEqual([lbSg.id]);
  const publicSubnets = Object.values(state.ec2.subnets).filter((s) => s.tags["langgraph-cloud-private"] === "0").map((s) => s.id).sort();
  expect([...l.subnets].sort()).toEqual(publicSubnets);
  expect(g).toMatchObject({ targetType: "ip", protocol: "HTTP", port: 8000, healthCheck: expect.objectContaining({ path: "/ok" }) });
  expect(g.attributes["deregistration_delay.timeout_seconds"]).toBe("30");
  expect((await listeners()).map((x) => [x.port, x.protocol, x.defaultActions[0]?.Type, x.defaultActions[0]?.TargetGroupArn])).toEqual([[80, "HTTP", "forward", g.arn]]);
  const api = state.ecs.services.find((s) => s.name === "lg-ingress-api" && s.status === "ACTIVE")!;
  expect(api.loadBalancers).toEqual([{ targetGroupArn: g.arn, containerName: "api", containerPort: 8000 }]);
  expect(api.healthCheckGracePeriodSeconds).toBe(120);

  const s = await t.status(P);
  expect(s.conditions.find((c: any) => c.type === "IngressReady")).toMatchObject({ status: "True", reason: "Unencrypted" });
  const [row] = await sql`SELECT url FROM projects WHERE id = ${projectId}`;
  expect(row.url).toBe(`http://${l.dnsName}`);
});

test.each([
  {
    field: "idle timeout", change: async () => apply("ModifyLoadBalancerAttributes", { LoadBalancerArn: (await lb()).arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "60" }] }),
    message: /^load balancer lg-ingress: idleTimeout 60 → 3600$/, repaired: async () => (await lb()).attributes["idle_timeout.timeout_seconds"] === "3600",
  },
  {
    field: "health check path", change: async () => apply("ModifyTargetGroup", { TargetGroupArn: (await tg()).arn, HealthCheckPath: "/" }),
    message: /^target group lg-ingress: healthCheck\.path \/ → \/ok$/, repaired: async () => (await tg()).healthCheck.path === "/ok",
  },
  {
    field: "listener action", change: async () => apply("ModifyListener", {
      ListenerArn: (await listeners())[0].arn, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }],
    }),
    message: /^listener HTTP 80 of lg-ingress: defaultActions fixed-response → forward lg-ingress$/,
    repaired: async () => (await listeners())[0]?.defaultActions[0]?.Type === "forward",
  },
])("$field changed out of band → repaired with a DriftRepaired event", async ({ change, message, repaired }) => {
  const before = (await t.events(P)).at(-1)!.id;
  await change();
  await t.http("POST", `/v1/projects/${P}/reconcile`);
  const e = await t.waitForEvent(P, "DriftRepaired", (x) => x.reason === "DriftRepaired" && message.test(x.message), { after: before });
  expect(e.type).toBe("Normal");
  await t.waitFor("repaired", repaired);
});

test("a deleted listener is recreated", async () => {
  const before = (await t.events(P)).at(-1)!.id;
  await apply("DeleteListener", { ListenerArn: (await listeners())[0].arn });
  await t.http("POST", `/v1/projects/${P}/reconcile`);
  await t.waitForEvent(P, "listener created", (x) => x.reason === "Created" && /listener HTTP 80 of lg-ingress/.test(x.message), { after: before });
  expect((await listeners()).map((l) => l.port)).toEqual([80]);
});

test("delete: the load balancer, its listeners and the target group are gone, then the project", async () => {
  expect((await t.http("DELETE", `/v1/projects/${P}`)).status).toBe(202);
  await t.waitFor("project gone", async () => (await t.http("GET", `/v1/projects/${P}`)).status === 404, 60_000);
  const e = await elb();
  expect(Object.values(e.loadBalancers).filter((x) => ours(x.tags))).toEqual([]);
  expect(Object.values(e.targetGroups).filter((x) => ours(x.tags))).toEqual([]);
  expect(Object.values(e.listeners)).toEqual([]);
});
