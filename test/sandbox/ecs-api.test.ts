// ECS API rules the operator's idempotency and drift repair depend on: clientToken on CreateService,
// service deletion (DRAINING → INACTIVE → MISSING), cluster idempotency and deletion, and task
// definition revisions, lookups and validation.
import { describe, expect, it } from "vitest";
import {
  ClientException,
  ClusterContainsServicesException,
  ClusterNotFoundException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  TagResourceCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { CLUSTER_NAME } from "../../src/cloud/names.js";
import { SandboxFixture, rejection } from "./fixture.js";
import { preparedAccount, SERVICE } from "./ecs-setup.js";

const DELAY = 1000;
const TOKEN = "create-lg-demo-api-1";

describe("CreateService idempotency", () => {
  const repeats = [
    { reason: "the same clientToken and parameters return the same service", token: TOKEN, desiredCount: 2, error: undefined },
    { reason: "the same clientToken with other parameters is not idempotent", token: TOKEN, desiredCount: 3, error: "Creation of service was not idempotent." },
    { reason: "another token for a live service is not idempotent", token: "another-token", desiredCount: 2, error: "Creation of service was not idempotent." },
    { reason: "no token for a live service is not idempotent", token: undefined, desiredCount: 2, error: "Creation of service was not idempotent." },
  ];
  it.each(repeats)("$reason", async ({ token, desiredCount, error }) => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const td = await a.register("v1");
    const first = await a.createService(td, { clientToken: TOKEN });
    f.advance(10);
    const again = a.createService(td, { clientToken: token, desiredCount });
    if (error) {
      const err = await rejection(again);
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe(error);
    } else {
      expect((await again).service?.createdAt).toEqual(first.service?.createdAt);
    }
    expect((await a.ecs.send(new ListServicesCommand({ cluster: CLUSTER_NAME }))).serviceArns).toEqual([first.service!.serviceArn]);
  });

  it("refuses a missing cluster and an unknown task definition", async () => {
    const f = new SandboxFixture();
    const a = await preparedAccount(f);
    expect(await rejection(a.createService(await a.register("v1"), { cluster: "nope" }))).toBeInstanceOf(ClusterNotFoundException);
    expect(await rejection(a.createService("lg-demo-api:99"))).toBeInstanceOf(ClientException);
  });
});

describe("deleting a service", () => {
  it("needs force while scaled up, drains, reads INACTIVE for a while, then MISSING", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    await a.createService(await a.register("v1"));
    f.advance(DELAY);
    expect(await rejection(a.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE })))).toBeInstanceOf(InvalidParameterException);
    const out = await a.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, force: true }));
    expect(out.service?.status).toBe("DRAINING");
    f.advance(DELAY);
    expect((await a.service()).status).toBe("INACTIVE");
    expect(await rejection(a.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, desiredCount: 1 })))).toHaveProperty("name", "ServiceNotActiveException");
    f.advance(DELAY * 10);
    const gone = await a.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: [SERVICE] }));
    expect(gone.services).toEqual([]);
    expect(gone.failures).toEqual([{ arn: expect.stringContaining(`:service/${CLUSTER_NAME}/${SERVICE}`), reason: "MISSING" }]);
    expect(await rejection(a.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, desiredCount: 1 })))).toBeInstanceOf(ServiceNotFoundException);
  });
});

