// The sizes AWS refuses, checked when a spec is written. A spec AWS would refuse on every pass is a 400
// naming the field now, not a condition that never clears: the operator cannot converge it, and the
// user would only learn why from a Warning event much later.
import { partitionOfRegion, projectNames } from "../cloud/names.js";

/** Secrets Manager's SecretString: at most 65,536 bytes (the env secret is the JSON of `secrets`). */
export const SECRET_STRING_MAX_BYTES = 65_536;
/** ECS RegisterTaskDefinition: the request is limited to 64 KiB (ECS service quota "task definition size"). */
export const TASK_DEFINITION_MAX_BYTES = 65_536;
/**
 * What a task definition holds besides the user's env and secret references: family, image (≤ 512),
 * role and secret ARNs, the operator's own variables, log options, health check, tags. Measured at
 * under 2 KiB for a 40-character name; twice that is kept so the estimate never undercounts.
 */
const TASK_DEFINITION_OVERHEAD_BYTES = 4_096;

export const secretStringBytes = (secrets: Record<string, string>) => Buffer.byteLength(JSON.stringify(secrets));

/**
 * The bytes the api (or queue) task definition's request will take, from the spec alone: its env (the
 * project's, then the newest revision's over it) in plain text, and one `valueFrom` reference per
 * secret, as reconcilers/taskDefinitions.ts writes them.
 */
export function taskDefinitionBytes(p: {
  name: string; region: string; accountId: string; env: Record<string, string>; secretNames: string[];
}, revisionEnv: Record<string, string> = {}): number {
  const env = { ...p.env, ...revisionEnv };
  // The ARN Secrets Manager gives the env secret: its 6-character suffix is random, its length is not.
  const secretArn = `arn:${partitionOfRegion(p.region)}:secretsmanager:${p.region}:${p.accountId}:secret:`
    + `${projectNames(p.name).envSecret}-XXXXXX`;
  const environment = Object.keys(env).map((name) => ({ name, value: env[name] }));
  const secrets = p.secretNames.map((name) => ({ name, valueFrom: `${secretArn}:${name}::` }));
  return Buffer.byteLength(JSON.stringify({ environment, secrets })) + TASK_DEFINITION_OVERHEAD_BYTES;
}
