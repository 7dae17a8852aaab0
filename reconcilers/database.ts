// RDS instance `lg-<p>` (absent when database.mode is external): postgres, in the DB subnet group and
// the service SG, storage encrypted; prod adds Multi-AZ, 7-day backups and deletion protection.
// Provides the instance's endpoint; the postgres secret is told of it by secretEndpoint.ts.
// AWS calls: DescribeDBInstances (batched across the account's passes that run together),
// CreateDBInstance, ModifyDBInstance, StartDBInstance, AddTagsToResource, DeleteDBInstance; TagResource
// on the postgres secret to record a password reset.
// Idempotent create: the identifier is deterministic; DBInstanceAlreadyExists means an earlier attempt
// won, and the next pass adopts it only if it carries our byoc:project-id. Idempotent delete:
// DBInstanceNotFound (already gone) and InvalidDBInstanceState (already deleting) are what it wanted.
import {
  AddTagsToResourceCommand, CreateDBInstanceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand,
  StartDBInstanceCommand, type DBInstance, type ModifyDBInstanceCommandInput,
} from "@aws-sdk/client-rds";
import { TagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { batched, type BatchRead } from "../src/cloud/batch.js";
import { projectNames } from "../src/cloud/names.js";
import {
  act, done, halt, proceed, requeue, tolerate, blocked, type Action, type Change, type FieldDiff,
  type NoInput, type Outcome, type PassContext, type Step,
} from "./contract.js";
import type { EventRecord } from "../src/model/project.js";
import type { Network } from "./network.js";
import { conflict, fromTagList, missingTags, ownershipOf, projectTags, tagChange, toKeyValue, type TagMap } from "./ownership.js";
import type { Secrets } from "./secrets.js";
import { TAG_PASSWORD_APPLIED } from "./secretValues.js";

/** States in which the instance cannot take a change yet (AWS is working on it). */
const BUSY = new Set(["creating", "backing-up", "modifying", "rebooting", "starting", "stopping", "upgrading", "configuring-enhanced-monitoring", "storage-optimization", "renaming", "resetting-master-credentials", "maintenance"]);
/**
 * Busy but serving (docs/reference.md §5): RDS works on the instance while its endpoint answers, so the
 * later steps go ahead; only a change to the instance itself waits for `available`.
 */
const USABLE = new Set(["backing-up", "modifying", "storage-optimization", "maintenance"]);
const usable = (status: string) => USABLE.has(status) || status.startsWith("configuring-");
const camel = (status: string) => status.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
const endpointOf = (db: DBInstance) => (db.Endpoint?.Address ? { host: db.Endpoint.Address, port: db.Endpoint.Port ?? 5432 } : undefined);

/** The desired engine version ("16", or "16.4") names the running one ("16.4") when each of its parts matches. */
export function engineMatches(actual: string, desired: string): boolean {
  const a = actual.split(".");
  return desired.split(".").every((part, i) => a[i] === part);
}
const major = (v: string) => v.split(".")[0];

export interface DesiredDb {
  DBInstanceClass: string;
  AllocatedStorage: number;
  EngineVersion: string;
  MultiAZ: boolean;
  BackupRetentionPeriod: number;
  DeletionProtection: boolean;
}

export function desiredDb(ctx: Pick<PassContext, "project">): DesiredDb {
  const d = ctx.project.database;
  const prod = ctx.project.deploymentType === "prod";
  return {
    DBInstanceClass: d.instanceClass ?? "db.t4g.micro", AllocatedStorage: d.allocatedStorageGb ?? 20, EngineVersion: d.engineVersion ?? "16",
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
  const engine = actual.PendingModifiedValues?.EngineVersion ?? actual.EngineVersion;
  if (engine !== undefined && !engineMatches(engine, want.EngineVersion)) modify.push({ field: "EngineVersion", actual: engine, desired: want.EngineVersion });
  const storage = actual.PendingModifiedValues?.AllocatedStorage ?? actual.AllocatedStorage ?? 0;
  if (storage < want.AllocatedStorage) modify.push({ field: "AllocatedStorage", actual: String(storage), desired: String(want.AllocatedStorage) });
  if (storage > want.AllocatedStorage) cannot.push({ field: "AllocatedStorage", actual: String(storage), desired: String(want.AllocatedStorage) });
  return { modify, cannot };
}

export type DbOp =
  | { op: "create"; recreate: boolean }
  | { op: "start" }
  | { op: "modify"; fields: Partial<DesiredDb>; majorUpgrade: boolean }
  | { op: "tag"; arn: string; tags: TagMap }
  | { op: "resetPassword" };
export type DbChange = Change & DbOp;

export interface DbWant {
  id: string;
  /** The postgres secret's name, for the password-reset event. */
  secretName: string;
  projectId: string;
  tags: TagMap;
  db: DesiredDb;
  pollMs: number;
  resyncMs: number;
}

export interface DbDecision {
  changes: DbChange[];
  after: Outcome;
  /** Warnings about what was seen, recorded when the pass applies. */
  events: EventRecord[];
  endpoint: { host: string; port: number } | undefined;
}

const none = (after: Outcome): DbDecision => ({ changes: [], after, events: [], endpoint: undefined });

/** Pure: the instance's changes from what DescribeDBInstances said and the postgres secret holds. */
export function decideDatabase(db: DBInstance | undefined, secret: Secrets["postgres"], want: DbWant): DbDecision {
  const { id } = want;
  if (!db) {
    if (!secret.value) return none(requeue(want.pollMs, "WaitingForSecret", "the postgres secret is not readable yet"));
    const recreate = !!secret.value.host;
    const spec = `${want.db.DBInstanceClass}, ${want.db.AllocatedStorage} GiB, postgres ${want.db.EngineVersion}`;
    return {
      ...none(requeue(want.pollMs, recreate ? "Recreating" : "Creating", `RDS instance ${id} is being ${recreate ? "recreated (it was deleted out of band)" : "created"}`)),
      changes: [{
        op: "create", recreate, verb: "create", kind: "DBInstance", resource: id, reason: recreate ? "DB instance was deleted" : "DB instance does not exist",
        event: recreate
          ? { type: "Warning", reason: "Created", resource: id, message: `RDS instance ${id} was deleted out of band; creating it again, empty (${spec}): its data is gone — restore it from a snapshot if you need it` }
          : { type: "Normal", reason: "Created", resource: id, message: `creating RDS instance ${id} (${spec})` },
      }],
    };
  }
  const tags = fromTagList(db.TagList);
  if (ownershipOf(tags, want.projectId) === "foreign") return none(conflict(`RDS instance ${id}`, tags, want.resyncMs));
  const status = db.DBInstanceStatus ?? "unknown";
  if (status === "deleting") return none(requeue(want.pollMs, "Deleting", `RDS instance ${id} is being deleted out of band; will recreate it`));
  if (status === "stopped") {
    return {
      ...none(requeue(want.pollMs, "Starting", `RDS instance ${id} is starting`)),
      changes: [{
        op: "start", verb: "start", kind: "DBInstance", resource: id, reason: "instance is stopped",
        event: { type: "Warning", reason: "Started", message: `RDS instance ${id} was stopped out of band; starting it`, resource: id },
      }],
    };
  }
  const endpoint = endpointOf(db);
  if (usable(status) && endpoint) {
    return { ...none(done(camel(status), `RDS instance ${id} is ${status}; it serves meanwhile`)), endpoint };
  }
  if (BUSY.has(status)) return none(requeue(want.pollMs, status === "creating" ? "Creating" : "Busy", `RDS instance ${id} is ${status}`));
  return decideAvailable(db, tags, secret, want);
}

function decideAvailable(db: DBInstance, tags: TagMap, secret: Secrets["postgres"], want: DbWant): DbDecision {
  const { id } = want;
  const changes: DbChange[] = [];
  const { modify, cannot } = dbDiffs(db, want.db);
  if (modify.length) {
    const fields = Object.fromEntries(modify.map((d) => [d.field, want.db[d.field as keyof DesiredDb]])) as Partial<DesiredDb>;
    const engine = modify.find((d) => d.field === "EngineVersion");
    // RDS refuses a new major version without AllowMajorVersionUpgrade; the default parameter group of
    // the new family is used (docs/reference.md §5); a downgrade is refused by RDS and reported with its code.
    const majorUpgrade = !!engine && major(engine.actual) !== major(engine.desired);
    changes.push({
      op: "modify", fields, majorUpgrade, verb: "update", kind: "DBInstance", resource: id, reason: "managed fields differ", diffs: modify,
      event: { type: "Normal", reason: "DriftRepaired", message: `RDS instance ${id}: ${modify.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ")}`, resource: id },
    });
  }
  const missing = missingTags(tags, want.tags);
  if (Object.keys(missing).length && db.DBInstanceArn) {
    changes.push({ op: "tag", arn: db.DBInstanceArn, tags: missing, ...tagChange("DBInstance", `RDS instance ${id}`, id, tags, missing) });
  }
  // The postgres secret is newer than the instance (deleted for good and recreated, with a new generated
  // password): the instance still has the old one, so set it to the secret's, once (a tag records it).
  const created = db.InstanceCreateTime?.getTime() ?? 0;
  if (secret.value?.password && secret.createdAt > created && secret.passwordAppliedAt < secret.createdAt) {
    changes.push({
      op: "resetPassword", verb: "update", kind: "DBInstance", resource: id, reason: "the postgres secret was recreated after the instance",
      diffs: [{ field: "MasterUserPassword", actual: "(the lost secret's; not shown)", desired: "(the secret's; not shown)" }],
      event: { type: "Warning", reason: "PasswordReset", resource: id, message: `secret ${want.secretName} was recreated (new password) after RDS instance ${id}; set the instance's master password to the secret's (value not shown)` },
    });
  }
  const endpoint = endpointOf(db);
  if (cannot.length) {
    // Not a loop: nothing is attempted, the condition says what to do, and the Warning is recorded
    // once per ten minutes however often the pass looks again.
    const d = cannot[0];
    const message = `RDS cannot shrink ${id} storage in place: AllocatedStorage ${d.actual} → ${d.desired} GiB is impossible; set database.allocatedStorageGb ≥ ${d.actual}`;
    return {
      changes, endpoint, after: blocked("CannotShrinkStorage", message, { afterMs: want.resyncMs }),
      events: [{ type: "Warning", reason: "CannotShrinkStorage", message, resource: id, repeats: true }],
    };
  }
  // An engine upgrade takes the instance down (`upgrading`); other modifications leave it serving.
  const upgrading = modify.some((d) => d.field === "EngineVersion");
  const after = upgrading ? requeue(want.pollMs, "Upgrading", `RDS instance ${id} is being upgraded to postgres ${want.db.EngineVersion}`)
    : modify.length && !endpoint ? requeue(want.pollMs, "Modifying", `RDS instance ${id} is being modified`)
      : modify.length ? done("Modifying", `RDS instance ${id} is being modified; it serves meanwhile`)
        : done("Available", `RDS instance ${id} is available`);
  return { changes, after, events: [], endpoint };
}

export interface DatabaseInput { network: Pick<Network, "dbSubnetGroup" | "serviceSg">; postgres: Secrets["postgres"] }
/** What the database step provides: where the instance answers (undefined for an external database). */
export interface Database { endpoint: { host: string; port: number } | undefined }

function apply(ctx: PassContext, input: DatabaseInput, c: DbChange): Action {
  const id = c.resource;
  const { rds } = ctx.aws;
  return act(c, async () => {
    switch (c.op) {
      case "create": {
        const secret = input.postgres.value;
        if (!secret) throw new Error(`create DB instance ${id}: the postgres secret is not readable`);
        // Already there (an earlier attempt won, its answer lost): the next pass adopts it if it is ours.
        await tolerate(() => rds.send(new CreateDBInstanceCommand({
          DBInstanceIdentifier: id, Engine: "postgres", ...desiredDb(ctx), DBName: secret.dbname,
          MasterUsername: secret.username, MasterUserPassword: secret.password, StorageEncrypted: true, StorageType: "gp3",
          DBSubnetGroupName: input.network.dbSubnetGroup, VpcSecurityGroupIds: [input.network.serviceSg], PubliclyAccessible: false,
          CopyTagsToSnapshot: true, Tags: toKeyValue(projectTags(ctx)),
        })), ["DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"]).catch((err) => { throw new Error(`create DB instance ${id}`, { cause: err }); });
        return;
      }
      case "start": await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id })); return;
      case "modify":
        await rds.send(new ModifyDBInstanceCommand({
          DBInstanceIdentifier: id, ApplyImmediately: true, ...c.fields, ...(c.majorUpgrade ? { AllowMajorVersionUpgrade: true } : {}),
        } as ModifyDBInstanceCommandInput));
        return;
      case "tag": await rds.send(new AddTagsToResourceCommand({ ResourceName: c.arn, Tags: toKeyValue(c.tags) })); return;
      case "resetPassword": {
        const password = input.postgres.value?.password;
        if (!password) throw new Error(`reset the master password of ${id}: the postgres secret is not readable`);
        await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, MasterUserPassword: password, ApplyImmediately: true }));
        await ctx.aws.secrets.send(new TagResourceCommand({ SecretId: input.postgres.arn, Tags: [{ Key: TAG_PASSWORD_APPLIED, Value: new Date().toISOString() }] }));
        return;
      }
    }
  });
}

