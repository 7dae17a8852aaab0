// The ingress observe(): the project's load balancer and target group by name and their tags (batched
// across the account's passes, src/cloud/batch.ts), then, for ours only, the load balancer's listeners
// and attributes and the target group's attributes. Reads only.
import {
  DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeTargetGroupAttributesCommand,
  type Action as ElbAction, type Listener,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { batched, elbTagsRead, loadBalancersRead, targetGroupsRead } from "../src/cloud/batch.js";
import { projectNames } from "../src/cloud/names.js";
import { mutableFactTtlMs, type PassContext } from "./contract.js";
import type { ActionSeen, IngressObservation, ListenerSeen } from "./ingressDecide.js";
import { fromTagList, ownershipOf } from "./ownership.js";

/** The deployment's URL (docs/reference.md §4): https with a certificate, http without. */
export const urlOf = (dnsName: string, certificateArn: string | undefined) => `${certificateArn ? "https" : "http"}://${dnsName}`;

function actionSeen(a: ElbAction): ActionSeen {
  if (a.Type === "forward") {
    const groups = a.ForwardConfig?.TargetGroups ?? [];
    return { type: "forward", targetGroupArn: a.TargetGroupArn ?? (groups.length === 1 ? groups[0].TargetGroupArn : undefined) };
  }
  if (a.Type === "redirect") {
    const r = a.RedirectConfig;
    return { type: "redirect", protocol: r?.Protocol, port: r?.Port, statusCode: r?.StatusCode };
  }
  return { type: a.Type ?? "unknown" };
}

const listenerSeen = (l: Listener): ListenerSeen => ({
  arn: l.ListenerArn!, port: l.Port ?? 0, protocol: l.Protocol ?? "",
  certificates: (l.Certificates ?? []).flatMap((c) => (c.CertificateArn ? [c.CertificateArn] : [])),
  sslPolicy: l.SslPolicy, actions: (l.DefaultActions ?? []).map(actionSeen),
});

const attribute = (attrs: { Key?: string; Value?: string }[] | undefined, key: string) => attrs?.find((a) => a.Key === key)?.Value;

/** What is kept of the listeners and attributes: the fields decided on (AWS returns some 20 attributes each). */
interface Details {
  listeners: ListenerSeen[];
  idleTimeout: string | undefined;
  deregistrationDelay: string | undefined;
}

export const ingressDetailsKey = (ctx: PassContext) => `ingress|${ctx.aws.accountId}|${ctx.aws.region}|${ctx.project.id}`;

/**
 * Listeners and attributes of our load balancer and target group: read afresh by every resync pass (kept
 * for mutableFactTtlMs, so drift is found within one interval) but not by the quick requeues of a
 * rollout, and dropped by every change the ingress step makes (ingress.ts).
 */
async function ingressDetails(ctx: PassContext, lbArn: string | undefined, tgArn: string | undefined): Promise<Details> {
  const key = ingressDetailsKey(ctx);
  const hit = ctx.cache.get<Details & { of: string }>(key);
  if (hit && hit.of === `${lbArn}|${tgArn}`) return hit;
  const { elb } = ctx.aws;
  const [listeners, lbAttrs, tgAttrs] = await Promise.all([
    lbArn ? elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn })) : undefined,
    lbArn ? elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn })) : undefined,
    tgArn ? elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn })) : undefined,
  ]);
  const out: Details = {
    listeners: (listeners?.Listeners ?? []).map(listenerSeen),
    idleTimeout: attribute(lbAttrs?.Attributes, "idle_timeout.timeout_seconds"),
    deregistrationDelay: attribute(tgAttrs?.Attributes, "deregistration_delay.timeout_seconds"),
  };
  if (lbArn && tgArn) ctx.cache.set(key, { ...out, of: `${lbArn}|${tgArn}` }, mutableFactTtlMs(ctx));
  return out;
}

/** `details: false` (deletion) reads names and tags only. */
export async function observeIngress(ctx: PassContext, o: { details: boolean } = { details: true }): Promise<IngressObservation> {
  const names = projectNames(ctx.project.name);
  const [lb, tg] = await Promise.all([
    batched(ctx.aws, loadBalancersRead, names.loadBalancer),
    batched(ctx.aws, targetGroupsRead, names.targetGroup),
  ]);
  const arns = [lb?.LoadBalancerArn, tg?.TargetGroupArn].filter((a): a is string => a !== undefined);
  const tags = arns.length ? await batched(ctx.aws, elbTagsRead, arns) : new Map();
  const lbTags = fromTagList(lb ? tags.get(lb.LoadBalancerArn!) : undefined);
  const tgTags = fromTagList(tg ? tags.get(tg.TargetGroupArn!) : undefined);
  const mine = (t: Record<string, string>) => o.details && ownershipOf(t, ctx.project.id) === "ours";
  const details = await ingressDetails(ctx, lb && mine(lbTags) ? lb.LoadBalancerArn : undefined, tg && mine(tgTags) ? tg.TargetGroupArn : undefined);
  const { listeners, idleTimeout, deregistrationDelay } = details;
  return {
    lb: lb && {
      arn: lb.LoadBalancerArn!, dnsName: lb.DNSName ?? "", scheme: lb.Scheme ?? "", state: lb.State?.Code ?? "",
      subnets: (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId ? [z.SubnetId] : [])).sort(),
      securityGroups: [...(lb.SecurityGroups ?? [])].sort(), tags: lbTags,
      idleTimeout,
    },
    tg: tg && {
      arn: tg.TargetGroupArn!, tags: tgTags,
      healthCheck: {
        protocol: tg.HealthCheckProtocol ?? "", port: tg.HealthCheckPort ?? "", path: tg.HealthCheckPath ?? "", matcher: tg.Matcher?.HttpCode ?? "",
      },
      deregistrationDelay,
    },
    listeners,
  };
}
