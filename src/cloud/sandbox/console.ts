// Out-of-band changes, made "as a person in the AWS console would", for tests and demos of drift
// repair and self-healing: deleting or editing what the operator manages, creating same-named
// resources without our tags, and breaking or fixing the customer's role. These bypass the API
// front door (no faults, no call log) but obey the same state rules, so the operator observes them
// exactly as it would observe a colleague's clicks.
import { CLUSTER_NAME, LOG_GROUP_NAME, REDIS_NAMESPACE_NAME, SERVICE_SG_NAME, TAG_PRIVATE } from "../names.js";
import { issueCertificate, type Certificate } from "./acm.js";
import { clampDesiredCount } from "./autoscaling.js";
import { setMetricOverride } from "./cloudwatch.js";
import { activeCluster, findService, serviceTasks, type EcsCluster } from "./ecs-model.js";
import { stopTask } from "./ecs-tasks.js";
import { createServiceNow, deleteServiceNow, updateServiceNow } from "./ecs-services.js";
import { ecsTaskDefinitionHandlers } from "./ecs-taskdefs.js";
import { fail } from "./errors.js";
import { logsHandlers } from "./logs.js";
import { findInstance } from "./rds-model.js";
import { rdsHandlers, stopInstance } from "./rds.js";
import type { SandboxRuntime } from "./runtime.js";
import { findSecret, scheduleDeletion } from "./secrets-model.js";
import { secretsHandlers } from "./secrets.js";
import { seedRedisNamespace } from "./prerequisites.js";
import { IAM_SCOPE, type Caller, type OpContext, type Tags } from "./state.js";
import { HANDLERS } from "./runtime.js";
import type { SandboxService } from "./errors.js";

export interface ForeignServiceOptions {
  cluster?: string;
  image?: string;
  desiredCount?: number;
}

export class SandboxConsole {
  constructor(private readonly rt: SandboxRuntime) {}

  private in<T>(accountId: string, region: string, fn: (ctx: OpContext) => T): Promise<T> {
    const caller: Caller = { accountId, accessKeyId: "console", arn: `arn:aws:iam::${accountId}:user/console-admin`, userId: "AIDACONSOLEADMIN" };
    return this.rt.withContext(accountId, region, caller, fn);
  }

  // ECS

