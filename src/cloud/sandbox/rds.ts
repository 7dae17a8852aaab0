// RDS operations the operator makes, with RDS's documented rules: identifiers are case-insensitive;
// CreateDBInstance validates the password alphabet, storage and network and answers `creating`;
// ModifyDBInstance refuses shrinking storage and, without ApplyImmediately, only records
// PendingModifiedValues (applied at a maintenance window the sandbox never reaches);
// DeleteDBInstance requires SkipFinalSnapshot or a FinalDBSnapshotIdentifier and honours
// DeletionProtection; Start/Stop only from `stopped`/`available`.
import { fail } from "./errors.js";
import { stableHex } from "./ids.js";
import { dbInstanceOutput, endpointAddress, findInstance, rdsArn, requireStatus, type DbInstance, type PendingValues } from "./rds-model.js";
import { rdsMetadataHandlers } from "./rds-metadata.js";
import { mintHex, tagsFromList, type OperationHandler, type OpContext } from "./state.js";

const IDENTIFIER = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-))*[a-zA-Z0-9]$|^[a-zA-Z]$/;
const PASSWORD = /^[\x21-\x7e]{8,128}$/;

interface CreateInput {
  DBInstanceIdentifier?: string;
  DBInstanceClass?: string;
  Engine?: string;
  EngineVersion?: string;
  AllocatedStorage?: number;
  StorageType?: string;
  MasterUsername?: string;
  MasterUserPassword?: string;
  DBName?: string;
  Port?: number;
  VpcSecurityGroupIds?: string[];
  DBSubnetGroupName?: string;
  MultiAZ?: boolean;
  BackupRetentionPeriod?: number;
  StorageEncrypted?: boolean;
  KmsKeyId?: string;
  DeletionProtection?: boolean;
  CopyTagsToSnapshot?: boolean;
  PubliclyAccessible?: boolean;
  Tags?: { Key?: string; Value?: string }[];
}

