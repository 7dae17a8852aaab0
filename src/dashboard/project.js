// A project's page: what it is and where it answers (its URL), its revisions (active and latest
// marked), what the next pass would change (the plan), why a rollout fails, its conditions, resources,
// events and logs; and the actions on it (actions.js). Status-derived sections follow /v1/watch;
// each is redrawn only when what it shows changed, so a control the user is on keeps its focus.
import { age, clock, h, main, phaseBadge, redraw, shortImage } from "./dom.js";
import { api, ApiError, projectPath, session, tenantName } from "./api.js";
import { entryOf, state } from "./state.js";
import { actionBar } from "./actions.js";
import { logPanel } from "./logs.js";

/** Active and latest revision numbers; an operator without `latestRevision` gets them from the list. */
export function revisionMarks(status, revisions) {
  const latest = status?.latestRevision?.number ?? revisions[0]?.number ?? null;
  const active = status && "latestRevision" in status
    ? status.activeRevision?.number ?? null
    : revisions.find((r) => r.status === "DEPLOYED")?.number ?? null;
  return { active, latest };
}

const eventItem = (e) => h("li", { "data-type": e.type, "data-reason": e.reason },
  h("time", { datetime: e.createdAt, title: e.createdAt }, clock(e.createdAt)),
  h("span", { class: "reason" }, e.reason),
  h("span", { class: "message" }, e.message));

function summary(p, s, revisions) {
  const { active, latest } = revisionMarks(s, revisions);
  const url = s?.url ?? p.url;
  const rev = (n) => revisions.find((r) => r.number === n);
  const revText = active === null && latest === null ? "no revision yet"
    : [active !== null ? `active #${active}` : "none active", latest !== null && latest !== active ? `latest #${latest} ${rev(latest)?.status ?? ""}` : null].filter(Boolean).join(" · ");
  return [
    h("h1", {}, p.name, " ", phaseBadge(s?.phase ?? p.phase)),
    url ? h("p", { class: "url" }, "Deployment URL: ", h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "data-url": "" }, url)) : null,
    h("p", { class: "meta" },
      [p.deploymentType, p.region, p.roleArn, `generation ${s?.observedGeneration ?? 0}/${p.generation}`,
        p.tenantId && session.tenants ? `tenant ${tenantName(p.tenantId)}` : null].filter(Boolean).join(" · "),
      " · ", h("span", { class: "revision" }, revText)),
  ];
}

function revisionRow(r, { active, latest }, p, rollBack) {
  // Any revision older than the latest is a roll back, even the active one when a newer one failed.
  const back = latest !== null && r.number < latest;
  const button = r.number === latest || p.phase === "Deleting" ? null : h("button", {
    type: "button", class: "small", "data-focus-key": `redeploy-${r.number}`,
    "aria-label": `${back ? "Roll back to" : "Redeploy"} revision ${r.number} (${shortImage(r.image)})`, onclick: () => rollBack(r),
  }, back ? "Roll back" : "Redeploy");
  return h("tr", { "data-revision": r.number, "data-status": r.status },
    h("td", {}, String(r.number)),
    h("td", { class: "revision" }, shortImage(r.image), r.redeployOf ? h("span", { class: "muted" }, ` (redeploy of #${r.redeployOf})`) : null),
    h("td", { title: r.message || undefined }, h("span", { class: "chip", "data-rev-status": r.status }, r.status)),
    h("td", { class: "marks" }, r.number === active ? h("span", { class: "mark active" }, "active") : null,
      r.number === latest ? h("span", { class: "mark latest" }, "latest") : null),
    h("td", { title: r.createdAt }, `${age(r.createdAt)} ago`),
    h("td", {}, button));
}