  deleteService(accountId: string, region: string, serviceName: string, cluster = CLUSTER_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => void deleteServiceNow(ctx, { cluster, service: serviceName, force: true }));
  }

  setServiceDesiredCount(accountId: string, region: string, serviceName: string, desiredCount: number, cluster = CLUSTER_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => void updateServiceNow(ctx, { cluster, service: serviceName, desiredCount }));
  }

  updateServiceTaskDefinition(accountId: string, region: string, serviceName: string, taskDefinition: string, cluster = CLUSTER_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => void updateServiceNow(ctx, { cluster, service: serviceName, taskDefinition }));
  }

  /** Stops up to `count` (default: all) running tasks of the service; returns their ids. ECS replaces them. */
  stopTasks(accountId: string, region: string, serviceName: string, count?: number, cluster = CLUSTER_NAME): Promise<string[]> {
    return this.in(accountId, region, (ctx) => {
      const svc = findService(ctx, activeCluster(ctx, cluster), serviceName);
      if (!svc) fail("ecs", "ServiceNotFoundException", "Service not found.");
      const victims = serviceTasks(ctx, svc).filter((t) => t.desiredStatus === "RUNNING").slice(0, count ?? Number.MAX_SAFE_INTEGER);
      for (const t of victims) stopTask(ctx, t, ctx.now, "Task stopped by user", "UserInitiated");
      return victims.map((t) => t.id);
    });
  }

  deregisterTaskDefinition(accountId: string, region: string, familyRevision: string): Promise<void> {
    return this.in(accountId, region, (ctx) => void ecsTaskDefinitionHandlers.DeregisterTaskDefinition(ctx, { taskDefinition: familyRevision }));
  }

  /** Deletes the cluster with its services, as the console's force delete does. */
  deleteCluster(accountId: string, region: string, cluster = CLUSTER_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => {
      const c = activeCluster(ctx, cluster);
      for (const svc of ctx.s.ecs.services.filter((x) => x.clusterName === c.name && x.status === "ACTIVE")) {
        deleteServiceNow(ctx, { cluster, service: svc.name, force: true });
      }
      for (const t of Object.values(ctx.s.ecs.tasks)) if (t.clusterName === c.name) stopTask(ctx, t, ctx.now, "Cluster deleted", "UserInitiated");
      c.status = "INACTIVE";
      c.deletedAt = ctx.now;
    });
  }

  // CloudWatch Logs

  deleteLogGroup(accountId: string, region: string, logGroupName = LOG_GROUP_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => void logsHandlers.DeleteLogGroup(ctx, { logGroupName }));
  }

  putRetentionPolicy(accountId: string, region: string, logGroupName: string, retentionInDays: number): Promise<void> {
    return this.in(accountId, region, (ctx) => void logsHandlers.PutRetentionPolicy(ctx, { logGroupName, retentionInDays }));
  }

  // Secrets Manager

  /** Schedules the secret for deletion with a recovery window, as the console does. */
  deleteSecret(accountId: string, region: string, name: string, recoveryWindowInDays = 30): Promise<void> {
    return this.in(accountId, region, (ctx) => scheduleDeletion(ctx, findSecret(ctx, name), recoveryWindowInDays));
  }

  putSecretValue(accountId: string, region: string, name: string, value: string): Promise<void> {
    return this.in(accountId, region, (ctx) => void secretsHandlers.PutSecretValue(ctx, { SecretId: name, SecretString: value }));
  }

  // RDS

  /** Deletes the instance without a final snapshot, turning deletion protection off first. */
  deleteDBInstance(accountId: string, region: string, id: string): Promise<void> {
    return this.in(accountId, region, (ctx) => {
      findInstance(ctx, id).deletionProtection = false;
      rdsHandlers.DeleteDBInstance(ctx, { DBInstanceIdentifier: id, SkipFinalSnapshot: true });
    });
  }

  stopDBInstance(accountId: string, region: string, id: string): Promise<void> {
    return this.in(accountId, region, (ctx) => stopInstance(ctx, findInstance(ctx, id)));
  }

  /** The change as it reads once RDS has applied it ("apply immediately" and waited). */
  modifyDBInstance(accountId: string, region: string, id: string, change: { instanceClass?: string; allocatedStorage?: number; deletionProtection?: boolean }): Promise<void> {
    return this.in(accountId, region, (ctx) => {
      const inst = findInstance(ctx, id);
      if (change.instanceClass !== undefined) inst.instanceClass = change.instanceClass;
      if (change.allocatedStorage !== undefined) inst.allocatedStorage = change.allocatedStorage;
      if (change.deletionProtection !== undefined) inst.deletionProtection = change.deletionProtection;
    });
  }

  // Tags on anything

  removeTag(resourceArn: string, key: string): Promise<void> {
    const [, , , region, accountId] = resourceArn.split(":");
    if (!region || !accountId) throw new Error(`not a regional ARN: ${resourceArn}`);
    return this.in(accountId, region, (ctx) => {
      const resource = taggedByArn(ctx, resourceArn);
      if (!resource) throw new Error(`no resource with ARN ${resourceArn} in ${accountId}/${region}`);
      delete resource.tags[key];
    });
  }

  // Same-named resources without our tags (someone else's, or ours from before tagging)

  createClusterWithoutTags(accountId: string, region: string, name = CLUSTER_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => void ensureCluster(ctx, name));
  }

  createServiceWithoutTags(accountId: string, region: string, serviceName: string, opts: ForeignServiceOptions = {}): Promise<void> {
    return this.in(accountId, region, (ctx) => {
      const cluster = ensureCluster(ctx, opts.cluster ?? CLUSTER_NAME);
      const registered = ecsTaskDefinitionHandlers.RegisterTaskDefinition(ctx, {
        family: serviceName,
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "app", image: opts.image ?? "public.ecr.aws/docker/library/nginx:latest", essential: true }],
      }) as { taskDefinition: { taskDefinitionArn: string } };
      const vpc = ctx.s.ec2.securityGroups.find((g) => g.name === SERVICE_SG_NAME);
      const subnets = ctx.s.ec2.subnets.filter((x) => x.vpcId === vpc?.vpcId && x.tags[TAG_PRIVATE] === "1").map((x) => x.id);
      createServiceNow(ctx, {
        cluster: cluster.name,
        serviceName,
        taskDefinition: registered.taskDefinition.taskDefinitionArn,
        desiredCount: opts.desiredCount ?? 1,
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: vpc ? [vpc.id] : [] } },
      }, {});
    });
  }

  createSecretWithoutTags(accountId: string, region: string, name: string, value = "{}"): Promise<void> {
    return this.in(accountId, region, (ctx) => void secretsHandlers.CreateSecret(ctx, { Name: name, SecretString: value }));
  }

  createLogGroupWithoutTags(accountId: string, region: string, name = LOG_GROUP_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => void logsHandlers.CreateLogGroup(ctx, { logGroupName: name }));
  }

  /** An instance someone created earlier: already `available`. */
  createDBInstanceWithoutTags(accountId: string, region: string, id: string, opts: { instanceClass?: string; allocatedStorage?: number } = {}): Promise<void> {
    return this.in(accountId, region, (ctx) => {
      rdsHandlers.CreateDBInstance(ctx, {
        DBInstanceIdentifier: id,
        DBInstanceClass: opts.instanceClass ?? "db.t4g.micro",
        Engine: "postgres",
        AllocatedStorage: opts.allocatedStorage ?? 20,
        MasterUsername: "postgres",
        MasterUserPassword: "someone-elses-password",
        DBSubnetGroupName: ctx.s.rds.subnetGroups[0]?.name,
        VpcSecurityGroupIds: ctx.s.ec2.securityGroups.filter((g) => g.name === SERVICE_SG_NAME).map((g) => g.id),
      });
      const inst = findInstance(ctx, id);
      inst.status = "available";
      inst.instanceCreateTime = ctx.now;
      inst.pending = {};
      inst.transitions = [];
    });
  }

  // IAM (the customer's role)

  /** Every call made with this role's sessions now fails with `code` in each service's own shape. */
  async denyRole(accountId: string, roleName: string, code = "AccessDenied"): Promise<void> {
    await this.in(accountId, IAM_SCOPE, (ctx) => {
      ctx.s.iam.deniedRoles[roleName] = code;
    });
    this.rt.forgetRoleDenials(accountId);
  }

  async allowRole(accountId: string, roleName: string): Promise<void> {
    await this.in(accountId, IAM_SCOPE, (ctx) => {
      delete ctx.s.iam.deniedRoles[roleName];
    });
    this.rt.forgetRoleDenials(accountId);
  }

  /**
   * Prepares the account for a tenant, as the customer's Terraform module does: from now on its roles
   * trust `externalId` (the tenant's) and refuse any other, the sandbox-wide one included.
   */
  async prepareAccount(accountId: string, externalId: string): Promise<void> {
    if (!/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) throw new Error(`not an external ID: ${JSON.stringify(externalId)}`);
    await this.in(accountId, IAM_SCOPE, (ctx) => {
      ctx.s.iam.trustedExternalId = externalId;
    });
  }

  // Any modelled call, as a console user's click makes it (no faults, no call log): out-of-band edits
  // of load balancers, listeners, target groups, Cloud Map services and scaling, for drift tests.

  apply(accountId: string, region: string, service: Exclude<SandboxService, "sts">, operation: string, input: Record<string, unknown>): Promise<unknown> {
    const handler = HANDLERS[service][operation];
    if (!handler) throw new Error(`the sandbox does not model ${service}:${operation}`);
    return this.in(accountId, region, (ctx) => handler(ctx, input));
  }

  // Cloud Map

  /** Deletes the namespace, as `terraform destroy` of the module would; AWS refuses while it has services. */
  deleteNamespace(accountId: string, region: string, name = REDIS_NAMESPACE_NAME): Promise<void> {
    return this.in(accountId, region, (ctx) => {
      const ns = Object.values(ctx.s.cloudmap.namespaces).find((n) => n.name === name);
      if (!ns) fail("servicediscovery", "NamespaceNotFound", `Namespace not found: ${name}`);
      if (Object.values(ctx.s.cloudmap.services).some((x) => x.namespaceId === ns.id)) {
        fail("servicediscovery", "ResourceInUse", `Namespace ${ns.id} has services; delete them first`);
      }
      delete ctx.s.cloudmap.namespaces[ns.id];
    });
  }

  /** Re-creates the module's namespace (re-applying the Terraform module). */
  restoreNamespace(accountId: string, region: string): Promise<void> {
    return this.in(accountId, region, (ctx) => seedRedisNamespace(ctx.s));
  }

  // ACM

  /** A certificate the customer requested and validated in this account and region; returns its ARN. */
  issueCertificate(accountId: string, region: string, domainName: string, status: Certificate["status"] = "ISSUED"): Promise<string> {
    return this.in(accountId, region, (ctx) => issueCertificate(ctx, domainName, status).arn);
  }

  // Application Auto Scaling

  /**
   * What target tracking does under load: sets the service's desired count, held inside the scalable
   * target's [min, max]; returns the count set. Without a registered target there is no autoscaler.
   */
  autoscale(accountId: string, region: string, serviceName: string, desiredCount: number, cluster = CLUSTER_NAME): Promise<number> {
    return this.in(accountId, region, (ctx) => {
      const target = ctx.s.scaling.targets[`service/${cluster}/${serviceName}|ecs:service:DesiredCount`];
      if (!target) fail("application-autoscaling", "ObjectNotFoundException", `No scalable target registered for service/${cluster}/${serviceName}`);
      return clampDesiredCount(ctx, target, desiredCount);
    });
  }

  // CloudWatch

  setMetric(accountId: string, region: string, namespace: string, metric: string, dims: Record<string, string>, value: number): Promise<void> {
    return this.in(accountId, region, (ctx) => setMetricOverride(ctx, namespace, metric, dims, value));
  }
}

