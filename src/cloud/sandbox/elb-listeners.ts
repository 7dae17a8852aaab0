// ELBv2 listeners as the API behaves: CreateListener (DuplicateListener on a taken port unless the
// settings are identical; HTTPS needs a certificate ACM has issued in this account and region, else
// CertificateNotFound; forward needs a target group of the load balancer's VPC that no other load
// balancer uses; redirect needs a status code), DescribeListeners by load balancer or ARNs,
// ModifyListener (port, protocol, certificate, policy, actions) and DeleteListener.
import { issuedCertificate } from "./acm.js";
import { fail } from "./errors.js";
import {
  elbArn, forwardedGroups, listenerByArn, loadBalancerByArn, loadBalancersOf, targetGroupByArn, type LoadBalancer, type Listener, type ListenerAction,
} from "./elb-model.js";
import { mintHex, tagsFromList, type OperationHandler, type OpContext } from "./state.js";

/** The predefined policies a listener may name (a subset; ELBSecurityPolicy-2016-08 is AWS's default). */
const SSL_POLICIES = new Set([
  "ELBSecurityPolicy-2016-08",
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]);

function checkActions(ctx: OpContext, lb: LoadBalancer, actions: ListenerAction[] | undefined): ListenerAction[] {
  if (!actions?.length) fail("elbv2", "ValidationError", "A default action must be specified");
  for (const a of actions) {
    if (a.Type === "forward") {
      const arns = forwardedGroups([a]);
      if (!arns.length) fail("elbv2", "ValidationError", "A target group ARN must be specified for a forward action");
      for (const arn of arns) {
        const tg = targetGroupByArn(ctx, arn);
        if (tg.vpcId !== lb.vpcId) fail("elbv2", "InvalidConfigurationRequestException", `Target group '${arn}' is not in the load balancer's VPC`);
        const others = loadBalancersOf(ctx, tg).filter((x) => x !== lb.arn);
        if (others.length) fail("elbv2", "TargetGroupAssociationLimitException", `The following target groups cannot be associated with more than one load balancer: ${arn}`);
      }
    } else if (a.Type === "redirect") {
      const code = a.RedirectConfig?.StatusCode;
      if (code !== "HTTP_301" && code !== "HTTP_302") fail("elbv2", "ValidationError", "A redirect action requires a status code of HTTP_301 or HTTP_302");
    } else if (a.Type !== "fixed-response") {
      fail("elbv2", "ValidationError", `The sandbox models forward, redirect and fixed-response actions, not '${a.Type}'`);
    }
  }
  return structuredClone(actions);
}

function checkTls(ctx: OpContext, protocol: string, certificates: { CertificateArn?: string }[] | undefined, sslPolicy: string | undefined) {
  if (protocol !== "HTTPS") {
    if (certificates?.length) fail("elbv2", "ValidationError", "Certificates can only be specified for HTTPS listeners");
    return { certificates: [], sslPolicy: undefined };
  }
  const arns = (certificates ?? []).map((c) => c.CertificateArn ?? "");
  if (!arns.length) fail("elbv2", "ValidationError", "A certificate must be specified for HTTPS listeners");
  for (const arn of arns) if (!issuedCertificate(ctx, arn)) fail("elbv2", "CertificateNotFoundException", `Certificate '${arn}' not found`);
  const policy = sslPolicy ?? "ELBSecurityPolicy-2016-08";
  if (!SSL_POLICIES.has(policy)) fail("elbv2", "SSLPolicyNotFoundException", `SSL policy '${policy}' not found`);
  return { certificates: arns, sslPolicy: policy };
}

function checkPortProtocol(port: number | undefined, protocol: string | undefined) {
  if (port === undefined || port < 1 || port > 65535) fail("elbv2", "ValidationError", "A listener port between 1 and 65535 must be specified");
  if (protocol !== "HTTP" && protocol !== "HTTPS") fail("elbv2", "UnsupportedProtocolException", `Protocol '${protocol}' is not supported by application load balancers`);
  return { port, protocol };
}

export function listenerOutput(l: Listener) {
  return {
    ListenerArn: l.arn,
    LoadBalancerArn: l.loadBalancerArn,
    Port: l.port,
    Protocol: l.protocol,
    Certificates: l.certificates.length ? l.certificates.map((CertificateArn) => ({ CertificateArn })) : undefined,
    SslPolicy: l.sslPolicy,
    DefaultActions: structuredClone(l.defaultActions),
  };
}

