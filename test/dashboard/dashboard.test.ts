// The dashboard the daemon serves at /, driven in headless Chromium (Debian's chromium package through
// playwright-core): sign in with a token, watch a project created through the API appear and turn Ready
// without a reload, open its page (resources, events, logs) and see a deploy arrive live. The test also
// makes the screenshots in docs/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { image, projectBody, startTestDaemon, TOKEN, type TestDaemon } from "../support/daemon.js";

const CHROMIUM = "/usr/bin/chromium";
const DOCS = fileURLToPath(new URL("../../docs", import.meta.url));

let t: TestDaemon;
let profile: string;
let browser: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`);
  t = await startTestDaemon();
  profile = mkdtempSync(path.join(tmpdir(), "byoc-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = browser.pages()[0] ?? await browser.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (err) => pageErrors.push(err.message));
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test("a refused token is said so; the accepted one is kept across visits", async () => {
  await page.goto(t.d.url);
  await page.fill("input[name=token]", "not-a-token-at-all");
  await page.click("button[type=submit]");
  await expect.poll(() => page.textContent("form.login .error")).toBe("That token was refused.");
  await page.fill("input[name=token]", TOKEN);
  await page.click("button[type=submit]");
  await page.waitForSelector("text=No projects yet");
  await page.reload();
  await page.waitForSelector("text=No projects yet");
  await page.waitForSelector("#connection[data-state=live]");
});

test("a project created through the API appears and turns Ready on the page without a reload", async () => {
  await page.evaluate(() => { (window as unknown as { sameDocument: boolean }).sameDocument = true; });
  expect((await t.http("POST", "/v1/projects", projectBody("storefront", { image: image("v1") }))).status).toBe(201);
  const row = 'tr[data-project="storefront"]';
  await page.waitForSelector(row);
  await page.waitForSelector(`${row}[data-phase="Ready"]`, { timeout: 30_000 });
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  expect(await page.$$eval(`${row} .chip`, (chips) => chips.map((c) => `${c.textContent}=${(c as HTMLElement).dataset.status}`)))
    .toEqual(["Credentials=True", "Network=True", "Secrets=True", "Database=True", "Services=True", "Synced=True", "Ready=True"]);
  expect(await page.textContent(`${row} .revision`)).toBe("#1 DEPLOYED · agent:v1");
  expect(await page.textContent(`${row} .phase`)).toBe("Ready");

  // Two more, for the picture: one with no revision yet, one whose image never passes its health check.
  await t.http("POST", "/v1/projects", projectBody("analytics"));
  await t.http("POST", "/v1/projects", projectBody("canary", { image: image("fail-healthcheck") }));
  await page.waitForSelector('tr[data-project="analytics"] .chip[data-status="True"]:text("Database")', { timeout: 30_000 });
  await page.waitForSelector('tr[data-project="canary"] .revision:text("DEPLOY_FAILED")', { timeout: 30_000 });
  mkdirSync(DOCS, { recursive: true });
  await page.screenshot({ path: path.join(DOCS, "dashboard.png") });
});

test("the project page shows resources, events and logs, and follows a deploy live", async () => {
  await page.click('tr[data-project="storefront"] a');
  await page.waitForSelector('[data-resource="Service/lg-storefront-api"]');
  await page.waitForSelector('[data-resource="DBInstance/lg-storefront"]');
  expect(await page.textContent('[data-condition="Ready"]')).toContain("AllConditionsTrue");
  await page.waitForSelector('.events li[data-reason="RolloutComplete"]');
  await page.waitForSelector(".logs .line");
  expect(await page.textContent(".logs")).toContain("Starting LangGraph API server");

  expect((await t.http("POST", "/v1/projects/storefront/revisions", { image: image("v2") })).status).toBe(201);
  await page.waitForSelector('.events li[data-reason="RevisionQueued"]');
  await page.waitForSelector('.meta .revision:text("#2 DEPLOYED · agent:v2")', { timeout: 30_000 });
  expect(await page.$$eval('.events li[data-reason="RolloutComplete"] .message', (els) => els.map((e) => e.textContent)))
    .toEqual([`revision 2 deployed (${image("v2")})`, `revision 1 deployed (${image("v1")})`]);
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  await page.waitForSelector('.logs .line:has-text("agent:v2")', { timeout: 30_000 });
  await page.screenshot({ path: path.join(DOCS, "dashboard-project.png"), fullPage: true });
});

test("signing out forgets the token; the page ran without a script error", async () => {
  await page.click("#sign-out");
  await page.waitForSelector("form.login");
  await page.reload();
  await page.waitForSelector("form.login");
  expect(await page.evaluate(() => localStorage.getItem("byoc.token"))).toBeNull();
  expect(pageErrors).toEqual([]);
});