function ensureCluster(ctx: OpContext, name: string): EcsCluster {
  const existing = ctx.s.ecs.clusters[name];
  if (existing?.status === "ACTIVE") return existing;
  const arn = `arn:${ctx.partition}:ecs:${ctx.s.region}:${ctx.s.accountId}:cluster/${name}`;
  const cluster: EcsCluster = { name, arn, status: "ACTIVE", tags: {}, createdAt: ctx.now, settings: [{ name: "containerInsights", value: "disabled" }] };
  ctx.s.ecs.clusters[name] = cluster;
  return cluster;
}

function taggedByArn(ctx: OpContext, arn: string): { tags: Tags } | undefined {
  const { s } = ctx;
  const logGroup = /:log-group:(.+?)(:\*)?$/.exec(arn)?.[1];
  const candidates: { arn?: string; tags: Tags }[] = [
    ...Object.values(s.ecs.clusters),
    ...s.ecs.services.filter((x) => x.status !== "INACTIVE"),
    ...Object.values(s.ecs.taskDefinitions).flat(),
    ...Object.values(s.ecs.tasks),
    ...Object.values(s.rds.instances),
    ...Object.values(s.rds.snapshots),
    ...Object.values(s.secrets.secrets),
    ...Object.values(s.elb.loadBalancers),
    ...Object.values(s.elb.targetGroups),
    ...Object.values(s.elb.listeners),
    ...Object.values(s.cloudmap.services),
    ...Object.values(s.cloudmap.namespaces),
    ...Object.values(s.scaling.targets),
    ...Object.values(s.acm.certificates),
  ];
  return (logGroup ? s.logs.groups[logGroup] : undefined) ?? candidates.find((x) => x.arn === arn);
}
