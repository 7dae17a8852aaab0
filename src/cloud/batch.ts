// Reads that AWS lets you batch (DescribeServices takes 10 services, DescribeDBInstances filters on up
// to 100 instances, BatchGetSecretValue reads 20 secrets, ListSecrets ORs up to 10 name prefixes,
// GetMetricData answers 500 queries) are coalesced across the passes that run at the same moment with
// the same clients, i.e. the projects of one customer account, which the engine brings due together.
// Each pass still reads AWS afresh: a batch only ever joins requests made within `windowMs` of each
// other, and a batch's answer is split back so that every caller sees what its own call would have said.
import {
  DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, type LoadBalancer, type Tag, type TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand, type ScalableTarget, type ScalingPolicy,
} from "@aws-sdk/client-application-auto-scaling";
import type { AwsClients } from "./clients.js";
import { awsErrorCode } from "./errors.js";

export interface BatchRead<I, R> {
  /** Requests with the same key (and the same clients) may share a call, e.g. `ecs:DescribeServices`. */
  key: string;
  /** How much of a call's capacity one request takes (services, secrets, queries); 1 by default. */
  weight?(item: I): number;
  /** A call's capacity in the units of `weight`. */
  capacity: number;
  /** Makes the call for these requests and answers each, in order; one failure fails them all. */
  run(aws: AwsClients, items: I[]): Promise<R[]>;
}

/** How long a request waits for others to join its call: the passes of an account move in lockstep, so a few ms is plenty. */
export const BATCH_WINDOW_MS = 3;

interface Waiter<I, R> { item: I; resolve(r: R): void; reject(e: unknown): void }
interface Pending { waiters: Waiter<any, any>[]; used: number; timer: NodeJS.Timeout }

const pending = new WeakMap<AwsClients, Map<string, Pending>>();

/** One request of a batchable read; resolves with what the call said about this request. */
export function batched<I, R>(aws: AwsClients, read: BatchRead<I, R>, item: I, windowMs = BATCH_WINDOW_MS): Promise<R> {
  const weight = read.weight?.(item) ?? 1;
  if (weight > read.capacity) throw new Error(`${read.key}: a request of ${weight} exceeds a call's capacity of ${read.capacity}`);
  let byKey = pending.get(aws);
  if (!byKey) { byKey = new Map(); pending.set(aws, byKey); }
  let p = byKey.get(read.key);
  if (p && p.used + weight > read.capacity) { flush(aws, read, p); p = undefined; }
  if (!p) {
    const fresh: Pending = { waiters: [], used: 0, timer: setTimeout(() => flush(aws, read, fresh), windowMs) };
    byKey.set(read.key, fresh);
    p = fresh;
  }
  const batch = p;
  return new Promise<R>((resolve, reject) => {
    batch.waiters.push({ item, resolve, reject });
    batch.used += weight;
    if (batch.used >= read.capacity) flush(aws, read, batch);
  });
}

function flush<I, R>(aws: AwsClients, read: BatchRead<I, R>, p: Pending) {
  clearTimeout(p.timer);
  const byKey = pending.get(aws);
  if (byKey?.get(read.key) === p) byKey.delete(read.key);
  const waiters = p.waiters as Waiter<I, R>[];
  Promise.resolve().then(() => read.run(aws, waiters.map((w) => w.item))).then(
    (results) => waiters.forEach((w, i) => w.resolve(results[i])),
    (err) => waiters.forEach((w) => w.reject(err)),
  );
}

// The batchable reads of the ingress, discovery and scaling kinds (issue 14). DescribeTargetHealth and
// DescribeListeners take one target group / load balancer each, and Cloud Map's GetService and
// ListInstances one service each, so they stay one call per project (a cache, not a batch, spares them).

/**
 * Load balancers by name, 20 a call. AWS fails the whole call with LoadBalancerNotFound when any name
 * is missing (without saying which), so a batch that meets it asks again name by name: a missing
 * load balancer (a project being created, or one deleted out of band) costs its batch one call each.
 */
