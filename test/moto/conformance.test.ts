// Conformance: the AWS calls the reconcilers make, in the order a project's life makes them, sent to the
// sandbox and to moto through the operator's own client path (Cloud.clientsFor: STS AssumeRole with
// the external ID, then every client on that session). Each step keeps only what the operator reads
// from the answer (or the error's code, class and HTTP status), and the two must agree. Where moto is
// known to be less faithful than AWS, the step names the gap: the sandbox must then give what AWS
// documents, and moto what the gap says — so a moto that gets fixed fails here, and the gap's entry
// in docs/aws-fidelity.md can go.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import {
  AddTagsToResourceCommand, CreateDBInstanceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand,
  ModifyDBInstanceCommand, StartDBInstanceCommand, StopDBInstanceCommand, type DBInstance,
} from "@aws-sdk/client-rds";
import {
  BatchGetSecretValueCommand, CreateSecretCommand, DeleteSecretCommand, ListSecretsCommand, PutSecretValueCommand, RestoreSecretCommand,
  TagResourceCommand as TagSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, DescribeClustersCommand,
  DescribeServicesCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, TagResourceCommand as TagEcsCommand,
  UpdateServiceCommand, type Service,
} from "@aws-sdk/client-ecs";
import { CreateLogGroupCommand, DescribeLogGroupsCommand, FilterLogEventsCommand, PutRetentionPolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { Cloud, SANDBOX_OPERATOR_CREDENTIALS, type AwsClients } from "../../src/cloud/clients.js";
import { awsErrorCode, httpStatusOf } from "../../src/cloud/errors.js";
import {
  CLUSTER_NAME, DB_SUBNET_GROUP_NAME, LOG_GROUP_NAME, SANDBOX_DEFAULT_EXTERNAL_ID, SERVICE_SG_NAME, TAG_ENABLED, TAG_PRIVATE, TASK_EXECUTION_ROLE_NAME,
} from "../../src/cloud/names.js";
import { SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { accountAdminCredentials, MOTO_CREDENTIALS, OPERATOR_ROLE_NAME, seedPrerequisites, type Moto } from "../support/moto.js";
import { CUSTOMER_ACCOUNT, EXTERNAL_ID, REGION, startFileMoto, tagMap } from "./world.js";
import { dataplaneSteps } from "./conformance-dataplane.js";

type Json = unknown;
interface Ctx { [k: string]: any }
interface Backend {
  name: "moto" | "sandbox";
  aws: AwsClients;
  externalId: string;
  /** Let the backend's asynchronous work run for `ms` of its time (the sandbox's clock moves; moto has none). */
  settle(ms?: number): Promise<void>;
  /** Assume the role with another external ID, through the same operator path. */
  assumeWithWrongExternalId(): Promise<unknown>;
  assumeWithExternalId(externalId: string): Promise<unknown>;
}
interface Gap { aws: Json; moto: Json; doc: string }
interface Step { id: string; run(b: Backend, ctx: Ctx): Promise<Json>; gap?: Gap }

const ROLE_ARN = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/${OPERATOR_ROLE_NAME}`;
const P = "conf";
const SECRET = `langgraph-cloud/${P}/env`;
const DB = `lg-${P}`;
const FAMILY = `lg-${P}-api`;
const SERVICE = `lg-${P}-api`;
const TAGS = [{ Key: "langgraph-cloud", Value: P }, { Key: "byoc:project-id", Value: "00000000-0000-4000-8000-000000000001" }, { Key: "byoc:managed-by", Value: "conformance" }];
const ecsTags = TAGS.map((t) => ({ key: t.Key, value: t.Value }));
const TOKEN_A = "0f5ad7f0-4b1a-4c53-9f5e-2a3c1f0e0a01";
const TOKEN_B = "0f5ad7f0-4b1a-4c53-9f5e-2a3c1f0e0a02";

/** An AWS error as the operator reads it: the code it keys on, the modelled class, the HTTP status. */
const awsError = (e: unknown) => ({ error: awsErrorCode(e), name: (e as Error).name, status: httpStatusOf(e) });
async function attempt(fn: () => Promise<Json>): Promise<Json> {
  try {
    return await fn();
  } catch (e) {
    if ((e as { $metadata?: unknown }).$metadata) return awsError(e);
    return { threw: `${(e as Error).name}: ${(e as Error).message}`.slice(0, 300) };
  }
}

const ARN = {
  secret: /^arn:aws:secretsmanager:us-east-1:111122223333:secret:langgraph-cloud\/conf\/env-[A-Za-z0-9]{6}$/,
  td: (rev: number) => `arn:aws:ecs:us-east-1:${CUSTOMER_ACCOUNT}:task-definition/${FAMILY}:${rev}`,
  cluster: `arn:aws:ecs:us-east-1:${CUSTOMER_ACCOUNT}:cluster/${CLUSTER_NAME}`,
  db: `arn:aws:rds:us-east-1:${CUSTOMER_ACCOUNT}:db:${DB}`,
};

const dbView = (d: DBInstance | undefined) => d && ({
  Engine: d.Engine, DBInstanceClass: d.PendingModifiedValues?.DBInstanceClass ?? d.DBInstanceClass, AllocatedStorage: d.AllocatedStorage,
  StorageEncrypted: d.StorageEncrypted, MultiAZ: d.MultiAZ, BackupRetentionPeriod: d.BackupRetentionPeriod, DeletionProtection: d.DeletionProtection,
  DBSubnetGroupName: d.DBSubnetGroup?.DBSubnetGroupName, VpcSecurityGroups: d.VpcSecurityGroups?.length, arn: d.DBInstanceArn === ARN.db,
  endpoint: d.Endpoint?.Address ? { hasAddress: true, Port: d.Endpoint.Port } : null, MasterUsername: d.MasterUsername, DBName: d.DBName,
  tags: tagMap(d.TagList),
});
const describeDb = (b: Backend) => b.aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB })).then((o) => o.DBInstances?.[0]);
const serviceView = (s: Service | undefined, ctx: Ctx) => s && ({
  serviceName: s.serviceName, status: s.status, desiredCount: s.desiredCount, launchType: s.launchType,
  clusterArn: s.clusterArn === ARN.cluster, taskDefinition: s.taskDefinition?.split("/").pop(),
  circuitBreaker: s.deploymentConfiguration?.deploymentCircuitBreaker ?? null,
  subnets: [...(s.networkConfiguration?.awsvpcConfiguration?.subnets ?? [])].sort().join() === ctx.subnets.join(),
  securityGroups: s.networkConfiguration?.awsvpcConfiguration?.securityGroups?.join() === ctx.sg,
  assignPublicIp: s.networkConfiguration?.awsvpcConfiguration?.assignPublicIp,
  primary: s.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition?.split("/").pop() ?? null,
  tags: tagMap(s.tags),
});
const describeService = (b: Backend) => b.aws.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: [SERVICE], include: ["TAGS"] }));
const listSecrets = (b: Backend, includePlannedDeletion = true) => b.aws.secrets.send(new ListSecretsCommand({
  Filters: [{ Key: "name", Values: [`langgraph-cloud/${P}/`] }], IncludePlannedDeletion: includePlannedDeletion,
})).then((o) => (o.SecretList ?? []).map((s) => ({ Name: s.Name, arn: ARN.secret.test(s.ARN ?? ""), deleted: s.DeletedDate instanceof Date, tags: tagMap(s.Tags) })));
const taskDefinitionInput = (image: string) => ({
  family: FAMILY, networkMode: "awsvpc" as const, requiresCompatibilities: ["FARGATE" as const], cpu: "1024", memory: "2048",
  executionRoleArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/${TASK_EXECUTION_ROLE_NAME}`,
  containerDefinitions: [{
    name: "api", image, essential: true, portMappings: [{ containerPort: 8000, protocol: "tcp" as const }],
    environment: [{ name: "PORT", value: "8000" }], secrets: [{ name: "POSTGRES_URI", valueFrom: `arn:aws:secretsmanager:us-east-1:${CUSTOMER_ACCOUNT}:secret:x:uri::` }],
    logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": LOG_GROUP_NAME, "awslogs-region": REGION, "awslogs-stream-prefix": P } },
  }],
  tags: [...ecsTags, { key: "byoc:spec-hash", value: image.endsWith("v1") ? "1111111111111111" : "2222222222222222" }],
});
const createService = (b: Backend, ctx: Ctx, token: string) => b.aws.ecs.send(new CreateServiceCommand({
  cluster: CLUSTER_NAME, serviceName: SERVICE, taskDefinition: ctx.td1, desiredCount: 1, launchType: "FARGATE", clientToken: token.replace(/-/g, ""),
  deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
  networkConfiguration: { awsvpcConfiguration: { subnets: ctx.subnets, securityGroups: [ctx.sg], assignPublicIp: "DISABLED" } },
  propagateTags: "SERVICE", enableECSManagedTags: true, tags: ecsTags,
}));