function validateCreate(ctx: OpContext, input: CreateInput): void {
  const id = input.DBInstanceIdentifier ?? "";
  if (!IDENTIFIER.test(id) || id.length > 63) {
    fail("rds", "InvalidParameterValue", "The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.");
  }
  if (ctx.s.rds.instances[id.toLowerCase()]) fail("rds", "DBInstanceAlreadyExistsFault", "DB instance already exists");
  if (!input.DBInstanceClass?.startsWith("db.")) fail("rds", "InvalidParameterValue", `Invalid DB Instance class: ${input.DBInstanceClass}`);
  if (!input.Engine) fail("rds", "InvalidParameterValue", "The parameter Engine must be provided and must not be blank.");
  const storage = input.AllocatedStorage ?? 0;
  if (storage < 20 || storage > 65536) {
    fail("rds", "InvalidParameterCombination", `Invalid storage size for engine name ${input.Engine} and storage type ${input.StorageType ?? "gp2"}: ${storage}`);
  }
  if (!input.MasterUsername) fail("rds", "InvalidParameterValue", "The parameter MasterUsername must be provided and must not be blank.");
  if (["rdsadmin", "rdsrepladmin"].includes(input.MasterUsername.toLowerCase())) {
    fail("rds", "InvalidParameterValue", `MasterUsername ${input.MasterUsername} cannot be used as it is a reserved word used by the engine`);
  }
  if (!input.MasterUserPassword) fail("rds", "InvalidParameterValue", "The parameter MasterUserPassword must be provided and must not be blank.");
  if (!PASSWORD.test(input.MasterUserPassword) || /[/@"]/.test(input.MasterUserPassword)) {
    fail("rds", "InvalidParameterValue", "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.");
  }
}

function createDBInstance(ctx: OpContext, input: CreateInput) {
  validateCreate(ctx, input);
  const groupName = input.DBSubnetGroupName ?? "default";
  const group = ctx.s.rds.subnetGroups.find((g) => g.name === groupName);
  if (!group) fail("rds", "DBSubnetGroupNotFoundFault", `DBSubnetGroup '${groupName}' not found.`, 404);
  const sgIds = input.VpcSecurityGroupIds?.length
    ? input.VpcSecurityGroupIds
    : ctx.s.ec2.securityGroups.filter((g) => g.vpcId === group.vpcId && g.name === "default").map((g) => g.id);
  for (const sgId of sgIds) {
    const sg = ctx.s.ec2.securityGroups.find((g) => g.id === sgId);
    if (!sg) fail("rds", "InvalidParameterValue", `Invalid security group , groupId= ${sgId}, groupName=.`);
    if (sg.vpcId !== group.vpcId) fail("rds", "InvalidParameterCombination", "The DB instance and EC2 security group are in different VPCs.");
  }
  const id = input.DBInstanceIdentifier!.toLowerCase();
  const firstSubnet = ctx.s.ec2.subnets.find((x) => x.id === group.subnetIds[0]);
  const t = ctx.timings;
  const encrypted = input.StorageEncrypted ?? false;
  const inst: DbInstance = {
    id,
    arn: rdsArn(ctx, "db", id),
    resourceId: `db-${mintHex(ctx, "dbi", 26).toUpperCase()}`,
    instanceClass: input.DBInstanceClass!,
    engine: input.Engine!,
    engineVersion: input.EngineVersion ?? "16.4",
    status: "creating",
    masterUsername: input.MasterUsername!,
    dbName: input.DBName,
    port: input.Port ?? 5432,
    allocatedStorage: input.AllocatedStorage!,
    storageType: input.StorageType ?? "gp2",
    storageEncrypted: encrypted,
    kmsKeyId: encrypted
      ? input.KmsKeyId ?? `arn:aws:kms:${ctx.s.region}:${ctx.s.accountId}:key/${stableHex([ctx.s.accountId, ctx.s.region, "aws/rds"], 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-")}`
      : undefined,
    multiAZ: input.MultiAZ ?? false,
    backupRetentionPeriod: input.BackupRetentionPeriod ?? 1,
    deletionProtection: input.DeletionProtection ?? false,
    copyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
    publiclyAccessible: input.PubliclyAccessible ?? false,
    vpcSecurityGroupIds: sgIds,
    subnetGroupName: group.name,
    az: firstSubnet?.az ?? `${ctx.s.region}a`,
    createdAt: ctx.now,
    endpointAddress: endpointAddress(ctx.s.accountId, ctx.s.region, id),
    tags: tagsFromList(input.Tags),
    pending: { MasterUserPassword: "****" },
    transitions: [
      { at: ctx.now + t.rdsCreate * 0.7, status: "backing-up", effect: "firstBackup" },
      { at: ctx.now + t.rdsCreate, status: "available", effect: "applyPending" },
    ],
  };
  ctx.s.rds.instances[id] = inst;
  return { DBInstance: dbInstanceOutput(ctx, inst) };
}

function describeDBInstances(ctx: OpContext, input: { DBInstanceIdentifier?: string; Filters?: { Name?: string; Values?: string[] }[] }) {
  let list = input.DBInstanceIdentifier
    ? [findInstance(ctx, input.DBInstanceIdentifier)]
    : Object.values(ctx.s.rds.instances).sort((a, b) => a.id.localeCompare(b.id));
  for (const f of input.Filters ?? []) {
    const values = (f.Values ?? []).map((v) => v.toLowerCase());
    if (f.Name === "db-instance-id") list = list.filter((i) => values.includes(i.id) || values.includes(i.arn.toLowerCase()));
    else if (f.Name === "engine") list = list.filter((i) => values.includes(i.engine));
    else if (f.Name === "dbi-resource-id") list = list.filter((i) => values.includes(i.resourceId.toLowerCase()));
    else fail("rds", "InvalidParameterValue", `Unrecognized filter name: ${f.Name}.`);
  }
  return { DBInstances: list.map((i) => dbInstanceOutput(ctx, i)) };
}

interface ModifyInput {
  DBInstanceIdentifier?: string;
  DBInstanceClass?: string;
  AllocatedStorage?: number;
  MultiAZ?: boolean;
  EngineVersion?: string;
  MasterUserPassword?: string;
  BackupRetentionPeriod?: number;
  DeletionProtection?: boolean;
  CopyTagsToSnapshot?: boolean;
  VpcSecurityGroupIds?: string[];
  ApplyImmediately?: boolean;
  AllowMajorVersionUpgrade?: boolean;
}

/**
 * RDS refuses a downgrade (InvalidParameterCombination "Cannot upgrade postgres from 16.4 to 15") and a
 * new major version without AllowMajorVersionUpgrade; the instance keeps the default parameter group,
 * which RDS moves to the new family's.
 */
function checkEngineVersion(engine: string, current: string, wanted: string, allowMajor: boolean | undefined) {
  const a = current.split(".").map(Number);
  const b = wanted.split(".").map(Number);
  const cmp = (b[0] ?? 0) - (a[0] ?? 0) || (b.length > 1 ? (b[1] ?? 0) - (a[1] ?? 0) : 0);
  if (cmp < 0) fail("rds", "InvalidParameterCombination", `Cannot upgrade ${engine} from ${current} to ${wanted}`);
  if (b[0] !== a[0] && !allowMajor) {
    fail("rds", "InvalidParameterCombination", "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.");
  }
}

function modifyDBInstance(ctx: OpContext, input: ModifyInput) {
  const inst = findInstance(ctx, input.DBInstanceIdentifier);
  requireStatus(inst, ["available", "storage-full"], `Database instance is not in available state.`);
  if (input.AllocatedStorage !== undefined) {
    const current = inst.pending.AllocatedStorage ?? inst.allocatedStorage;
    if (input.AllocatedStorage < inst.allocatedStorage) {
      fail("rds", "InvalidParameterCombination", `Invalid storage size for engine name ${inst.engine} and storage type ${inst.storageType}: ${input.AllocatedStorage}. You can't decrease the allocated storage of a DB instance.`);
    }
    if (input.AllocatedStorage !== current && input.AllocatedStorage < Math.ceil((inst.allocatedStorage * 11) / 10)) {
      fail("rds", "InvalidParameterCombination", "The new storage size must be at least 10% greater than the current storage size.");
    }
  }
  if (input.MasterUserPassword !== undefined && (!PASSWORD.test(input.MasterUserPassword) || /[/@"]/.test(input.MasterUserPassword))) {
    fail("rds", "InvalidParameterValue", "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.");
  }
  if (input.EngineVersion !== undefined) checkEngineVersion(inst.engine, inst.engineVersion, input.EngineVersion, input.AllowMajorVersionUpgrade);
  // Settings RDS applies at once whatever ApplyImmediately says.
  if (input.DeletionProtection !== undefined) inst.deletionProtection = input.DeletionProtection;
  if (input.CopyTagsToSnapshot !== undefined) inst.copyTagsToSnapshot = input.CopyTagsToSnapshot;
  if (input.BackupRetentionPeriod !== undefined) inst.backupRetentionPeriod = input.BackupRetentionPeriod;
  if (input.VpcSecurityGroupIds?.length) inst.vpcSecurityGroupIds = [...input.VpcSecurityGroupIds];

  const changes: PendingValues = {};
  if (input.DBInstanceClass !== undefined && input.DBInstanceClass !== inst.instanceClass) changes.DBInstanceClass = input.DBInstanceClass;
  if (input.AllocatedStorage !== undefined && input.AllocatedStorage !== inst.allocatedStorage) changes.AllocatedStorage = input.AllocatedStorage;
  if (input.MultiAZ !== undefined && input.MultiAZ !== inst.multiAZ) changes.MultiAZ = input.MultiAZ;
  if (input.EngineVersion !== undefined && input.EngineVersion !== inst.engineVersion) changes.EngineVersion = input.EngineVersion;
  inst.pending = { ...inst.pending, ...changes };
  // A new master password is accepted and applied at once whatever ApplyImmediately says; never stored.
  if (input.ApplyImmediately && Object.keys(inst.pending).length > 0) {
    // ApplyImmediately also applies whatever was already waiting for the maintenance window.
    inst.status = inst.pending.EngineVersion !== undefined ? "upgrading" : "modifying";
    inst.transitions.push({ at: ctx.now + ctx.timings.rdsModify, status: "available", effect: "applyPending" });
  }
  return { DBInstance: dbInstanceOutput(ctx, inst) };
}

function deleteDBInstance(ctx: OpContext, input: { DBInstanceIdentifier?: string; SkipFinalSnapshot?: boolean; FinalDBSnapshotIdentifier?: string }) {
  const inst = findInstance(ctx, input.DBInstanceIdentifier);
  if (inst.status === "deleting") fail("rds", "InvalidDBInstanceStateFault", `Instance ${inst.id} is already being deleted.`);
  if (inst.deletionProtection) {
    fail("rds", "InvalidParameterCombination", "Cannot delete protected DB Instance, please disable deletion protection and try again.");
  }
  const snapshotId = input.FinalDBSnapshotIdentifier?.toLowerCase();
  if (!input.SkipFinalSnapshot && !snapshotId) {
    fail("rds", "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.");
  }
  if (input.SkipFinalSnapshot && snapshotId) {
    fail("rds", "InvalidParameterCombination", "FinalDBSnapshotIdentifier can not be specified when SkipFinalSnapshot is true.");
  }
  requireStatus(inst, ["available", "stopped", "storage-full", "creating", "backing-up", "modifying", "incompatible-parameters"], `Instance ${inst.id} is not in a state that allows deletion.`);
  if (snapshotId) {
    if (["creating", "backing-up"].includes(inst.status) || inst.instanceCreateTime === undefined) {
      fail("rds", "InvalidDBInstanceStateFault", "Instance is currently creating - a final snapshot cannot be taken.");
    }
    if (ctx.s.rds.snapshots[snapshotId]) {
      fail("rds", "DBSnapshotAlreadyExistsFault", `Cannot create the snapshot because a snapshot with the identifier ${snapshotId} already exists.`);
    }
    const group = ctx.s.rds.subnetGroups.find((g) => g.name === inst.subnetGroupName);
    ctx.s.rds.snapshots[snapshotId] = {
      id: snapshotId,
      arn: rdsArn(ctx, "snapshot", snapshotId),
      instanceId: inst.id,
      resourceId: inst.resourceId,
      type: "manual",
      createdAt: ctx.now,
      availableAt: ctx.now + ctx.timings.snapshot,
      engine: inst.engine,
      engineVersion: inst.engineVersion,
      allocatedStorage: inst.allocatedStorage,
      storageType: inst.storageType,
      port: inst.port,
      az: inst.az,
      vpcId: group?.vpcId ?? "",
      masterUsername: inst.masterUsername,
      encrypted: inst.storageEncrypted,
      kmsKeyId: inst.kmsKeyId,
      instanceCreateTime: inst.instanceCreateTime,
      tags: inst.copyTagsToSnapshot ? { ...inst.tags } : {},
    };
  }
  inst.status = "deleting";
  inst.transitions = [{ at: ctx.now + ctx.timings.rdsDelete, status: "deleted", effect: "remove" }];
  return { DBInstance: dbInstanceOutput(ctx, inst) };
}

export function stopInstance(ctx: OpContext, inst: DbInstance): void {
  requireStatus(inst, ["available"], `Instance ${inst.id} is not in available state.`);
  inst.status = "stopping";
  inst.transitions.push({ at: ctx.now + ctx.timings.rdsStop, status: "stopped" });
}

function startDBInstance(ctx: OpContext, input: { DBInstanceIdentifier?: string }) {
  const inst = findInstance(ctx, input.DBInstanceIdentifier);
  requireStatus(inst, ["stopped"], `Instance ${inst.id} is not stopped, cannot be started.`);
  inst.status = "starting";
  inst.transitions.push({ at: ctx.now + ctx.timings.rdsStart, status: "available" });
  return { DBInstance: dbInstanceOutput(ctx, inst) };
}

function stopDBInstance(ctx: OpContext, input: { DBInstanceIdentifier?: string }) {
  const inst = findInstance(ctx, input.DBInstanceIdentifier);
  stopInstance(ctx, inst);
  return { DBInstance: dbInstanceOutput(ctx, inst) };
}

export const rdsHandlers: Record<string, OperationHandler> = {
  ...rdsMetadataHandlers,
  CreateDBInstance: createDBInstance,
  DescribeDBInstances: describeDBInstances,
  ModifyDBInstance: modifyDBInstance,
  DeleteDBInstance: deleteDBInstance,
  StartDBInstance: startDBInstance,
  StopDBInstance: stopDBInstance,
};
