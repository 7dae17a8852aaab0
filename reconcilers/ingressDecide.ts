// The ingress decide(): from what ELBv2 said of the project's load balancer, target group and listeners
// and the desired state (docs/reference.md §4), the changes to make and the step's outcome. Pure (no AWS,
// no clock), so every case is a row in test/reconcilers/ingress.test.ts; ingress.ts observes and applies.
import {
  CONTAINER_PORT, LB_IDLE_TIMEOUT_SECONDS, LISTENER_SSL_POLICY, TG_DEREGISTRATION_DELAY_SECONDS, TG_HEALTH_CHECK_PATH,
} from "../src/cloud/names.js";
import { blocked, done, requeue, type Change, type FieldDiff, type Outcome } from "./contract.js";
import { conflict, missingTags, ownershipOf, tagChange, type TagMap } from "./ownership.js";

export interface LoadBalancerSeen {
  arn: string;
  dnsName: string;
  scheme: string;
  /** provisioning, active, active_impaired, failed */
  state: string;
  subnets: string[];
  securityGroups: string[];
  tags: TagMap;
  /** Read only for a load balancer of ours. */
  idleTimeout?: string;
}

export interface TargetGroupSeen {
  arn: string;
  tags: TagMap;
  healthCheck: { protocol: string; port: string; path: string; matcher: string };
  /** Read only for a target group of ours. */
  deregistrationDelay?: string;
}

/** A listener's default action reduced to what we manage (AWS fills in the redirect's host, path and query). */
export interface ActionSeen { type: string; targetGroupArn?: string; protocol?: string; port?: string; statusCode?: string }

export interface ListenerSeen {
  arn: string;
  port: number;
  protocol: string;
  certificates: string[];
  sslPolicy: string | undefined;
  actions: ActionSeen[];
}

export interface IngressObservation {
  lb: LoadBalancerSeen | undefined;
  tg: TargetGroupSeen | undefined;
  /** Of our load balancer (empty when there is none). */
  listeners: ListenerSeen[];
}

export interface IngressWant {
  projectId: string;
  name: string;
  tags: TagMap;
  scheme: "internet-facing" | "internal";
  /** The subnets for the scheme, one per Availability Zone, sorted. */
  subnets: string[];
  lbSg: string | undefined;
  certificateArn: string | undefined;
  accountId: string;
  region: string;
  pollMs: number;
  resyncMs: number;
}

export const HEALTH_CHECK = { protocol: "HTTP", port: "traffic-port", path: TG_HEALTH_CHECK_PATH, matcher: "200" } as const;

/** A listener as we want it; `forward` forwards to the project's target group. */
export interface ListenerWant {
  port: number;
  protocol: "HTTP" | "HTTPS";
  certificateArn?: string;
  sslPolicy?: string;
  action: "forward" | "redirect";
}

type IngressOp =
  | { op: "createLoadBalancer" }
  | { op: "deleteLoadBalancer"; arn: string }
  | { op: "setSubnets"; arn: string }
  | { op: "setSecurityGroups"; arn: string }
  | { op: "setIdleTimeout"; arn: string }
  | { op: "createTargetGroup" }
  | { op: "modifyHealthCheck"; arn: string }
  | { op: "setDeregistrationDelay"; arn: string }
  | { op: "createListener"; listener: ListenerWant }
  | { op: "modifyListener"; arn: string; listener: ListenerWant }
  | { op: "deleteListener"; arn: string }
  | { op: "tag"; arn: string; tags: TagMap };
export type IngressChange = Change & IngressOp;

export interface IngressDecision { changes: IngressChange[]; after: Outcome }

/** With a certificate: HTTPS 443 forwarding and HTTP 80 redirecting to it; without: HTTP 80 forwarding. */
export function desiredListeners(certificateArn: string | undefined): ListenerWant[] {
  if (!certificateArn) return [{ port: 80, protocol: "HTTP", action: "forward" }];
  return [
    { port: 443, protocol: "HTTPS", certificateArn, sslPolicy: LISTENER_SSL_POLICY, action: "forward" },
    { port: 80, protocol: "HTTP", action: "redirect" },
  ];
}

/** How soon to look again for a prerequisite someone has to create with Terraform. */
const PREREQUISITE_RECHECK_MS = 5 * 60_000;

const arrows = (diffs: FieldDiff[]) => diffs.map((d) => `${d.field} ${d.actual} → ${d.desired}`).join(", ");
const list = (xs: string[]) => [...xs].sort().join(",") || "(none)";

function repair(op: IngressOp, kind: string, label: string, resource: string, diffs: FieldDiff[]): IngressChange {
  return {
    ...op, verb: "update", kind, resource, reason: "managed fields differ", diffs,
    event: { type: "Normal", reason: "DriftRepaired", message: `${label}: ${arrows(diffs)}`, resource },
  };
}

