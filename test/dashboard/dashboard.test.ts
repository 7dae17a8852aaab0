// The dashboard the daemon serves at /, driven in headless Chromium as an operator would use it: sign in,
// watch projects appear and turn Ready live, then create one from the form (the API's errors shown next
// to the fields they name), edit its spec against a concurrent change (412: nothing overwritten, the
// difference shown), deploy an image by keyboard that fails its health checks, see why, roll back,
// reconcile, delete. axe-core checks every page on the way; screenshots go to test-results/ (docs/ only
// through `npm run docs:screenshots`).
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { image, projectBody, REGION, ROLE, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";
import { launchBrowser, screenshot, seriousViolations, type Browser } from "./browser.js";

let t: TestDaemon;
let b: Browser;
let page: Page;
const sameDocument = async () => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument);
const field = (path: string) => `[data-field="${path}"]`;
const errorOf = (path: string) => page.locator(`.field[data-for="${path}"] .field-error`);

beforeAll(async () => {
  t = await startTestDaemon();
  b = await launchBrowser();
  page = b.page;
});
afterAll(async () => {
  await b?.close();
  await t?.stop();
});

test("a refused key is said so; the accepted one is kept across visits", async () => {
  await page.goto(t.d.url);
  expect(await seriousViolations(page)).toEqual([]);
  await page.fill("input[name=token]", "not-a-token-at-all");
  await page.click("button[type=submit]");
  await expect.poll(() => page.textContent("form.login .error")).toBe("That key was refused.");
  await page.fill("input[name=token]", TOKEN);
  await page.click("button[type=submit]");
  await page.waitForSelector("text=No projects yet");
  await page.reload();
  await page.waitForSelector("text=No projects yet");
  await page.waitForSelector("#connection[data-state=live]");
  expect(await seriousViolations(page)).toEqual([]);
});

test("projects created through the API appear and turn Ready on the list without a reload", async () => {
  await page.evaluate(() => {
    (window as unknown as { sameDocument: boolean }).sameDocument = true;
  });
  expect((await t.http("POST", "/v1/projects", projectBody("storefront", { image: image("v1") }))).status).toBe(201);
  const row = 'tr[data-project="storefront"]';
  await page.waitForSelector(`${row}[data-phase="Ready"]`, { timeout: 30_000 });
  expect(await sameDocument()).toBe(true);
  const chips = await page.$$eval(`${row} .chip`, (els) =>
    els.map((c) => `${c.textContent}=${(c as HTMLElement).dataset.status}`),
  );
  expect(chips.length).toBeGreaterThanOrEqual(7);
  expect(chips.every((c) => c.endsWith("=True"))).toBe(true);
  expect(await page.textContent(`${row} .revision`)).toBe("#1 DEPLOYED · agent:v1");
  // Two more, for the picture: one with no revision yet, one whose image never passes its health check.
  await t.http("POST", "/v1/projects", projectBody("analytics"));
  await t.http("POST", "/v1/projects", projectBody("canary", { image: image("fail-healthcheck") }));
  await page.waitForSelector('tr[data-project="analytics"] .chip[data-status="True"]:text("Database")', {
    timeout: 30_000,
  });
  await page.waitForSelector('tr[data-project="canary"] .revision:text("DEPLOY_FAILED")', { timeout: 30_000 });
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, "dashboard.png");
});

