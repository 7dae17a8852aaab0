// RDS instance and snapshot state, the background transitions RDS makes on its own (creating →
// backing-up → available, modifying → available with pending values applied, deleting → gone,
// stopping → stopped, starting → available, snapshot creating → available), and the DBInstance
// output shape as the SDK deserialises it, and the lookups every RDS operation starts with.
// Transitions are stored as due times and applied lazily.
import { fail } from "./errors.js";
import { partitionOf, stableHex } from "./ids.js";
import { date, tagList, type OpContext, type Tags } from "./state.js";

export interface DbSubnetGroup {
  name: string;
  description: string;
  vpcId: string;
  subnetIds: string[];
  arn: string;
  tags: Tags;
}

/** Values RDS shows under PendingModifiedValues until they are applied. */
export interface PendingValues {
  DBInstanceClass?: string;
  AllocatedStorage?: number;
  MultiAZ?: boolean;
  EngineVersion?: string;
  MasterUserPassword?: string;
}

export interface RdsTransition {
  at: number;
  status: string;
  /** What else happens at that moment. */
  effect?: "applyPending" | "firstBackup" | "remove";
}

export interface DbInstance {
  id: string;
  arn: string;
  resourceId: string;
  instanceClass: string;
  engine: string;
  engineVersion: string;
  status: string;
  masterUsername: string;
  dbName?: string;
  port: number;
  allocatedStorage: number;
  storageType: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  multiAZ: boolean;
  backupRetentionPeriod: number;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  publiclyAccessible: boolean;
  vpcSecurityGroupIds: string[];
  subnetGroupName: string;
  az: string;
  createdAt: number;
  instanceCreateTime?: number;
  endpointAddress: string;
  tags: Tags;
  pending: PendingValues;
  transitions: RdsTransition[];
}

export interface DbSnapshot {
  id: string;
  arn: string;
  instanceId: string;
  resourceId: string;
  type: "manual" | "automated";
  createdAt: number;
  availableAt: number;
  engine: string;
  engineVersion: string;
  allocatedStorage: number;
  storageType: string;
  port: number;
  az: string;
  vpcId: string;
  masterUsername: string;
  encrypted: boolean;
  kmsKeyId?: string;
  instanceCreateTime?: number;
  tags: Tags;
}

export interface RdsState {
  subnetGroups: DbSubnetGroup[];
  /** Keyed by lower-case identifier: RDS identifiers are case-insensitive and stored lower-case. */
  instances: Record<string, DbInstance>;
  snapshots: Record<string, DbSnapshot>;
}

export function rdsArn(ctx: OpContext, kind: "db" | "snapshot" | "subgrp", id: string): string {
  return `arn:${partitionOf(ctx.s.region)}:rds:${ctx.s.region}:${ctx.s.accountId}:${kind}:${id}`;
}

export function endpointAddress(accountId: string, region: string, id: string): string {
  return `${id}.c${stableHex([accountId, region, "rds-endpoint"], 11)}.${region}.rds.amazonaws.com`;
}

/** Apply every background transition that has come due. */
export function advanceRds(ctx: OpContext): void {
  const { instances } = ctx.s.rds;
  for (const [key, inst] of Object.entries(instances)) {
    while (inst.transitions.length && inst.transitions[0].at <= ctx.now) {
      const t = inst.transitions.shift()!;
      if (t.effect === "remove") {
        delete instances[key];
        break;
      }
      inst.status = t.status;
      if (t.effect === "firstBackup") inst.instanceCreateTime ??= t.at;
      if (t.effect === "applyPending") applyPending(inst);
    }
  }
}

export function applyPending(inst: DbInstance): void {
  const p = inst.pending;
  if (p.DBInstanceClass !== undefined) inst.instanceClass = p.DBInstanceClass;
  if (p.AllocatedStorage !== undefined) inst.allocatedStorage = p.AllocatedStorage;
  if (p.MultiAZ !== undefined) inst.multiAZ = p.MultiAZ;
  if (p.EngineVersion !== undefined) inst.engineVersion = p.EngineVersion;
  inst.pending = {};
}

export function snapshotStatus(snap: DbSnapshot, now: number): string {
  return now >= snap.availableAt ? "available" : "creating";
}

function secondaryAz(inst: DbInstance): string | undefined {
  if (!inst.multiAZ) return undefined;
  return inst.az.endsWith("a") ? `${inst.az.slice(0, -1)}b` : `${inst.az.slice(0, -1)}a`;
}

