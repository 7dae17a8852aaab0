// A spec's `ingress` and `cpuArchitecture` on create and PATCH (docs/reference.md §3). A certificate is refused
// here when no load balancer of this project could ever use it: ELB takes only an ACM certificate of its own
// account and region (a listener naming another is CertificateNotFound on every pass).
import { parseCertificateArn, partitionOfRegion } from "../cloud/names.js";
import type { IngressSpec } from "../model/project.js";
import type { FieldError } from "./problem.js";
import type { ProjectCreate, ProjectPatch } from "./schemas.js";

const FIELD = "ingress.certificateArn";

export function ingressOfCreate(given: ProjectCreate["ingress"]): IngressSpec {
  const certificateArn = given?.certificateArn;
  return { visibility: given?.visibility ?? "public", ...(certificateArn ? { certificateArn } : {}) };
}

/** Merge patch: a visibility replaces, a certificateArn replaces, null removes it. */
export function patchIngress(current: IngressSpec, patch: ProjectPatch["ingress"]): IngressSpec {
  const visibility = patch?.visibility ?? current.visibility ?? "public";
  const certificateArn = patch?.certificateArn === undefined ? current.certificateArn : patch.certificateArn ?? undefined;
  return { visibility, ...(certificateArn ? { certificateArn } : {}) };
}

/** The certificate must be ACM's, in the project's partition, region and account. */
export function checkCertificate(
  ingress: IngressSpec, project: { region: string; accountId: string }, errors: FieldError[],
) {
  if (!ingress.certificateArn) return;
  const cert = parseCertificateArn(ingress.certificateArn);
  if (!cert) {
    errors.push({ field: FIELD, message: "must be arn:<partition>:acm:<region>:<account>:certificate/<id>" });
    return;
  }
  const partition = partitionOfRegion(project.region);
  const wrong = [
    cert.partition !== partition ? `partition ${cert.partition}, not ${partition}` : undefined,
    cert.region !== project.region ? `region ${cert.region}, not ${project.region}` : undefined,
    cert.accountId !== project.accountId ? `account ${cert.accountId}, not ${project.accountId}` : undefined,
  ].filter((w): w is string => w !== undefined);
  if (wrong.length === 0) return;
  const message = `is in ${wrong.join(", ")}: the project's load balancer can only use an ACM certificate `
    + `of its own account and region (${project.accountId}, ${project.region})`;
  errors.push({ field: FIELD, message });
}
