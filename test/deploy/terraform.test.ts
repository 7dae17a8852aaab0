// The customer-account Terraform module creates what the operator later discovers by name and tag
// (docs/reference.md §9). providers cannot be downloaded here, so instead of `terraform validate` this reads the
// HCL with the Go HCL parser (compiled to wasm) and checks the module against src/cloud/names.ts:
// a renamed security group or a sixth managed policy in the .tf fails here, not in a customer account.
import { convertFiles } from "@cdktn/hcl2json";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  albName,
  DB_SUBNET_GROUP_NAME,
  LB_SG_NAME,
  LOG_GROUP_NAME,
  OPERATOR_INLINE_POLICY_NAME,
  OPERATOR_ROLE_MANAGED_POLICIES,
  REDIS_NAMESPACE_NAME,
  SERVICE_SG_NAME,
  TAG_ENABLED,
  TAG_PRIVATE,
  TAG_PROJECT,
  TASK_EXECUTION_ROLE_NAME,
} from "../../src/cloud/names.js";
import { HANDLERS } from "../../src/cloud/sandbox/runtime.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MODULE_DIR = `${REPO}deploy/terraform/customer-account`;

// hcl2json's shape: blocks are arrays of bodies; expressions that are not literals come back as "${…}".
type Body = Record<string, any>;
let tf: Body;

beforeAll(async () => {
  tf = await convertFiles(MODULE_DIR);
});

const expr = (s: string) => "${" + s + "}";

function blocks(kind: "resource" | "data", type: string): Array<[name: string, body: Body]> {
  return Object.entries(tf[kind]?.[type] ?? {}).map(([name, bodies]) => [name, (bodies as Body[])[0]]);
}

function block(kind: "resource" | "data", type: string, name: string): Body {
  const body = tf[kind]?.[type]?.[name]?.[0];
  if (!body) throw new Error(`no ${kind} ${type}.${name} in the module`);
  return body;
}

function local(name: string): unknown {
  const holder = (tf.locals as Body[]).find((l) => name in l);
  if (!holder) throw new Error(`no local.${name} in the module`);
  return holder[name];
}

const output = (name: string): string => tf.output?.[name]?.[0]?.value;
const variable = (name: string): Body | undefined => tf.variable?.[name]?.[0];

/** `aws_iam_role.operator` for an output whose value is `${aws_iam_role.operator.arn}`. */
function resourceBehindOutput(outputName: string, type: string): [string, Body] {
  const m = new RegExp(`^\\$\\{${type}\\.(\\w+)\\.\\w+\\}$`).exec(output(outputName) ?? "");
  if (!m) throw new Error(`output ${outputName} should be an attribute of a ${type}, got ${output(outputName)}`);
  return [m[1], block("resource", type, m[1])];
}

/** Statements of an aws_iam_policy_document referenced as `${data.aws_iam_policy_document.X.json}`. */
function statementsOf(policyRef: string): Body[] {
  const m = /^\$\{data\.aws_iam_policy_document\.(\w+)\.json\}$/.exec(policyRef);
  if (!m) throw new Error(`policy should come from an aws_iam_policy_document, got ${policyRef}`);
  return block("data", "aws_iam_policy_document", m[1]).statement;
}

const refersToRole = (value: unknown, roleName: string) =>
  typeof value === "string" && new RegExp(`^\\$\\{aws_iam_role\\.${roleName}\\.(name|id)\\}$`).test(value);

/** Managed-policy ARNs attached to a role, whether written literally or as for_each over a local list. */
function attachedPolicyArns(roleName: string): string[] {
  const arns: string[] = [];
  for (const [name, att] of blocks("resource", "aws_iam_role_policy_attachment")) {
    if (!refersToRole(att.role, roleName)) continue;
    const forEachLocal = /^\$\{toset\(local\.(\w+)\)\}$/.exec(att.for_each ?? "");
    if (forEachLocal && (att.policy_arn === expr("each.value") || att.policy_arn === expr("each.key"))) {
      arns.push(...(local(forEachLocal[1]) as string[]));
    } else if (typeof att.policy_arn === "string" && att.policy_arn.startsWith("arn:") && !att.for_each) {
      arns.push(att.policy_arn);
    } else {
      throw new Error(`cannot tell which policy aws_iam_role_policy_attachment.${name} attaches`);
    }
  }
  return arns.sort();
}

