// STS and caller identity. AssumeRole follows the docs/reference.md §2 sandbox convention: every role in every
// 12-digit account exists and trusts exactly one external id — the one the account was prepared with
// (console.prepareAccount, as a tenant's Terraform would), else the sandbox-wide one; any other (or
// none) is refused with AccessDenied as a trust-policy `sts:ExternalId` condition would. Issued session keys (ASIA…)
// are recorded in the state store, so a daemon replica or a restarted process recognises them; base
// keys (AKIA…) are the control plane's own identity in account 000000000000. Session expiry is not
// enforced (see the report in index.ts): the SDK refreshes on the wall clock, tests move the sandbox's.
import { parseRoleArn } from "../names.js";
import { awsError, fail, unrecognizedClientError, type SandboxService } from "./errors.js";
import { stableBase32, stableHex } from "./ids.js";
import { IAM_SCOPE, type Caller } from "./state.js";
import type { SandboxStateStore, SessionCredentials } from "./store.js";

export const CONTROL_PLANE_ACCOUNT_ID = "000000000000";
export const SANDBOX_OPERATOR_ACCESS_KEY_ID = "AKIASANDBOXOPERATOR";
export const SANDBOX_OPERATOR_SECRET_ACCESS_KEY = "sandbox/operator/secret/access/key/00000";
/** Credentials for the operator's SDK clients in sandbox mode (a fresh object: the SDK annotates it). */
export function sandboxOperatorCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: SANDBOX_OPERATOR_ACCESS_KEY_ID, secretAccessKey: SANDBOX_OPERATOR_SECRET_ACCESS_KEY };
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MAX_SESSION_SECONDS = 3600; // the role's default MaxSessionDuration

export interface StsEnv {
  store: SandboxStateStore;
  externalId: string;
  seed: number;
  sessions: Map<string, SessionCredentials>;
}

/** Who signed the request, from its access key id; unknown keys fail as AWS fails them. */
export async function resolveCaller(env: StsEnv, service: SandboxService, accessKeyId: string | undefined): Promise<Caller> {
  if (accessKeyId?.startsWith("AKIA")) {
    return {
      accountId: CONTROL_PLANE_ACCOUNT_ID,
      accessKeyId,
      arn: `arn:aws:iam::${CONTROL_PLANE_ACCOUNT_ID}:user/byoc-operator`,
      userId: `AIDA${stableBase32(["user", accessKeyId], 17)}`,
    };
  }
  if (accessKeyId?.startsWith("ASIA")) {
    let session = env.sessions.get(accessKeyId);
    if (!session) {
      session = await env.store.getCredentials(accessKeyId);
      if (session) env.sessions.set(accessKeyId, session); // a session's binding never changes
    }
    if (session) {
      const partition = parseRoleArn(session.roleArn)?.partition ?? "aws";
      return {
        accountId: session.accountId,
        accessKeyId,
        arn: `arn:${partition}:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
        userId: session.userId,
        roleArn: session.roleArn,
        roleName: session.roleName,
      };
    }
  }
  throw unrecognizedClientError(service);
}

interface AssumeRoleInput {
  RoleArn?: string;
  RoleSessionName?: string;
  ExternalId?: string;
  DurationSeconds?: number;
}

export async function assumeRole(env: StsEnv, caller: Caller, input: AssumeRoleInput) {
  const roleArn = input.RoleArn ?? "";
  const sessionName = input.RoleSessionName ?? "";
  // The partitions of docs/reference.md §3 (aws, aws-cn, aws-us-gov): the session's ARNs are built in the role's.
  const arn = parseRoleArn(roleArn);
  if (!arn) fail("sts", "ValidationError", `${JSON.stringify(roleArn)} is not a valid role ARN: expected arn:<partition>:iam::<12 digits>:role/<name>`);
  if (!SESSION_NAME.test(sessionName)) {
    fail("sts", "ValidationError", `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}`);
  }
  const duration = input.DurationSeconds ?? 3600;
  if (duration < 900) {
    fail("sts", "ValidationError", `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
  }
  if (duration > MAX_SESSION_SECONDS) {
    const why = caller.roleArn
      ? "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
      : "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";
    fail("sts", "ValidationError", why);
  }
  const trusted = (await env.store.withAccount(arn.accountId, IAM_SCOPE, (s) => s.iam.trustedExternalId)) ?? env.externalId;
  if (input.ExternalId !== trusted) {
    throw awsError("sts", "AccessDenied", `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  }
  const { partition, accountId, roleName } = arn;
  const seq = await env.store.withAccount(accountId, IAM_SCOPE, (s) => ++s.seq);
  const parts = [env.seed, accountId, roleArn, sessionName, seq];
  const accessKeyId = `ASIA${stableBase32(parts, 16)}`;
  const roleId = `AROA${stableBase32(["role", accountId, roleName], 17)}`;
  const session: SessionCredentials = {
    accountId,
    roleArn,
    roleName,
    sessionName,
    // The wall clock, not the sandbox's: only the SDK's refresh logic reads it, and it runs on real time.
    expiration: Date.now() + duration * 1000,
    userId: `${roleId}:${sessionName}`,
  };
  await env.store.putCredentials(accessKeyId, session);
  env.sessions.set(accessKeyId, session);
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: stableHex(["secret", ...parts], 40),
      SessionToken: Buffer.from(stableHex(["token", ...parts], 96), "hex").toString("base64"),
      Expiration: new Date(session.expiration),
    },
    AssumedRoleUser: {
      AssumedRoleId: session.userId,
      Arn: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
    },
    PackedPolicySize: undefined,
  };
}

export function getCallerIdentity(caller: Caller) {
  return { UserId: caller.userId, Account: caller.accountId, Arn: caller.arn };
}
