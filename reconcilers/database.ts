// RDS instance `lg-<p>` (absent when database.mode is external): postgres, in the DB subnet group and
// the service SG, storage encrypted; prod adds Multi-AZ, 7-day backups and deletion protection.
// AWS calls: DescribeDBInstances (batched across the account's passes that run together),
// CreateDBInstance, ModifyDBInstance, StartDBInstance, AddTagsToResource, DeleteDBInstance;
// PutSecretValue to publish the endpoint in the postgres secret.
// Idempotent create: the identifier is deterministic; DBInstanceAlreadyExists means an earlier attempt
// won, and the next pass adopts it only if it carries our byoc:project-id.
import {
  AddTagsToResourceCommand, CreateDBInstanceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand,
  StartDBInstanceCommand, type DBInstance, type ModifyDBInstanceCommandInput,
} from "@aws-sdk/client-rds";
import { TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import { awsErrorCode } from "../src/cloud/errors.js";
import { projectNames } from "../src/cloud/names.js";
import { conflict, fromTagList, missingTags, ownershipOf, projectTags, tagDrift, toKeyValue } from "./ownership.js";
import { postgresUri, putValueAction, TAG_PASSWORD_APPLIED } from "./secrets.js";
import type { Action, FieldDiff, PassContext, Step, StepPlan } from "./types.js";
import { done, requeue } from "./types.js";

const BUSY = new Set(["creating", "backing-up", "modifying", "rebooting", "starting", "stopping", "upgrading", "configuring-enhanced-monitoring", "storage-optimization", "renaming", "resetting-master-credentials", "maintenance"]);

export interface DesiredDb {
  DBInstanceClass: string;
  AllocatedStorage: number;
  EngineVersion: string;
  MultiAZ: boolean;
  BackupRetentionPeriod: number;
  DeletionProtection: boolean;
}

export function desiredDb(ctx: PassContext): DesiredDb {
  const d = ctx.project.database;
  const prod = ctx.project.deploymentType === "prod";
  return {
    DBInstanceClass: d.instanceClass!, AllocatedStorage: d.allocatedStorageGb!, EngineVersion: d.engineVersion!,
    MultiAZ: prod, BackupRetentionPeriod: prod ? 7 : 1, DeletionProtection: prod,
  };
}

/** Up to 100 instances a call, by identifier (a filter, so an absent instance is simply not listed). */
const dbInstancesRead: BatchRead<string, DBInstance | undefined> = {
  key: "rds:DescribeDBInstances",
  capacity: 100,
  async run(aws, ids) {
    const out = await aws.rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-instance-id", Values: ids }], MaxRecords: 100 }));
    const byId = new Map((out.DBInstances ?? []).map((d) => [d.DBInstanceIdentifier?.toLowerCase(), d]));
    return ids.map((id) => byId.get(id.toLowerCase()));
  },
};

export function describeDb(ctx: PassContext, id: string): Promise<DBInstance | undefined> {
  return batched(ctx.aws, dbInstancesRead, id);
}

/** Managed fields that can be changed in place; storage can only grow. */
export function dbDiffs(actual: DBInstance, want: DesiredDb): { modify: FieldDiff[]; cannot: FieldDiff[] } {
  const modify: FieldDiff[] = [];
  const cannot: FieldDiff[] = [];
  const cmp = (field: keyof DesiredDb, a: unknown) => { if (a !== want[field]) modify.push({ field, actual: String(a), desired: String(want[field]) }); };
  cmp("DBInstanceClass", actual.PendingModifiedValues?.DBInstanceClass ?? actual.DBInstanceClass);
  cmp("MultiAZ", actual.MultiAZ);
  cmp("BackupRetentionPeriod", actual.BackupRetentionPeriod);
  cmp("DeletionProtection", actual.DeletionProtection);
  const storage = actual.PendingModifiedValues?.AllocatedStorage ?? actual.AllocatedStorage ?? 0;
  if (storage < want.AllocatedStorage) modify.push({ field: "AllocatedStorage", actual: String(storage), desired: String(want.AllocatedStorage) });
  if (storage > want.AllocatedStorage) cannot.push({ field: "AllocatedStorage", actual: String(storage), desired: String(want.AllocatedStorage) });
  return { modify, cannot };
}

/** `recreate`: the instance existed (the postgres secret holds its endpoint) and was deleted out of band. */
function createAction(ctx: PassContext, id: string, recreate: boolean): Action {
  const want = desiredDb(ctx);
  const spec = `${want.DBInstanceClass}, ${want.AllocatedStorage} GiB, postgres ${want.EngineVersion}`;
  return {
    verb: "create", kind: "DBInstance", resource: id, reason: recreate ? "DB instance was deleted" : "DB instance does not exist",
    event: recreate
      ? { type: "Warning", reason: "Created", message: `RDS instance ${id} was deleted out of band; creating it again, empty (${spec}): its data is gone — restore it from a snapshot if you need it`, resource: id }
      : { type: "Normal", reason: "Created", message: `creating RDS instance ${id} (${spec})`, resource: id },
    async run() {
      const secret = ctx.facts.postgresSecret!;
      try {
        await ctx.aws.rds.send(new CreateDBInstanceCommand({
          DBInstanceIdentifier: id, Engine: "postgres", ...want, DBName: secret.dbname,
          MasterUsername: secret.username, MasterUserPassword: secret.password, StorageEncrypted: true, StorageType: "gp3",
          DBSubnetGroupName: ctx.facts.dbSubnetGroup, VpcSecurityGroupIds: [ctx.facts.serviceSecurityGroupId!], PubliclyAccessible: false,
          CopyTagsToSnapshot: true, Tags: toKeyValue(projectTags(ctx)),
        }));
      } catch (err) {
        if (awsErrorCode(err) !== "DBInstanceAlreadyExists" && awsErrorCode(err) !== "DBInstanceAlreadyExistsFault") throw new Error(`create DB instance ${id}`, { cause: err });
      }
    },
  };
}

async function planDatabase(ctx: PassContext): Promise<StepPlan> {
  if (ctx.project.database.mode === "external") {
    return { actions: [], after: done("ExternalDatabase", "using the project's own Postgres (POSTGRES_URI_CUSTOM)") };
  }
  const id = projectNames(ctx.project.name).dbInstance;
  const db = await describeDb(ctx, id);
  if (!db) {
    if (!ctx.facts.postgresSecret) return { actions: [], after: requeue(ctx.pollMs, "WaitingForSecret", "the postgres secret is not readable yet") };
    const recreate = !!ctx.facts.postgresSecret.host;
    return { actions: [createAction(ctx, id, recreate)], after: requeue(ctx.pollMs, recreate ? "Recreating" : "Creating", `RDS instance ${id} is being ${recreate ? "recreated (it was deleted out of band)" : "created"}`) };
  }
  const tags = fromTagList(db.TagList);
  if (ownershipOf(tags, ctx.project.id) === "foreign") return { actions: [], after: conflict(`RDS instance ${id}`, tags, ctx.resyncMs) };
  const status = db.DBInstanceStatus ?? "unknown";
  ctx.observe({ kind: "DBInstance", name: id, arn: db.DBInstanceArn ?? null, phase: status, lastError: null });
  if (status === "deleting") return { actions: [], after: requeue(ctx.pollMs, "Deleting", `RDS instance ${id} is being deleted out of band; will recreate it`) };
  if (status === "stopped") {
    return {
      actions: [{
        verb: "start", kind: "DBInstance", resource: id, reason: "instance is stopped",
        event: { type: "Warning", reason: "Started", message: `RDS instance ${id} was stopped out of band; starting it`, resource: id },
        run: async () => { await ctx.aws.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id })); },
      }],
      after: requeue(ctx.pollMs, "Starting", `RDS instance ${id} is starting`),
    };
  }
  if (BUSY.has(status)) return { actions: [], after: requeue(ctx.pollMs, status === "creating" ? "Creating" : "Busy", `RDS instance ${id} is ${status}`) };
  return planAvailable(ctx, db, id, tags);
}

