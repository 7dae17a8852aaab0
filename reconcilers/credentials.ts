// Credentials: STS AssumeRole into the customer's role with the project's ExternalId. Sessions are
// cached per role by the cloud layer and refreshed before expiry. Provides the AWS clients every later
// step uses. A refusal (wrong external ID, trust policy, AccessDenied) is classified like any failure
// (terminal with AWS's code, retried slowly until the customer fixes the role); this step only says
// what to check.
import type { AwsClients } from "../src/cloud/clients.js";
import { awsErrorCode, errorMessage, isAccessDenied } from "../src/cloud/errors.js";
import { done, proceed, StepFailure, type BaseContext, type NoInput, type Step } from "./contract.js";

export const credentials: Step<NoInput, AwsClients, BaseContext> = {
  kind: "Credentials",
  condition: "CredentialsValid",
  async plan(ctx) {
    let aws: AwsClients;
    try {
      aws = await ctx.connect();
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause ?? err;
      const hint = isAccessDenied(cause) ? " (check the role's trust policy: principal and sts:ExternalId)" : "";
      throw new StepFailure(`${awsErrorCode(cause)}: ${errorMessage(cause)}${hint}`, { cause: err });
    }
    return proceed([], done("RoleAssumed", `assumed ${ctx.project.roleArn}`), { provide: () => aws });
  },
};
