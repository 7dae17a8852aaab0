// AWS Certificate Manager, as far as a listener needs it: certificates live in one account and region
// (an HTTPS listener can only use one ACM holds there), DescribeCertificate and ListCertificates read
// them (ResourceNotFoundException for an ARN ACM does not have here, InvalidArnException for one that
// is not a certificate ARN), and the console issues one, as a customer's own request would.
import { fail } from "./errors.js";
import { date, mintHex, type OperationHandler, type OpContext, type Tags } from "./state.js";

export interface Certificate {
  arn: string;
  domainName: string;
  status: "ISSUED" | "PENDING_VALIDATION" | "EXPIRED" | "REVOKED";
  createdAt: number;
  tags: Tags;
}

export interface AcmState {
  certificates: Record<string, Certificate>;
}

const CERT_ARN = /^arn:[\w-]+:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/;

/** A certificate an HTTPS listener in this account and region may use, if ACM holds one under that ARN. */
export function issuedCertificate(ctx: OpContext, arn: string): Certificate | undefined {
  const cert = ctx.s.acm.certificates[arn];
  return cert?.status === "ISSUED" ? cert : undefined;
}

/** What the console's "request a certificate" leaves behind once DNS validation has passed. */
export function issueCertificate(ctx: OpContext, domainName: string, status: Certificate["status"] = "ISSUED"): Certificate {
  const id = mintHex(ctx, "acm", 32);
  const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
  const cert: Certificate = {
    arn: `arn:${ctx.partition}:acm:${ctx.s.region}:${ctx.s.accountId}:certificate/${uuid}`,
    domainName,
    status,
    createdAt: ctx.now,
    tags: {},
  };
  ctx.s.acm.certificates[cert.arn] = cert;
  return cert;
}

function certificate(ctx: OpContext, arn: string | undefined): Certificate {
  if (!arn || !CERT_ARN.test(arn)) fail("acm", "InvalidArnException", `The ARN ${arn} is not a valid certificate ARN`);
  const cert = ctx.s.acm.certificates[arn];
  if (!cert) fail("acm", "ResourceNotFoundException", `Could not find certificate ${arn}.`);
  return cert;
}

/** The load balancers whose listeners serve this certificate. */
function inUseBy(ctx: OpContext, arn: string): string[] {
  const lbs = new Set<string>();
  for (const l of Object.values(ctx.s.elb.listeners)) if (l.certificates.includes(arn)) lbs.add(l.loadBalancerArn);
  return [...lbs];
}

const YEAR_MS = 395 * 24 * 3600_000;

export const acmHandlers: Record<string, OperationHandler> = {
  DescribeCertificate: (ctx, input: { CertificateArn?: string }) => {
    const c = certificate(ctx, input.CertificateArn);
    return {
      Certificate: {
        CertificateArn: c.arn,
        DomainName: c.domainName,
        SubjectAlternativeNames: [c.domainName],
        Status: c.status,
        Type: "AMAZON_ISSUED",
        KeyAlgorithm: "RSA-2048",
        SignatureAlgorithm: "SHA256WITHRSA",
        InUseBy: inUseBy(ctx, c.arn),
        CreatedAt: date(c.createdAt),
        IssuedAt: c.status === "ISSUED" ? date(c.createdAt) : undefined,
        NotBefore: c.status === "ISSUED" ? date(c.createdAt) : undefined,
        NotAfter: c.status === "ISSUED" ? date(c.createdAt + YEAR_MS) : undefined,
        RenewalEligibility: inUseBy(ctx, c.arn).length ? "ELIGIBLE" : "INELIGIBLE",
      },
    };
  },
  ListCertificates: (ctx, input: { CertificateStatuses?: string[] }) => ({
    CertificateSummaryList: Object.values(ctx.s.acm.certificates)
      .filter((c) => !input.CertificateStatuses?.length || input.CertificateStatuses.includes(c.status))
      .map((c) => ({ CertificateArn: c.arn, DomainName: c.domainName, Status: c.status, Type: "AMAZON_ISSUED", InUse: inUseBy(ctx, c.arn).length > 0 })),
  }),
};
