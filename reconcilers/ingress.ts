// The project's ingress (docs/reference.md §4): Application Load Balancer `alb(<p>)` with the LB SG in the
// public subnets (internet-facing) or the private ones (internal), idle timeout 3600 s; target group
// `alb(<p>)` (ip, HTTP 8000, health check GET /ok, deregistration delay 30 s); the listeners (HTTPS 443 +
// HTTP 80 redirect with a certificate, HTTP 80 without). Provides the target group the api registers with.
// AWS calls: elasticloadbalancing:DescribeLoadBalancers, DescribeTargetGroups and DescribeTags (batched
// across the account's passes), DescribeListeners, Describe{LoadBalancer,TargetGroup}Attributes,
// CreateLoadBalancer, CreateTargetGroup, CreateListener, ModifyListener, DeleteListener, SetSubnets,
// SetSecurityGroups, ModifyLoadBalancerAttributes, ModifyTargetGroup, ModifyTargetGroupAttributes,
// AddTags, DeleteLoadBalancer, DeleteTargetGroup.
// Idempotent create: deterministic names, our tags given at create; ELBv2 answers a create of the same
// name and settings with the existing resource. Idempotent delete: a load balancer or target group
// already gone (LoadBalancerNotFound, TargetGroupNotFound) is what it wanted; DeleteLoadBalancer takes
// its listeners with it.
import {
  AddTagsCommand, CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteListenerCommand,
  DeleteLoadBalancerCommand, DeleteTargetGroupCommand, ModifyListenerCommand, ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand, ModifyTargetGroupCommand, SetSecurityGroupsCommand, SetSubnetsCommand, type Action as ElbAction,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CONTAINER_PORT, LB_IDLE_TIMEOUT_SECONDS, projectNames, TG_DEREGISTRATION_DELAY_SECONDS,
} from "../src/cloud/names.js";
import { act, done, halt, proceed, requeue, tolerate, type Action, type NoInput, type PassContext, type Step } from "./contract.js";
import { decideIngress, HEALTH_CHECK, type IngressChange, type IngressWant, type ListenerWant } from "./ingressDecide.js";
import { targetHealthKey } from "./ingressHealth.js";
import { ingressDetailsKey, observeIngress, urlOf } from "./ingressObserve.js";
import type { Network } from "./network.js";
import { ownershipOf, projectTags, toKeyValue } from "./ownership.js";

/**
 * ELBv2's codes as the SDK names them (the query protocol's `LoadBalancerNotFound` becomes the exception
 * `LoadBalancerNotFoundException`); both spellings, as the code may reach us either way.
 */
const both = (code: string) => [code, `${code}Exception`];
const GONE = { loadBalancer: both("LoadBalancerNotFound"), targetGroup: both("TargetGroupNotFound"), listener: both("ListenerNotFound") };
const IN_USE = both("ResourceInUse");

/** What the ingress step provides: the target group the api service registers with. */
export interface Ingress {
  /** Undefined only in a dry run that would create it. */
  targetGroupArn: string | undefined;
  encrypted: boolean;
}

export interface IngressInput { network: Pick<Network, "vpc" | "loadBalancerSubnets" | "lbSg"> }

function want(ctx: PassContext, input: IngressInput): IngressWant {
  const internal = ctx.project.ingress.visibility === "internal";
  return {
    projectId: ctx.project.id, name: projectNames(ctx.project.name).loadBalancer, tags: projectTags(ctx),
    scheme: internal ? "internal" : "internet-facing",
    subnets: internal ? input.network.loadBalancerSubnets.internal : input.network.loadBalancerSubnets.public,
    lbSg: input.network.lbSg, certificateArn: ctx.project.ingress.certificateArn,
    accountId: ctx.aws.accountId, region: ctx.aws.region, pollMs: ctx.pollMs, resyncMs: ctx.resyncMs,
  };
}

/** ARNs learnt while applying (a load balancer or target group created by this pass). */
interface Refs { lbArn: string | undefined; tgArn: string | undefined }

function listenerActions(l: ListenerWant, tgArn: string | undefined): ElbAction[] {
  if (l.action === "redirect") return [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }];
  if (!tgArn) throw new Error("listener: no target group to forward to");
  return [{ Type: "forward", TargetGroupArn: tgArn }];
}

const listenerSettings = (l: ListenerWant, tgArn: string | undefined) => ({
  Port: l.port, Protocol: l.protocol, DefaultActions: listenerActions(l, tgArn),
  ...(l.certificateArn ? { Certificates: [{ CertificateArn: l.certificateArn }], SslPolicy: l.sslPolicy } : {}),
});