function created(op: IngressOp, kind: string, label: string, resource: string, recreated: boolean): IngressChange {
  return {
    ...op, verb: "create", kind, resource, reason: recreated ? `${label} was deleted` : `${label} does not exist`,
    event: { type: recreated ? "Warning" : "Normal", reason: recreated ? "Recreated" : "Created", message: `${recreated ? "recreated deleted" : "created"} ${label}`, resource },
  };
}

/** A certificate ARN of another region or account: ELB can never use it (CertificateNotFound). */
function foreignCertificate(want: IngressWant): string | undefined {
  const arn = want.certificateArn;
  if (!arn) return undefined;
  const [, , service, region, account] = arn.split(":");
  if (service !== "acm") return `ingress.certificateArn ${arn} is not an ACM certificate ARN`;
  if (region !== want.region || account !== want.accountId) {
    return `ingress.certificateArn ${arn} is in ${account}/${region}; the load balancer is in ${want.accountId}/${want.region} `
      + "and can only use an ACM certificate of its own account and region";
  }
  return undefined;
}

function prerequisites(want: IngressWant): Outcome | undefined {
  const afterMs = Math.min(PREREQUISITE_RECHECK_MS, want.resyncMs);
  if (!want.lbSg) {
    return blocked("MissingLoadBalancerSecurityGroup", "no security group langgraph-cloud-lb-sg in the VPC: re-apply "
      + `deploy/terraform/customer-account in ${want.accountId}/${want.region} (this version of the module creates it)`, { afterMs });
  }
  if (want.subnets.length < 2) {
    const which = want.scheme === "internal" ? "private (langgraph-cloud-private=1)" : "public (langgraph-cloud-private=0)";
    return blocked("NotEnoughSubnets", `an Application Load Balancer needs subnets in at least two Availability Zones; found `
      + `${which} subnets in ${want.subnets.length} zone(s): re-apply deploy/terraform/customer-account in ${want.accountId}/${want.region}`, { afterMs });
  }
  const cert = foreignCertificate(want);
  if (cert) return blocked("CertificateNotFound", cert, { afterMs: want.resyncMs });
  return undefined;
}

function loadBalancerChanges(lb: LoadBalancerSeen, want: IngressWant): IngressChange[] {
  const label = `load balancer ${want.name}`;
  const out: IngressChange[] = [];
  if (list(lb.subnets) !== list(want.subnets)) {
    out.push(repair({ op: "setSubnets", arn: lb.arn }, "LoadBalancer", label, want.name, [{ field: "subnets", actual: list(lb.subnets), desired: list(want.subnets) }]));
  }
  if (list(lb.securityGroups) !== want.lbSg) {
    out.push(repair({ op: "setSecurityGroups", arn: lb.arn }, "LoadBalancer", label, want.name,
      [{ field: "securityGroups", actual: list(lb.securityGroups), desired: want.lbSg! }]));
  }
  if (lb.idleTimeout !== String(LB_IDLE_TIMEOUT_SECONDS)) {
    out.push(repair({ op: "setIdleTimeout", arn: lb.arn }, "LoadBalancer", label, want.name,
      [{ field: "idleTimeout", actual: lb.idleTimeout ?? "(unset)", desired: String(LB_IDLE_TIMEOUT_SECONDS) }]));
  }
  const missing = missingTags(lb.tags, want.tags);
  if (Object.keys(missing).length) out.push({ op: "tag", arn: lb.arn, tags: missing, ...tagChange("LoadBalancer", label, want.name, lb.tags, missing) });
  return out;
}

function targetGroupChanges(tg: TargetGroupSeen, want: IngressWant): IngressChange[] {
  const label = `target group ${want.name}`;
  const out: IngressChange[] = [];
  const hc = (Object.keys(HEALTH_CHECK) as (keyof typeof HEALTH_CHECK)[])
    .filter((k) => tg.healthCheck[k] !== HEALTH_CHECK[k])
    .map((k) => ({ field: `healthCheck.${k}`, actual: tg.healthCheck[k] || "(unset)", desired: HEALTH_CHECK[k] }));
  if (hc.length) out.push(repair({ op: "modifyHealthCheck", arn: tg.arn }, "TargetGroup", label, want.name, hc));
  if (tg.deregistrationDelay !== String(TG_DEREGISTRATION_DELAY_SECONDS)) {
    out.push(repair({ op: "setDeregistrationDelay", arn: tg.arn }, "TargetGroup", label, want.name,
      [{ field: "deregistrationDelay", actual: tg.deregistrationDelay ?? "(unset)", desired: String(TG_DEREGISTRATION_DELAY_SECONDS) }]));
  }
  const missing = missingTags(tg.tags, want.tags);
  if (Object.keys(missing).length) out.push({ op: "tag", arn: tg.arn, tags: missing, ...tagChange("TargetGroup", label, want.name, tg.tags, missing) });
  return out;
}

const describeAction = (a: ActionSeen) =>
  a.type === "forward" ? `forward ${a.targetGroupArn?.split("/")[1] ?? "?"}`
  : a.type === "redirect" ? `redirect ${a.protocol}:${a.port} ${a.statusCode}` : a.type;