function planAvailable(ctx: PassContext, db: DBInstance, id: string, tags: Record<string, string>): StepPlan {
  const actions: Action[] = [];
  const { modify, cannot } = dbDiffs(db, desiredDb(ctx));
  if (modify.length) {
    const want = desiredDb(ctx);
    actions.push({
      verb: "update", kind: "DBInstance", resource: id, reason: "managed fields differ", diffs: modify,
      event: { type: "Normal", reason: "DriftRepaired", message: `RDS instance ${id}: ${modify.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ")}`, resource: id },
      run: async () => {
        const input: Record<string, unknown> = { DBInstanceIdentifier: id, ApplyImmediately: true };
        for (const d of modify) input[d.field] = want[d.field as keyof typeof want];
        await ctx.aws.rds.send(new ModifyDBInstanceCommand(input as unknown as ModifyDBInstanceCommandInput));
      },
    });
  }
  const missing = missingTags(tags, projectTags(ctx));
  if (Object.keys(missing).length) {
    actions.push({
      verb: "tag", kind: "DBInstance", resource: id, reason: "tags drifted",
      diffs: Object.keys(missing).map((k) => ({ field: `tags.${k}`, actual: tags[k] ?? "(absent)", desired: missing[k] })),
      event: { type: "Normal", reason: "DriftRepaired", message: `RDS instance ${id}: ${tagDrift(tags, missing)}`, resource: id },
      run: async () => { await ctx.aws.rds.send(new AddTagsToResourceCommand({ ResourceName: db.DBInstanceArn, Tags: toKeyValue(missing) })); },
    });
  }
  const reset = passwordResetAction(ctx, db, id);
  if (reset) actions.push(reset);
  const endpoint = db.Endpoint?.Address ? { host: db.Endpoint.Address, port: db.Endpoint.Port ?? 5432 } : undefined;
  ctx.facts.dbEndpoint = endpoint;
  const secret = ctx.facts.postgresSecret;
  if (endpoint && secret && ctx.facts.postgresSecretArn && (secret.host !== endpoint.host || secret.port !== endpoint.port || !secret.uri)) {
    const next = { ...secret, host: endpoint.host, port: endpoint.port };
    const value = { ...next, uri: postgresUri(next) };
    const at = `${endpoint.host}:${endpoint.port}`;
    const why = !secret.host ? `has no endpoint yet → ${at} (${id})`
      : secret.host !== endpoint.host || secret.port !== endpoint.port ? `endpoint ${secret.host}:${secret.port} → ${at} (${id})` : `uri (absent) → the URI of ${at}`;
    actions.push(putValueAction(ctx, ctx.facts.postgresSecretArn, projectNames(ctx.project.name).postgresSecret, JSON.stringify(value), why, secret.host ? "DriftRepaired" : "EndpointPublished"));
    ctx.facts.postgresSecret = value;
  }
  if (cannot.length) {
    // Not a loop: nothing is attempted, the condition says what to do, and the Warning is recorded
    // once per ten minutes however often the pass looks again.
    const d = cannot[0];
    const message = `RDS cannot shrink ${id} storage in place: AllocatedStorage ${d.actual} → ${d.desired} GiB is impossible; set database.allocatedStorageGb ≥ ${d.actual}`;
    ctx.emit({ type: "Warning", reason: "CannotShrinkStorage", message, resource: id, repeats: true });
    return { actions, after: { kind: "blocked", synced: false, reason: "CannotShrinkStorage", afterMs: ctx.resyncMs, message } };
  }
  return { actions, after: modify.length ? requeue(ctx.pollMs, "Modifying", `RDS instance ${id} is being modified`) : done("Available", `RDS instance ${id} is available`) };
}

