// An account prepared as the operator prepares it before services: cluster, log group, discovered
// network, and a task definition per image, for the ECS tests.
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  type CreateServiceCommandInput,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { CLUSTER_NAME, LOG_GROUP_NAME, SERVICE_SG_NAME, TAG_PRIVATE } from "../../src/cloud/names.js";
import { ACCOUNT, REGION, SandboxFixture } from "./fixture.js";

export const SERVICE = "lg-demo-api";
export const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo`;

/**
 * What the LangGraph image needs to start and pass its health check (the sandbox's image model, on by
 * default): a licence, a Postgres URI (a host outside RDS is the customer's own, not checked), a Redis URI (an
 * IP literal needs no Cloud Map) and LangChain's health check. These tests are about ECS, not the contract.
 */
export const CONTRACT_CONTAINER = {
  environment: [
    { name: "LANGGRAPH_CLOUD_LICENSE_KEY", value: "test-licence" }, { name: "POSTGRES_URI", value: "postgres://u:p@db.example.com:5432/d" },
    { name: "REDIS_URI", value: "redis://10.0.0.9:6379" },
  ],
  healthCheck: { command: ["CMD", "python", "/api/healthcheck.py"] },
};

export async function preparedAccount(f: SandboxFixture, opts: { logGroup?: boolean } = {}) {
  const c = await f.clients();
  await c.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER_NAME }));
  if (opts.logGroup !== false) await c.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME }));
  const subnets = (await c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: `tag:${TAG_PRIVATE}`, Values: ["1"] }] }))).Subnets!.map((s) => s.SubnetId!);
  const groups = (await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [SERVICE_SG_NAME] }] }))).SecurityGroups!.map((g) => g.GroupId!);
  const network = { awsvpcConfiguration: { subnets, securityGroups: groups, assignPublicIp: "DISABLED" as const } };

  async function register(tag: string, family = SERVICE): Promise<string> {
    const out = await c.ecs.send(new RegisterTaskDefinitionCommand({
      family,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "1024",
      memory: "2048",
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/LangGraphCloudECSTaskExecutionRole`,
      containerDefinitions: [{
        name: "api",
        image: `${IMAGE}:${tag}`,
        portMappings: [{ containerPort: 8000 }],
        ...CONTRACT_CONTAINER,
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": LOG_GROUP_NAME, "awslogs-region": REGION, "awslogs-stream-prefix": "demo" } },
      }],
      tags: [{ key: "langgraph-cloud", value: "demo" }],
    }));
    return out.taskDefinition!.taskDefinitionArn!;
  }

  function createService(taskDefinition: string, extra: Partial<CreateServiceCommandInput> = {}) {
    return c.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER_NAME,
      serviceName: SERVICE,
      taskDefinition,
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: network,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      ...extra,
    }));
  }

  return { ...c, network, register, createService, service: () => describeService(c.ecs) };
}

export async function describeService(ecs: ECSClient, name = SERVICE) {
  return (await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: [name], include: ["TAGS"] }))).services![0];
}