describe("clusters", () => {
  it("CreateCluster returns the existing cluster, DeleteCluster refuses while services are active", async () => {
    const f = new SandboxFixture();
    const a = await preparedAccount(f);
    const again = await a.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER_NAME, tags: [{ key: "late", value: "tag" }] }));
    expect(again.cluster?.status).toBe("ACTIVE");
    await a.createService(await a.register("v1"));
    expect(await rejection(a.ecs.send(new DeleteClusterCommand({ cluster: CLUSTER_NAME })))).toBeInstanceOf(ClusterContainsServicesException);
    const missing = await a.ecs.send(new DescribeClustersCommand({ clusters: ["nope"] }));
    expect(missing.failures?.[0].reason).toBe("MISSING");
  });

  it("tags by ARN and shows them with include TAGS", async () => {
    const f = new SandboxFixture();
    const a = await preparedAccount(f);
    const [cluster] = (await a.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME] }))).clusters!;
    await a.ecs.send(new TagResourceCommand({ resourceArn: cluster.clusterArn, tags: [{ key: "byoc:project-id", value: "p1" }] }));
    const tagged = (await a.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME], include: ["TAGS"] }))).clusters![0];
    expect(tagged.tags).toEqual([{ key: "byoc:project-id", value: "p1" }]);
  });
});

describe("task definitions", () => {
  it("number revisions per family; `family` means the latest ACTIVE one", async () => {
    const f = new SandboxFixture();
    const a = await preparedAccount(f);
    const r1 = await a.register("v1");
    const r2 = await a.register("v2");
    await a.register("other", "lg-demo-api2");
    expect([r1, r2].map((arn) => arn.split(":").at(-1))).toEqual(["1", "2"]);
    await a.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "lg-demo-api:2" }));
    const latest = await a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lg-demo-api", include: ["TAGS"] }));
    expect(latest.taskDefinition?.revision).toBe(1);
    expect(latest.tags).toEqual([{ key: "langgraph-cloud", value: "demo" }]);
    const inactive = await a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lg-demo-api:2" }));
    expect(inactive.taskDefinition?.status).toBe("INACTIVE");
    const listed = await a.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "lg-demo-api" }));
    expect(listed.taskDefinitionArns).toEqual([r1]);
    expect((await a.register("v3")).endsWith(":3")).toBe(true);
  });

  const invalid = [
    { reason: "an unknown revision cannot be described", run: (a: any) => a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "lg-demo-api:7" })), message: "Unable to describe task definition." },
    {
      reason: "Fargate refuses a cpu/memory pair it does not offer",
      run: (a: any) => a.ecs.send(new RegisterTaskDefinitionCommand({ family: "x", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "1024", memory: "1000", containerDefinitions: [{ name: "api", image: "x:1" }] })),
      message: "No Fargate configuration exists for given values: 1024 CPU, 1000 memory. Ensure the cpu value is a valid option and the memory value is a valid option for that cpu.",
    },
    {
      reason: "Fargate refuses a network mode other than awsvpc",
      run: (a: any) => a.ecs.send(new RegisterTaskDefinitionCommand({ family: "x", networkMode: "bridge", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512", containerDefinitions: [{ name: "api", image: "x:1" }] })),
      message: "Fargate only supports network mode 'awsvpc'.",
    },
  ];
  it.each(invalid)("$reason", async ({ run, message }) => {
    const a = await preparedAccount(new SandboxFixture());
    const err = await rejection(run(a));
    expect(err).toBeInstanceOf(ClientException);
    expect(err.message).toBe(message);
  });
});

describe("tasks", () => {
  it("run in awsvpc in the service's subnets and are listed by service", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const a = await preparedAccount(f);
    const td = await a.register("v1");
    await a.createService(td);
    f.advance(DELAY);
    const { taskArns } = await a.ecs.send(new ListTasksCommand({ cluster: CLUSTER_NAME, serviceName: SERVICE }));
    expect(taskArns).toHaveLength(2);
    const { tasks } = await a.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER_NAME, tasks: taskArns }));
    expect(tasks!.map((t) => [t.lastStatus, t.healthStatus, t.taskDefinitionArn])).toEqual([["RUNNING", "HEALTHY", td], ["RUNNING", "HEALTHY", td]]);
    const subnets = tasks!.map((t) => t.attachments![0].details!.find((d) => d.name === "subnetId")!.value).sort();
    expect(subnets).toEqual([...a.network.awsvpcConfiguration.subnets].sort());
  });
});