/**
 * The postgres secret is newer than the instance (it was deleted for good and recreated, with a new
 * generated password): the instance still has the old one, so the services could not connect. Set the
 * instance's master password to the secret's, once (a tag on the secret records it).
 */
function passwordResetAction(ctx: PassContext, db: DBInstance, id: string): Action | undefined {
  const meta = ctx.facts.postgresSecretMeta;
  const secret = ctx.facts.postgresSecret;
  const created = db.InstanceCreateTime?.getTime() ?? 0;
  if (!meta || !secret?.password || !ctx.facts.postgresSecretArn || meta.createdAt <= created || meta.passwordAppliedAt >= meta.createdAt) return undefined;
  const secretName = projectNames(ctx.project.name).postgresSecret;
  return {
    verb: "update", kind: "DBInstance", resource: id, reason: "the postgres secret was recreated after the instance",
    diffs: [{ field: "MasterUserPassword", actual: "(the lost secret's; not shown)", desired: "(the secret's; not shown)" }],
    event: { type: "Warning", reason: "PasswordReset", message: `secret ${secretName} was recreated (new password) after RDS instance ${id}; set the instance's master password to the secret's (value not shown)`, resource: id },
    run: async () => {
      await ctx.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: secret.password, ApplyImmediately: true }));
      await ctx.aws.secrets.send(new TagResourceCommand({ SecretId: ctx.facts.postgresSecretArn, Tags: [{ Key: TAG_PASSWORD_APPLIED, Value: new Date().toISOString() }] }));
    },
  };
}