function revisionTable(p, s, revisions, rollBack) {
  const marks = revisionMarks(s, revisions);
  const head = h("h2", { id: "revisions-title" }, "Revisions");
  if (!revisions.length) return [head, h("p", { class: "muted" }, "No revision yet: deploy an image.")];
  return [head, h("table", { class: "revisions", "aria-labelledby": "revisions-title" },
    h("thead", {}, h("tr", {}, ["#", "Image", "Status", "Marks", "Created", "Action"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, revisions.map((r) => revisionRow(r, marks, p, rollBack))))];
}

function planView(plan, error) {
  const head = h("h2", { id: "plan-title" }, "Plan");
  if (error) return [head, h("p", { class: "error" }, error)];
  if (!plan) return [head, h("p", { class: "muted" }, "Computing…")];
  const when = `computed ${clock(plan.computedAt)} for generation ${plan.generation}`;
  if (!plan.actions.length) return [head, h("p", { class: "plan-empty" }, "Nothing to change: the next pass would leave AWS as it is."), h("p", { class: "muted" }, when)];
  return [head, h("ul", { class: "plan" }, plan.actions.map((a) => h("li", { "data-verb": a.verb },
    h("strong", {}, `${a.verb} ${a.kind} `), h("code", {}, a.resource), h("span", { class: "muted" }, ` — ${a.reason}`),
    a.diffs.length ? h("ul", { class: "diffs" }, a.diffs.map((d) => h("li", {}, h("code", {}, d.field), `: ${d.actual} → ${d.desired}`))) : null))),
  h("p", { class: "muted" }, when)];
}

/** A failing rollout, explained: the tasks' stopped reasons and last lines (TaskFailed), or the failure. */
function failingView(s, events, revisions) {
  const services = s?.conditions?.find((c) => c.type === "ServicesReady");
  const newest = revisions[0];
  const failing = newest?.status === "DEPLOY_FAILED" || (services?.status === "False" && /Fail|Crash|Unhealthy|Stopped/.test(services.reason));
  if (!failing) return [];
  const tasks = events.filter((e) => e.reason === "TaskFailed").slice(0, 3);
  const shown = tasks.length ? tasks : events.filter((e) => e.reason === "RolloutFailed").slice(0, 1);
  return [h("h2", { id: "failing-title" }, "Failing rollout"),
    newest?.status === "DEPLOY_FAILED" ? h("p", {}, `Revision ${newest.number} (${shortImage(newest.image)}) failed: ${newest.message}`) : null,
    services?.status === "False" ? h("p", { class: "condition-message" }, `ServicesReady: ${services.reason}: ${services.message}`) : null,
    h("ul", { class: "failures" }, shown.map((e) => h("li", { "data-reason": e.reason }, h("time", { datetime: e.createdAt }, clock(e.createdAt)), " ", h("pre", {}, e.message))))];
}

const conditionsView = (s) => [h("h2", { id: "conditions-title" }, "Conditions"), h("table", { "aria-labelledby": "conditions-title" },
  h("thead", {}, h("tr", {}, ["Type", "Status", "Reason", "Message"].map((t) => h("th", { scope: "col" }, t)))),
  h("tbody", {}, (s?.conditions ?? []).map((c) => h("tr", { "data-condition": c.type },
    h("td", {}, c.type), h("td", {}, h("span", { class: "chip", "data-status": c.status }, c.status)),
    h("td", {}, c.reason), h("td", { class: "message" }, c.message)))))];

const resourcesView = (s) => [h("h2", { id: "resources-title" }, "Resources"), h("table", { class: "resources", "aria-labelledby": "resources-title" },
  h("thead", {}, h("tr", {}, ["Kind", "Name", "Phase", "Attempts", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
  h("tbody", {}, (s?.resources ?? []).map((r) => h("tr", { "data-resource": `${r.kind}/${r.name}` },
    h("td", {}, r.kind), h("td", {}, r.name), h("td", {}, r.phase), h("td", {}, String(r.attempts)),
    h("td", { class: "error" }, r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : "")))))];

export function renderProject(idOrName, { navigate, signOut }) {
  const el = { summary: h("section"), actions: h("div"), failing: h("section", { class: "failing", "aria-labelledby": "failing-title" }),
    revisions: h("section", { "aria-labelledby": "revisions-title" }), plan: h("section", { "aria-labelledby": "plan-title" }),
    conditions: h("section"), resources: h("section"), events: h("ol", { class: "events", tabindex: "0", "aria-label": "events, newest first" }), crumb: h("span", {}, idOrName) };
  const page = { id: null, revisions: [], events: [], eventIds: new Set(), plan: null, planError: null, planKey: null, logs: null, timers: {}, closed: false };

  const entry = () => (page.id ? state.projects.get(page.id) : entryOf(idOrName));
  const later = (name, ms, fn) => { clearTimeout(page.timers[name]); page.timers[name] = setTimeout(() => !page.closed && fn(), ms); };

  function draw() {
    const e = entry();
    if (!e) return;
    const { project: p, status: s } = e;
    el.crumb.textContent = p.name;
    redraw(el.summary, JSON.stringify([p, s?.phase, s?.url, s?.observedGeneration, page.revisions.slice(0, 1), s?.activeRevision]), () => summary(p, s, page.revisions));
    redraw(el.failing, JSON.stringify([s?.conditions?.find((c) => c.type === "ServicesReady"), page.revisions[0], page.events.slice(0, 5).map((x) => x.id)]), () => failingView(s, page.events, page.revisions));
    redraw(el.revisions, JSON.stringify([p.phase, s?.activeRevision, s?.latestRevision, page.revisions]), () => revisionTable(p, s, page.revisions, actions.rollBack));
    redraw(el.plan, JSON.stringify([page.plan, page.planError]), () => planView(page.plan, page.planError));
    redraw(el.conditions, JSON.stringify(s?.conditions), () => conditionsView(s));
    redraw(el.resources, JSON.stringify(s?.resources), () => resourcesView(s));
    actions.update(e);
    // The plan is AWS reads: recompute it when the desired or observed state moved, not on every event.
    const key = `${p.generation}/${s?.observedGeneration}/${s?.phase}/${page.revisions[0]?.number}/${page.revisions[0]?.status}`;
    if (key !== page.planKey) { page.planKey = key; later("plan", 400, loadPlan); }
  }

  async function loadPlan() {
    try { page.plan = await api(projectPath(page.id, "/plan")); page.planError = null; }
    catch (err) { page.planError = err instanceof ApiError ? `Could not compute the plan: ${err.message}` : String(err); }
    draw();
  }
  async function loadRevisions() {
    page.revisions = (await api(projectPath(page.id, "/revisions?limit=50"))).items;
    draw();
  }
  async function loadEvents() {
    const { items } = await api(projectPath(page.id, "/events?limit=50"));
    page.events = items;
    page.eventIds = new Set(items.map((e) => e.id));
    el.events.replaceChildren(...items.map(eventItem));
    draw();
  }

  const actions = actionBar({ entry, refreshPlan: () => { page.plan = null; draw(); void loadPlan(); } });
  main().replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Projects"), " / ", el.crumb),
    el.summary, actions.element, el.failing,
    h("div", { class: "columns" },
      h("div", {}, el.revisions, el.plan, el.conditions, el.resources),
      h("section", { "aria-labelledby": "events-title" }, h("h2", { id: "events-title" }, "Events"), el.events)));

  (async () => {
    const known = entryOf(idOrName);
    if (known) page.id = known.project.id;
    else {
      const project = await api(projectPath(idOrName));
      const status = await api(projectPath(project.id, "/status"));
      state.projects.set(project.id, { project, status });
      page.id = project.id;
    }
    if (page.closed) return;
    page.logs = logPanel(page.id, signOut);
    main().append(page.logs.section);
    draw();
    await Promise.all([loadRevisions(), loadEvents()]);
  })().catch((err) => el.summary.replaceChildren(
    h("p", { class: "error" }, err.status === 404 ? `Project ${idOrName} does not exist (yet).` : err.message)));

  return {
    onChange(kind, data) {
      if (data.projectId !== page.id) return;
      if (kind === "deleted") {
        actions.update(null);
        return el.summary.replaceChildren(h("h1", {}, entry()?.project.name ?? data.project, " ", phaseBadge("Deleted")),
          h("p", { class: "muted", role: "status" }, "This project was deleted: every AWS resource its deletion policy covers is gone."));
      }
      if (kind === "event" && !page.eventIds.has(data.event.id)) {
        page.eventIds.add(data.event.id);
        page.events.unshift(data.event);
        el.events.prepend(eventItem(data.event));
      }
      // A revision's status changes with the rollout: re-read the (short) list, at most every 300 ms.
      later("revisions", 300, () => loadRevisions().catch(() => undefined));
      draw();
    },
    close() { page.closed = true; page.logs?.close(); actions.close(); for (const t of Object.values(page.timers)) clearTimeout(t); },
  };
}