function apply(ctx: PassContext, input: IngressInput, w: IngressWant, refs: Refs, c: IngressChange): Action {
  const { elb } = ctx.aws;
  const lbArn = () => { if (!refs.lbArn) throw new Error(`${c.verb} ${c.kind} ${c.resource}: no load balancer`); return refs.lbArn; };
  const idle = [{ Key: "idle_timeout.timeout_seconds", Value: String(LB_IDLE_TIMEOUT_SECONDS) }];
  const delay = [{ Key: "deregistration_delay.timeout_seconds", Value: String(TG_DEREGISTRATION_DELAY_SECONDS) }];
  return act(c, async () => {
    ctx.cache.delete(ingressDetailsKey(ctx));
    ctx.cache.delete(targetHealthKey(ctx));
    switch (c.op) {
      case "createLoadBalancer": {
        const out = await elb.send(new CreateLoadBalancerCommand({
          Name: w.name, Type: "application", Scheme: w.scheme, IpAddressType: "ipv4", Subnets: w.subnets,
          SecurityGroups: [w.lbSg!], Tags: toKeyValue(w.tags),
        }));
        refs.lbArn = out.LoadBalancers?.[0]?.LoadBalancerArn;
        // CreateLoadBalancer takes no attributes.
        await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn(), Attributes: idle }));
        return;
      }
      case "deleteLoadBalancer":
        await tolerate(() => elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: c.arn })), GONE.loadBalancer);
        return;
      case "setSubnets": await elb.send(new SetSubnetsCommand({ LoadBalancerArn: c.arn, Subnets: w.subnets })); return;
      case "setSecurityGroups": await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: c.arn, SecurityGroups: [w.lbSg!] })); return;
      case "setIdleTimeout": await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: c.arn, Attributes: idle })); return;
      case "createTargetGroup": {
        const out = await elb.send(new CreateTargetGroupCommand({
          Name: w.name, Protocol: "HTTP", Port: CONTAINER_PORT, VpcId: input.network.vpc, TargetType: "ip",
          HealthCheckProtocol: HEALTH_CHECK.protocol, HealthCheckPort: HEALTH_CHECK.port, HealthCheckPath: HEALTH_CHECK.path,
          Matcher: { HttpCode: HEALTH_CHECK.matcher }, Tags: toKeyValue(w.tags),
        }));
        refs.tgArn = out.TargetGroups?.[0]?.TargetGroupArn;
        await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: refs.tgArn, Attributes: delay }));
        return;
      }
      case "modifyHealthCheck":
        await elb.send(new ModifyTargetGroupCommand({
          TargetGroupArn: c.arn, HealthCheckProtocol: HEALTH_CHECK.protocol, HealthCheckPort: HEALTH_CHECK.port,
          HealthCheckPath: HEALTH_CHECK.path, Matcher: { HttpCode: HEALTH_CHECK.matcher },
        }));
        return;
      case "setDeregistrationDelay": await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: c.arn, Attributes: delay })); return;
      case "createListener":
        await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn(), ...listenerSettings(c.listener, refs.tgArn), Tags: toKeyValue(w.tags) }));
        return;
      case "modifyListener": await elb.send(new ModifyListenerCommand({ ListenerArn: c.arn, ...listenerSettings(c.listener, refs.tgArn) })); return;
      case "deleteListener": await tolerate(() => elb.send(new DeleteListenerCommand({ ListenerArn: c.arn })), GONE.listener); return;
      case "tag": await elb.send(new AddTagsCommand({ ResourceArns: [c.arn], Tags: toKeyValue(c.tags) })); return;
    }
  });
}

export const ingress: Step<IngressInput, Ingress> = {
  kind: "LoadBalancer",
  condition: "IngressReady",
  // Done says the load balancer, target group and listeners are as desired; whether the deployment
  // serves (healthy targets) is said by ingressHealth once the services run.
  informational: true,
  async plan(ctx, input) {
    const w = want(ctx, input);
    const o = await observeIngress(ctx);
    const d = decideIngress(o, w);
    const refs: Refs = { lbArn: o.lb?.arn, tgArn: o.tg?.arn };
    const actions = d.changes.map((c) => apply(ctx, input, w, refs, c));
    const url = o.lb && o.lb.scheme === w.scheme ? urlOf(o.lb.dnsName, w.certificateArn) : null;
    const observations = [
      ...(o.lb ? [{ kind: "LoadBalancer", name: w.name, arn: o.lb.arn, phase: o.lb.state, lastError: null }] : []),
      ...(o.tg ? [{ kind: "TargetGroup", name: w.name, arn: o.tg.arn, phase: "present", lastError: null }] : []),
    ];
    if (d.after.kind !== "done") return halt(actions, d.after, { url, observations });
    return proceed(actions, d.after, {
      url, observations, provide: () => ({ targetGroupArn: refs.tgArn, encrypted: w.certificateArn !== undefined }),
    });
  },
};

/** Deletion: the load balancer (and with it its listeners), then the target group; done once both are gone. */
export const ingressDeletion: Step<NoInput, void> = {
  kind: "LoadBalancer",
  condition: "IngressReady",
  async plan(ctx) {
    const name = projectNames(ctx.project.name).loadBalancer;
    const o = await observeIngress(ctx, { details: false });
    const ours = (tags: Record<string, string>) => ownershipOf(tags, ctx.project.id) === "ours";
    const actions: Action[] = [];
    if (o.lb && ours(o.lb.tags)) {
      const arn = o.lb.arn;
      actions.push(act({
        verb: "delete", kind: "LoadBalancer", resource: name, reason: "project deleted",
        event: { type: "Normal", reason: "Deleted", message: `load balancer ${name} and its listeners deleted`, resource: name },
      }, () => tolerate(() => ctx.aws.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })), GONE.loadBalancer)));
    }
    if (o.tg && ours(o.tg.tags)) {
      const arn = o.tg.arn;
      actions.push(act({
        verb: "delete", kind: "TargetGroup", resource: name, reason: "project deleted",
        event: { type: "Normal", reason: "Deleted", message: `target group ${name} deleted`, resource: name },
      // In use until ELB has let go of the load balancer just deleted: the next pass deletes it.
      }, () => tolerate(() => ctx.aws.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), [...GONE.targetGroup, ...IN_USE])));
    }
    const url = o.lb ? urlOf(o.lb.dnsName, ctx.project.ingress.certificateArn) : null;
    if (actions.length) return halt(actions, requeue(ctx.pollMs, "Deleting", `deleting load balancer and target group ${name}`), { url });
    return proceed(actions, done("Deleted", `load balancer and target group ${name} are gone`), { url });
  },
};