const STEPS: Step[] = [
  // --- credentials and network discovery -----------------------------------------------------------
  {
    id: "sts:AssumeRole with the agreed external ID: what the session cache reads",
    run: (b) => attempt(async () => {
      const c = await b.assumeWithExternalId(b.externalId) as { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
      // The session cache compares Expiration with the operator's own wall clock.
      const minutes = c.expiration ? Math.round((c.expiration.getTime() - Date.now()) / 60_000) : null;
      return { temporaryKey: /^ASIA[A-Z0-9]{12,}$/.test(c.accessKeyId), secret: !!c.secretAccessKey, sessionToken: !!c.sessionToken, expiresInMinutes: minutes };
    }),
  },
  {
    id: "sts:AssumeRole with a wrong external ID",
    run: (b) => attempt(async () => { await b.assumeWithWrongExternalId(); return "assumed"; }),
    gap: {
      aws: { error: "AccessDenied", name: "AccessDenied", status: 403 },
      moto: "assumed",
      doc: "moto-sts-external-id",
    },
  },
  {
    id: "ec2:DescribeVpcs by tag",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_ENABLED}`, Values: ["1"] }] }));
      ctx.vpc = o.Vpcs?.[0]?.VpcId;
      return { count: o.Vpcs?.length, id: /^vpc-[0-9a-f]+$/.test(ctx.vpc ?? "") };
    }),
  },
  {
    id: "ec2:DescribeSubnets by vpc-id and tags",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.ec2.send(new DescribeSubnetsCommand({
        Filters: [{ Name: "vpc-id", Values: [ctx.vpc] }, { Name: `tag:${TAG_ENABLED}`, Values: ["1"] }, { Name: `tag:${TAG_PRIVATE}`, Values: ["1"] }],
      }));
      ctx.subnets = (o.Subnets ?? []).map((s) => s.SubnetId!).sort();
      return { atLeastTwo: ctx.subnets.length >= 2, ids: ctx.subnets.every((s: string) => /^subnet-[0-9a-f]+$/.test(s)), sameVpc: (o.Subnets ?? []).every((s) => s.VpcId === ctx.vpc) };
    }),
  },
  {
    id: "ec2:DescribeSecurityGroups by vpc-id and group-name",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [ctx.vpc] }, { Name: "group-name", Values: [SERVICE_SG_NAME] }] }));
      ctx.sg = o.SecurityGroups?.[0]?.GroupId;
      return { count: o.SecurityGroups?.length, GroupName: o.SecurityGroups?.[0]?.GroupName, id: /^sg-[0-9a-f]+$/.test(ctx.sg ?? "") };
    }),
  },
  {
    id: "rds:DescribeDBSubnetGroups by name",
    run: (b) => attempt(async () => {
      const o = await b.aws.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: DB_SUBNET_GROUP_NAME }));
      return { name: o.DBSubnetGroups?.[0]?.DBSubnetGroupName };
    }),
  },
  {
    id: "rds:DescribeDBSubnetGroups of a missing group",
    run: (b) => attempt(() => b.aws.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: "no-such-group" }))),
  },

  // --- Secrets Manager ------------------------------------------------------------------------------
  { id: "secretsmanager:ListSecrets before any create", run: (b) => attempt(() => listSecrets(b)) },
  {
    id: "secretsmanager:CreateSecret with a ClientRequestToken and tags",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.secrets.send(new CreateSecretCommand({ Name: SECRET, SecretString: '{"A":"1"}', ClientRequestToken: TOKEN_A, Tags: TAGS }));
      ctx.secretArn = o.ARN;
      return { Name: o.Name, arn: ARN.secret.test(o.ARN ?? ""), VersionId: o.VersionId === TOKEN_A };
    }),
  },
  {
    id: "secretsmanager:CreateSecret of an existing name (a retry whose answer was lost)",
    run: (b) => attempt(() => b.aws.secrets.send(new CreateSecretCommand({ Name: SECRET, SecretString: '{"A":"1"}', ClientRequestToken: TOKEN_B, Tags: TAGS }))),
  },
  { id: "secretsmanager:ListSecrets after the create", run: (b) => attempt(() => listSecrets(b)) },
  {
    id: "secretsmanager:ListSecrets with several projects' name prefixes (the batched listing): any of them matches",
    run: (b) => attempt(async () => {
      const o = await b.aws.secrets.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["langgraph-cloud/other/", `langgraph-cloud/${P}/`, "langgraph-cloud/third/"] }], IncludePlannedDeletion: true, MaxResults: 100 }));
      return (o.SecretList ?? []).map((x) => x.Name);
    }),
  },
  {
    id: "secretsmanager:PutSecretValue, then BatchGetSecretValue by ARN",
    run: (b, ctx) => attempt(async () => {
      await b.aws.secrets.send(new PutSecretValueCommand({ SecretId: ctx.secretArn, SecretString: '{"A":"2","B":"3"}' }));
      const o = await b.aws.secrets.send(new BatchGetSecretValueCommand({ SecretIdList: [ctx.secretArn] }));
      // CreatedDate is the version's: the services step compares it with the deployment's createdAt.
      return { values: (o.SecretValues ?? []).map((v) => ({ Name: v.Name, arn: v.ARN === ctx.secretArn, SecretString: v.SecretString, CreatedDate: v.CreatedDate instanceof Date })), errors: o.Errors?.length ?? 0 };
    }),
  },
  {
    id: "secretsmanager:TagResource",
    run: (b, ctx) => attempt(async () => {
      await b.aws.secrets.send(new TagSecretCommand({ SecretId: ctx.secretArn, Tags: [{ Key: "extra", Value: "x" }] }));
      return (await listSecrets(b))[0]?.tags;
    }),
  },
  {
    id: "secretsmanager:DeleteSecret with a recovery window",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.secrets.send(new DeleteSecretCommand({ SecretId: ctx.secretArn, RecoveryWindowInDays: 7 }));
      return { Name: o.Name, deletionDate: o.DeletionDate instanceof Date, listed: await listSecrets(b), hiddenByDefault: (await listSecrets(b, false)).length === 0 };
    }),
  },
  {
    id: "secretsmanager:RestoreSecret",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.secrets.send(new RestoreSecretCommand({ SecretId: ctx.secretArn }));
      return { Name: o.Name, listed: await listSecrets(b) };
    }),
  },

  // --- RDS ----------------------------------------------------------------------------------------
  { id: "rds:DescribeDBInstances of a missing instance", run: (b) => attempt(() => describeDb(b)) },
  {
    id: "rds:CreateDBInstance: status right after the create",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: DB, Engine: "postgres", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, EngineVersion: "16", MultiAZ: false,
        BackupRetentionPeriod: 1, DeletionProtection: false, DBName: "langgraph", MasterUsername: "langgraph", MasterUserPassword: "Passw0rdPassw0rdPassw0rd",
        StorageEncrypted: true, StorageType: "gp3", DBSubnetGroupName: DB_SUBNET_GROUP_NAME, VpcSecurityGroupIds: [ctx.sg], PubliclyAccessible: false,
        CopyTagsToSnapshot: true, Tags: TAGS,
      }));
      return { status: o.DBInstance?.DBInstanceStatus, endpointYet: !!o.DBInstance?.Endpoint?.Address };
    }),
    gap: { aws: { status: "creating", endpointYet: false }, moto: { status: "available", endpointYet: true }, doc: "moto-rds-instant" },
  },
  {
    id: "rds:CreateDBInstance of an existing identifier",
    run: (b) => attempt(() => b.aws.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: DB, Engine: "postgres", DBInstanceClass: "db.t4g.micro", AllocatedStorage: 20, MasterUsername: "langgraph", MasterUserPassword: "Passw0rdPassw0rdPassw0rd",
    }))),
  },
  {
    id: "rds:DescribeDBInstances once available",
    run: (b) => attempt(async () => { await b.settle(); return dbView(await describeDb(b)); }),
  },
  {
    id: "rds:DescribeDBInstances filtered on several identifiers (the batched read): absent ones are simply not listed",
    run: (b) => attempt(async () => {
      const o = await b.aws.rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-instance-id", Values: ["lg-other", DB, "lg-third"] }], MaxRecords: 100 }));
      return (o.DBInstances ?? []).map((d) => ({ id: d.DBInstanceIdentifier, status: d.DBInstanceStatus }));
    }),
  },
  {
    id: "rds:StartDBInstance of an available instance",
    run: (b) => attempt(() => b.aws.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: DB }))),
  },
  {
    id: "rds:StartDBInstance of a stopped instance (stopped by a console user)",
    run: (b) => attempt(async () => {
      const stop = await b.aws.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: DB }));
      await b.settle();
      const stopped = (await describeDb(b))?.DBInstanceStatus;
      const o = await b.aws.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: DB }));
      await b.settle();
      return { stopping: stop.DBInstance?.DBInstanceStatus, stopped, starting: o.DBInstance?.DBInstanceStatus, settled: (await describeDb(b))?.DBInstanceStatus };
    }),
    gap: {
      aws: { stopping: "stopping", stopped: "stopped", starting: "starting", settled: "available" },
      moto: { stopping: "stopped", stopped: "stopped", starting: "available", settled: "available" },
      doc: "moto-rds-instant",
    },
  },
  {
    id: "rds:ModifyDBInstance class, ApplyImmediately: the class the operator reads (pending or applied)",
    run: (b) => attempt(async () => {
      await b.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, DBInstanceClass: "db.t4g.small", ApplyImmediately: true }));
      const now = dbView(await describeDb(b))?.DBInstanceClass;
      await b.settle();
      const d = await describeDb(b);
      return { readAtOnce: now, settled: { DBInstanceClass: d?.DBInstanceClass, status: d?.DBInstanceStatus, pending: d?.PendingModifiedValues?.DBInstanceClass ?? null } };
    }),
  },
  {
    id: "rds:AddTagsToResource",
    run: (b) => attempt(async () => {
      await b.aws.rds.send(new AddTagsToResourceCommand({ ResourceName: ARN.db, Tags: [{ Key: "extra", Value: "x" }] }));
      return tagMap((await describeDb(b))?.TagList);
    }),
  },
  {
    id: "rds:DeleteDBInstance while deletion protection is on",
    run: (b) => attempt(async () => {
      await b.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, DeletionProtection: true, ApplyImmediately: true }));
      await b.settle();
      const refused = await attempt(() => b.aws.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: DB, SkipFinalSnapshot: true })));
      await b.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, DeletionProtection: false, ApplyImmediately: true }));
      await b.settle();
      return refused;
    }),
  },
  {
    id: "rds:DeleteDBInstance with a final snapshot",
    run: (b) => attempt(async () => {
      const o = await b.aws.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: DB, FinalDBSnapshotIdentifier: `${DB}-final-20261124000000`, SkipFinalSnapshot: false, DeleteAutomatedBackups: false }));
      const right = await attempt(async () => (await describeDb(b))?.DBInstanceStatus);
      await b.settle();
      return { status: o.DBInstance?.DBInstanceStatus, describedRightAfter: right, afterwards: await attempt(async () => (await describeDb(b))?.DBInstanceStatus) };
    }),
    gap: {
      aws: { status: "deleting", describedRightAfter: "deleting", afterwards: { error: "DBInstanceNotFound", name: "DBInstanceNotFoundFault", status: 404 } },
      moto: { status: "deleting", describedRightAfter: { error: "DBInstanceNotFound", name: "DBInstanceNotFoundFault", status: 404 }, afterwards: { error: "DBInstanceNotFound", name: "DBInstanceNotFoundFault", status: 404 } },
      doc: "moto-rds-instant",
    },
  },

  // --- ECS cluster and task definitions --------------------------------------------------------------
  {
    id: "ecs:DescribeClusters of a missing cluster",
    run: (b) => attempt(async () => {
      const o = await b.aws.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME] }));
      return { clusters: o.clusters?.length, failures: o.failures?.map((f) => f.reason) };
    }),
  },
  {
    id: "ecs:CreateCluster twice (idempotent by name)",
    run: (b) => attempt(async () => {
      const input = { clusterName: CLUSTER_NAME, tags: [{ key: "byoc:managed-by", value: "conformance" }], settings: [{ name: "containerInsights" as const, value: "enabled" }] };
      const a = await b.aws.ecs.send(new CreateClusterCommand(input));
      const c = await b.aws.ecs.send(new CreateClusterCommand(input));
      const d = await b.aws.ecs.send(new DescribeClustersCommand({ clusters: [CLUSTER_NAME] }));
      return { arn: a.cluster?.clusterArn === ARN.cluster, same: a.cluster?.clusterArn === c.cluster?.clusterArn, status: d.clusters?.[0]?.status, count: d.clusters?.length };
    }),
  },
  {
    id: "ecs:RegisterTaskDefinition twice in one family",
    run: (b, ctx) => attempt(async () => {
      const one = await b.aws.ecs.send(new RegisterTaskDefinitionCommand(taskDefinitionInput("111122223333.dkr.ecr.us-east-1.amazonaws.com/agent:v1")));
      const two = await b.aws.ecs.send(new RegisterTaskDefinitionCommand(taskDefinitionInput("111122223333.dkr.ecr.us-east-1.amazonaws.com/agent:v2")));
      ctx.td1 = one.taskDefinition?.taskDefinitionArn;
      ctx.td2 = two.taskDefinition?.taskDefinitionArn;
      return { one: ctx.td1 === ARN.td(1), two: ctx.td2 === ARN.td(2), status: one.taskDefinition?.status, revision: two.taskDefinition?.revision };
    }),
  },
  {
    id: "ecs:ListTaskDefinitions by family, ACTIVE, newest first",
    run: (b) => attempt(async () => {
      const o = await b.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: FAMILY, status: "ACTIVE", sort: "DESC", maxResults: 10 }));
      return o.taskDefinitionArns?.map((a) => a.split("/").pop());
    }),
    gap: { aws: [`${FAMILY}:2`, `${FAMILY}:1`], moto: [`${FAMILY}:1`, `${FAMILY}:2`], doc: "moto-ecs-list-sort" },
  },
  {
    id: "ecs:DescribeTaskDefinition with TAGS: what the spec-hash lookup reads",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ctx.td1, include: ["TAGS"] }));
      const td = o.taskDefinition!;
      const c = td.containerDefinitions?.[0];
      return {
        family: td.family, revision: td.revision, status: td.status, cpu: td.cpu, memory: td.memory, networkMode: td.networkMode,
        requiresCompatibilities: td.requiresCompatibilities, executionRoleArn: td.executionRoleArn, image: c?.image,
        environment: c?.environment, secrets: c?.secrets, logConfiguration: c?.logConfiguration, portMappings: c?.portMappings?.map((m) => m.containerPort),
        tags: tagMap(o.tags),
      };
    }),
  },
  {
    id: "ecs:DescribeTaskDefinition of a missing revision",
    run: (b) => attempt(() => b.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${FAMILY}:99` }))),
  },

  // --- ECS service ------------------------------------------------------------------------------------
  {
    id: "ecs:DescribeServices of a missing service",
    run: (b) => attempt(async () => {
      const o = await describeService(b);
      return { services: o.services?.length, failures: o.failures?.map((f) => f.reason) };
    }),
  },
  {
    id: "ecs:CreateService, then DescribeServices with TAGS",
    run: (b, ctx) => attempt(async () => {
      const o = await createService(b, ctx, TOKEN_A);
      ctx.serviceArn = o.service?.serviceArn;
      return serviceView((await describeService(b)).services?.[0], ctx);
    }),
    gap: {
      aws: {
        serviceName: SERVICE, status: "ACTIVE", desiredCount: 1, launchType: "FARGATE", clusterArn: true, taskDefinition: `${FAMILY}:1`,
        circuitBreaker: { enable: true, rollback: true }, subnets: true, securityGroups: true, assignPublicIp: "DISABLED", primary: `${FAMILY}:1`,
        tags: Object.fromEntries(TAGS.map((t) => [t.Key, t.Value])),
      },
      moto: {
        serviceName: SERVICE, status: "ACTIVE", desiredCount: 1, launchType: "FARGATE", clusterArn: true, taskDefinition: `${FAMILY}:1`,
        circuitBreaker: null, subnets: true, securityGroups: true, assignPublicIp: "DISABLED", primary: `${FAMILY}:1`,
        tags: Object.fromEntries(TAGS.map((t) => [t.Key, t.Value])),
      },
      doc: "moto-ecs-create-service-config",
    },
  },
  {
    id: "ecs:DescribeServices of several projects' services in one call (the batched read)",
    run: (b) => attempt(async () => {
      const o = await b.aws.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER_NAME, services: ["lg-other-api", SERVICE, "lg-other-queue"], include: ["TAGS"] }));
      return { services: (o.services ?? []).map((x) => x.serviceName), failures: (o.failures ?? []).map((f) => `${f.arn?.split("/").pop()} ${f.reason}`).sort() };
    }),
  },
  {
    id: "ecs:CreateService again with the same clientToken (a retry) returns the service as it is",
    run: (b, ctx) => attempt(async () => {
      // A change made between the first create and the retry shows whether the retry replaced the service.
      await b.aws.ecs.send(new TagEcsCommand({ resourceArn: ctx.serviceArn, tags: [{ key: "marker", value: "before-retry" }] }));
      const o = await createService(b, ctx, TOKEN_A);
      const s = (await describeService(b)).services?.[0];
      return { sameArn: o.service?.serviceArn === ctx.serviceArn, markerKept: tagMap(s?.tags).marker === "before-retry" };
    }),
    gap: { aws: { sameArn: true, markerKept: true }, moto: { sameArn: true, markerKept: false }, doc: "moto-ecs-client-token" },
  },
  {
    id: "ecs:CreateService again with another clientToken",
    run: (b, ctx) => attempt(async () => {
      const o = await createService(b, ctx, TOKEN_B);
      return { created: !!o.service };
    }),
    gap: {
      aws: { error: "InvalidParameterException", name: "InvalidParameterException", status: 400 },
      moto: { created: true },
      doc: "moto-ecs-client-token",
    },
  },
  {
    id: "ecs:UpdateService to a new task definition: the service and its PRIMARY deployment",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.ecs.send(new UpdateServiceCommand({
        cluster: CLUSTER_NAME, service: SERVICE, taskDefinition: ctx.td2, desiredCount: 2,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
      }));
      const s = (await describeService(b)).services?.[0];
      return { returned: o.service?.taskDefinition?.split("/").pop(), desiredCount: s?.desiredCount, taskDefinition: s?.taskDefinition?.split("/").pop(), primary: serviceView(s, ctx)?.primary };
    }),
    gap: {
      aws: { returned: `${FAMILY}:2`, desiredCount: 2, taskDefinition: `${FAMILY}:2`, primary: `${FAMILY}:2` },
      moto: { returned: `${FAMILY}:2`, desiredCount: 2, taskDefinition: `${FAMILY}:2`, primary: `${FAMILY}:1` },
      doc: "moto-ecs-update-service-deployment",
    },
  },
  {
    id: "ecs:UpdateService forceNewDeployment: a PRIMARY deployment created later than the one before",
    run: (b) => attempt(async () => {
      const primaryOf = (x: Service | undefined) => x?.deployments?.find((d) => d.status === "PRIMARY");
      const before = primaryOf((await describeService(b)).services?.[0]);
      await b.settle(1000);
      await b.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, forceNewDeployment: true }));
      const after = primaryOf((await describeService(b)).services?.[0]);
      return { newId: !!after?.id && after.id !== before?.id, later: (after?.createdAt?.getTime() ?? 0) > (before?.createdAt?.getTime() ?? 0) };
    }),
  },
  {
    id: "ecs:TagResource on the service",
    run: (b, ctx) => attempt(async () => {
      await b.aws.ecs.send(new TagEcsCommand({ resourceArn: ctx.serviceArn, tags: [{ key: "extra", value: "x" }] }));
      const { marker: _retryMarker, ...tags } = tagMap((await describeService(b)).services?.[0]?.tags); // see the clientToken gap above
      return tags;
    }),
  },
  ...dataplaneSteps(attempt),
  {
    id: "ecs:DeleteCluster while it has an active service (a console user)",
    run: (b) => attempt(async () => {
      const o = await b.aws.ecs.send(new DeleteClusterCommand({ cluster: CLUSTER_NAME }));
      // Put it back for the steps after, as the operator would.
      await b.aws.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER_NAME }));
      return { deleted: o.cluster?.status };
    }),
    gap: {
      aws: { error: "ClusterContainsServicesException", name: "ClusterContainsServicesException", status: 400 },
      moto: { deleted: "INACTIVE" },
      doc: "moto-ecs-delete-cluster",
    },
  },
  {
    id: "ecs:DeregisterTaskDefinition, then ListTaskDefinitions ACTIVE and INACTIVE",
    run: (b, ctx) => attempt(async () => {
      const o = await b.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: ctx.td1 }));
      const active = await b.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: FAMILY, status: "ACTIVE" }));
      const inactive = await b.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: FAMILY, status: "INACTIVE" }));
      const d = await b.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ctx.td1, include: ["TAGS"] }));
      return {
        status: o.taskDefinition?.status, active: active.taskDefinitionArns?.map((a) => a.split("/").pop()),
        inactive: inactive.taskDefinitionArns?.map((a) => a.split("/").pop()), stillDescribable: d.taskDefinition?.status, tagsKept: Object.keys(tagMap(d.tags)).length,
      };
    }),
  },
  {
    id: "ecs:UpdateService to 0, DeleteService (force), then DescribeServices",
    run: (b) => attempt(async () => {
      await b.aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, desiredCount: 0 }));
      const o = await b.aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, force: true }));
      const right = (await describeService(b)).services?.[0]?.status;
      await b.settle(2000);
      const later = (await describeService(b)).services?.[0]?.status ?? "(gone)";
      return { returned: o.service?.status, describedRightAfter: right, later };
    }),
    gap: {
      aws: { returned: "DRAINING", describedRightAfter: "DRAINING", later: "INACTIVE" },
      moto: { returned: "INACTIVE", describedRightAfter: "INACTIVE", later: "INACTIVE" },
      doc: "moto-ecs-draining",
    },
  },
  {
    id: "ecs:DeleteService of a deleted service: an answer the operator's delete tolerates",
    run: (b) => attempt(async () => {
      const r = await attempt(() => b.aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: SERVICE, force: true })));
      const code = (r as { error?: string }).error;
      return { tolerated: code === undefined || ["ServiceNotFoundException", "ServiceNotActiveException"].includes(code) };
    }),
  },

  // --- CloudWatch Logs and metrics ----------------------------------------------------------------------
  {
    id: "logs:DescribeLogGroups before any create",
    run: (b) => attempt(async () => (await b.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }))).logGroups?.map((g) => g.logGroupName)),
  },
  {
    id: "logs:FilterLogEvents on a missing log group",
    run: (b) => attempt(() => b.aws.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: `${P}/` }))),
  },
  {
    id: "logs:CreateLogGroup, again, then PutRetentionPolicy and DescribeLogGroups",
    run: (b) => attempt(async () => {
      await b.aws.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME, tags: { "byoc:managed-by": "conformance" } }));
      const again = await attempt(() => b.aws.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP_NAME })));
      const before = (await b.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }))).logGroups?.[0];
      await b.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: LOG_GROUP_NAME, retentionInDays: 30 }));
      const after = (await b.aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP_NAME }))).logGroups?.[0];
      return { again, retentionBefore: before?.retentionInDays ?? null, name: after?.logGroupName, retentionInDays: after?.retentionInDays };
    }),
  },
  {
    id: "logs:FilterLogEvents by stream prefix",
    run: (b) => attempt(async () => {
      const o = await b.aws.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP_NAME, logStreamNamePrefix: `${P}/`, limit: 10 }));
      return { events: Array.isArray(o.events) };
    }),
  },
  {
    id: "cloudwatch:GetMetricData for the service and the DB, with the batched read's prefixed query ids",
    run: (b) => attempt(async () => {
      const end = new Date();
      const o = await b.aws.cloudwatch.send(new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 15 * 60_000), EndTime: end,
        MetricDataQueries: [
          { Id: "r0_apicpu", MetricStat: { Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: [{ Name: "ClusterName", Value: CLUSTER_NAME }, { Name: "ServiceName", Value: SERVICE }] }, Period: 300, Stat: "Average" } },
          { Id: "r1_dbfree", MetricStat: { Metric: { Namespace: "AWS/RDS", MetricName: "FreeStorageSpace", Dimensions: [{ Name: "DBInstanceIdentifier", Value: DB }] }, Period: 300, Stat: "Minimum" } },
        ],
      }));
      return (o.MetricDataResults ?? []).map((r) => ({ Id: r.Id, values: Array.isArray(r.Values) })).sort((x, y) => String(x.Id).localeCompare(String(y.Id)));
    }),
  },
];