interface ListenerInput {
  LoadBalancerArn?: string;
  ListenerArn?: string;
  Port?: number;
  Protocol?: string;
  Certificates?: { CertificateArn?: string }[];
  SslPolicy?: string;
  DefaultActions?: ListenerAction[];
  Tags?: { Key?: string; Value?: string }[];
}

function createListener(ctx: OpContext, input: ListenerInput) {
  const lb = loadBalancerByArn(ctx, input.LoadBalancerArn);
  const { port, protocol } = checkPortProtocol(input.Port, input.Protocol);
  const tls = checkTls(ctx, protocol, input.Certificates, input.SslPolicy);
  const actions = checkActions(ctx, lb, input.DefaultActions);
  const taken = Object.values(ctx.s.elb.listeners).find((l) => l.loadBalancerArn === lb.arn && l.port === port);
  if (taken) {
    const same = taken.protocol === protocol && JSON.stringify(taken.defaultActions) === JSON.stringify(actions)
      && taken.certificates.join() === tls.certificates.join() && taken.sslPolicy === tls.sslPolicy;
    if (same) return { Listeners: [listenerOutput(taken)] };
    fail("elbv2", "DuplicateListenerException", "A listener already exists on this port for this load balancer");
  }
  const lbId = lb.arn.split("/").slice(-2).join("/");
  const listener: Listener = {
    arn: elbArn(ctx, `listener/app/${lbId}/${mintHex(ctx, "listener", 16)}`),
    loadBalancerArn: lb.arn,
    port,
    protocol,
    certificates: tls.certificates,
    sslPolicy: tls.sslPolicy,
    defaultActions: actions,
    tags: tagsFromList(input.Tags),
  };
  ctx.s.elb.listeners[listener.arn] = listener;
  return { Listeners: [listenerOutput(listener)] };
}

function describeListeners(ctx: OpContext, input: { LoadBalancerArn?: string; ListenerArns?: string[] }) {
  if (input.LoadBalancerArn && input.ListenerArns?.length) fail("elbv2", "ValidationError", "Listener ARNs and a load balancer ARN cannot be specified at the same time");
  if (input.ListenerArns?.length) return { Listeners: input.ListenerArns.map((arn) => listenerOutput(listenerByArn(ctx, arn))) };
  if (!input.LoadBalancerArn) fail("elbv2", "ValidationError", "You must specify either listener ARNs or a load balancer ARN");
  const lb = loadBalancerByArn(ctx, input.LoadBalancerArn);
  const mine = Object.values(ctx.s.elb.listeners).filter((l) => l.loadBalancerArn === lb.arn).sort((a, b) => a.port - b.port);
  return { Listeners: mine.map(listenerOutput) };
}

function modifyListener(ctx: OpContext, input: ListenerInput) {
  const l = listenerByArn(ctx, input.ListenerArn);
  const lb = loadBalancerByArn(ctx, l.loadBalancerArn);
  const { port, protocol } = checkPortProtocol(input.Port ?? l.port, input.Protocol ?? l.protocol);
  const certificates = input.Certificates ?? (protocol === "HTTPS" ? l.certificates.map((CertificateArn) => ({ CertificateArn })) : undefined);
  const tls = checkTls(ctx, protocol, certificates, input.SslPolicy ?? (protocol === "HTTPS" ? l.sslPolicy : undefined));
  // The listener's own forward target may stay attached to this load balancer while it is re-checked.
  const actions = input.DefaultActions ? checkActions(ctx, lb, input.DefaultActions) : l.defaultActions;
  if (port !== l.port && Object.values(ctx.s.elb.listeners).some((x) => x.loadBalancerArn === lb.arn && x.port === port)) {
    fail("elbv2", "DuplicateListenerException", "A listener already exists on this port for this load balancer");
  }
  Object.assign(l, { port, protocol, certificates: tls.certificates, sslPolicy: tls.sslPolicy, defaultActions: actions });
  return { Listeners: [listenerOutput(l)] };
}

export const elbListenerHandlers: Record<string, OperationHandler> = {
  CreateListener: createListener,
  DescribeListeners: describeListeners,
  ModifyListener: modifyListener,
  DeleteListener: (ctx, input: { ListenerArn?: string }) => {
    delete ctx.s.elb.listeners[listenerByArn(ctx, input.ListenerArn).arn];
    return {};
  },
};
