// Credentials: STS AssumeRole into the customer's role with the project's ExternalId. Sessions are
// cached per role by the cloud layer and refreshed before expiry. A refusal (wrong external ID, trust
// policy, AccessDenied) is terminal with AWS's code and retried slowly until the customer fixes the role.
import { awsErrorCode, classifyFailure, errorMessage, isAccessDenied } from "../src/cloud/errors.js";
import type { Step } from "./types.js";
import { done } from "./types.js";

export const SLOW_RETRY_MS = 15 * 60_000;

export const credentials: Step = {
  kind: "Credentials",
  condition: "CredentialsValid",
  async plan(ctx) {
    try {
      await ctx.connect();
      return { actions: [], after: done("RoleAssumed", `assumed ${ctx.project.roleArn}`) };
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (classifyFailure(cause) === "transient" || classifyFailure(cause) === "throttle") throw err;
      const code = awsErrorCode(cause);
      const hint = isAccessDenied(cause) ? " (check the role's trust policy: principal and sts:ExternalId)" : "";
      return {
        actions: [],
        after: { kind: "terminal", code, reason: "AssumeRoleFailed", message: `${code}: ${errorMessage(cause)}${hint}`, retryAfterMs: SLOW_RETRY_MS },
      };
    }
  },
};
