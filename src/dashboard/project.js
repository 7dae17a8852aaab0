// A project's page: what it is and where it answers (its URL), its revisions (active and latest
// marked), what the next pass would change (the plan), why a rollout fails, its conditions, resources,
// events and logs (projectViews.js); and the actions on it (actions.js). Status-derived sections follow
// /v1/watch; each is redrawn only when what it shows changed, so a control the user is on keeps its focus.
import { h, main, phaseBadge, redraw } from "./dom.js";
import { api, ApiError, projectPath } from "./api.js";
import { entryOf, state } from "./state.js";
import { actionBar } from "./actions.js";
import { logPanel } from "./logs.js";
import {
  conditionsView,
  eventItem,
  failingView,
  planView,
  resourcesView,
  revisionTable,
  summary,
} from "./projectViews.js";

export function renderProject(idOrName, { navigate, signOut }) {
  const el = {
    summary: h("section"),
    actions: h("div"),
    failing: h("section", { class: "failing", "aria-labelledby": "failing-title" }),
    revisions: h("section", { "aria-labelledby": "revisions-title" }),
    plan: h("section", { "aria-labelledby": "plan-title" }),
    conditions: h("section"),
    resources: h("section"),
    events: h("ol", { class: "events", tabindex: "0", "aria-label": "events, newest first" }),
    crumb: h("span", {}, idOrName),
  };
  const page = {
    id: null,
    revisions: [],
    events: [],
    eventIds: new Set(),
    plan: null,
    planError: null,
    planKey: null,
    logs: null,
    timers: {},
    closed: false,
  };

  const entry = () => (page.id ? state.projects.get(page.id) : entryOf(idOrName));
  const later = (name, ms, fn) => {
    clearTimeout(page.timers[name]);
    page.timers[name] = setTimeout(() => !page.closed && fn(), ms);
  };

  function draw() {
    const e = entry();
    if (!e) return;
    const { project: p, status: s } = e;
    el.crumb.textContent = p.name;
    redraw(
      el.summary,
      JSON.stringify([p, s?.phase, s?.url, s?.observedGeneration, page.revisions.slice(0, 1), s?.activeRevision]),
      () => summary(p, s, page.revisions),
    );
    redraw(
      el.failing,
      JSON.stringify([
        s?.conditions?.find((c) => c.type === "ServicesReady"),
        page.revisions[0],
        page.events.slice(0, 5).map((x) => x.id),
      ]),
      () => failingView(s, page.events, page.revisions),
    );
    redraw(el.revisions, JSON.stringify([p.phase, s?.activeRevision, s?.latestRevision, page.revisions]), () =>
      revisionTable(p, s, page.revisions, actions.rollBack),
    );
    redraw(el.plan, JSON.stringify([page.plan, page.planError]), () => planView(page.plan, page.planError));
    redraw(el.conditions, JSON.stringify(s?.conditions), () => conditionsView(s));
    redraw(el.resources, JSON.stringify(s?.resources), () => resourcesView(s));
    actions.update(e);
    // The plan is AWS reads: recompute it when the desired or observed state moved, not on every event.
    const key = `${p.generation}/${s?.observedGeneration}/${s?.phase}/${page.revisions[0]?.number}/${page.revisions[0]?.status}`;
    if (key !== page.planKey) {
      page.planKey = key;
      later("plan", 400, loadPlan);
    }
  }

  async function loadPlan() {
    try {
      page.plan = await api(projectPath(page.id, "/plan"));
      page.planError = null;
    } catch (err) {
      page.planError = err instanceof ApiError ? `Could not compute the plan: ${err.message}` : String(err);
    }
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

  const actions = actionBar({
    entry,
    refreshPlan: () => {
      page.plan = null;
      draw();
      void loadPlan();
    },
  });
  main().replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Projects"), " / ", el.crumb),
    el.summary,
    actions.element,
    el.failing,
    h(
      "div",
      { class: "columns" },
      h("div", {}, el.revisions, el.plan, el.conditions, el.resources),
      h("section", { "aria-labelledby": "events-title" }, h("h2", { id: "events-title" }, "Events"), el.events),
    ),
  );

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
  })().catch((err) =>
    el.summary.replaceChildren(
      h("p", { class: "error" }, err.status === 404 ? `Project ${idOrName} does not exist (yet).` : err.message),
    ),
  );

  return {
    onChange(kind, data) {
      if (data.projectId !== page.id) return;
      if (kind === "deleted") {
        actions.update(null);
        return el.summary.replaceChildren(
          h("h1", {}, entry()?.project.name ?? data.project, " ", phaseBadge("Deleted")),
          h(
            "p",
            { class: "muted", role: "status" },
            "This project was deleted: every AWS resource its deletion policy covers is gone.",
          ),
        );
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
    close() {
      page.closed = true;
      page.logs?.close();
      actions.close();
      for (const t of Object.values(page.timers)) clearTimeout(t);
    },
  };
}
