// The ingress decide() and the target-health outcome: observation + desired state → changes and outcome,
// one row per behaviour. test/lifecycle/ingress.test.ts and test/moto/ingress.test.ts prove the calls.
import { describe, expect, test } from "vitest";
import {
  decideIngress, HEALTH_CHECK, type IngressObservation, type IngressWant, type ListenerSeen,
} from "../../reconcilers/ingressDecide.js";
import { decideIngressHealth } from "../../reconcilers/ingressHealth.js";
import { onePerAvailabilityZone } from "../../reconcilers/network.js";

const PID = "00000000-0000-0000-0000-000000000001";
const OURS = { "langgraph-cloud": "p", "byoc:project-id": PID, "byoc:managed-by": "op" };
const FOREIGN = { "byoc:project-id": "someone-else" };
const LB = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/lg-p/1";
const TG = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/lg-p/2";
const CERT = "arn:aws:acm:us-east-1:111111111111:certificate/abc";

const want: IngressWant = {
  projectId: PID, name: "lg-p", tags: OURS, scheme: "internet-facing", subnets: ["subnet-a", "subnet-b"], lbSg: "sg-lb",
  certificateArn: undefined, accountId: "111111111111", region: "us-east-1", pollMs: 1000, resyncMs: 60_000,
};
const http80 = (extra: Partial<ListenerSeen> = {}): ListenerSeen => ({
  arn: "arn:l/80", port: 80, protocol: "HTTP", certificates: [], sslPolicy: undefined, actions: [{ type: "forward", targetGroupArn: TG }], ...extra,
});
const seen = (extra: Partial<IngressObservation> = {}): IngressObservation => ({
  lb: {
    arn: LB, dnsName: "lg-p-1.us-east-1.elb.amazonaws.com", scheme: "internet-facing", state: "active", subnets: ["subnet-a", "subnet-b"],
    securityGroups: ["sg-lb"], tags: OURS, idleTimeout: "3600",
  },
  tg: { arn: TG, tags: OURS, healthCheck: { ...HEALTH_CHECK }, deregistrationDelay: "30" },
  listeners: [http80()],
  ...extra,
});
const summary = (o: IngressObservation, w: IngressWant = want) => {
  const d = decideIngress(o, w);
  return {
    changes: d.changes.map((c) => [`${c.verb} ${c.kind} ${c.resource}`, ...(c.diffs ?? []).map((x) => `${x.field} ${x.actual}→${x.desired}`)].join(" ")),
    after: `${d.after.kind} ${"reason" in d.after ? d.after.reason : d.after.code}`,
  };
};