test("the create form shows the API's errors next to the fields they name, then creates the project", async () => {
  await page.click("a.button:text('New project')");
  await page.waitForSelector("form.spec-form");
  // The Terraform inputs follow what is typed: the role's name and the external ID.
  await page.fill(field("roleArn"), "arn:aws:iam::123456789012:role/LangGraphCloudOperatorRole-shop");
  await page.fill(field("externalId"), "sandbox-external-id");
  await expect
    .poll(() => page.textContent("#terraform-inputs"))
    .toContain('operator_role_name          = "LangGraphCloudOperatorRole-shop"');
  expect(await page.textContent("#terraform-inputs")).toContain('external_id                 = "sandbox-external-id"');
  await page.click('button[aria-label="Copy Terraform inputs"]');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain('module "langgraph_byoc"');

  await page.fill(field("name"), "Shop--Front");
  await page.fill(field("region"), REGION);
  await page.fill(field("resources.api.replicas"), "-1");
  await page.click("button:text('Create project')");
  await expect.poll(() => errorOf("name").textContent()).toContain("must match pattern");
  expect(await errorOf("resources.api.replicas").textContent()).toContain(">= 0");
  expect(await page.getAttribute(field("name"), "aria-invalid")).toBe("true");
  expect(await page.evaluate(() => document.activeElement?.getAttribute("data-field"))).toBe("name");
  expect(await seriousViolations(page)).toEqual([]);

  // Fixed; a reserved name in env is the next thing the API refuses, and it lands on the env field.
  await page.fill(field("name"), "shopfront");
  await page.fill(field("resources.api.replicas"), "");
  await page.fill(field("env"), "LOG_LEVEL=debug\nPORT=9000");
  await page.fill(field("roleArn"), ROLE);
  await page.fill(field("image"), image("v1", "shop"));
  await page.click("button:text('Create project')");
  await expect.poll(() => errorOf("env").textContent()).toBe("PORT: PORT is reserved: the operator sets it");
  expect(await errorOf("name").textContent()).toBe("");
  await screenshot(page, "dashboard-create.png", true);

  await page.fill(field("env"), "LOG_LEVEL=debug");
  await page.click("button:text('Create project')");
  await page.waitForSelector("h1:has-text('shopfront')");
  expect((await t.http("GET", "/v1/projects/shopfront")).body.env).toEqual({ LOG_LEVEL: "debug" });
  await page.waitForSelector("h1 .phase:text('Ready')", { timeout: 30_000 });
  await page.waitForSelector('tr[data-revision="1"] .mark.active');
  expect(await page.textContent('tr[data-revision="1"] .marks')).toBe("activelatest");
  await page.waitForSelector(".plan-empty");
  const status = await t.status("shopfront");
  // The deployment's URL is a link where the operator reports one, and no link where it does not.
  if (status.url) expect(await page.getAttribute("a[data-url]", "href")).toBe(status.url);
  else expect(await page.$("a[data-url]")).toBeNull();
  expect(await page.textContent("p.meta")).toContain("X86_64 · public load balancer");
  expect(await sameDocument()).toBe(true);
  expect(await seriousViolations(page)).toEqual([]);
});

test("a stale edit says someone else changed the project, shows the difference and overwrites nothing", async () => {
  await page.click("#action-edit");
  await page.waitForSelector(`#action-panel ${field("deletionPolicy")}`);
  // The data-plane fields are edited where the others are, filled with the project's values.
  expect(await page.inputValue(`#action-panel ${field("cpuArchitecture")}`)).toBe("X86_64");
  expect(await page.inputValue(`#action-panel ${field("ingress.visibility")}`)).toBe("public");
  expect(await page.inputValue(`#action-panel ${field("resources.api.maxReplicas")}`)).toBe("1");
  await page.selectOption(`#action-panel ${field("deletionPolicy")}`, "delete");
  await t.patch("shopfront", { env: { FROM_ELSEWHERE: "1" } }); // someone else, meanwhile
  await page.click("#action-panel button:text('Save')");
  await page.waitForSelector(".conflict h3:text('Someone else changed this project')");
  expect(await page.textContent('.conflict tr[data-diff="env.FROM_ELSEWHERE"]')).toBe("env.FROM_ELSEWHERE(none)1");
  const unchanged = (await t.http("GET", "/v1/projects/shopfront")).body;
  expect([unchanged.deletionPolicy, unchanged.env]).toEqual(["snapshot", { LOG_LEVEL: "debug", FROM_ELSEWHERE: "1" }]);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, "dashboard-edit-conflict.png", true);

  await page.click(".conflict button:text('Start over from the current spec')");
  await expect.poll(() => page.inputValue(`#action-panel ${field("env")}`)).toBe("LOG_LEVEL=debug\nFROM_ELSEWHERE=1");
  await page.selectOption(`#action-panel ${field("deletionPolicy")}`, "delete");
  await page.click("#action-panel button:text('Save')");
  await page.waitForSelector("#announcer:has-text('generation 3')");
  const saved = (await t.http("GET", "/v1/projects/shopfront")).body;
  expect([saved.deletionPolicy, saved.env, saved.generation]).toEqual([
    "delete",
    { LOG_LEVEL: "debug", FROM_ELSEWHERE: "1" },
    3,
  ]);
});

