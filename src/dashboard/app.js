// The byoc-operator dashboard: plain DOM, no framework, no build step. It talks to the admin API with
// the bearer token the user pastes (kept in localStorage) and stays live on GET /v1/watch, read with
// fetch streaming because EventSource cannot send an Authorization header. Every value from the API is
// put on the page as text (textContent), never as HTML.

const TOKEN_KEY = "byoc.token";
const CONDITIONS = ["CredentialsValid", "NetworkReady", "SecretsReady", "DatabaseReady", "ServicesReady", "Synced", "Ready"];
const LOG_POLL_MS = 5000;

const state = {
  token: localStorage.getItem(TOKEN_KEY),
  /** name → { project, status } */
  projects: new Map(),
  loaded: false,
  lastEventId: null,
  watch: null,
  /** The open project page: its name and the pieces that update live. */
  page: null,
};

// ---- DOM ----

/** h("td", { class: "x" }, "text", childNode): an element with attributes and text or element children. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

const main = () => document.getElementById("main");
const shortImage = (uri) => uri.replace(/^[^/]*\.[^/]*\//, "");
const clock = (iso) => new Date(iso).toISOString().slice(11, 19);
function age(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : s < 172800 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
}
const phaseBadge = (phase) => h("span", { class: "phase", "data-phase": phase }, phase);
// The newest revision (what was asked for; status.activeRevision is the one serving, SPEC §7).
const revisionText = (s) => {
  const r = s?.latestRevision ?? s?.activeRevision;
  return r ? `#${r.number} ${r.status} · ${shortImage(r.image)}` : "none";
};

function setConnection(kind, text) {
  const el = document.getElementById("connection");
  el.dataset.state = kind;
  el.textContent = text;
}

// ---- API ----

class Unauthorized extends Error {}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${state.token}`, accept: "application/json" } });
  if (res.status === 401) throw new Unauthorized("the token was refused");
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.detail || `HTTP ${res.status}`), { status: res.status });
  return body;
}

async function allProjects() {
  const items = [];
  let cursor = null;
  do {
    const page = await api(`/v1/projects?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

async function loadProject(name) {
  const [project, status] = await Promise.all([api(`/v1/projects/${name}`), api(`/v1/projects/${name}/status`)]);
  state.projects.set(project.name, { project, status });
  return state.projects.get(project.name);
}

async function loadAll() {
  const projects = await allProjects();
  const statuses = await Promise.all(projects.map((p) => api(`/v1/projects/${p.name}/status`).catch(() => null)));
  state.projects = new Map(projects.map((p, i) => [p.name, { project: p, status: statuses[i] }]));
  state.loaded = true;
}

// ---- the live stream ----

/** Reads SSE messages from a fetch body: { id, event, data }. */
async function* sseMessages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const msg = { id: null, event: "message", data: "" };
      for (const line of block.split("\n")) {
        const m = /^(id|event|data): ?(.*)$/.exec(line);
        if (m) msg[m[1]] = m[1] === "data" ? msg.data + m[2] : m[2];
      }
      if (msg.id !== null) yield msg;
    }
  }
}

