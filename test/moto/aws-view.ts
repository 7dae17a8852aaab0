// Reading the customer's account the way a console user would, for assertions: what exists, under
// which name and tags. Secret values are parsed but never printed: helpers return key lists and
// booleans, so a failing assertion cannot leak a password into CI logs.
import { DescribeLogGroupsCommand, ListTagsForResourceCommand as ListLogTagsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, type Service, type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, type DBInstance } from "@aws-sdk/client-rds";
import { DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { CLUSTER_NAME, LOG_GROUP_NAME, projectNames, SERVICE_ROLES, type ServiceRole } from "../../src/cloud/names.js";
import { tagMap, type Sdk } from "./world.js";

export { tagMap };

export async function cluster(aws: Sdk) {
  const out = await aws.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME], include: ["TAGS", "SETTINGS"] }));
  return out.clusters?.find((c) => c.status === "ACTIVE");
}

export async function logGroup(aws: Sdk) {
  const out = await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }));
  const g = out.logGroups?.find((x) => x.logGroupName === LOG_GROUP_NAME);
  if (!g) return undefined;
  const tags = await aws.logs.send(new ListLogTagsCommand({ resourceArn: g.arn!.replace(/:\*$/, "") }));
  return { ...g, tags: tags.tags ?? {} };
}

export async function dbInstance(aws: Sdk, project: string): Promise<DBInstance | undefined> {
  try {
    const out = await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: projectNames(project).dbInstance }));
    return out.DBInstances?.[0];
  } catch (err) {
    if ((err as Error).name === "DBInstanceNotFoundFault") return undefined;
    throw err;
  }
}

export async function finalSnapshots(aws: Sdk, project: string) {
  const out = await aws.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: projectNames(project).dbInstance }));
  return (out.DBSnapshots ?? []).filter((s) => s.DBSnapshotIdentifier?.startsWith(`lg-${project}-final-`));
}

/** Both project secrets' metadata (including ones scheduled for deletion). */
export async function secretsOf(aws: Sdk, project: string) {
  const out = await aws.secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true, Filters: [{ Key: "name", Values: [`langgraph-cloud/${project}/`] }] }));
  return new Map((out.SecretList ?? []).map((s) => [s.Name!, { ...s, tags: tagMap(s.Tags) }]));
}

export async function describeSecret(aws: Sdk, name: string) {
  return aws.secrets.send(new DescribeSecretCommand({ SecretId: name }));
}

/** The secret's JSON, kept out of assertion messages: callers compare keys or use `matches`. */
export async function secretJson(aws: Sdk, name: string): Promise<{ keys: string[]; get(k: string): unknown }> {
  const out = await aws.secrets.send(new GetSecretValueCommand({ SecretId: name }));
  const v = JSON.parse(out.SecretString ?? "{}") as Record<string, unknown>;
  return { keys: Object.keys(v).sort(), get: (k) => v[k] };
}

export async function taskDefinitions(aws: Sdk, project: string, role: ServiceRole, status: "ACTIVE" | "INACTIVE" = "ACTIVE") {
  const family = projectNames(project).family(role);
  const list = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status }));
  const arns = (list.taskDefinitionArns ?? []).filter((a) => a.split("/").pop()!.replace(/:\d+$/, "") === family);
  const out: Array<{ td: TaskDefinition; tags: Record<string, string> }> = [];
  for (const arn of arns) {
    const d = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
    out.push({ td: d.taskDefinition!, tags: tagMap(d.tags) });
  }
  return out;
}

export async function allTaskDefinitionArns(aws: Sdk, project: string): Promise<string[]> {
  const arns: string[] = [];
  for (const role of SERVICE_ROLES) {
    for (const status of ["ACTIVE", "INACTIVE"] as const) {
      const list = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: projectNames(project).family(role), status }));
      arns.push(...(list.taskDefinitionArns ?? []));
    }
  }
  return arns.sort();
}

export async function services(aws: Sdk, project: string): Promise<Map<ServiceRole, Service>> {
  const names = projectNames(project);
  const out = await aws.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: SERVICE_ROLES.map((r) => names.service(r)), include: ["TAGS"] }));
  const map = new Map<ServiceRole, Service>();
  for (const role of SERVICE_ROLES) {
    const s = out.services?.find((x) => x.serviceName === names.service(role));
    if (s) map.set(role, s);
  }
  return map;
}

export async function service(aws: Sdk, project: string, role: ServiceRole): Promise<Service | undefined> {
  return (await services(aws, project)).get(role);
}