/** The DBInstance structure DescribeDBInstances returns; the password is never part of it. */
export function dbInstanceOutput(ctx: OpContext, inst: DbInstance) {
  const group = ctx.s.rds.subnetGroups.find((g) => g.name === inst.subnetGroupName);
  const reachable = !["creating", "deleting"].includes(inst.status) && inst.instanceCreateTime !== undefined;
  const pending = Object.fromEntries(Object.entries(inst.pending).map(([k, v]) => [k, k === "MasterUserPassword" ? "****" : v]));
  return {
    DBInstanceIdentifier: inst.id,
    DBInstanceClass: inst.instanceClass,
    Engine: inst.engine,
    EngineVersion: inst.engineVersion,
    DBInstanceStatus: inst.status,
    MasterUsername: inst.masterUsername,
    DBName: inst.dbName,
    // As RDS shows it: the endpoint is there from the first backup on (the instance serves while backing up).
    Endpoint: reachable
      ? { Address: inst.endpointAddress, Port: inst.port, HostedZoneId: "Z2R2ITUGPM61AM" }
      : undefined,
    DbInstancePort: 0,
    AllocatedStorage: inst.allocatedStorage,
    InstanceCreateTime: date(inst.instanceCreateTime),
    PreferredBackupWindow: "03:00-03:30",
    PreferredMaintenanceWindow: "sun:05:00-sun:05:30",
    BackupRetentionPeriod: inst.backupRetentionPeriod,
    DBSecurityGroups: [],
    VpcSecurityGroups: inst.vpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: "active" })),
    DBParameterGroups: [{ DBParameterGroupName: `default.postgres${inst.engineVersion.split(".")[0]}`, ParameterApplyStatus: "in-sync" }],
    AvailabilityZone: inst.status === "creating" ? undefined : inst.az,
    SecondaryAvailabilityZone: secondaryAz(inst),
    DBSubnetGroup: group && {
      DBSubnetGroupName: group.name,
      DBSubnetGroupDescription: group.description,
      VpcId: group.vpcId,
      SubnetGroupStatus: "Complete",
      Subnets: subnetsOf(ctx, group),
    },
    PendingModifiedValues: pending,
    LatestRestorableTime: reachable ? new Date(ctx.now) : undefined,
    MultiAZ: inst.multiAZ,
    AutoMinorVersionUpgrade: true,
    ReadReplicaDBInstanceIdentifiers: [],
    LicenseModel: "postgresql-license",
    OptionGroupMemberships: [{ OptionGroupName: `default:postgres-${inst.engineVersion.split(".")[0]}`, Status: "in-sync" }],
    PubliclyAccessible: inst.publiclyAccessible,
    StorageType: inst.storageType,
    StorageEncrypted: inst.storageEncrypted,
    KmsKeyId: inst.kmsKeyId,
    DbiResourceId: inst.resourceId,
    CACertificateIdentifier: "rds-ca-rsa2048-g1",
    CopyTagsToSnapshot: inst.copyTagsToSnapshot,
    MonitoringInterval: 0,
    DBInstanceArn: inst.arn,
    IAMDatabaseAuthenticationEnabled: false,
    PerformanceInsightsEnabled: false,
    DeletionProtection: inst.deletionProtection,
    AssociatedRoles: [],
    TagList: tagList(inst.tags),
    CustomerOwnedIpEnabled: false,
    NetworkType: "IPV4",
    BackupTarget: "region",
  };
}

export function subnetsOf(ctx: OpContext, group: DbSubnetGroup) {
  return group.subnetIds.map((id) => {
    const subnet = ctx.s.ec2.subnets.find((x) => x.id === id);
    return {
      SubnetIdentifier: id,
      SubnetAvailabilityZone: { Name: subnet?.az },
      SubnetOutpost: {},
      SubnetStatus: "Active",
    };
  });
}

export function dbSnapshotOutput(ctx: OpContext, snap: DbSnapshot) {
  const status = snapshotStatus(snap, ctx.now);
  return {
    DBSnapshotIdentifier: snap.id,
    DBInstanceIdentifier: snap.instanceId,
    SnapshotCreateTime: status === "available" ? new Date(snap.availableAt) : undefined,
    Engine: snap.engine,
    AllocatedStorage: snap.allocatedStorage,
    Status: status,
    Port: snap.port,
    AvailabilityZone: snap.az,
    VpcId: snap.vpcId,
    InstanceCreateTime: date(snap.instanceCreateTime),
    MasterUsername: snap.masterUsername,
    EngineVersion: snap.engineVersion,
    LicenseModel: "postgresql-license",
    SnapshotType: snap.type,
    PercentProgress: status === "available" ? 100 : 0,
    StorageType: snap.storageType,
    Encrypted: snap.encrypted,
    KmsKeyId: snap.kmsKeyId,
    DBSnapshotArn: snap.arn,
    IAMDatabaseAuthenticationEnabled: false,
    ProcessorFeatures: [],
    DbiResourceId: snap.resourceId,
    TagList: tagList(snap.tags),
    OriginalSnapshotCreateTime: new Date(snap.createdAt),
    SnapshotTarget: "region",
  };
}

export function findInstance(ctx: OpContext, id: string | undefined): DbInstance {
  const inst = id ? ctx.s.rds.instances[id.toLowerCase()] : undefined;
  if (!inst) fail("rds", "DBInstanceNotFoundFault", `DBInstance ${id} not found.`, 404);
  return inst;
}

export function requireStatus(inst: DbInstance, allowed: string[], message: string): void {
  if (!allowed.includes(inst.status)) fail("rds", "InvalidDBInstanceStateFault", message);
}
