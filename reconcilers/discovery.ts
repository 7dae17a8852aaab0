// The project's Cloud Map service `lg-<p>-redis` in the account's namespace `langgraph-cloud-redis`: ECS
// registers the redis task there, so `lg-<p>-redis.langgraph-cloud-redis` (REDIS_URI) resolves to it.
// One A record (awsvpc tasks have their own IP), TTL 10 s, MULTIVALUE routing (ECS's service discovery
// works with A records under MULTIVALUE or WEIGHTED; neither can change after the create). Provides the
// service's ARN for the redis service's `serviceRegistries`.
// AWS calls: servicediscovery:ListServices (the namespace's, shared by the account's passes),
// ListTagsForResource, CreateService, UpdateService (TTL), TagResource, DeleteService.
// Idempotent create: CreatorRequestId from an intent row (AWS answers a repeated one with the same
// service); ServiceAlreadyExists from another attempt → the next pass finds it and adopts it by its tag.
// Idempotent delete: ServiceNotFound is what it wanted; it waits for ECS to deregister the redis task.
import {
  CreateServiceCommand, DeleteServiceCommand, GetServiceCommand, ListServicesCommand, ListTagsForResourceCommand, TagResourceCommand,
  UpdateServiceCommand, type DnsRecord, type ServiceSummary,
} from "@aws-sdk/client-servicediscovery";
import { awsErrorCode } from "../src/cloud/errors.js";
import { projectNames, REDIS_DNS_TTL_S, REDIS_NAMESPACE_NAME } from "../src/cloud/names.js";
import {
  act, done, halt, mutableFactTtlMs, proceed, requeue, tolerate, type Action, type Change, type Outcome, type PassContext, type Step,
} from "./contract.js";
import type { Network } from "./network.js";
import { adoptChange, conflict, fromTagList, missingTags, ownershipOf, projectTags, tagChange, toKeyValue, type TagMap } from "./ownership.js";

export const REDIS_DNS_RECORDS: DnsRecord[] = [{ Type: "A", TTL: REDIS_DNS_TTL_S }];
export const REDIS_ROUTING_POLICY = "MULTIVALUE";

/** The Cloud Map service as ListServices (and its tags) show it. */
export interface RegistrySeen {
  id: string;
  arn: string;
  records: DnsRecord[];
  instanceCount: number;
  tags: TagMap;
  /** An interrupted create of ours left its intent open. */
  interrupted: boolean;
}

/**
 * What the redis ECS service should register with: `arn` (undefined in a dry run that would create it),
 * or `detach` — its record type is wrong, and Cloud Map cannot change a record type: the redis task is
 * deregistered first, then the service is deleted and created again.
 */
export interface RedisRegistry { arn: string | undefined; detach: boolean }

type RegistryOp = { op: "create" } | { op: "adopt" } | { op: "update" } | { op: "delete" } | { op: "tag"; tags: TagMap };
export type RegistryChange = Change & RegistryOp & { id?: string; arn?: string };

export interface RegistryDecision { changes: RegistryChange[]; after: Outcome; registry: RedisRegistry }

const recordsText = (r: DnsRecord[]) => r.map((x) => `${x.Type}/${x.TTL}`).join(",") || "(none)";