test("a deploy made with the keyboard alone fails its health checks, and the page says why", async () => {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.id === "action-deploy");
  }
  expect(reached).toBe(true);
  expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe("none");
  await page.keyboard.press("Enter");
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("deploy-image");
  await page.keyboard.press("Control+A");
  await page.keyboard.type(image("fail-healthcheck", "shop"));
  await page.keyboard.press("Enter");
  await page.waitForSelector("#announcer:has-text('Revision 2 queued')");
  await page.waitForSelector('tr[data-revision="2"][data-status="DEPLOY_FAILED"]', { timeout: 30_000 });
  await page.waitForSelector(".failing h2:text('Failing rollout')");
  const events = await t.events("shopfront");
  const why =
    events.filter((e) => e.reason === "TaskFailed").at(-1) ?? events.filter((e) => e.reason === "RolloutFailed").at(-1);
  expect(why).toBeDefined();
  await expect.poll(() => page.textContent(".failing")).toContain(why!.message);
  expect(await page.textContent(".failing p")).toMatch(/^Revision 2 \(shop:fail-healthcheck\) (failed: |does not start)/);
  expect(await page.textContent('tr[data-revision="1"] .marks')).toBe("active");
  expect(await page.textContent('tr[data-revision="2"] .marks')).toBe("latest");
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, "dashboard-failing.png", true);
});

test("rolling back to revision 1 deploys its image again as revision 3, live", async () => {
  await page.click('tr[data-revision="1"] button:text("Roll back")');
  await page.waitForSelector("#announcer:has-text('Revision 3 queued')");
  await page.waitForSelector('tr[data-revision="3"][data-status="DEPLOYED"]', { timeout: 30_000 });
  const revisions = (await t.http("GET", "/v1/projects/shopfront/revisions")).body.items;
  expect(revisions[0].image).toBe(image("v1", "shop"));
  await expect.poll(() => page.textContent('tr[data-revision="3"] .marks')).toBe("activelatest");
  // An operator with the redeploy route records what the revision redeploys; the page says so.
  if (revisions[0].redeployOf !== undefined)
    expect(await page.textContent('tr[data-revision="3"]')).toContain("redeploy of #1");
  await page.waitForSelector(".failing:empty", { state: "attached" });
  await page.click("#action-reconcile");
  await page.waitForSelector("#announcer:has-text('Reconcile requested')");
  expect(await sameDocument()).toBe(true);
  await page.waitForSelector('.logs .line:has-text("shop:v1")', { timeout: 30_000 });
  await screenshot(page, "dashboard-project.png", true);
});

test("delete asks for the name, says what the deletion policy will do, and the project goes live", async () => {
  await page.click("#action-delete");
  await page.waitForSelector("dialog.confirm[open]");
  expect(await page.textContent(".consequence")).toContain("database lg-shopfront is deleted with no final snapshot");
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, "dashboard-delete.png");
  await page.fill("#delete-confirm", "shop");
  await page.click("#delete-go");
  await page.waitForSelector("dialog.confirm .error:text('Type the project')");
  expect((await t.http("GET", "/v1/projects/shopfront")).body.phase).not.toBe("Deleting");
  await page.fill("#delete-confirm", "shopfront");
  await page.click("#delete-go");
  await page.waitForSelector("h1 .phase:text('Deleted')", { timeout: 30_000 });
  expect((await t.http("GET", "/v1/projects/shopfront")).status).toBe(404);
  await page.click(".crumbs a");
  await page.waitForSelector('tr[data-project="storefront"]');
  expect(await page.$('tr[data-project="shopfront"]')).toBeNull();
  expect(await sameDocument()).toBe(true);
});

