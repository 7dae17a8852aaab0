// Role ARNs of the China and GovCloud partitions, end to end (issue 12.9): the API accepts them with a
// region of their partition, the operator assumes the role, and every ARN it and the sandbox build is in
// that partition, so the project reaches Ready instead of a 500 ("not a role ARN") or a pass that fails.
import { afterAll, beforeAll, expect, test } from "vitest";
import { projectBody, startTestDaemon, type TestDaemon } from "../support/daemon.js";

let t: TestDaemon;
beforeAll(async () => { t = await startTestDaemon(); });
afterAll(async () => { await t?.stop(); });

const cases = [
  { name: "china", partition: "aws-cn", region: "cn-north-1", account: "100000000121", registry: "amazonaws.com.cn" },
  { name: "govcloud", partition: "aws-us-gov", region: "us-gov-west-1", account: "100000000122", registry: "amazonaws.com" },
];

test.each(cases)("a project in $partition ($region) converges to Ready with ARNs of its partition", async ({ name, partition, region, account, registry }) => {
  const roleArn = `arn:${partition}:iam::${account}:role/LangGraphCloudOperatorRole`;
  const image = `${account}.dkr.ecr.${region}.${registry}/agent:v1`;
  const res = await t.http("POST", "/v1/projects", projectBody(name, { region, roleArn, image }));
  expect(res.status).toBe(201);
  const ready = await t.waitForPhase(name, "Ready", 60_000);
  expect(ready.conditions.find((c: any) => c.type === "CredentialsValid")).toMatchObject({ status: "True", message: `assumed ${roleArn}` });
  const arns = ready.resources.map((r: any) => r.arn).filter(Boolean) as string[];
  expect(arns.length).toBeGreaterThan(0);
  for (const arn of arns) expect(arn.startsWith(`arn:${partition}:`), arn).toBe(true);
  // The task definitions name the execution role in the project's partition, as the sandbox's IAM has it.
  const state = await t.sandbox.state(account, region) as any;
  const api = state.ecs.taskDefinitions[`lg-${name}-api`].at(-1);
  expect(api.spec.executionRoleArn).toBe(`arn:${partition}:iam::${account}:role/LangGraphCloudECSTaskExecutionRole`);
});