describe("ingress decide", () => {
  test.each([
    { reason: "as desired → nothing, done", o: seen(), w: want, changes: [], after: "done ListenersInSync" },
    {
      reason: "nothing exists → load balancer, target group and HTTP 80 listener created; provisioning",
      o: { lb: undefined, tg: undefined, listeners: [] }, w: want,
      changes: ["create LoadBalancer lg-p", "create TargetGroup lg-p", "create Listener lg-p:80"], after: "requeue Provisioning",
    },
    {
      reason: "provisioning → nothing to change, look again soon",
      o: seen({ lb: { ...seen().lb!, state: "provisioning" } }), w: want, changes: [], after: "requeue Provisioning",
    },
    {
      reason: "subnets, security group and idle timeout drifted → each repaired with its diff",
      o: seen({ lb: { ...seen().lb!, subnets: ["subnet-a", "subnet-x"], securityGroups: ["sg-other"], idleTimeout: "60" } }), w: want,
      changes: [
        "update LoadBalancer lg-p subnets subnet-a,subnet-x→subnet-a,subnet-b", "update LoadBalancer lg-p securityGroups sg-other→sg-lb",
        "update LoadBalancer lg-p idleTimeout 60→3600",
      ],
      after: "done ListenersInSync",
    },
    {
      reason: "health check path and deregistration delay drifted → repaired",
      o: seen({ tg: { ...seen().tg!, healthCheck: { ...HEALTH_CHECK, path: "/" }, deregistrationDelay: "300" } }), w: want,
      changes: ["update TargetGroup lg-p healthCheck.path /→/ok", "update TargetGroup lg-p deregistrationDelay 300→30"], after: "done ListenersInSync",
    },
    {
      reason: "the listener forwards elsewhere → its action repaired",
      o: seen({ listeners: [http80({ actions: [{ type: "fixed-response" }] })] }), w: want,
      changes: ["update Listener lg-p:80 defaultActions fixed-response→forward lg-p"], after: "done ListenersInSync",
    },
    {
      reason: "a listener not in the spec → deleted",
      o: seen({ listeners: [http80(), http80({ arn: "arn:l/8080", port: 8080 })] }), w: want,
      changes: ["delete Listener lg-p:8080"], after: "done ListenersInSync",
    },
    {
      reason: "a certificate → HTTPS 443 created and 80 turned into a redirect",
      o: seen(), w: { ...want, certificateArn: CERT },
      changes: ["create Listener lg-p:443", "update Listener lg-p:80 defaultActions forward lg-p→redirect HTTPS:443 HTTP_301"],
      after: "done ListenersInSync",
    },
    {
      reason: "the certificate removed → 80 forwards again and 443 is deleted",
      o: seen({
        listeners: [
          http80({ actions: [{ type: "redirect", protocol: "HTTPS", port: "443", statusCode: "HTTP_301" }] }),
          { arn: "arn:l/443", port: 443, protocol: "HTTPS", certificates: [CERT], sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", actions: [{ type: "forward", targetGroupArn: TG }] },
        ],
      }),
      w: want,
      changes: ["update Listener lg-p:80 defaultActions redirect HTTPS:443 HTTP_301→forward lg-p", "delete Listener lg-p:443"], after: "done ListenersInSync",
    },
    {
      reason: "a certificate of another region → blocked CertificateNotFound, nothing created",
      o: { lb: undefined, tg: undefined, listeners: [] }, w: { ...want, certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/abc" },
      changes: [], after: "blocked CertificateNotFound",
    },
    {
      reason: "scheme differs (visibility changed) → the load balancer is replaced",
      o: seen(), w: { ...want, scheme: "internal" as const },
      changes: ["delete LoadBalancer lg-p scheme internet-facing→internal"], after: "requeue Provisioning",
    },
    {
      reason: "no LB security group (module applied before load balancers) → blocked, nothing created",
      o: { lb: undefined, tg: undefined, listeners: [] }, w: { ...want, lbSg: undefined },
      changes: [], after: "blocked MissingLoadBalancerSecurityGroup",
    },
    {
      reason: "public subnets in one AZ only → blocked NotEnoughSubnets",
      o: { lb: undefined, tg: undefined, listeners: [] }, w: { ...want, subnets: ["subnet-a"] },
      changes: [], after: "blocked NotEnoughSubnets",
    },
    {
      reason: "a load balancer of the name that is not ours → Conflict, never touched",
      o: seen({ lb: { ...seen().lb!, tags: FOREIGN, idleTimeout: "60" } }), w: want, changes: [], after: "blocked Conflict",
    },
  ])("$reason", ({ o, w, changes, after }) => {
    expect(summary(o, w)).toEqual({ changes, after });
  });
});

describe("target health", () => {
  const o = { name: "lg-p", encrypted: false, pollMs: 1000 };
  test.each([
    { reason: "a healthy target, no certificate → done Unencrypted", targets: ["healthy"], o, want: "done Unencrypted" },
    { reason: "a healthy target with a certificate → done Serving", targets: ["healthy", "initial"], o: { ...o, encrypted: true }, want: "done Serving" },
    { reason: "targets still initial → NoHealthyTargets, look again soon", targets: ["initial"], o, want: "requeue NoHealthyTargets" },
    { reason: "none registered → NoHealthyTargets", targets: [], o, want: "requeue NoHealthyTargets" },
  ])("$reason", ({ targets, o: opts, want: expected }) => {
    const d = decideIngressHealth(targets.map((State, i) => ({ Target: { Id: `10.0.0.${i}` }, TargetHealth: { State: State as "healthy" } })), opts);
    expect(`${d.kind} ${d.reason}`).toBe(expected);
  });
});

describe("load balancer subnets", () => {
  test.each([
    { reason: "one per zone already → all of them, sorted", subnets: [["subnet-b", "z2"], ["subnet-a", "z1"]], want: ["subnet-a", "subnet-b"] },
    { reason: "two in one zone → the first by id of that zone (ELB takes one per zone)", subnets: [["subnet-c", "z1"], ["subnet-a", "z1"], ["subnet-b", "z2"]], want: ["subnet-a", "subnet-b"] },
    { reason: "all in one zone → one subnet (the ingress step then says NotEnoughSubnets)", subnets: [["subnet-b", "z1"], ["subnet-a", "z1"]], want: ["subnet-a"] },
  ])("$reason", ({ subnets, want }) => {
    expect(onePerAvailabilityZone(subnets.map(([SubnetId, AvailabilityZone]) => ({ SubnetId, AvailabilityZone })))).toEqual(want);
  });
});
