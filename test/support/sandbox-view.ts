// Reading the sandbox cloud as a person with console access would, for assertions: one project's
// resources by their docs/reference.md §4 names, and the AWS calls that changed something (a CloudTrail of writes).
import type { AccountState, SandboxCloud } from "../../src/cloud/sandbox/index.js";
import { projectNames, type ServiceRole } from "../../src/cloud/names.js";

export type ServiceState = AccountState["ecs"]["services"][number];
export type TaskDefinitionState = AccountState["ecs"]["taskDefinitions"][string][number];

export class SandboxView {
  constructor(readonly sandbox: SandboxCloud, readonly account: string, readonly region = "us-east-1") {}

  state(): Promise<AccountState> { return this.sandbox.state(this.account, this.region); }

  /** The live service of that role (else the latest INACTIVE one), as DescribeServices shows it. */
  async service(project: string, role: ServiceRole): Promise<ServiceState | undefined> {
    const name = projectNames(project).service(role);
    const same = (await this.state()).ecs.services.filter((s) => s.name === name);
    return same.find((s) => s.status !== "INACTIVE") ?? same.at(-1);
  }

  /** Registrations of the role's family, oldest first; `status` filters (ACTIVE, INACTIVE). */
  async taskDefinitions(project: string, role: ServiceRole, status?: string): Promise<TaskDefinitionState[]> {
    const all = (await this.state()).ecs.taskDefinitions[projectNames(project).family(role)] ?? [];
    return all.filter((td) => !status || td.status === status);
  }

  /** The container definition of the registration a service's PRIMARY deployment runs. */
  async runningContainer(project: string, role: ServiceRole): Promise<Record<string, any> | undefined> {
    const s = await this.service(project, role);
    const primary = s?.deployments.find((d) => d.status === "PRIMARY");
    const td = (await this.taskDefinitions(project, role)).find((x) => x.arn === primary?.taskDefinition);
    return (td?.spec.containerDefinitions as Record<string, any>[] | undefined)?.[0];
  }

  async secret(name: string) { return (await this.state()).secrets.secrets[name]; }

  async secretJson(name: string): Promise<Record<string, unknown>> {
    const current = (await this.secret(name))?.versions.find((v) => v.stages.includes("AWSCURRENT"));
    return JSON.parse(current?.value ?? "{}");
  }

  async db(project: string) { return (await this.state()).rds.instances[projectNames(project).dbInstance]; }

  /** "service:Operation" of every call in this account since `since` (sandbox clock) that changes state. */
  writes(since: number): string[] {
    return this.sandbox.calls.entries
      .filter((c) => c.accountId === this.account && c.at >= since && c.outcome === "ok" && WRITE.test(c.operation))
      .map((c) => `${c.service}:${c.operation}`);
  }
}

const WRITE = /^(Create|Update|Modify|Register|Deregister|Put|Delete|Tag|Untag|AddTags|RemoveTags|Restore|Start|Stop)/;

/** A multiset as a sorted list, so "exactly these calls" reads as one equality. */
export const sorted = (xs: string[]) => [...xs].sort();
