// Every delete is idempotent: a resource already gone when its delete runs (deleted out of band between
// the pass's look and its action, or by an earlier attempt whose answer was lost) is what the delete
// wanted, not an error. Each case plans a deletion step against a converged project, removes the
// resource behind the operator's back, and then applies the planned actions. Real SDK clients over
// the sandbox, real Postgres for rows and intents.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { DeleteServiceCommand, DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { DeleteDBInstanceCommand } from "@aws-sdk/client-rds";
import type { AwsClients } from "../../src/cloud/clients.js";
import { CLUSTER_NAME } from "../../src/cloud/names.js";
import type { PassContext, Step, NoInput } from "../../reconcilers/contract.js";
import { databaseDeletion } from "../../reconcilers/database.js";
import { secretsDeletion } from "../../reconcilers/secrets.js";
import { servicesDeletion } from "../../reconcilers/services.js";
import { taskDefinitionsDeletion } from "../../reconcilers/taskDefinitions.js";
import { convergeThrough, noRecord, passPlace, projectContext, type PassPlace } from "../support/pass-context.js";

const WHERE = { account: "515151515151", region: "eu-west-2", operatorId: "deletes", sandbox: { delayMs: 20, seed: 9 } };
let at: PassPlace;
beforeAll(async () => { at = await passPlace(WHERE); });
afterAll(async () => { await at?.close(); });

async function converged(name: string, through: string): Promise<PassContext> {
  const base = await projectContext(at, name);
  await convergeThrough(base, through);
  return { ...base, aws: await base.connect() };
}

/** Plans `step`, lets `gone` remove what its deletes target, then applies them: none may fail. */
async function deleteAfterGone(ctx: PassContext, step: Step<NoInput, void>, gone: (aws: AwsClients, resources: string[]) => Promise<void>) {
  const plan = await step.plan(ctx, {});
  const deletes = plan.actions.filter((a) => a.verb === "delete");
  expect(deletes.length).toBeGreaterThan(0);
  await gone(ctx.aws, deletes.map((a) => a.resource));
  for (const a of deletes) await a.run(noRecord);
  return deletes;
}

describe("a delete whose resource is already gone succeeds", () => {
  test("DeleteSecret: a secret force-deleted out of band (ResourceNotFoundException)", async () => {
    const ctx = await converged("gone-secret", "Secret");
    const deletes = await deleteAfterGone(ctx, secretsDeletion, async (aws, names) => {
      for (const n of names) await aws.secrets.send(new DeleteSecretCommand({ SecretId: n, ForceDeleteWithoutRecovery: true }));
    });
    expect(deletes.map((a) => a.resource).sort()).toEqual(["langgraph-cloud/gone-secret/env", "langgraph-cloud/gone-secret/postgres"]);
    // And the step, planned again, finds nothing left to delete.
    expect((await secretsDeletion.plan(ctx, {})).after.kind).toBe("done");
  });

  test("DeregisterTaskDefinition: one deregistered out of band (INACTIVE) and one deleted (gone)", async () => {
    const ctx = await converged("gone-taskdefs", "TaskDefinition");
    await deleteAfterGone(ctx, taskDefinitionsDeletion, async (aws, revisions) => {
      const [first, ...rest] = revisions;
      await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: first }));
      for (const r of rest) {
        await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: r }));
        await aws.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [r] }));
      }
    });
  });

  test("DeleteDBInstance: an instance deleted out of band (deleting, then not found)", async () => {
    const ctx = await converged("gone-db", "DBInstance");
    await deleteAfterGone(ctx, databaseDeletion, async (aws, ids) => {
      for (const id of ids) await aws.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
    });
  });

  test("DeleteService: services deleted out of band", async () => {
    const ctx = await converged("gone-services", "Service");
    await deleteAfterGone(ctx, servicesDeletion, async (aws, names) => {
      for (const n of names) {
        await aws.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER_NAME, service: n, desiredCount: 0 }));
        await aws.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER_NAME, service: n, force: true }));
      }
    });
  });
});
