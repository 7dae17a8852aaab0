// AWS Cloud Map (servicediscovery) as the API behaves for DNS service discovery in a private
// namespace: ListNamespaces/GetNamespace (NamespaceNotFound), CreateService with DnsConfig
// (ServiceAlreadyExists for a taken name, unless the CreatorRequestId repeats the first create),
// Get/List/Update/DeleteService (ResourceInUse while instances are registered), ListInstances and
// DiscoverInstances, and tags. Instances are not stored: as on AWS, ECS registers each running task of
// a service whose `serviceRegistries` names the Cloud Map service, and deregisters it as it stops.
import { serviceTasks } from "./ecs-model.js";
import { fail } from "./errors.js";
import { stableHex } from "./ids.js";
import { date, mintHex, tagList, tagsFromList, type OperationHandler, type OpContext, type Tags } from "./state.js";

export interface Namespace {
  id: string;
  arn: string;
  name: string;
  type: "DNS_PRIVATE";
  vpcId: string;
  hostedZoneId: string;
  description: string;
  createdAt: number;
  tags: Tags;
}

export interface DnsRecord { Type?: string; TTL?: number }

export interface CloudMapService {
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  description?: string;
  routingPolicy: string;
  dnsRecords: DnsRecord[];
  healthCheckCustomConfig?: { FailureThreshold?: number };
  creatorRequestId?: string;
  createdAt: number;
  tags: Tags;
}

export interface CloudMapState {
  namespaces: Record<string, Namespace>;
  services: Record<string, CloudMapService>;
}

export const emptyCloudMap = (): CloudMapState => ({ namespaces: {}, services: {} });

const LABEL = "([a-zA-Z0-9_][a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_]|[a-zA-Z0-9])";
const SERVICE_NAME = new RegExp(`^(?=.{1,127}$)${LABEL}(\\.${LABEL})*\\.?$`);

/** The namespace as the Terraform module creates it (aws_service_discovery_private_dns_namespace). */
export function seedNamespace(s: { accountId: string; region: string }, partition: string, name: string, vpcId: string): Namespace {
  const id = `ns-${stableHex([s.accountId, s.region, "namespace", name], 16)}`;
  return {
    id,
    arn: `arn:${partition}:servicediscovery:${s.region}:${s.accountId}:namespace/${id}`,
    name,
    type: "DNS_PRIVATE",
    vpcId,
    hostedZoneId: `Z0${stableHex([s.accountId, s.region, "zone", name], 18).toUpperCase()}`,
    description: "LangGraph Cloud Redis discovery",
    createdAt: 0,
    tags: {},
  };
}

function namespace(ctx: OpContext, id: string | undefined): Namespace {
  const ns = id ? ctx.s.cloudmap.namespaces[id] : undefined;
  if (!ns) fail("servicediscovery", "NamespaceNotFound", `Namespace not found: ${id}`);
  return ns;
}

function service(ctx: OpContext, id: string | undefined): CloudMapService {
  const svc = id ? ctx.s.cloudmap.services[id] : undefined;
  if (!svc) fail("servicediscovery", "ServiceNotFound", `Service not found: ${id}`);
  return svc;
}

export interface CloudMapInstance { id: string; attributes: Record<string, string> }

/** What ECS has registered: one instance per running task of each ECS service naming this registry. */
export function instancesOf(ctx: OpContext, svc: CloudMapService): CloudMapInstance[] {
  const out: CloudMapInstance[] = [];
  for (const ecsService of ctx.s.ecs.services) {
    if (ecsService.status === "INACTIVE" || !(ecsService.serviceRegistries ?? []).some((r) => r.registryArn === svc.arn)) continue;
    for (const task of serviceTasks(ctx, ecsService)) {
      if (!task.startedAt || task.desiredStatus !== "RUNNING") continue;
      out.push({
        id: task.id,
        attributes: {
          AWS_INSTANCE_IPV4: task.privateIp,
          AVAILABILITY_ZONE: task.az,
          AWS_INIT_HEALTH_STATUS: "HEALTHY",
          ECS_CLUSTER_NAME: ecsService.clusterName,
          ECS_SERVICE_NAME: ecsService.name,
          ECS_TASK_DEFINITION_FAMILY: task.taskDefinitionArn.split("/").at(-1)!.split(":")[0],
          REGION: ctx.s.region,
        },
      });
    }
  }
  return out;
}

/** The Cloud Map service a DNS name `<service>.<namespace>` names, if both exist. */
export function serviceByDnsName(ctx: OpContext, host: string): CloudMapService | undefined {
  const dot = host.indexOf(".");
  if (dot < 0) return undefined;
  const ns = Object.values(ctx.s.cloudmap.namespaces).find((n) => n.name === host.slice(dot + 1));
  if (!ns) return undefined;
  return Object.values(ctx.s.cloudmap.services).find((x) => x.namespaceId === ns.id && x.name === host.slice(0, dot));
}

