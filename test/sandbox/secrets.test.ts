// Secrets Manager's idempotency tokens, version staging and its deletion lifecycle (scheduled,
// unreadable, restorable, then purged), as the operator's secrets step depends on them.
import { describe, expect, it } from "vitest";
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  InvalidRequestException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ACCOUNT, REGION, SandboxFixture, rejection } from "./fixture.js";

const NAME = "langgraph-cloud/demo/postgres";
const TOKEN = "5d4e6f70-0000-4000-8000-000000000001";
const DELAY = 100; // one recovery-window day

/** `token: null` leaves the token to the SDK, which generates one as it does for every create. */
const create = (sm: SecretsManagerClient, value = '{"password":"a"}', token: string | null = TOKEN) =>
  sm.send(new CreateSecretCommand({ Name: NAME, SecretString: value, ClientRequestToken: token ?? undefined, Tags: [{ Key: "langgraph-cloud", Value: "demo" }] }));

describe("CreateSecret idempotency", () => {
  const repeats = [
    { reason: "the same token and value is the same create", token: TOKEN, value: '{"password":"a"}', error: undefined },
    { reason: "the same token with another value is refused", token: TOKEN, value: '{"password":"b"}', error: ResourceExistsException },
    { reason: "another create of the name is refused", token: "5d4e6f70-0000-4000-8000-000000000002", value: '{"password":"a"}', error: ResourceExistsException },
    { reason: "a create without a token (the SDK makes one) is refused", token: null, value: '{"password":"a"}', error: ResourceExistsException },
  ];
  it.each(repeats)("$reason", async ({ token, value, error }) => {
    const { secrets } = await new SandboxFixture().clients();
    const first = await create(secrets);
    expect(first.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${NAME}-[A-Za-z0-9]{6}$`));
    expect(first.VersionId).toBe(TOKEN);
    const again = create(secrets, value, token);
    if (error) expect(await rejection(again)).toBeInstanceOf(error);
    else expect(await again).toMatchObject({ ARN: first.ARN, VersionId: TOKEN });
  });
});

describe("secret versions", () => {
  it("moves AWSCURRENT to each new value and keeps the previous as AWSPREVIOUS", async () => {
    const { secrets } = await new SandboxFixture().clients();
    await create(secrets);
    const put = await secrets.send(new PutSecretValueCommand({ SecretId: NAME, SecretString: '{"password":"b"}' }));
    expect(put.VersionStages).toEqual(["AWSCURRENT"]);
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: NAME }))).SecretString).toBe('{"password":"b"}');
    const previous = await secrets.send(new GetSecretValueCommand({ SecretId: NAME, VersionStage: "AWSPREVIOUS" }));
    expect(previous).toMatchObject({ SecretString: '{"password":"a"}', VersionId: TOKEN });
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: NAME }));
    expect(described.VersionIdsToStages).toEqual({ [TOKEN]: ["AWSPREVIOUS"], [put.VersionId!]: ["AWSCURRENT"] });
  });
});

describe("deleting a secret", () => {
  it("schedules it: unreadable, hidden from ListSecrets, its name blocked, until restored", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { secrets } = await f.clients();
    await create(secrets);
    const deleted = await secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7 }));
    expect(deleted.DeletionDate!.getTime()).toBe(f.t + 7 * DELAY);

    expect(await rejection(secrets.send(new GetSecretValueCommand({ SecretId: NAME })))).toBeInstanceOf(InvalidRequestException);
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: NAME }))).DeletedDate).toEqual(new Date(f.t));
    expect((await secrets.send(new ListSecretsCommand({}))).SecretList).toEqual([]);
    expect((await secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList!.map((s) => s.Name)).toEqual([NAME]);
    const blocked = await rejection(create(secrets, "{}", "5d4e6f70-0000-4000-8000-000000000009"));
    expect(blocked).toBeInstanceOf(InvalidRequestException);
    expect(blocked.message).toContain("already scheduled for deletion");
    expect((await rejection(secrets.send(new DeleteSecretCommand({ SecretId: NAME }))))).toBeInstanceOf(InvalidRequestException);

    await secrets.send(new RestoreSecretCommand({ SecretId: NAME }));
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: NAME }))).SecretString).toBe('{"password":"a"}');
  });

  it("purges it when the recovery window has passed, freeing the name", async () => {
    const f = new SandboxFixture({ delayMs: DELAY });
    const { secrets } = await f.clients();
    const first = await create(secrets);
    await secrets.send(new DeleteSecretCommand({ SecretId: NAME, RecoveryWindowInDays: 7 }));
    f.advance(7 * DELAY - 1);
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: NAME }))).DeletedDate).toBeDefined();
    f.advance(1);
    expect(await rejection(secrets.send(new DescribeSecretCommand({ SecretId: NAME })))).toBeInstanceOf(ResourceNotFoundException);
    const second = await create(secrets, "{}", "5d4e6f70-0000-4000-8000-000000000003");
    expect(second.ARN).not.toBe(first.ARN);
  });

  const invalid = [
    { reason: "a window shorter than 7 days", input: { RecoveryWindowInDays: 6 } },
    { reason: "a window together with force", input: { RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true } },
  ];
  it.each(invalid)("refuses $reason", async ({ input }) => {
    const { secrets } = await new SandboxFixture().clients();
    await create(secrets);
    expect((await rejection(secrets.send(new DeleteSecretCommand({ SecretId: NAME, ...input })))).name).toBe("InvalidParameterException");
  });

  it("with ForceDeleteWithoutRecovery is gone at once", async () => {
    const { secrets } = await new SandboxFixture().clients();
    await create(secrets);
    await secrets.send(new DeleteSecretCommand({ SecretId: NAME, ForceDeleteWithoutRecovery: true }));
    expect(await rejection(secrets.send(new GetSecretValueCommand({ SecretId: NAME })))).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("listing and batch reads", () => {
  it("filters by name prefix and tag, and reports per-secret errors in a batch", async () => {
    const { secrets } = await new SandboxFixture().clients();
    await create(secrets);
    await secrets.send(new CreateSecretCommand({ Name: "langgraph-cloud/demo/env", SecretString: "{}" }));
    await secrets.send(new CreateSecretCommand({ Name: "other/thing", SecretString: "{}" }));
    const byName = await secrets.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["langgraph-cloud/demo/"] }] }));
    expect(byName.SecretList!.map((s) => s.Name).sort()).toEqual(["langgraph-cloud/demo/env", NAME]);
    const byTag = await secrets.send(new ListSecretsCommand({ Filters: [{ Key: "tag-key", Values: ["langgraph-cloud"] }] }));
    expect(byTag.SecretList!.map((s) => s.Name)).toEqual([NAME]);
    expect(byTag.SecretList![0].Tags).toEqual([{ Key: "langgraph-cloud", Value: "demo" }]);
    const anyOf = await secrets.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: ["nothing/", "other/", "langgraph-cloud/demo/e"] }] }));
    expect(anyOf.SecretList!.map((s) => s.Name).sort()).toEqual(["langgraph-cloud/demo/env", "other/thing"]);
    const eleven = Array.from({ length: 11 }, (_, i) => `p${i}/`);
    expect(await rejection(secrets.send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: eleven }] })))).toMatchObject({ name: "InvalidParameterException" });

    const batch = await secrets.send(new BatchGetSecretValueCommand({ SecretIdList: [NAME, "langgraph-cloud/demo/missing"] }));
    expect(batch.SecretValues!.map((v) => v.Name)).toEqual([NAME]);
    expect(batch.Errors).toEqual([{ SecretId: "langgraph-cloud/demo/missing", ErrorCode: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret." }]);
  });
});