/** Pure: create the service, repair its TTL and tags, recreate it when its record type is not A. */
export function decideRegistry(seen: RegistrySeen | undefined, want: { name: string; projectId: string; tags: TagMap; pollMs: number; resyncMs: number }):
  RegistryDecision {
  const { name } = want;
  // Named by its DNS name in changes and events: the redis ECS service has the same short name.
  const resource = `${name}.${REDIS_NAMESPACE_NAME}`;
  if (!seen) {
    return {
      changes: [{
        op: "create", verb: "create", kind: "CloudMapService", resource, reason: "service does not exist",
        event: { type: "Normal", reason: "Created", message: `created Cloud Map service ${name}.${REDIS_NAMESPACE_NAME} (A record, TTL ${REDIS_DNS_TTL_S} s)`, resource },
      }],
      after: done("RegistryReady", `Cloud Map service ${name} created`), registry: { arn: undefined, detach: false },
    };
  }
  if (ownershipOf(seen.tags, want.projectId) === "foreign") {
    return { changes: [], after: conflict(`Cloud Map service ${name}`, seen.tags, want.resyncMs), registry: { arn: undefined, detach: false } };
  }
  const changes: RegistryChange[] = [];
  if (seen.interrupted) changes.push({ op: "adopt", arn: seen.arn, ...adoptChange("CloudMapService", resource) });
  const missing = missingTags(seen.tags, want.tags);
  if (Object.keys(missing).length) changes.push({ op: "tag", arn: seen.arn, tags: missing, ...tagChange("CloudMapService", `Cloud Map service ${name}`, resource, seen.tags, missing) });
  const diff = { field: "DnsConfig.DnsRecords", actual: recordsText(seen.records), desired: recordsText(REDIS_DNS_RECORDS) };
  if (seen.records.length !== 1 || seen.records[0].Type !== "A") {
    // A record type cannot be updated: deregister the redis task (the services step), delete, create.
    if (seen.instanceCount > 0) {
      return { changes, after: requeue(want.pollMs, "RecreatingRegistry", `Cloud Map service ${name} has records ${diff.actual}: detaching redis to recreate it`), registry: { arn: seen.arn, detach: true } };
    }
    changes.push({
      op: "delete", id: seen.id, verb: "delete", kind: "CloudMapService", resource, reason: "its record type cannot be changed", diffs: [diff],
      event: { type: "Warning", reason: "DriftRepaired", message: `Cloud Map service ${name}: ${diff.field} ${diff.actual} → ${diff.desired}; deleted it to create it again`, resource },
    });
    return { changes, after: requeue(want.pollMs, "RecreatingRegistry", `Cloud Map service ${name} deleted to be created with an A record`), registry: { arn: undefined, detach: true } };
  }
  if (seen.records[0].TTL !== REDIS_DNS_TTL_S) {
    changes.push({
      op: "update", id: seen.id, verb: "update", kind: "CloudMapService", resource, reason: "DNS TTL differs", diffs: [diff],
      event: { type: "Normal", reason: "DriftRepaired", message: `Cloud Map service ${name}: ${diff.field} ${diff.actual} → ${diff.desired}`, resource },
    });
  }
  return { changes, after: done("RegistryReady", `Cloud Map service ${name} in ${REDIS_NAMESPACE_NAME}`), registry: { arn: seen.arn, detach: false } };
}

const listingKey = (ctx: PassContext, ns: string) => `cloudmap|${ctx.aws.accountId}|${ctx.aws.region}|${ns}`;
const tagsKey = (arn: string) => `cloudmaptags|${arn}`;

/** The namespace's services, listed once per mutableFactTtlMs for all of the account's projects. */
function servicesOf(ctx: PassContext, ns: string): Promise<ServiceSummary[]> {
  return ctx.cache.shared(listingKey(ctx, ns), mutableFactTtlMs(ctx), async () => {
    const all: ServiceSummary[] = [];
    let NextToken: string | undefined;
    do {
      const out = await ctx.aws.cloudmap.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [ns], Condition: "EQ" }], NextToken }));
      all.push(...(out.Services ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return all;
  });
}

async function observeRegistry(ctx: PassContext, ns: string): Promise<RegistrySeen | undefined> {
  const name = projectNames(ctx.project.name).redisDiscoveryService;
  const s = (await servicesOf(ctx, ns)).find((x) => x.Name === name);
  if (!s?.Id || !s.Arn) return undefined;
  // A listing that leaves out the DNS configuration (AWS includes it; not every emulator does) is completed.
  const records = s.DnsConfig?.DnsRecords ?? (await ctx.aws.cloudmap.send(new GetServiceCommand({ Id: s.Id }))).Service?.DnsConfig?.DnsRecords ?? [];
  let tags = ctx.cache.get<TagMap>(tagsKey(s.Arn));
  if (!tags) {
    tags = fromTagList((await ctx.aws.cloudmap.send(new ListTagsForResourceCommand({ ResourceARN: s.Arn }))).Tags);
    ctx.cache.set(tagsKey(s.Arn), tags, mutableFactTtlMs(ctx));
  }
  return { id: s.Id, arn: s.Arn, records, instanceCount: s.InstanceCount ?? 0, tags, interrupted: ctx.intents.pending("CloudMapService", name) };
}

function forget(ctx: PassContext, ns: string, arn?: string) {
  ctx.cache.delete(listingKey(ctx, ns));
  if (arn) ctx.cache.delete(tagsKey(arn));
}