function serviceOutput(ctx: OpContext, svc: CloudMapService) {
  return {
    Id: svc.id,
    Arn: svc.arn,
    Name: svc.name,
    NamespaceId: svc.namespaceId,
    Description: svc.description,
    InstanceCount: instancesOf(ctx, svc).length,
    DnsConfig: { NamespaceId: svc.namespaceId, RoutingPolicy: svc.routingPolicy, DnsRecords: structuredClone(svc.dnsRecords) },
    HealthCheckCustomConfig: svc.healthCheckCustomConfig ? { ...svc.healthCheckCustomConfig } : undefined,
    Type: "DNS_HTTP",
    CreateDate: date(svc.createdAt),
    CreatorRequestId: svc.creatorRequestId,
  };
}

function namespaceOutput(ctx: OpContext, ns: Namespace) {
  return {
    Id: ns.id,
    Arn: ns.arn,
    Name: ns.name,
    Type: ns.type,
    Description: ns.description,
    ServiceCount: Object.values(ctx.s.cloudmap.services).filter((x) => x.namespaceId === ns.id).length,
    Properties: { DnsProperties: { HostedZoneId: ns.hostedZoneId, SOA: { TTL: 15 } }, HttpProperties: { HttpName: ns.name } },
    CreateDate: date(ns.createdAt),
  };
}

function checkDnsRecords(records: DnsRecord[] | undefined): DnsRecord[] {
  if (!records?.length) fail("servicediscovery", "InvalidInput", "DnsConfig.DnsRecords must contain at least one record");
  for (const r of records) {
    if (!["A", "AAAA", "SRV", "CNAME"].includes(r.Type ?? "")) fail("servicediscovery", "InvalidInput", `DNS record type ${r.Type} is not valid`);
    if (r.TTL === undefined || r.TTL < 0 || r.TTL > 2147483647) fail("servicediscovery", "InvalidInput", "DNS record TTL must be between 0 and 2147483647");
  }
  return structuredClone(records);
}

interface CreateServiceInput {
  Name?: string;
  NamespaceId?: string;
  CreatorRequestId?: string;
  Description?: string;
  DnsConfig?: { NamespaceId?: string; RoutingPolicy?: string; DnsRecords?: DnsRecord[] };
  HealthCheckCustomConfig?: { FailureThreshold?: number };
  Tags?: { Key?: string; Value?: string }[];
}

function createService(ctx: OpContext, input: CreateServiceInput) {
  if (!input.Name || !SERVICE_NAME.test(input.Name)) fail("servicediscovery", "InvalidInput", `Service name ${input.Name} is not valid`);
  const ns = namespace(ctx, input.NamespaceId ?? input.DnsConfig?.NamespaceId);
  const existing = Object.values(ctx.s.cloudmap.services).find((x) => x.namespaceId === ns.id && x.name === input.Name);
  if (existing) {
    if (input.CreatorRequestId && existing.creatorRequestId === input.CreatorRequestId) return { Service: serviceOutput(ctx, existing) };
    fail("servicediscovery", "ServiceAlreadyExists", `Service already exists: ${input.Name}`, 400, {
      CreatorRequestId: existing.creatorRequestId, ServiceId: existing.id, ServiceArn: existing.arn,
    });
  }
  const id = `srv-${mintHex(ctx, "cloudmap-service", 16)}`;
  const svc: CloudMapService = {
    id,
    arn: `arn:${ctx.partition}:servicediscovery:${ctx.s.region}:${ctx.s.accountId}:service/${id}`,
    name: input.Name,
    namespaceId: ns.id,
    description: input.Description,
    routingPolicy: input.DnsConfig?.RoutingPolicy ?? "MULTIVALUE",
    dnsRecords: checkDnsRecords(input.DnsConfig?.DnsRecords),
    healthCheckCustomConfig: input.HealthCheckCustomConfig ? { ...input.HealthCheckCustomConfig } : undefined,
    creatorRequestId: input.CreatorRequestId,
    createdAt: ctx.now,
    tags: tagsFromList(input.Tags),
  };
  ctx.s.cloudmap.services[id] = svc;
  return { Service: serviceOutput(ctx, svc) };
}

function filtered<T>(items: T[], filters: { Name?: string; Values?: string[]; Condition?: string }[] | undefined, field: (item: T, name: string) => string | undefined): T[] {
  return items.filter((item) => (filters ?? []).every((f) => {
    const have = field(item, f.Name ?? "");
    if (have === undefined) fail("servicediscovery", "InvalidInput", `Filter name ${f.Name} is not valid`);
    if (f.Condition === "BEGINS_WITH") return (f.Values ?? []).some((v) => have.startsWith(v));
    return (f.Values ?? []).includes(have);
  }));
}

