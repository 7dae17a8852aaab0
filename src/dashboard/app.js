// The byoc-operator dashboard: plain DOM modules, no framework, no build step. It talks to the admin API
// with the key the user pastes (kept in localStorage) and stays live on GET /v1/watch, read with fetch
// streaming because EventSource cannot send an Authorization header. This module signs in and out,
// routes between the views and feeds them the stream.
import { h, main } from "./dom.js";
import { allPages, api, learnCapabilities, projectPath, session, Unauthorized } from "./api.js";
import { state } from "./state.js";
import { renderList } from "./list.js";
import { renderCreate } from "./create.js";
import { renderProject } from "./project.js";
import { renderTenants } from "./tenants.js";

const TOKEN_KEY = "byoc.token";

function setConnection(kind, text) {
  const el = document.getElementById("connection");
  el.dataset.state = kind;
  el.textContent = text;
}

async function loadAll() {
  const projects = await allPages("/v1/projects");
  const statuses = await Promise.all(projects.map((p) => api(projectPath(p.id, "/status")).catch(() => null)));
  state.projects = new Map(projects.map((p, i) => [p.id, { project: p, status: statuses[i] }]));
  state.loaded = true;
}

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
      const headers = { authorization: `Bearer ${session.token}`, accept: "text/event-stream" };
      if (state.lastEventId) headers["last-event-id"] = state.lastEventId;
      const res = await fetch("/v1/watch", { headers, signal });
      if (res.status === 401) return signOut("The key was refused.");
      if (!res.ok) throw new Error(`watch: HTTP ${res.status}`);
      setConnection("live", "live");
      // Connected first, then read: a change made in between arrives on the stream, not lost.
      if (!state.loaded || !state.lastEventId) {
        await loadAll();
        state.view?.onChange("loaded", {});
      }
      for await (const msg of sseMessages(res.body)) {
        state.lastEventId = msg.id;
        await applyChange(msg.event, JSON.parse(msg.data));
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof Unauthorized) return signOut("The key was refused.");
      console.warn("watch interrupted:", err);
    }
    setConnection("reconnecting", "reconnecting…");
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function applyChange(kind, data) {
  const known = state.projects.get(data.projectId);
  if (kind === "deleted") {
    state.projects.delete(data.projectId);
  } else if (!known) {
    // A new project: read it whole.
    const project = await api(projectPath(data.projectId)).catch(() => undefined);
    if (project) state.projects.set(project.id, { project, status: kind === "status" ? data.status : null });
  } else if (kind === "status") {
    known.status = data.status;
    known.project.phase = data.status.phase;
    known.project.generation = data.status.generation;
  }
  state.view?.onChange(kind, data);
}

// ---- views ----

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function render() {
  state.view?.close();
  state.view = null;
  document.getElementById("nav-tenants").hidden = !session.tenants;
  document.getElementById("nav-tenants").textContent = session.admin ? "Tenants" : "Your tenant";
  const m = /^#\/projects\/([^/]+)$/.exec(location.hash);
  if (m) state.view = renderProject(decodeURIComponent(m[1]), { navigate, signOut });
  else if (location.hash === "#/new") state.view = renderCreate(navigate);
  else if (location.hash === "#/tenants" && session.tenants) state.view = renderTenants();
  else state.view = renderList();
}

// ---- signing in ----

function renderLogin(message) {
  const input = h("input", {
    id: "token",
    type: "password",
    name: "token",
    autocomplete: "off",
    placeholder: "byoc_…",
    required: true,
  });
  const form = h(
    "form",
    {
      class: "login",
      "aria-labelledby": "login-title",
      onsubmit: (e) => {
        e.preventDefault();
        void signIn(input.value.trim());
      },
    },
    h("h1", { id: "login-title" }, "Sign in"),
    h(
      "p",
      {},
      "Paste an API key: an admin key (",
      h("code", {}, "npm start"),
      " prints one) sees every tenant, a tenant's key its own projects.",
    ),
    message ? h("p", { class: "error", role: "alert" }, message) : null,
    h("label", { for: "token" }, "API key"),
    input,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  main().replaceChildren(form);
  input.focus();
}

async function signIn(token) {
  session.token = token;
  try {
    await api("/v1/projects?limit=1");
  } catch (err) {
    return renderLogin(err instanceof Unauthorized ? "That key was refused." : err.message);
  }
  localStorage.setItem(TOKEN_KEY, token);
  await start();
}

function signOut(message) {
  state.watch?.abort();
  state.view?.close();
  Object.assign(state, { watch: null, view: null, loaded: false, lastEventId: null, projects: new Map() });
  Object.assign(session, { token: null, admin: false, tenants: null });
  localStorage.removeItem(TOKEN_KEY);
  document.getElementById("sign-out").hidden = true;
  document.getElementById("nav-tenants").hidden = true;
  setConnection("offline", "offline");
  renderLogin(message);
}

async function start() {
  document.getElementById("sign-out").hidden = false;
  state.watch = new AbortController();
  setConnection("connecting", "connecting…");
  try {
    await learnCapabilities();
  } catch (err) {
    if (err instanceof Unauthorized) return signOut("The key was refused.");
  }
  render();
  void watchLoop(state.watch.signal);
}

window.addEventListener("hashchange", () => {
  if (session.token) render();
});
document.getElementById("sign-out").addEventListener("click", () => signOut());
if (session.token) void start();
else renderLogin();