function apply(ctx: PassContext, ns: string, c: RegistryChange, registry: RedisRegistry): Action {
  const { cloudmap } = ctx.aws;
  const name = projectNames(ctx.project.name).redisDiscoveryService;
  return act(c, async () => {
    switch (c.op) {
      case "create": {
        const token = await ctx.intents.begin("CloudMapService", name);
        try {
          const out = await cloudmap.send(new CreateServiceCommand({
            Name: name, NamespaceId: ns, CreatorRequestId: token, Description: `Redis of LangGraph project ${ctx.project.name}`,
            DnsConfig: { RoutingPolicy: REDIS_ROUTING_POLICY, DnsRecords: REDIS_DNS_RECORDS }, Tags: toKeyValue(projectTags(ctx)),
          }));
          registry.arn = out.Service?.Arn;
          if (out.Service?.Arn) await ctx.intents.resolve("CloudMapService", name, out.Service.Arn);
        } catch (err) {
          // Created by an attempt whose answer was lost: the next pass finds it and checks its tag.
          if (awsErrorCode(err) !== "ServiceAlreadyExists") throw new Error(`create Cloud Map service ${name}`, { cause: err });
        }
        break;
      }
      case "adopt": await ctx.intents.resolve("CloudMapService", name, c.arn!); break;
      case "tag": await cloudmap.send(new TagResourceCommand({ ResourceARN: c.arn, Tags: toKeyValue(c.tags) })); break;
      case "update": await cloudmap.send(new UpdateServiceCommand({ Id: c.id, Service: { DnsConfig: { DnsRecords: REDIS_DNS_RECORDS } } })); break;
      case "delete":
        await tolerate(() => cloudmap.send(new DeleteServiceCommand({ Id: c.id })), ["ServiceNotFound"]);
        await ctx.intents.clear("CloudMapService", name);
        break;
    }
    forget(ctx, ns, c.arn);
  });
}

export interface DiscoveryInput { network: Pick<Network, "redisNamespaceId"> }

export const discovery: Step<DiscoveryInput, RedisRegistry> = {
  kind: "CloudMapService",
  condition: "ServicesReady",
  async plan(ctx, input) {
    const ns = input.network.redisNamespaceId;
    const name = projectNames(ctx.project.name).redisDiscoveryService;
    const seen = await observeRegistry(ctx, ns);
    const d = decideRegistry(seen, { name, projectId: ctx.project.id, tags: projectTags(ctx), pollMs: ctx.pollMs, resyncMs: ctx.resyncMs });
    const registry = { ...d.registry };
    const actions = d.changes.map((c) => apply(ctx, ns, c, registry));
    const observations = seen ? [{ kind: "CloudMapService", name, arn: seen.arn, phase: `${seen.instanceCount} instances`, lastError: null }] : [];
    // A detach is carried out by the services step (it updates the redis service): the pass goes on.
    if (d.after.kind !== "done" && !registry.detach) return halt(actions, d.after, { observations });
    const after = d.after.kind === "done" ? d.after : done("RecreatingRegistry", d.after.message);
    return proceed(actions, after, { observations, provide: () => registry });
  },
};

/** Deletion: the project's Cloud Map service, once ECS has deregistered the redis task from it. */
export const discoveryDeletion: Step<DiscoveryInput, void> = {
  kind: "CloudMapService",
  condition: "ServicesReady",
  async plan(ctx, input) {
    const ns = input.network.redisNamespaceId;
    forget(ctx, ns);
    const seen = await observeRegistry(ctx, ns);
    if (!seen || ownershipOf(seen.tags, ctx.project.id) === "foreign") return proceed([], done("Deleted", "Cloud Map service deleted"));
    if (seen.instanceCount > 0) return halt([], requeue(ctx.pollMs, "Deregistering", `waiting for ECS to deregister the redis task from ${seen.arn}`));
    const change: RegistryChange = {
      op: "delete", id: seen.id, arn: seen.arn, verb: "delete", kind: "CloudMapService", resource: projectNames(ctx.project.name).redisHost,
      reason: "project deleted",
      event: { type: "Normal", reason: "Deleted", message: `deleted Cloud Map service ${seen.id} (${seen.arn})`, resource: projectNames(ctx.project.name).redisHost },
    };
    return halt([apply(ctx, ns, change, { arn: undefined, detach: false })], requeue(ctx.pollMs, "Deleting", "Cloud Map service being deleted"));
  },
};