function taggable(ctx: OpContext, arn: string | undefined): { tags: Tags } {
  const r = [...Object.values(ctx.s.cloudmap.namespaces), ...Object.values(ctx.s.cloudmap.services)].find((x) => x.arn === arn);
  if (!r) fail("servicediscovery", "ResourceNotFoundException", `Resource not found: ${arn}`);
  return r;
}

function deleteService(ctx: OpContext, input: { Id?: string }) {
  const svc = service(ctx, input.Id);
  if (instancesOf(ctx, svc).length) fail("servicediscovery", "ResourceInUse", `Service contains registered instances; delete the instances before deleting the service: ${svc.id}`);
  delete ctx.s.cloudmap.services[svc.id];
  return {};
}

export const cloudMapHandlers: Record<string, OperationHandler> = {
  ListNamespaces: (ctx, input: { Filters?: { Name?: string; Values?: string[]; Condition?: string }[] }) => ({
    Namespaces: filtered(Object.values(ctx.s.cloudmap.namespaces), input.Filters, (ns, name) =>
      name === "TYPE" ? ns.type : name === "NAME" || name === "HTTP_NAME" ? ns.name : name === "RESOURCE_OWNER" ? "SELF" : undefined,
    ).map((ns) => namespaceOutput(ctx, ns)),
  }),
  GetNamespace: (ctx, input: { Id?: string }) => ({ Namespace: namespaceOutput(ctx, namespace(ctx, input.Id)) }),
  CreateService: createService,
  GetService: (ctx, input: { Id?: string }) => ({ Service: serviceOutput(ctx, service(ctx, input.Id)) }),
  ListServices: (ctx, input: { Filters?: { Name?: string; Values?: string[]; Condition?: string }[] }) => ({
    Services: filtered(Object.values(ctx.s.cloudmap.services), input.Filters, (svc, name) =>
      name === "NAMESPACE_ID" ? svc.namespaceId : name === "RESOURCE_OWNER" ? "SELF" : undefined,
    ).map((svc) => serviceOutput(ctx, svc)),
  }),
  UpdateService: (ctx, input: { Id?: string; Service?: { Description?: string; DnsConfig?: { DnsRecords?: DnsRecord[] } } }) => {
    const svc = service(ctx, input.Id);
    if (input.Service?.DnsConfig?.DnsRecords) svc.dnsRecords = checkDnsRecords(input.Service.DnsConfig.DnsRecords);
    if (input.Service?.Description !== undefined) svc.description = input.Service.Description;
    return { OperationId: mintHex(ctx, "cloudmap-operation", 32) };
  },
  GetOperation: (ctx, input: { OperationId?: string }) => ({
    Operation: { Id: input.OperationId, Type: "UPDATE_SERVICE", Status: "SUCCESS", CreateDate: date(ctx.now), UpdateDate: date(ctx.now) },
  }),
  DeleteService: deleteService,
  ListInstances: (ctx, input: { ServiceId?: string }) => ({
    Instances: instancesOf(ctx, service(ctx, input.ServiceId)).map((i) => ({ Id: i.id, Attributes: { ...i.attributes } })),
  }),
  DiscoverInstances: (ctx, input: { NamespaceName?: string; ServiceName?: string }) => {
    const ns = Object.values(ctx.s.cloudmap.namespaces).find((n) => n.name === input.NamespaceName);
    if (!ns) fail("servicediscovery", "NamespaceNotFound", `Namespace not found: ${input.NamespaceName}`);
    const svc = Object.values(ctx.s.cloudmap.services).find((x) => x.namespaceId === ns.id && x.name === input.ServiceName);
    if (!svc) fail("servicediscovery", "ServiceNotFound", `Service not found: ${input.ServiceName}`);
    return {
      Instances: instancesOf(ctx, svc).map((i) => ({
        InstanceId: i.id, NamespaceName: ns.name, ServiceName: svc.name, HealthStatus: "HEALTHY", Attributes: { ...i.attributes },
      })),
    };
  },
  TagResource: (ctx, input: { ResourceARN?: string; Tags?: { Key?: string; Value?: string }[] }) => {
    const r = taggable(ctx, input.ResourceARN);
    r.tags = { ...r.tags, ...tagsFromList(input.Tags) };
    return {};
  },
  UntagResource: (ctx, input: { ResourceARN?: string; TagKeys?: string[] }) => {
    const r = taggable(ctx, input.ResourceARN);
    for (const k of input.TagKeys ?? []) delete r.tags[k];
    return {};
  },
  ListTagsForResource: (ctx, input: { ResourceARN?: string }) => ({ Tags: tagList(taggable(ctx, input.ResourceARN).tags) }),
};