test("an admin creates a tenant and a key shown once; that key sees its own projects only", async () => {
  const tenants = await t.http("GET", "/v1/tenants");
  if (tenants.status === 404) {
    // An operator without tenants: no tenant page, no tenant column.
    expect(await page.isHidden("#nav-tenants")).toBe(true);
    expect(await page.$("th:text('Tenant')")).toBeNull();
    return;
  }
  await page.waitForSelector("th:text('Tenant')");
  await page.click("#nav-tenants");
  await page.fill("#tenant-name", "acme");
  await page.click("button:text('Create tenant')");
  await page.waitForSelector('tr[data-tenant="acme"]');
  const acme = (await t.http("GET", "/v1/tenants")).body.items.find((x: { name: string }) => x.name === "acme");
  expect(await page.textContent('tr[data-tenant="acme"] code')).toBe(acme.externalId);
  await page.click('button[aria-label="Keys of acme"]');
  await page.waitForSelector("#keys-title:text('Keys of acme')");
  await page.fill("#key-name", "ci");
  await page.selectOption("#key-scope", "write");
  await page.click("button:text('Create key')");
  const key = (await page.textContent("#new-key-value"))!;
  await page.click('button[aria-label="Copy new key"]');
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await page.waitForSelector("#tenant-keys tbody tr");
  expect(
    await page.$$eval("#tenant-keys tbody tr", (rows) =>
      rows.map((r) =>
        [...r.children]
          .slice(0, 2)
          .map((c) => c.textContent)
          .join(" "),
      ),
    ),
  ).toEqual(["ci write"]);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, "dashboard-tenants.png", true);

  // A project of acme's (in an account of its own); the admin's filter shows it alone.
  const other = "arn:aws:iam::210987654321:role/LangGraphCloudOperatorRole";
  expect(
    (
      await t.http(
        "POST",
        "/v1/projects",
        { name: "acme-bot", region: REGION, roleArn: other },
        { "x-tenant-id": acme.id },
      )
    ).status,
  ).toBe(201);
  await page.click("nav a:text('Projects')");
  await page.waitForSelector('tr[data-project="acme-bot"] td.tenant:text("acme")');
  await page.selectOption("#tenant-filter", acme.id);
  await expect
    .poll(() => page.$$eval("tr[data-project]", (rows) => rows.map((r) => (r as HTMLElement).dataset.project)))
    .toEqual(["acme-bot"]);

  // The key shown once signs in as acme: its projects only, its external ID in the create form.
  await page.click("#sign-out");
  await page.fill("input[name=token]", key);
  await page.click("button[type=submit]");
  await page.waitForSelector('tr[data-project="acme-bot"]');
  expect(await page.$$eval("tr[data-project]", (rows) => rows.map((r) => (r as HTMLElement).dataset.project))).toEqual([
    "acme-bot",
  ]);
  expect(await page.$("th:text('Tenant')")).toBeNull();
  await page.click("a.button:text('New project')");
  await expect.poll(() => page.textContent("#tenant-external-id")).toBe(acme.externalId);
  expect(await page.$(field("externalId"))).toBeNull();
  expect(await seriousViolations(page)).toEqual([]);
});

test("signing out forgets the key; the page ran without a script error", async () => {
  await page.click("#sign-out");
  await page.waitForSelector("form.login");
  await page.reload();
  await page.waitForSelector("form.login");
  expect(await page.evaluate(() => localStorage.getItem("byoc.token"))).toBeNull();
  expect(b.pageErrors).toEqual([]);
});