export const database: Step<DatabaseInput, Database> = {
  kind: "DBInstance",
  condition: "DatabaseReady",
  async plan(ctx, input) {
    if (ctx.project.database.mode === "external") {
      return proceed([], done("ExternalDatabase", "using the project's own Postgres (POSTGRES_URI_CUSTOM)"), { provide: () => ({ endpoint: undefined }) });
    }
    const id = projectNames(ctx.project.name).dbInstance;
    const db = await describeDb(ctx, id);
    const want: DbWant = { id, secretName: projectNames(ctx.project.name).postgresSecret, projectId: ctx.project.id, tags: projectTags(ctx), db: desiredDb(ctx), pollMs: ctx.pollMs, resyncMs: ctx.resyncMs };
    const d = decideDatabase(db, input.postgres, want);
    const actions = d.changes.map((c) => apply(ctx, input, c));
    const observations = db && ownershipOf(fromTagList(db.TagList), ctx.project.id) === "ours"
      ? [{ kind: "DBInstance", name: id, arn: db.DBInstanceArn ?? null, phase: db.DBInstanceStatus ?? "unknown", lastError: null }] : [];
    if (d.after.kind !== "done") return halt(actions, d.after, { events: d.events, observations });
    const endpoint = d.endpoint;
    return proceed(actions, d.after, { events: d.events, observations, provide: () => ({ endpoint }) });
  },
};

