// diffProject: the merge patch `byoc apply` sends for an existing project, one case per rule.
import { describe, expect, test } from "vitest";
import type { ProjectView } from "../../src/cli/client.js";
import { diffProject, isEmpty, type ProjectDiff, type ProjectFile } from "../../src/cli/projectDiff.js";

const ROLE = "arn:aws:iam::123456789012:role/LangGraphCloudOperatorRole";
const IMAGE = (tag: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:${tag}`;
const service = { cpu: 1024, memoryMb: 2048, replicas: 1 } as const;
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f9e8d7c-6b5a-4321-8fed-cba987654321";

const current: ProjectView = {
  id: "6a1f8a56-3f4e-4f59-9d0a-0d5bb2a0f1c1", tenantId: "0b8c3d2e-1f4a-4b5c-8d6e-7f8091a2b3c4", name: "shop", region: "us-east-1", roleArn: ROLE, externalId: "sandbox-external-id",
  deploymentType: "dev", database: { mode: "rds", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, engineVersion: "16" },
  resources: { api: { ...service, maxReplicas: 1 }, queue: { ...service, maxReplicas: 1 } }, cpuArchitecture: "X86_64",
  ingress: { visibility: "public", certificateArn: CERT }, url: "https://lg-shop-123.us-east-1.elb.amazonaws.com",
  env: { LOG_LEVEL: "info", KEEP: "1" }, secretNames: ["OPENAI_API_KEY", "OLD_KEY"],
  deletionPolicy: "snapshot", generation: 4, phase: "Ready", createdAt: "2026-11-24T07:00:00.000Z", updatedAt: "2026-11-24T07:00:00.000Z",
};
const base: ProjectFile = { name: "shop", region: "us-east-1", roleArn: ROLE, externalId: "sandbox-external-id" };
const none: Omit<ProjectDiff, "patch"> = { changes: [], writeOnly: [], immutable: [] };

const cases: Array<{ reason: string; file: ProjectFile; newestImage?: string; want: Partial<ProjectDiff> & { patch: Record<string, unknown> } }> = [
  { reason: "fields the file leaves out keep the server's values: nothing to send", file: base, want: { patch: {}, ...none } },
  { reason: "a file restating the current values sends nothing", file: { ...base, deploymentType: "dev", resources: { api: { ...service } }, env: { LOG_LEVEL: "info", KEEP: "1" } }, want: { patch: {}, ...none } },
  {
    reason: "a changed scalar is patched and listed",
    file: { ...base, deletionPolicy: "delete", externalId: "rotated-id" },
    want: { patch: { externalId: "rotated-id", deletionPolicy: "delete" }, changes: [{ field: "externalId", from: "sandbox-external-id", to: "rotated-id" }, { field: "deletionPolicy", from: "snapshot", to: "delete" }] },
  },
  {
    reason: "the region cannot be patched: it is reported as immutable, not sent",
    file: { ...base, region: "eu-west-1" },
    want: { patch: {}, immutable: [{ field: "region", from: "us-east-1", to: "eu-west-1" }] },
  },
  {
    reason: "only the database fields that differ are sent",
    file: { ...base, database: { mode: "rds", instanceClass: "db.t4g.small", allocatedStorageGb: 20 } },
    want: { patch: { database: { instanceClass: "db.t4g.small" } }, changes: [{ field: "database.instanceClass", from: "db.t4g.micro", to: "db.t4g.small" }] },
  },
  {
    reason: "an external database URI is write-only: always sent, the mode change listed",
    file: { ...base, database: { mode: "external", uri: "postgres://u:p@db.example.com/x" } },
    want: { patch: { database: { mode: "external", uri: "postgres://u:p@db.example.com/x" } }, changes: [{ field: "database.mode", from: "rds", to: "external" }], writeOnly: ["database.uri"] },
  },
  {
    reason: "resources are compared per service and field",
    file: { ...base, resources: { queue: { cpu: 1024, memoryMb: 4096, replicas: 3 } } },
    want: { patch: { resources: { queue: { memoryMb: 4096, replicas: 3 } } }, changes: [{ field: "resources.queue.memoryMb", from: 2048, to: 4096 }, { field: "resources.queue.replicas", from: 1, to: 3 }] },
  },
  {
    reason: "maxReplicas is compared when the file gives it, and left to the server when it does not",
    file: { ...base, resources: { api: { ...service, maxReplicas: 5 }, queue: { ...service } } },
    want: { patch: { resources: { api: { maxReplicas: 5 } } }, changes: [{ field: "resources.api.maxReplicas", from: 1, to: 5 }] },
  },
  {
    reason: "a changed cpuArchitecture is patched and listed",
    file: { ...base, cpuArchitecture: "ARM64" },
    want: { patch: { cpuArchitecture: "ARM64" }, changes: [{ field: "cpuArchitecture", from: "X86_64", to: "ARM64" }] },
  },
  { reason: "an ingress restating the server's is no change", file: { ...base, ingress: { certificateArn: CERT } }, want: { patch: {}, ...none } },
  {
    reason: "ingress given is the whole ingress: a missing certificateArn is removed (null)",
    file: { ...base, ingress: { visibility: "internal" } },
    want: {
      patch: { ingress: { visibility: "internal", certificateArn: null } },
      changes: [{ field: "ingress.visibility", from: "public", to: "internal" }, { field: "ingress.certificateArn", from: CERT, to: undefined }],
    },
  },
  {
    reason: "env given is the whole map: changed and new names set, missing names removed (null)",
    file: { ...base, env: { LOG_LEVEL: "debug", NEW: "x" } },
    want: {
      patch: { env: { LOG_LEVEL: "debug", NEW: "x", KEEP: null } },
      changes: [{ field: "env.LOG_LEVEL", from: "info", to: "debug" }, { field: "env.NEW", to: "x" }, { field: "env.KEEP", from: "1" }],
    },
  },
  {
    reason: "POSTGRES_URI_CUSTOM in env becomes a database setting on the server, so it is write-only",
    file: { ...base, env: { LOG_LEVEL: "info", KEEP: "1", POSTGRES_URI_CUSTOM: "postgres://db.example.com/x" } },
    want: { patch: { env: { POSTGRES_URI_CUSTOM: "postgres://db.example.com/x" } }, writeOnly: ["env.POSTGRES_URI_CUSTOM"] },
  },
  {
    reason: "secrets cannot be compared: every value is sent, names missing from the file are removed",
    file: { ...base, secrets: { OPENAI_API_KEY: "sk-1" } },
    want: { patch: { secrets: { OPENAI_API_KEY: "sk-1", OLD_KEY: null } }, changes: [{ field: "secrets.OLD_KEY", from: "(set)" }], writeOnly: ["secrets.OPENAI_API_KEY"] },
  },
  { reason: "an image that is already the newest revision's is no change", file: { ...base, image: IMAGE("v1") }, newestImage: IMAGE("v1"), want: { patch: {}, ...none } },
  { reason: "a new image is a new revision, not a patch", file: { ...base, image: IMAGE("v2") }, newestImage: IMAGE("v1"), want: { patch: {}, ...none, image: { from: IMAGE("v1"), to: IMAGE("v2") } } },
  { reason: "an image for a project with no revision yet", file: { ...base, image: IMAGE("v1") }, want: { patch: {}, ...none, image: { from: undefined, to: IMAGE("v1") } } },
];

describe("diffProject", () => {
  test.each(cases)("$reason", ({ file, newestImage, want }) => {
    const got = diffProject(file, current, newestImage);
    expect(got).toEqual({ ...none, ...want });
    expect(isEmpty(got)).toBe(Object.keys(want.patch).length === 0 && !want.image);
  });
});