// --- the two backends ----------------------------------------------------------------------------------

let moto: Moto;
const results: Record<Backend["name"], Map<string, Json>> = { moto: new Map(), sandbox: new Map() };

async function runAll(b: Backend) {
  const ctx: Ctx = {};
  for (const step of STEPS) results[b.name].set(step.id, await step.run(b, ctx));
}

beforeAll(async () => {
  moto = await startFileMoto();
  await moto.reset();
  const admin = await accountAdminCredentials(moto.url, CUSTOMER_ACCOUNT, REGION);
  // The prerequisites include the module's Cloud Map namespace, as the sandbox seeds it.
  await seedPrerequisites(moto.url, REGION, { credentials: admin, externalId: EXTERNAL_ID, managedPolicies: false });
  const motoCloud = new Cloud({ baseCredentials: MOTO_CREDENTIALS, operatorId: "conformance", maxAttempts: 1 });
  await runAll({
    name: "moto", externalId: EXTERNAL_ID, aws: await motoCloud.clientsFor(ROLE_ARN, EXTERNAL_ID, REGION), settle: async () => {},
    assumeWithWrongExternalId: () => new Cloud({ baseCredentials: MOTO_CREDENTIALS, operatorId: "conformance", maxAttempts: 1 }).assumeRoleSession(ROLE_ARN, "wrong-external-id", REGION)
      .catch((e) => { throw (e as Error).cause; }),
    assumeWithExternalId: (id) => new Cloud({ baseCredentials: MOTO_CREDENTIALS, operatorId: "conformance", maxAttempts: 1 }).assumeRoleSession(ROLE_ARN, id, REGION),
  });

  let t = Date.UTC(2026, 10, 24, 12, 0, 0);
  const sandbox = new SandboxCloud({ delayMs: 1000, seed: 7, now: () => t });
  const sandboxCloud = () => new Cloud({ backend: sandbox, baseCredentials: SANDBOX_OPERATOR_CREDENTIALS, operatorId: "conformance", maxAttempts: 1 });
  await runAll({
    name: "sandbox", externalId: SANDBOX_DEFAULT_EXTERNAL_ID, aws: await sandboxCloud().clientsFor(ROLE_ARN, SANDBOX_DEFAULT_EXTERNAL_ID, REGION),
    settle: async (ms = 60_000) => { t += ms; },
    assumeWithWrongExternalId: () => sandboxCloud().assumeRoleSession(ROLE_ARN, "wrong-external-id", REGION).catch((e) => { throw (e as Error).cause; }),
    assumeWithExternalId: (id) => sandboxCloud().assumeRoleSession(ROLE_ARN, id, REGION),
  });
}, 120_000);
afterAll(async () => {
  await moto?.stop();
  // BYOC_CONFORMANCE_DUMP=<file> writes both sides' answers, for keeping docs/aws-fidelity.md current.
  const dump = process.env.BYOC_CONFORMANCE_DUMP;
  if (dump) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(dump, JSON.stringify(STEPS.map((s) => ({ id: s.id, gap: s.gap?.doc, moto: results.moto.get(s.id), sandbox: results.sandbox.get(s.id) })), null, 2));
  }
});

describe("the sandbox and moto agree on what the operator reads", () => {
  for (const step of STEPS) {
    if (step.gap) {
      test(`${step.id} — moto gap ${step.gap.doc}: the sandbox answers as AWS documents, moto as recorded`, () => {
        expect(results.sandbox.get(step.id), "sandbox vs AWS").toEqual(step.gap!.aws);
        expect(results.moto.get(step.id), "moto vs its recorded gap").toEqual(step.gap!.moto);
      });
    } else {
      test(step.id, () => {
        const m = results.moto.get(step.id);
        expect(m, "moto threw outside the SDK").not.toHaveProperty("threw");
        expect(results.sandbox.get(step.id)).toEqual(m);
      });
    }
  }
});