/** Deletion per deletionPolicy: deletion protection off first, then delete with or without a final snapshot. */
export const databaseDeletion: Step<NoInput, void> = {
  kind: "DBInstance",
  condition: "DatabaseReady",
  async plan(ctx) {
    if (ctx.project.database.mode === "external") return proceed([], done("ExternalDatabase", "nothing to delete"));
    const id = projectNames(ctx.project.name).dbInstance;
    const db = await describeDb(ctx, id);
    if (!db) return proceed([], done("Deleted", `RDS instance ${id} is gone`));
    if (ownershipOf(fromTagList(db.TagList), ctx.project.id) === "foreign") return proceed([], done("NotOurs", `RDS instance ${id} is not ours; left alone`));
    if (db.DBInstanceStatus === "deleting") return halt([], requeue(ctx.pollMs, "Deleting", `RDS instance ${id} is being deleted`));
    if (BUSY.has(db.DBInstanceStatus ?? "")) return halt([], requeue(ctx.pollMs, "Busy", `RDS instance ${id} is ${db.DBInstanceStatus}; deleting when it settles`));
    const { rds } = ctx.aws;
    if (db.DeletionProtection) {
      return halt([act({
        verb: "update", kind: "DBInstance", resource: id, reason: "deletion protection must be off to delete",
        event: { type: "Normal", reason: "DeletionProtectionOff", message: `RDS instance ${id}: turned deletion protection off to delete it`, resource: id },
      }, async () => { await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true })); })],
      requeue(ctx.pollMs, "Modifying", `turning off deletion protection on ${id}`));
    }
    const snapshot = ctx.project.deletionPolicy === "snapshot" ? projectNames(ctx.project.name).finalSnapshot(new Date()) : undefined;
    const del = act({
      verb: "delete", kind: "DBInstance", resource: id, reason: "project deleted",
      event: { type: "Normal", reason: "Deleted", message: snapshot ? `deleting RDS instance ${id} with final snapshot ${snapshot}` : `deleting RDS instance ${id} without a final snapshot (deletionPolicy delete)`, resource: id },
    }, async () => {
      await tolerate(() => rds.send(new DeleteDBInstanceCommand({
        DBInstanceIdentifier: id, ...(snapshot ? { FinalDBSnapshotIdentifier: snapshot, SkipFinalSnapshot: false } : { SkipFinalSnapshot: true }), DeleteAutomatedBackups: !snapshot,
      })), ["DBInstanceNotFound", "DBInstanceNotFoundFault", "InvalidDBInstanceState"]).catch((err) => { throw new Error(`delete DB instance ${id}`, { cause: err }); });
    });
    return halt([del], requeue(ctx.pollMs, "Deleting", `RDS instance ${id} is being deleted`));
  },
};
