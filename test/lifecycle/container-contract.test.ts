// The container contract (docs/reference.md §4) against the sandbox's model of the LangGraph image, which is on
// by default: the operator's own task definitions converge (Ready, api and queue serving, Redis found through
// Cloud Map), while each one built the old way — a curl health check, a queue without its entrypoint, a
// REDIS_URI naming a host Cloud Map does not know, Postgres without sslmode=require, no licence — fails its
// rollout in the same account, and the stopped task says why. The broken ones run as services of their own
// (not the operator's), so the operator does not repair them while they are watched.
import { afterAll, beforeAll, expect, test } from "vitest";
import { CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand, type ContainerDefinition } from "@aws-sdk/client-ecs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CLUSTER_NAME, SANDBOX_DEFAULT_EXTERNAL_ID } from "../../src/cloud/names.js";
import { sandboxOperatorCredentials } from "../../src/cloud/sandbox/index.js";
import { image, REGION, roleIn, startDaemonWithProject, type TestDaemon } from "../support/daemon.js";
import type { SandboxView } from "../support/sandbox-view.js";

const ACCOUNT = "100000000014";
const P = "contract";
let t: TestDaemon;
let aws: SandboxView;
let ecs: ECSClient;

beforeAll(async () => {
  ({ t, aws } = await startDaemonWithProject({ account: ACCOUNT, name: P, spec: { image: image("v1") } }));
  const sts = t.sandbox.attach(new STSClient({ region: REGION, credentials: sandboxOperatorCredentials() }));
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleIn(ACCOUNT), RoleSessionName: "contract-test", ExternalId: SANDBOX_DEFAULT_EXTERNAL_ID }))).Credentials!;
  ecs = t.sandbox.attach(new ECSClient({ region: REGION, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } }));
}, 60_000);
afterAll(async () => { await t?.stop(); });

test("the fixed operator converges: Ready, api and queue running the contract's containers, Redis registered in Cloud Map", async () => {
  const status = await t.status(P);
  expect(status.phase).toBe("Ready");
  for (const role of ["api", "queue"] as const) {
    const s = (await aws.service(P, role))!;
    const running = Object.values((await t.sandbox.state(ACCOUNT, REGION)).ecs.tasks).filter((x) => x.serviceName === s.name && x.lastStatus === "RUNNING");
    expect([running.length, s.deployments[0].rolloutState]).toEqual([1, "COMPLETED"]);
  }
  const state = await t.sandbox.state(ACCOUNT, REGION);
  const registry = Object.values(state.cloudmap.services).find((x) => x.name === `lg-${P}-redis`)!;
  expect(registry.dnsRecords).toEqual([{ Type: "A", TTL: 10 }]);
  expect((await aws.service(P, "redis"))!.serviceRegistries).toEqual([{ registryArn: registry.arn }]);
  expect(Object.values(state.ecs.tasks).filter((x) => x.contractFailure)).toEqual([]);
});

type Env = { name?: string; value?: string }[];
const setEnv = (env: Env, name: string, value: string) => [...env.filter((e) => e.name !== name), { name, value }];

/** The operator's container for the role, as registered, changed the way an older operator built it. */
async function oldWay(role: "api" | "queue", change: (c: ContainerDefinition) => ContainerDefinition) {
  const s = (await aws.service(P, role))!;
  const td = (await aws.taskDefinitions(P, role)).find((x) => x.arn === s.deployments[0].taskDefinition)!;
  const spec = structuredClone(td.spec) as Record<string, any>;
  return { spec: { ...spec, family: `old-${role}`, containerDefinitions: [change(spec.containerDefinitions[0])] }, network: s.networkConfiguration };
}

const cases: Array<{ cause: string; role: "api" | "queue"; change: (c: ContainerDefinition, pg: string) => ContainerDefinition; stopped: string; line: RegExp }> = [
  { cause: "a curl health check", role: "api", stopped: "Task failed container health checks", line: /curl: not found/,
    change: (c) => ({ ...c, healthCheck: { ...c.healthCheck, command: ["CMD-SHELL", "curl -fsS http://localhost:8000/ok || exit 1"] } }) },
  { cause: "no queue entrypoint", role: "queue", stopped: "Essential container in task exited", line: /langgraph_api\.queue_entrypoint/,
    change: (c) => ({ ...c, command: undefined }) },
  { cause: "REDIS_URI naming a host not in Cloud Map", role: "api", stopped: "Essential container in task exited",
    line: new RegExp(`Error -2 connecting to lg-${P}-redis:6379\\. Name or service not known`),
    change: (c) => ({ ...c, environment: setEnv(c.environment as Env, "REDIS_URI", `redis://lg-${P}-redis:6379`) }) },
  { cause: "Postgres without sslmode=require", role: "api", stopped: "Essential container in task exited", line: /no pg_hba\.conf entry .* no encryption/,
    change: (c, pg) => ({
      ...c, secrets: c.secrets!.filter((x) => !x.name?.endsWith("_URI")),
      environment: setEnv(c.environment as Env, "POSTGRES_URI", pg.replace("?sslmode=require", "")),
    }) },
  { cause: "no licence", role: "api", stopped: "Essential container in task exited", line: /License verification failed/,
    change: (c) => ({ ...c, secrets: c.secrets!.filter((x) => x.name !== "LANGGRAPH_CLOUD_LICENSE_KEY") }) },
];

test.each(cases)("built the old way with $cause, the rollout fails and the task says why", async ({ cause, role, change, stopped, line }) => {
  const pg = String((await aws.secretJson(`langgraph-cloud/${P}/postgres`)).uri);
  expect(pg).toMatch(/\?sslmode=require$/);
  const { spec, network } = await oldWay(role, (c) => change(c, pg));
  const name = `old-${cause.replace(/[^a-z]+/gi, "-").toLowerCase()}`.slice(0, 60);
  const arn = (await ecs.send(new RegisterTaskDefinitionCommand(spec as never))).taskDefinition!.taskDefinitionArn!;
  await ecs.send(new CreateServiceCommand({
    cluster: CLUSTER_NAME, serviceName: name, taskDefinition: arn, desiredCount: 1, launchType: "FARGATE",
    networkConfiguration: network as never, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
  }));
  const failed = await t.waitFor(`${name} rollout FAILED`, async () => {
    const s = (await t.sandbox.state(ACCOUNT, REGION)).ecs.services.find((x) => x.name === name);
    return s?.deployments[0].rolloutState === "FAILED" && s;
  }, 30_000);
  const tasks = Object.values((await t.sandbox.state(ACCOUNT, REGION)).ecs.tasks).filter((x) => x.serviceName === failed.name && x.stoppedAt);
  expect(tasks.length).toBeGreaterThan(0);
  expect(tasks[0].stoppedReason).toBe(stopped);
  expect(tasks[0].contractFailure?.line).toMatch(line);
  // The licence value never appears in what the task reports.
  expect(JSON.stringify(tasks[0])).not.toContain("sandbox-license");
}, 60_000);