function listenerDiffs(l: ListenerSeen, w: ListenerWant, tgArn: string | undefined, name: string): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  if (l.protocol !== w.protocol) diffs.push({ field: "protocol", actual: l.protocol, desired: w.protocol });
  const certs = list(l.certificates);
  if (certs !== (w.certificateArn ?? "(none)")) diffs.push({ field: "certificate", actual: certs, desired: w.certificateArn ?? "(none)" });
  if (w.sslPolicy && l.sslPolicy !== w.sslPolicy) diffs.push({ field: "sslPolicy", actual: l.sslPolicy ?? "(none)", desired: w.sslPolicy });
  const a = l.actions.length === 1 ? l.actions[0] : undefined;
  const ok = w.action === "forward"
    ? a?.type === "forward" && tgArn !== undefined && a.targetGroupArn === tgArn
    : a?.type === "redirect" && a.protocol === "HTTPS" && a.port === "443" && a.statusCode === "HTTP_301";
  if (!ok) {
    const desired = w.action === "forward" ? `forward ${name}` : "redirect HTTPS:443 HTTP_301";
    diffs.push({ field: "defaultActions", actual: l.actions.map(describeAction).join(";") || "(none)", desired });
  }
  return diffs;
}

function listenerChanges(o: IngressObservation, want: IngressWant, lbCreated: boolean): IngressChange[] {
  const out: IngressChange[] = [];
  const wanted = desiredListeners(want.certificateArn);
  for (const w of wanted) {
    const resource = `${want.name}:${w.port}`;
    const label = `listener ${w.protocol} ${w.port} of ${want.name}`;
    const l = o.listeners.find((x) => x.port === w.port);
    if (!l) { out.push(created({ op: "createListener", listener: w }, "Listener", label, resource, false)); continue; }
    const diffs = listenerDiffs(l, w, o.tg?.arn, want.name);
    if (diffs.length) out.push(repair({ op: "modifyListener", arn: l.arn, listener: w }, "Listener", label, resource, diffs));
  }
  if (lbCreated) return out;
  for (const l of o.listeners.filter((x) => !wanted.some((w) => w.port === x.port))) {
    const resource = `${want.name}:${l.port}`;
    out.push({
      op: "deleteListener", arn: l.arn, verb: "delete", kind: "Listener", resource, reason: "not in the spec",
      event: { type: "Normal", reason: "DriftRepaired", message: `load balancer ${want.name}: listener ${l.protocol} ${l.port} not in the spec; deleted`, resource },
    });
  }
  return out;
}

export function decideIngress(o: IngressObservation, want: IngressWant): IngressDecision {
  const stop = prerequisites(want);
  if (stop) return { changes: [], after: stop };
  const { lb, tg } = o;
  if (lb && ownershipOf(lb.tags, want.projectId) === "foreign") return { changes: [], after: conflict(`load balancer ${want.name}`, lb.tags, want.resyncMs) };
  if (tg && ownershipOf(tg.tags, want.projectId) === "foreign") return { changes: [], after: conflict(`target group ${want.name}`, tg.tags, want.resyncMs) };
  // No ELBv2 call changes a load balancer's scheme: it is replaced (its listeners go with it).
  if (lb && lb.scheme !== want.scheme) {
    return {
      changes: [{
        op: "deleteLoadBalancer", arn: lb.arn, verb: "delete", kind: "LoadBalancer", resource: want.name, reason: "scheme differs",
        diffs: [{ field: "scheme", actual: lb.scheme, desired: want.scheme }],
        event: { type: "Normal", reason: "DriftRepaired", message: `load balancer ${want.name}: scheme ${lb.scheme} → ${want.scheme} (deleted; recreated next)`, resource: want.name },
      }],
      after: requeue(want.pollMs, "Provisioning", `load balancer ${want.name} is replaced for scheme ${want.scheme}`),
    };
  }
  const changes: IngressChange[] = [];
  if (!lb) changes.push(created({ op: "createLoadBalancer" }, "LoadBalancer", `load balancer ${want.name} (${want.scheme})`, want.name, false));
  else changes.push(...loadBalancerChanges(lb, want));
  if (!tg) changes.push(created({ op: "createTargetGroup" }, "TargetGroup", `target group ${want.name} (ip, HTTP ${CONTAINER_PORT})`, want.name, false));
  else changes.push(...targetGroupChanges(tg, want));
  changes.push(...listenerChanges(o, want, !lb));
  if (!lb || lb.state === "provisioning") {
    return { changes, after: requeue(want.pollMs, "Provisioning", `load balancer ${want.name} is provisioning`) };
  }
  if (lb.state !== "active" && lb.state !== "active_impaired") {
    return { changes, after: requeue(want.pollMs, "LoadBalancerNotActive", `load balancer ${want.name} is ${lb.state}`) };
  }
  return { changes, after: done("ListenersInSync", `load balancer ${want.name}, its target group and listeners match the spec`) };
}