async function planDeleteDatabase(ctx: PassContext): Promise<StepPlan> {
  if (ctx.project.database.mode === "external") return { actions: [], after: done("ExternalDatabase", "nothing to delete") };
  const id = projectNames(ctx.project.name).dbInstance;
  const db = await describeDb(ctx, id);
  if (!db) return { actions: [], after: done("Deleted", `RDS instance ${id} is gone`) };
  if (ownershipOf(fromTagList(db.TagList), ctx.project.id) === "foreign") return { actions: [], after: done("NotOurs", `RDS instance ${id} is not ours; left alone`) };
  if (db.DBInstanceStatus === "deleting") return { actions: [], after: requeue(ctx.pollMs, "Deleting", `RDS instance ${id} is being deleted`) };
  if (BUSY.has(db.DBInstanceStatus ?? "")) return { actions: [], after: requeue(ctx.pollMs, "Busy", `RDS instance ${id} is ${db.DBInstanceStatus}; deleting when it settles`) };
  const snapshot = ctx.project.deletionPolicy === "snapshot" ? projectNames(ctx.project.name).finalSnapshot(new Date()) : undefined;
  const actions: Action[] = [];
  if (db.DeletionProtection) {
    actions.push({
      verb: "update", kind: "DBInstance", resource: id, reason: "deletion protection must be off to delete",
      event: { type: "Normal", reason: "DeletionProtectionOff", message: `RDS instance ${id}: turned deletion protection off to delete it`, resource: id },
      run: async () => { await ctx.aws.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true })); },
    });
    return { actions, after: requeue(ctx.pollMs, "Modifying", `turning off deletion protection on ${id}`) };
  }
  actions.push({
    verb: "delete", kind: "DBInstance", resource: id, reason: "project deleted",
    event: { type: "Normal", reason: "Deleted", message: snapshot ? `deleting RDS instance ${id} with final snapshot ${snapshot}` : `deleting RDS instance ${id} without a final snapshot (deletionPolicy delete)`, resource: id },
    run: async () => {
      try {
        await ctx.aws.rds.send(new DeleteDBInstanceCommand({
          DBInstanceIdentifier: id, ...(snapshot ? { FinalDBSnapshotIdentifier: snapshot, SkipFinalSnapshot: false } : { SkipFinalSnapshot: true }), DeleteAutomatedBackups: !snapshot,
        }));
      } catch (err) {
        if (awsErrorCode(err) !== "DBInstanceNotFoundFault" && awsErrorCode(err) !== "InvalidDBInstanceState") throw new Error(`delete DB instance ${id}`, { cause: err });
      }
    },
  });
  return { actions, after: requeue(ctx.pollMs, "Deleting", `RDS instance ${id} is being deleted`) };
}

export const database: Step = {
  kind: "DBInstance",
  condition: "DatabaseReady",
  plan: planDatabase,
  planDelete: planDeleteDatabase,
};