export const loadBalancersRead: BatchRead<string, LoadBalancer | undefined> = {
  key: "elbv2:DescribeLoadBalancers",
  capacity: 20,
  run: (aws, names) => byNamesOrEach(names, "LoadBalancerNotFound", async (some) => {
    const out = await aws.elb.send(new DescribeLoadBalancersCommand({ Names: some }));
    return (out.LoadBalancers ?? []).map((lb) => [lb.LoadBalancerName!, lb] as const);
  }),
};

/** Target groups by name, 20 a call, with the same all-or-nothing rule (TargetGroupNotFound). */
export const targetGroupsRead: BatchRead<string, TargetGroup | undefined> = {
  key: "elbv2:DescribeTargetGroups",
  capacity: 20,
  run: (aws, names) => byNamesOrEach(names, "TargetGroupNotFound", async (some) => {
    const out = await aws.elb.send(new DescribeTargetGroupsCommand({ Names: some }));
    return (out.TargetGroups ?? []).map((tg) => [tg.TargetGroupName!, tg] as const);
  }),
};

/** The tags of a project's load balancer and target group (their ARNs), 20 ARNs a call. */
export const elbTagsRead: BatchRead<string[], Map<string, Tag[]>> = {
  key: "elbv2:DescribeTags",
  capacity: 20,
  weight: (arns) => arns.length,
  async run(aws, lists) {
    const out = await aws.elb.send(new DescribeTagsCommand({ ResourceArns: [...new Set(lists.flat())] }));
    const byArn = new Map((out.TagDescriptions ?? []).map((d) => [d.ResourceArn!, d.Tags ?? []] as const));
    return lists.map((arns) => new Map(arns.map((a) => [a, byArn.get(a) ?? []] as const)));
  },
};

/** A project's scalable targets (its api and queue resource ids); 50 resource ids a call, missing ones are simply absent. */
export const scalableTargetsRead: BatchRead<string[], ScalableTarget[]> = {
  key: "application-autoscaling:DescribeScalableTargets",
  capacity: 50,
  weight: (ids) => ids.length,
  async run(aws, lists) {
    const found: ScalableTarget[] = [];
    let NextToken: string | undefined;
    do {
      const out = await aws.autoscaling.send(new DescribeScalableTargetsCommand({
        ServiceNamespace: "ecs", ResourceIds: lists.flat(), ScalableDimension: "ecs:service:DesiredCount", NextToken,
      }));
      found.push(...(out.ScalableTargets ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return lists.map((ids) => found.filter((t) => ids.includes(t.ResourceId!)));
  },
};

/**
 * A project's scaling policies by name (names are per project, docs/reference.md "Names"), the account's
 * projects in one call: PolicyNames filters without a ResourceId (a ScalableDimension would need one), and
 * the answer pages 10 at a time. A missing policy is simply absent.
 */
export const scalingPoliciesRead: BatchRead<string[], ScalingPolicy[]> = {
  key: "application-autoscaling:DescribeScalingPolicies",
  capacity: 50,
  weight: (names) => names.length,
  async run(aws, lists) {
    const found: ScalingPolicy[] = [];
    let NextToken: string | undefined;
    do {
      const out = await aws.autoscaling.send(new DescribeScalingPoliciesCommand({
        ServiceNamespace: "ecs", PolicyNames: [...new Set(lists.flat())], NextToken,
      }));
      found.push(...(out.ScalingPolicies ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return lists.map((names) => found.filter((x) => names.includes(x.PolicyName!)));
  },
};

async function byNamesOrEach<T>(names: string[], notFound: string, describe: (names: string[]) => Promise<(readonly [string, T])[]>): Promise<(T | undefined)[]> {
  const unique = [...new Set(names)];
  try {
    const found = new Map(await describe(unique));
    return names.map((n) => found.get(n));
  } catch (err) {
    if (awsErrorCode(err) !== notFound) throw err;
    if (unique.length === 1) return names.map(() => undefined);
  }
  const each = new Map<string, T | undefined>();
  for (const n of unique) {
    try {
      each.set(n, new Map(await describe([n])).get(n));
    } catch (err) {
      if (awsErrorCode(err) !== notFound) throw err;
      each.set(n, undefined);
    }
  }
  return names.map((n) => each.get(n));
}