async function watchLoop(signal) {
  for (;;) {
    try {
      const headers = { authorization: `Bearer ${state.token}`, accept: "text/event-stream" };
      if (state.lastEventId) headers["last-event-id"] = state.lastEventId;
      const res = await fetch("/v1/watch", { headers, signal });
      if (res.status === 401) return signOut("The token was refused.");
      if (!res.ok) throw new Error(`watch: HTTP ${res.status}`);
      setConnection("live", "live");
      // Connected first, then read: a change made in between arrives on the stream, not lost.
      if (!state.loaded || !state.lastEventId) {
        await loadAll();
        if (state.page) drawStatus(state.page); else renderList();
      }
      for await (const msg of sseMessages(res.body)) {
        state.lastEventId = msg.id;
        await applyChange(msg.event, JSON.parse(msg.data));
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof Unauthorized) return signOut("The token was refused.");
      console.warn("watch interrupted:", err);
    }
    setConnection("reconnecting", "reconnecting…");
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function applyChange(kind, data) {
  const known = state.projects.get(data.project);
  if (kind === "deleted") {
    state.projects.delete(data.project);
  } else if (!known) {
    await loadProject(data.project).catch(() => undefined); // a new project: read it whole
  } else if (kind === "status") {
    known.status = data.status;
    known.project.phase = data.status.phase;
    known.project.generation = data.status.generation;
  }
  if (state.page?.name === data.project) updateProjectPage(kind, data);
  else if (!state.page) renderList();
}

// ---- views ----

function render() {
  const m = /^#\/projects\/([^/]+)$/.exec(location.hash);
  stopLogPolling();
  state.page = null;
  if (m) renderProject(decodeURIComponent(m[1]));
  else renderList();
}

function conditionChips(status) {
  const byType = new Map((status?.conditions ?? []).map((c) => [c.type, c]));
  return h("span", { class: "chips" }, CONDITIONS.map((type) => {
    const c = byType.get(type);
    const title = c ? `${type}: ${c.status} (${c.reason}) ${c.message}` : `${type}: not reported yet`;
    return h("span", { class: "chip", "data-status": c?.status ?? "Unknown", title }, type.replace(/(Valid|Ready)$/, "") || type);
  }));
}

function renderList() {
  if (!state.loaded) return main().replaceChildren(h("p", { class: "muted" }, "Loading…"));
  const rows = [...state.projects.values()].sort((a, b) => a.project.name.localeCompare(b.project.name));
  if (rows.length === 0) {
    return main().replaceChildren(h("section", { class: "empty" },
      h("h1", {}, "No projects yet"),
      h("p", {}, "Create one with ", h("code", {}, "byoc apply -f project.yaml"), " or POST /v1/projects; it appears here as it is created.")));
  }
  const headers = ["Name", "Phase", "Conditions", "Active revision", "Generation", "Region", "Age"];
  main().replaceChildren(h("h1", {}, "Projects"), h("table", { class: "projects" },
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map(({ project: p, status: s }) => h("tr", { "data-project": p.name, "data-phase": s?.phase ?? p.phase },
      h("td", {}, h("a", { href: `#/projects/${p.name}` }, p.name)),
      h("td", {}, phaseBadge(s?.phase ?? p.phase)),
      h("td", {}, conditionChips(s)),
      h("td", { class: "revision" }, revisionText(s)),
      h("td", {}, s ? `${s.observedGeneration}/${s.generation}` : String(p.generation)),
      h("td", {}, p.region),
      h("td", {}, age(p.createdAt)))))));
}

function renderProject(name) {
  const page = {
    name, summary: h("section"), conditions: h("section"), resources: h("section"),
    events: h("ol", { class: "events" }), eventIds: null,
    logs: h("div", { class: "logs" }), service: "", seenLogs: new Map(), newestLog: null, polling: false, logTimer: null,
  };
  state.page = page;
  const onService = (e) => {
    Object.assign(page, { service: e.target.value, seenLogs: new Map(), newestLog: null });
    page.logs.replaceChildren();
    pollLogs(page);
  };
  const serviceSelect = h("select", { "aria-label": "service", onchange: onService },
    ["", "api", "queue", "redis"].map((s) => h("option", { value: s }, s || "all services")));
  main().replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Projects"), " / ", name),
    page.summary,
    h("div", { class: "columns" },
      h("div", {}, page.conditions, page.resources),
      h("section", {}, h("h2", {}, "Events"), page.events)),
    h("section", {}, h("h2", {}, "Logs ", serviceSelect), page.logs));
  const entry = state.projects.get(name);
  (entry ? Promise.resolve(entry) : loadProject(name))
    .then(() => { drawStatus(page); return loadEvents(page); })
    .catch((err) => page.summary.replaceChildren(
      h("p", { class: "error" }, err.status === 404 ? `Project ${name} does not exist (yet).` : err.message)));
  pollLogs(page);
  page.logTimer = setInterval(() => pollLogs(page), LOG_POLL_MS);
}

function drawStatus(page) {
  const entry = state.projects.get(page.name);
  if (!entry) return;
  const { project: p, status: s } = entry;
  const generation = `generation ${s?.observedGeneration ?? 0}/${p.generation}`;
  page.summary.replaceChildren(
    h("h1", {}, p.name, " ", phaseBadge(s?.phase ?? p.phase)),
    h("p", { class: "meta" }, `${p.deploymentType} · ${p.region} · ${p.roleArn} · ${generation} · revision `, h("span", { class: "revision" }, revisionText(s))));
  page.conditions.replaceChildren(h("h2", {}, "Conditions"), h("table", {},
    h("tbody", {}, (s?.conditions ?? []).map((c) => h("tr", { "data-condition": c.type },
      h("td", {}, c.type),
      h("td", {}, h("span", { class: "chip", "data-status": c.status }, c.status)),
      h("td", {}, c.reason),
      h("td", { class: "message" }, c.message))))));
  page.resources.replaceChildren(h("h2", {}, "Resources"), h("table", { class: "resources" },
    h("thead", {}, h("tr", {}, ["Kind", "Name", "Phase", "Attempts", "Last error"].map((t) => h("th", {}, t)))),
    h("tbody", {}, (s?.resources ?? []).map((r) => h("tr", { "data-resource": `${r.kind}/${r.name}` },
      h("td", {}, r.kind), h("td", {}, r.name), h("td", {}, r.phase), h("td", {}, String(r.attempts)),
      h("td", { class: "error" }, r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : ""))))));
}

