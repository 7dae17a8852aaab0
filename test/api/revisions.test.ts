// /v1/projects/{p}/revisions and /events against the running API: numbering, newest-first lists,
// image validation, and the audit trail of every desired-state write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/api.js";
import { ACCOUNT, createProject, fieldsOf, image, isProblem, rowCounts } from "./fixtures.js";

let api: TestApi;
beforeAll(async () => { api = await startTestApi(); });
afterAll(async () => { await api?.close(); });

const postRevision = (project: string, body: unknown) => api.request("POST", `/v1/projects/${project}/revisions`, { body });
const reasons = (res: { body: any }) => res.body.items.map((e: { reason: string }) => e.reason);

describe("revisions", () => {
  it("numbers revisions 1, 2, 3 per project, each QUEUED, and lists them newest first", async () => {
    const { project } = await createProject(api);
    const other = await createProject(api);
    for (const n of [1, 2, 3]) {
      const res = await postRevision(project.name, { image: image(`v${n}`), env: { REV: String(n) } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ number: n, status: "QUEUED", image: image(`v${n}`), env: { REV: String(n) }, projectId: project.id, message: "" });
      expect(res.headers.get("location")).toBe(`/v1/projects/${project.name}/revisions/${n}`);
    }
    expect((await postRevision(other.project.name, { image: image("x") })).body.number).toBe(1);
    const list = await api.request("GET", `/v1/projects/${project.name}/revisions`);
    expect(list.body.items.map((r: { number: number }) => r.number)).toEqual([3, 2, 1]);
    expect(list.body.nextCursor).toBeNull();
    const two = await api.request("GET", `/v1/projects/${project.id}/revisions/2`);
    expect(two.status).toBe(200);
    expect(two.body).toEqual(list.body.items[1]);
  });

  it("makes revision 1 from the image given on create", async () => {
    const { project } = await createProject(api, { image: image("first") });
    expect(project.image).toBe(image("first"));
    const list = await api.request("GET", `/v1/projects/${project.name}/revisions`);
    expect(list.body.items).toMatchObject([{ number: 1, image: image("first"), status: "QUEUED" }]);
    expect((await postRevision(project.name, { image: image("second") })).body.number).toBe(2);
  });

  it("pages through revisions newest first, each exactly once", async () => {
    const { project } = await createProject(api);
    for (let n = 1; n <= 5; n++) await postRevision(project.name, { image: image(`v${n}`) });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: any } = await api.request("GET", `/v1/projects/${project.name}/revisions?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...res.body.items.map((r: { number: number }) => r.number));
      cursor = res.body.nextCursor;
    } while (cursor && seen.length < 50);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });

  it("answers a revision number that does not exist with 404", async () => {
    const { project } = await createProject(api, { image: image("v1") });
    const res = await api.request("GET", `/v1/projects/${project.name}/revisions/2`);
    expect(res.status).toBe(404);
    expect(isProblem(res)).toBe(true);
  });

  it.each([
    { reason: "a Docker Hub image", input: "langchain/langgraph-api:latest" },
    { reason: "an ECR host with an 11-digit account", input: "12345678901.dkr.ecr.us-east-1.amazonaws.com/agent:v1" },
    { reason: "no tag and no digest", input: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent` },
    { reason: "an upper-case repository", input: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/Agent:v1` },
    { reason: "a short sha256 digest", input: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/agent@sha256:abc123` },
    { reason: "a non-ECR registry", input: `${ACCOUNT}.dkr.example.com/agent:v1` },
    { reason: "an empty string", input: "" },
  ])("refuses $reason with 400 naming `image`, writing nothing", async ({ input }) => {
    const { project } = await createProject(api);
    const before = await rowCounts(api);
    const res = await postRevision(project.name, { image: input });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(["image"]);
    expect(await rowCounts(api)).toEqual(before);
  });

  it("accepts a digest reference", async () => {
    const { project } = await createProject(api);
    const ref = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/team/agent@sha256:${"a1".repeat(32)}`;
    expect((await postRevision(project.name, { image: ref })).status).toBe(201);
  });
});

describe("redeploy", () => {
  it("makes the next revision with the earlier one's image and env, marked redeployOf, QUEUED", async () => {
    const { project } = await createProject(api);
    await postRevision(project.name, { image: image("good"), env: { MODE: "a" } });
    await postRevision(project.name, { image: image("bad") });
    const res = await api.request("POST", `/v1/projects/${project.name}/revisions/1/redeploy`);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 3, image: image("good"), env: { MODE: "a" }, status: "QUEUED", redeployOf: 1 });
    expect(res.headers.get("location")).toBe(`/v1/projects/${project.name}/revisions/3`);
    const list = await api.request("GET", `/v1/projects/${project.name}/revisions`);
    expect(list.body.items.map((r: { number: number; redeployOf: number | null }) => [r.number, r.redeployOf])).toEqual([[3, 1], [2, null], [1, null]]);
    // The newest revision is the desired one: the redeploy is what the status now asks for.
    expect((await api.request("GET", `/v1/projects/${project.name}/status`)).body.latestRevision).toEqual({ number: 3, image: image("good"), status: "QUEUED" });
    expect(reasons(await api.request("GET", `/v1/projects/${project.name}/events`))[0]).toBe("RevisionQueued");
  });

  it("answers a revision that does not exist with 404, writing nothing", async () => {
    const { project } = await createProject(api, { image: image("v1") });
    const before = await rowCounts(api);
    const res = await api.request("POST", `/v1/projects/${project.name}/revisions/7/redeploy`);
    expect(res.status).toBe(404);
    expect(isProblem(res)).toBe(true);
    expect(await rowCounts(api)).toEqual(before);
  });

  it("refuses a project being deleted with 409", async () => {
    const { project } = await createProject(api, { image: image("v1") });
    await api.request("DELETE", `/v1/projects/${project.name}`);
    expect((await api.request("POST", `/v1/projects/${project.name}/revisions/1/redeploy`)).status).toBe(409);
  });
});

describe("events", () => {
  it("records creation, spec change and revision queued, newest first", async () => {
    const { project, etag } = await createProject(api);
    await api.request("PATCH", `/v1/projects/${project.name}`, { body: { env: { A: "1" } }, headers: { "if-match": etag } });
    await postRevision(project.name, { image: image("v1") });
    const res = await api.request("GET", `/v1/projects/${project.name}/events`);
    expect(res.status).toBe(200);
    expect(reasons(res)).toEqual(["RevisionQueued", "SpecChanged", "Created"]);
    expect(res.body.items.every((e: { type: string }) => e.type === "Normal")).toBe(true);
    expect(res.body.items[1].message).toContain("generation 2");
  });

  it("records revision 1 when the project is created with an image", async () => {
    const { project } = await createProject(api, { image: image("v1") });
    const res = await api.request("GET", `/v1/projects/${project.name}/events`);
    expect(reasons(res)).toEqual(["RevisionQueued", "Created"]);
  });

  it("returns only events after ?since=", async () => {
    const { project, etag } = await createProject(api);
    const [created] = (await api.request("GET", `/v1/projects/${project.name}/events`)).body.items;
    // A moment strictly between the Created event and the next write.
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await api.request("PATCH", `/v1/projects/${project.name}`, { body: { env: { A: "1" } }, headers: { "if-match": etag } });
    await api.request("POST", `/v1/projects/${project.name}/reconcile`);
    const after = await api.request("GET", `/v1/projects/${project.name}/events?since=${encodeURIComponent(since)}`);
    expect(after.status).toBe(200);
    expect(reasons(after)).toEqual(["SpecChanged"]);
    const before = await api.request("GET", `/v1/projects/${project.name}/events?since=${encodeURIComponent(new Date(Date.parse(created.createdAt) - 60_000).toISOString())}`);
    expect(reasons(before)).toEqual(["SpecChanged", "Created"]);
  });

  it("pages through events newest first with limit and cursor", async () => {
    const { project } = await createProject(api);
    for (let n = 1; n <= 4; n++) await postRevision(project.name, { image: image(`v${n}`) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: any } = await api.request("GET", `/v1/projects/${project.name}/events?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...res.body.items.map((e: { message: string }) => e.message));
      cursor = res.body.nextCursor;
    } while (cursor && seen.length < 50);
    expect(seen).toHaveLength(5);
    expect(seen[0]).toContain("revision 4");
    expect(seen[4]).toContain("created");
  });
});