function operatorInlinePolicies(): Array<[string, Body]> {
  const [roleName] = resourceBehindOutput("operator_role_arn", "aws_iam_role");
  return blocks("resource", "aws_iam_role_policy").filter(([, p]) => refersToRole(p.role, roleName));
}
const operatorInlineStatements = (): Body[] => operatorInlinePolicies().flatMap(([, p]) => statementsOf(p.policy));
const inlinePolicyJson = () => JSON.parse(readFileSync(`${REPO}deploy/iam/operator-role-inline-policy.json`, "utf8"));

describe("customer-account module: the role the operator assumes", () => {
  it("trusts only the control plane's principal, and only with the external ID from the variables", () => {
    const [, role] = resourceBehindOutput("operator_role_arn", "aws_iam_role");
    const statements = statementsOf(role.assume_role_policy);
    expect(statements).toHaveLength(1);
    const [trust] = statements;
    expect(trust.effect ?? "Allow").toBe("Allow");
    expect(trust.actions).toEqual(["sts:AssumeRole"]);
    expect(trust.principals).toEqual([{ type: "AWS", identifiers: [expr("var.control_plane_principal_arn")] }]);
    expect(trust.condition).toEqual([
      { test: "StringEquals", variable: "sts:ExternalId", values: [expr("var.external_id")] },
    ]);
    expect(output("external_id")).toBe(expr("var.external_id"));
  });

  // The module's own validation conditions, evaluated by Terraform itself (`terraform console` needs no
  // providers): a typo in a variable is refused at plan time, not found as AccessDenied in production.
  const validations: Array<{ variable: string; value: string; accepted: boolean }> = [
    { variable: "external_id", value: "sandbox-external-id", accepted: true },
    { variable: "external_id", value: "byoc-0123456789abcdef0123456789abcdef", accepted: true },
    { variable: "external_id", value: "x", accepted: false },
    { variable: "external_id", value: "has space", accepted: false },
    { variable: "external_id", value: "a".repeat(1225), accepted: false },
    { variable: "control_plane_principal_arn", value: "arn:aws:iam::111122223333:role/byoc-operator", accepted: true },
    { variable: "control_plane_principal_arn", value: "arn:aws:iam::111122223333:root", accepted: true },
    { variable: "control_plane_principal_arn", value: "*", accepted: false },
    { variable: "control_plane_principal_arn", value: "arn:aws:iam::1111:root", accepted: false },
    { variable: "control_plane_principal_arn", value: "arn:aws:iam::111122223333:group/admins", accepted: false },
  ];
  it("refuses external IDs STS would refuse and principals that are not an IAM role, user or account", () => {
    const condition = (name: string) => {
      const c = (variable(name)?.validation as Body[] | undefined)?.[0]?.condition as string | undefined;
      if (!c?.startsWith("${")) throw new Error(`variable ${name} has no validation condition`);
      return c.slice(2, -1);
    };
    const lines = validations.map((v) => condition(v.variable).replaceAll(`var.${v.variable}`, JSON.stringify(v.value)));
    const empty = mkdtempSync(path.join(tmpdir(), "byoc-tf-console-"));
    try {
      // Read from a pipe, the console evaluates its whole input as one expression: one list of them all.
      const run = spawnSync("terraform", ["console"], { cwd: empty, input: `jsonencode([${lines.join(", ")}])\n`, encoding: "utf8" });
      if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") expect.fail("terraform is needed on PATH (CI has it)");
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(JSON.parse(run.stdout.trim()))).toEqual(validations.map((v) => v.accepted));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("has exactly the five managed policies the operator is built against, and one inline policy for what they lack", () => {
    const [roleName, role] = resourceBehindOutput("operator_role_arn", "aws_iam_role");
    expect(attachedPolicyArns(roleName)).toEqual([...OPERATOR_ROLE_MANAGED_POLICIES].sort());
    expect(role.managed_policy_arns).toBeUndefined();
    expect(role.inline_policy).toBeUndefined();
    const inline = operatorInlinePolicies();
    expect(inline.map(([, p]) => p.name)).toEqual([OPERATOR_INLINE_POLICY_NAME]);
  });

  it("keeps deploy/iam/operator-role-inline-policy.json (for IAM managed outside Terraform) the same as the module's inline policy", () => {
    const fromModule = operatorInlineStatements().map((s) => ({
      Sid: s.sid, Effect: s.effect ?? "Allow", Action: [...s.actions].sort(), Resource: [s.resources].flat().sort(),
      Condition: (s.condition ?? []).map((c: Body) => ({ [c.test]: { [c.variable]: [...c.values].sort() } })),
    }));
    const fromJson = inlinePolicyJson().Statement.map((s: Body) => ({
      Sid: s.Sid, Effect: s.Effect, Action: [s.Action].flat().sort(), Resource: [s.Resource].flat().sort(),
      Condition: Object.entries(s.Condition ?? {}).map(([test, kv]) => ({ [test]: Object.fromEntries(Object.entries(kv as Body).map(([k, v]) => [k, [v].flat().sort()])) })),
    }));
    expect(fromJson).toEqual(fromModule);
  });

  it("allows every call the sandbox models for load balancing, Cloud Map, autoscaling and ACM", () => {
    const allowed = inlinePolicyJson().Statement.flatMap((s: Body) => [s.Action].flat()) as string[];
    const granted = (action: string) => allowed.some((a) => a === action || (a.endsWith(":*") && action.startsWith(a.slice(0, -1))));
    const prefixes = { elbv2: "elasticloadbalancing", servicediscovery: "servicediscovery", "application-autoscaling": "application-autoscaling", acm: "acm" } as const;
    const missing = Object.entries(prefixes).flatMap(([service, prefix]) =>
      Object.keys(HANDLERS[service as keyof typeof prefixes]).map((op) => `${prefix}:${op}`).filter((a) => !granted(a)));
    expect(missing).toEqual([]);
  });

  it("scopes load-balancer changes to the operator's lg-* names, and log changes to its log group", () => {
    const statements = inlinePolicyJson().Statement as Body[];
    const manage = statements.find((s) => s.Sid === "ManageProjectLoadBalancing")!;
    expect(albName("x".repeat(40)).startsWith("lg-")).toBe(true);
    for (const r of [manage.Resource].flat()) expect(r).toMatch(/:(loadbalancer\/app|targetgroup|listener\/app)\/lg-\*\/\*$/);
    const logs = statements.find((s) => [s.Action].flat().includes("logs:PutRetentionPolicy"))!;
    expect([logs.Resource].flat().map((r: string) => r.split(":log-group:")[1])).toEqual([LOG_GROUP_NAME, `${LOG_GROUP_NAME}:*`]);
  });

  it("defaults to a role name that deploy/iam/operator-policy.json lets the operator assume", () => {
    const [, role] = resourceBehindOutput("operator_role_arn", "aws_iam_role");
    expect(role.name).toBe(expr("var.operator_role_name"));
    const policy = JSON.parse(readFileSync(`${REPO}deploy/iam/operator-policy.json`, "utf8"));
    const resources: string[] = policy.Statement.flatMap((s: Body) => [s.Resource].flat());
    const arn = `arn:aws:iam::123456789012:role/${variable("operator_role_name")?.default}`;
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^$()[\]{}|\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    expect(resources.some((r) => glob(r).test(arn))).toBe(true);
  });
});

describe("customer-account module: network tags", () => {
  // Which tags end up on the VPC, the private and the public subnets when an existing VPC is tagged.
  function tagsOnExistingNetwork() {
    const on: Record<"vpc" | "private" | "public", Record<string, string>> = { vpc: {}, private: {}, public: {} };
    const put = (target: keyof typeof on, key: string, value: string) => {
      if (key in on[target] && on[target][key] !== value) throw new Error(`${target} gets ${key} twice`);
      on[target][key] = value;
    };
    for (const [, tag] of blocks("resource", "aws_ec2_tag")) {
      const scope = `${tag.resource_id} ${tag.for_each ?? ""}`;
      if (scope.includes("var.vpc_id")) put("vpc", tag.key, tag.value);
      if (scope.includes("var.private_subnet_ids")) put("private", tag.key, tag.value);
      if (scope.includes("var.public_subnet_ids")) put("public", tag.key, tag.value);
    }
    return on;
  }

  it("tags an existing VPC and its subnets with aws_ec2_tag as the operator's discovery expects", () => {
    expect(tagsOnExistingNetwork()).toEqual({
      vpc: { [TAG_ENABLED]: "1" },
      private: { [TAG_ENABLED]: "1", [TAG_PRIVATE]: "1" },
      public: { [TAG_ENABLED]: "1", [TAG_PRIVATE]: "0" },
    });
  });

  it("puts the same tags on a VPC it creates", () => {
    const vpcs = blocks("resource", "aws_vpc");
    expect(vpcs).toHaveLength(1);
    expect(vpcs[0][1].tags).toMatchObject({ [TAG_ENABLED]: "1" });
    const subnetBehind = (localName: string) => {
      const m = /aws_subnet\.(\w+)/.exec(String(local(localName)));
      if (!m) throw new Error(`local.${localName} names no aws_subnet`);
      return block("resource", "aws_subnet", m[1]);
    };
    expect(subnetBehind("private_subnet_ids").tags).toMatchObject({ [TAG_ENABLED]: "1", [TAG_PRIVATE]: "1" });
    expect(subnetBehind("public_subnet_ids").tags).toMatchObject({ [TAG_ENABLED]: "1", [TAG_PRIVATE]: "0" });
  });
});

describe("customer-account module: names the operator looks up", () => {
  it("names the two security groups as names.ts does", () => {
    const names = blocks("resource", "aws_security_group").map(([, sg]) => sg.name).sort();
    expect(names).toEqual([LB_SG_NAME, SERVICE_SG_NAME].sort());
    expect(resourceBehindOutput("service_security_group_id", "aws_security_group")[1].name).toBe(SERVICE_SG_NAME);
    expect(resourceBehindOutput("lb_security_group_id", "aws_security_group")[1].name).toBe(LB_SG_NAME);
  });

  it("puts the DB subnet group, named as names.ts does, on the private subnets", () => {
    const groups = blocks("resource", "aws_db_subnet_group");
    expect(groups.map(([, g]) => g.name)).toEqual([DB_SUBNET_GROUP_NAME]);
    expect(groups[0][1].subnet_ids).toBe(expr("local.private_subnet_ids"));
  });

  it("names the task execution role as names.ts does and lets ECS tasks assume it", () => {
    const [roleName, role] = resourceBehindOutput("task_execution_role_arn", "aws_iam_role");
    expect(role.name).toBe(TASK_EXECUTION_ROLE_NAME);
    const [trust] = statementsOf(role.assume_role_policy);
    expect(trust.principals).toEqual([{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }]);
    expect(attachedPolicyArns(roleName)).toEqual(["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]);
  });

  it("lets the task execution role read only secrets that carry the project tag", () => {
    const [roleName] = resourceBehindOutput("task_execution_role_arn", "aws_iam_role");
    const inline = blocks("resource", "aws_iam_role_policy").filter(([, p]) => refersToRole(p.role, roleName));
    const statements = inline.flatMap(([, p]) => statementsOf(p.policy));
    const secretStatements = statements.filter((s) => s.actions.some((a: string) => a.startsWith("secretsmanager:")));
    expect(secretStatements.length).toBeGreaterThan(0);
    const tagKeys = [`aws:ResourceTag/${TAG_PROJECT}`, `secretsmanager:ResourceTag/${TAG_PROJECT}`];
    for (const s of secretStatements) {
      expect(s.effect ?? "Allow").toBe("Allow");
      expect(s.actions).toEqual(["secretsmanager:GetSecretValue"]);
      const tagExists = (s.condition ?? []).some(
        (c: Body) => tagKeys.includes(c.variable) && c.test === "Null" && c.values.length === 1 && c.values[0] === "false",
      );
      expect(tagExists, `statement ${s.sid ?? ""} must require the ${TAG_PROJECT} tag`).toBe(true);
    }
  });
});

describe("customer-account module: ingress and Redis discovery prerequisites", () => {
  it("creates the Cloud Map private DNS namespace, named as names.ts does, in the VPC", () => {
    const namespaces = blocks("resource", "aws_service_discovery_private_dns_namespace");
    expect(namespaces.map(([, n]) => [n.name, n.vpc])).toEqual([[REDIS_NAMESPACE_NAME, expr("local.vpc_id")]]);
    expect(output("redis_namespace_id")).toMatch(/aws_service_discovery_private_dns_namespace\.\w+\.id/);
  });

  it("creates the ELB service-linked role only when asked, as it may already exist", () => {
    const roles = blocks("resource", "aws_iam_service_linked_role");
    expect(roles.map(([, r]) => [r.aws_service_name, r.count])).toEqual([["elasticloadbalancing.amazonaws.com", expr("var.create_elb_service_linked_role ? 1 : 0")]]);
    expect(variable("create_elb_service_linked_role")?.default).toBe(false);
  });

  it("opens the LB group on 80 and 443 to the CIDRs given (default anywhere), and the service group to it on 8000", () => {
    const ingress = blocks("resource", "aws_vpc_security_group_ingress_rule");
    const lb = ingress.filter(([, r]) => r.security_group_id === expr("aws_security_group.lb.id"));
    expect(lb).toHaveLength(1);
    expect(lb[0][1].for_each).toContain("var.lb_ingress_cidrs");
    expect(lb[0][1].for_each).toContain("[80, 443]");
    expect(variable("lb_ingress_cidrs")?.default).toEqual(["0.0.0.0/0"]);
    const fromLb = ingress.filter(([, r]) => r.security_group_id === expr("aws_security_group.service.id") && r.referenced_security_group_id === expr("aws_security_group.lb.id"));
    expect(fromLb.map(([, r]) => [r.ip_protocol, r.from_port, r.to_port])).toEqual([["tcp", 8000, 8000]]);
  });
});

describe("customer-account module: conventions", () => {
  it("pins Terraform >= 1.5 and the AWS provider 5.x", () => {
    const [settings] = tf.terraform as Body[];
    expect(settings.required_version).toBe(">= 1.5");
    expect(settings.required_providers[0].aws).toMatchObject({ source: "hashicorp/aws" });
    expect(settings.required_providers[0].aws.version).toMatch(/^~> ?5(\.\d+)?$/);
  });

  it("describes every variable and output", () => {
    const declared = [...Object.entries(tf.variable), ...Object.entries(tf.output)] as Array<[string, Body[]]>;
    const undescribed = declared.filter(([, [body]]) => !body.description).map(([name]) => name);
    expect(undescribed).toEqual([]);
  });

  it("is formatted as `terraform fmt` writes it", () => {
    const run = spawnSync("terraform", ["fmt", "-check", "-recursive", "-diff", "deploy/terraform"], {
      cwd: REPO,
      encoding: "utf8",
    });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
      expect.fail("terraform is needed on PATH for the fmt check (CI has it)");
    }
    expect(run.stdout, run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