const eventItem = (e) => h("li", { "data-type": e.type, "data-reason": e.reason },
  h("time", { datetime: e.createdAt, title: e.createdAt }, clock(e.createdAt)),
  h("span", { class: "reason" }, e.reason),
  h("span", { class: "message" }, e.message));

async function loadEvents(page) {
  const { items } = await api(`/v1/projects/${page.name}/events?limit=50`);
  page.eventIds = new Set(items.map((e) => e.id));
  page.events.replaceChildren(...items.map(eventItem));
}

function updateProjectPage(kind, data) {
  const page = state.page;
  if (kind === "deleted") {
    return page.summary.replaceChildren(h("h1", {}, page.name, " ", phaseBadge("Deleted")), h("p", { class: "muted" }, "This project was deleted."));
  }
  drawStatus(page);
  if (!page.eventIds) return void loadEvents(page).catch(() => undefined); // the project appeared after the page opened
  if (kind === "event" && !page.eventIds.has(data.event.id)) {
    page.eventIds.add(data.event.id);
    page.events.prepend(eventItem(data.event));
  }
}

const logKey = (l) => `${l.timestamp}|${l.stream}|${l.message}`;
const logLine = (l) => h("div", { class: "line", "data-service": l.service },
  h("time", {}, clock(l.timestamp)), h("span", { class: "source" }, l.service), h("span", {}, l.message));

/** The lines since `since`, following the cursor for up to five pages. */
async function readLogs(page, since) {
  const items = [];
  let cursor = null;
  for (let pages = 0; pages < 5; pages++) {
    const q = new URLSearchParams({ limit: "1000", since });
    if (page.service) q.set("service", page.service);
    if (cursor) q.set("cursor", cursor);
    const body = await api(`/v1/projects/${page.name}/logs?${q}`);
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return items.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** Appends the lines newer than those shown (looking back 10 s for late arrivals); keeps the last 300. */
async function pollLogs(page) {
  if (state.page !== page || page.polling) return;
  page.polling = true;
  try {
    const since = new Date((page.newestLog ?? Date.now() - 10 * 60_000) - 10_000).toISOString();
    const fresh = (await readLogs(page, since)).filter((l) => !page.seenLogs.has(logKey(l)));
    for (const l of fresh) {
      const t = Date.parse(l.timestamp);
      page.seenLogs.set(logKey(l), t);
      page.newestLog = Math.max(page.newestLog ?? 0, t);
      page.logs.append(logLine(l));
    }
    for (const [k, t] of page.seenLogs) if (t < page.newestLog - 20_000) page.seenLogs.delete(k);
    while (page.logs.childElementCount > 300) page.logs.firstElementChild.remove();
    if (fresh.length) page.logs.scrollTop = page.logs.scrollHeight;
    if (page.logs.childElementCount === 0) page.logs.replaceChildren(h("p", { class: "muted" }, "No log lines in the last 10 minutes."));
    else if (fresh.length) page.logs.querySelector(":scope > p.muted")?.remove();
  } catch (err) {
    if (err instanceof Unauthorized) signOut("The token was refused.");
  } finally {
    page.polling = false;
  }
}

function stopLogPolling() {
  if (state.page?.logTimer) clearInterval(state.page.logTimer);
}

// ---- signing in ----

function renderLogin(message) {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", placeholder: "byoc_…", required: true, "aria-label": "admin token" });
  const form = h("form", { class: "login", onsubmit: (e) => { e.preventDefault(); signIn(input.value.trim()); } },
    h("h1", {}, "Sign in"),
    h("p", {}, "Paste an admin API token: ", h("code", {}, "npm start"), " prints one, and ", h("code", {}, "byoc token create --scope read"), " mints more."),
    message ? h("p", { class: "error" }, message) : null,
    input, h("button", { type: "submit" }, "Sign in"));
  main().replaceChildren(form);
  input.focus();
}

async function signIn(token) {
  state.token = token;
  try {
    await api("/v1/projects?limit=1");
  } catch (err) {
    return renderLogin(err instanceof Unauthorized ? "That token was refused." : err.message);
  }
  localStorage.setItem(TOKEN_KEY, token);
  start();
}

function signOut(message) {
  state.watch?.abort();
  stopLogPolling();
  Object.assign(state, { token: null, watch: null, page: null, loaded: false, lastEventId: null, projects: new Map() });
  localStorage.removeItem(TOKEN_KEY);
  document.getElementById("sign-out").hidden = true;
  setConnection("offline", "offline");
  renderLogin(message);
}

function start() {
  document.getElementById("sign-out").hidden = false;
  state.watch = new AbortController();
  setConnection("connecting", "connecting…");
  render();
  watchLoop(state.watch.signal);
}

window.addEventListener("hashchange", () => { if (state.token) render(); });
document.getElementById("sign-out").addEventListener("click", () => signOut());
if (state.token) start(); else renderLogin();
