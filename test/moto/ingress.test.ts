// The deployment's ingress on moto (the AWS path): an internet-facing Application Load Balancer in the
// public subnets with the LB security group, an ip target group on 8000 checking /ok, an HTTP listener
// forwarding to it, and the api service registered with it; fields changed out of band are repaired,
// and on delete nothing of them is left behind.
import {
  DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand,
  ModifyLoadBalancerAttributesCommand, ModifyTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CLUSTER_NAME } from "../../src/cloud/names.js";
import type { Moto } from "../support/moto.js";
import { condition, image, startFileMoto, startWorld, waitFor, waitForEvent, waitForPhase, type World } from "./world.js";

let moto: Moto;
let w: World;
const P = "edge";
beforeAll(async () => {
  moto = await startFileMoto();
  w = await startWorld(moto);
  await w.createProject({ name: P, image: image("v1"), secrets: { LANGSMITH_API_KEY: "lsv2-moto-not-real" } });
  await waitForPhase(w, P, "Ready");
});
afterAll(async () => { await w?.stop(); await moto?.stop(); });

const lb = async () => (await w.aws.elb.send(new DescribeLoadBalancersCommand({ Names: [`lg-${P}`] })).catch(() => ({ LoadBalancers: [] }))).LoadBalancers?.[0];
const tg = async () => (await w.aws.elb.send(new DescribeTargetGroupsCommand({ Names: [`lg-${P}`] })).catch(() => ({ TargetGroups: [] }))).TargetGroups?.[0];

test("an internet-facing ALB in the public subnets with the LB SG, a target group on 8000 with /ok, HTTP 80 forwarding, the api registered", async () => {
  const l = (await lb())!;
  expect(l).toMatchObject({ Scheme: "internet-facing", Type: "application", SecurityGroups: [w.prereqs.lbSgId] });
  expect(l.AvailabilityZones!.map((z) => z.SubnetId).sort()).toEqual(w.prereqs.publicSubnetIds);
  const attrs = (await w.aws.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: l.LoadBalancerArn }))).Attributes;
  expect(attrs?.find((a) => a.Key === "idle_timeout.timeout_seconds")?.Value).toBe("3600");
  const g = (await tg())!;
  expect(g).toMatchObject({ TargetType: "ip", Protocol: "HTTP", Port: 8000, HealthCheckPath: "/ok", VpcId: w.prereqs.vpcId });
  const listeners = (await w.aws.elb.send(new DescribeListenersCommand({ LoadBalancerArn: l.LoadBalancerArn }))).Listeners ?? [];
  expect(listeners.map((x) => [x.Port, x.Protocol, x.DefaultActions?.[0]?.Type, x.DefaultActions?.[0]?.TargetGroupArn])).toEqual([[80, "HTTP", "forward", g.TargetGroupArn]]);
  const api = (await w.aws.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: [`lg-${P}-api`] }))).services?.[0];
  expect(api?.loadBalancers).toEqual([{ targetGroupArn: g.TargetGroupArn, containerName: "api", containerPort: 8000 }]);
  const s = await w.status(P);
  expect(condition(s, "IngressReady")).toMatchObject({ status: "True", reason: "Unencrypted" });
});

test("the idle timeout and the health check changed out of band are repaired", async () => {
  const l = (await lb())!;
  const g = (await tg())!;
  await w.aws.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: l.LoadBalancerArn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "60" }] }));
  await w.aws.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: g.TargetGroupArn, HealthCheckPath: "/" }));
  await w.reconcile(P);
  await waitForEvent(w, P, "idle timeout repaired", (e) => e.reason === "DriftRepaired" && e.message === `load balancer lg-${P}: idleTimeout 60 → 3600`);
  await waitForEvent(w, P, "health check repaired", (e) => e.reason === "DriftRepaired" && e.message === `target group lg-${P}: healthCheck.path / → /ok`);
  expect((await tg())?.HealthCheckPath).toBe("/ok");
});

test("delete: the load balancer and target group are gone, with the services, and then the project", async () => {
  expect((await w.api("DELETE", `/v1/projects/${P}`)).status).toBe(202);
  await waitFor("project gone", async () => (await w.api("GET", `/v1/projects/${P}`)).status === 404, 60_000);
  expect(await lb()).toBeUndefined();
  expect(await tg()).toBeUndefined();
});
