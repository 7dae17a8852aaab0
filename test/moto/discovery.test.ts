// The project's Redis found through Cloud Map, on moto: the project gets its Cloud Map service
// `lg-<p>-redis` in the account's namespace `langgraph-cloud-redis` (A record, TTL 10 s, our tags), the
// redis ECS service registers with it and the api and queue read REDIS_URI naming it; an out-of-band TTL
// change is repaired with an event naming the field, and the service is gone after the project is deleted.
// moto registers no task with Cloud Map (docs/aws-fidelity.md, moto-ecs-registers-nothing): the
// configuration is asserted here, the registration itself in the sandbox suite.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UpdateServiceCommand as UpdateEcsServiceCommand } from "@aws-sdk/client-ecs";
import {
  DeleteServiceCommand, GetServiceCommand, ListNamespacesCommand, ListServicesCommand, ListTagsForResourceCommand, ServiceDiscoveryClient, UpdateServiceCommand,
} from "@aws-sdk/client-servicediscovery";
import { CLUSTER_NAME, projectNames, REDIS_NAMESPACE_NAME } from "../../src/cloud/names.js";
import { accountAdminCredentials, type Moto } from "../support/moto.js";
import * as view from "./aws-view.js";
import {
  absorbCreateServiceGap, CUSTOMER_ACCOUNT, image, ownTags, REGION, startFileMoto, startWorld, tagMap, waitFor, waitForEvent, waitForPhase,
  type World,
} from "./world.js";

let moto: Moto;
let w: World;
let cloudmap: ServiceDiscoveryClient;
let p: { id: string; name: string };
const P = "mapped";
const names = projectNames(P);

beforeAll(async () => {
  moto = await startFileMoto();
  w = await startWorld(moto);
  cloudmap = new ServiceDiscoveryClient({
    region: REGION, endpoint: moto.url, credentials: await accountAdminCredentials(moto.url, CUSTOMER_ACCOUNT, REGION), maxAttempts: 1,
  });
  p = await w.createProject({ name: P, image: image("v1") });
  await waitForPhase(w, P, "Ready");
  await absorbCreateServiceGap(w, P);
});
afterAll(async () => {
  await w?.stop();
  await moto?.stop();
});

async function namespaceId(): Promise<string> {
  const out = await cloudmap.send(new ListNamespacesCommand({}));
  return out.Namespaces!.find((n) => n.Name === REDIS_NAMESPACE_NAME)!.Id!;
}

/** The project's Cloud Map services in the namespace (by name: moto would let a second one of the name exist). */
async function registries() {
  const out = await cloudmap.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [await namespaceId()], Condition: "EQ" }] }));
  return (out.Services ?? []).filter((s) => s.Name === names.redisDiscoveryService);
}

async function registry() {
  const [s, ...more] = await registries();
  expect(more).toEqual([]);
  return s ? (await cloudmap.send(new GetServiceCommand({ Id: s.Id }))).Service : undefined;
}

describe("Cloud Map on moto", () => {
  test("the project's Cloud Map service: an A record, TTL 10 s, our tags; redis registers with it", async () => {
    const s = await registry();
    expect(s?.NamespaceId).toBe(await namespaceId());
    expect(s?.DnsConfig?.DnsRecords).toEqual([{ Type: "A", TTL: 10 }]);
    expect(s?.DnsConfig?.RoutingPolicy).toBe("MULTIVALUE");
    const tags = await cloudmap.send(new ListTagsForResourceCommand({ ResourceARN: s!.Arn }));
    expect(tagMap(tags.Tags)).toEqual(ownTags(p));
    const redis = await view.service(w.aws, P, "redis");
    expect(redis?.serviceRegistries?.map((r) => r.registryArn)).toEqual([s!.Arn]);
    expect(redis?.deploymentConfiguration).toMatchObject({ maximumPercent: 100, minimumHealthyPercent: 0 });
  });

  test("the api and queue read REDIS_URI naming the Cloud Map host", async () => {
    for (const role of ["api", "queue"] as const) {
      const [td] = await view.taskDefinitions(w.aws, P, role);
      const env = Object.fromEntries((td.td.containerDefinitions?.[0].environment ?? []).map((e) => [e.name, e.value]));
      expect(env.REDIS_URI).toBe(`redis://${names.redisDiscoveryService}.${REDIS_NAMESPACE_NAME}:6379`);
    }
  });

  test("a TTL changed out of band is put back, with an event naming the field", async () => {
    const before = new Set((await w.events(P)).map((e) => e.id));
    const s = (await registry())!;
    await cloudmap.send(new UpdateServiceCommand({ Id: s.Id, Service: { DnsConfig: { DnsRecords: [{ Type: "A", TTL: 300 }] } } }));
    expect((await registry())?.DnsConfig?.DnsRecords).toEqual([{ Type: "A", TTL: 300 }]);
    await w.reconcile(P);
    await waitFor("TTL back to 10", async () => ((await registry())?.DnsConfig?.DnsRecords?.[0].TTL === 10) || undefined, 30_000);
    const e = await waitForEvent(w, P, "DriftRepaired on the Cloud Map service",
      (x: any) => !before.has(x.id) && x.reason === "DriftRepaired" && x.resource === names.redisHost);
    expect(e.message).toContain("DnsConfig.DnsRecords A/300 → A/10");
    expect((await registry())?.Id).toBe(s.Id);
  });

  test("redis taken out of Cloud Map out of band is registered again (ECS UpdateService serviceRegistries)", async () => {
    const before = new Set((await w.events(P)).map((e) => e.id));
    const arn = (await registry())!.Arn!;
    await w.aws.ecs.send(new UpdateEcsServiceCommand({ cluster: CLUSTER_NAME, service: names.service("redis"), serviceRegistries: [] }));
    expect((await view.service(w.aws, P, "redis"))?.serviceRegistries ?? []).toEqual([]);
    await w.reconcile(P);
    await waitFor("redis registered again", async () =>
      ((await view.service(w.aws, P, "redis"))?.serviceRegistries?.[0]?.registryArn === arn) || undefined, 30_000);
    const e = await waitForEvent(w, P, "DriftRepaired on the redis service",
      (x: any) => !before.has(x.id) && x.reason === "DriftRepaired" && x.resource === names.service("redis"));
    expect(e.message).toContain(`serviceRegistries (none) → ${arn}`);
  });

  test("a Cloud Map service deleted out of band is created again and redis registered with the new one", async () => {
    const old = (await registry())!;
    await cloudmap.send(new DeleteServiceCommand({ Id: old.Id }));
    await w.reconcile(P);
    const fresh = await waitFor("a new Cloud Map service", async () => {
      const s = await registry();
      return s && s.Id !== old.Id ? s : undefined;
    }, 30_000);
    expect(fresh.DnsConfig?.DnsRecords).toEqual([{ Type: "A", TTL: 10 }]);
    await waitFor("redis registered with the new one", async () =>
      ((await view.service(w.aws, P, "redis"))?.serviceRegistries?.[0]?.registryArn === fresh.Arn) || undefined, 30_000);
  });

  test("deleting the project deletes its Cloud Map service", async () => {
    expect(await registries()).toHaveLength(1);
    const res = await w.api("DELETE", `/v1/projects/${P}`);
    expect(res.status).toBe(202);
    await waitFor("Cloud Map service gone", async () => ((await registries()).length === 0) || undefined, 60_000);
    await waitFor("project gone", async () => ((await w.api("GET", `/v1/projects/${P}`)).status === 404) || undefined, 60_000);
  });
});
