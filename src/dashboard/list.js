// The projects list: phase, conditions and revision of every project the key sees. An admin key sees
// every tenant's, with a tenant column and a filter; a tenant key sees its own only (the API scopes it).
import { age, h, main, phaseBadge, shortImage } from "./dom.js";
import { session, tenantName } from "./api.js";
import { state } from "./state.js";

const CONDITIONS = [
  "CredentialsValid",
  "NetworkReady",
  "SecretsReady",
  "DatabaseReady",
  "IngressReady",
  "ServicesReady",
  "Synced",
  "Ready",
];

const revision = (r) => `#${r.number} ${r.status} · ${shortImage(r.image)}`;
/** The revision serving, and the latest when it is another (a rollout running or failed). */
export function revisionText(s) {
  const active = s?.activeRevision ? revision(s.activeRevision) : "none";
  const latest = s?.latestRevision;
  return latest && latest.number !== s.activeRevision?.number ? `${active} · latest ${revision(latest)}` : active;
}

function conditionChips(status) {
  const byType = new Map((status?.conditions ?? []).map((c) => [c.type, c]));
  // IngressReady is reported only by operators that manage a load balancer: no chip where it never is.
  const types = CONDITIONS.filter((t) => t !== "IngressReady" || byType.has(t));
  return h(
    "span",
    { class: "chips" },
    types.map((type) => {
      const c = byType.get(type);
      const title = c ? `${type}: ${c.status} (${c.reason}) ${c.message}` : `${type}: not reported yet`;
      return h(
        "span",
        { class: "chip", "data-status": c?.status ?? "Unknown", title },
        type.replace(/(Valid|Ready)$/, "") || type,
      );
    }),
  );
}

const showTenants = () => session.admin && Array.isArray(session.tenants);

function rows() {
  return [...state.projects.values()]
    .filter(({ project: p }) => !showTenants() || !state.tenantFilter || p.tenantId === state.tenantFilter)
    .sort(
      (a, b) =>
        a.project.name.localeCompare(b.project.name) ||
        tenantName(a.project.tenantId).localeCompare(tenantName(b.project.tenantId)),
    );
}

function tbody() {
  return h(
    "tbody",
    {},
    rows().map(({ project: p, status: s }) =>
      h(
        "tr",
        { "data-project": p.name, "data-phase": s?.phase ?? p.phase },
        h("td", {}, h("a", { href: `#/projects/${p.id}` }, p.name)),
        showTenants() ? h("td", { class: "tenant" }, tenantName(p.tenantId)) : null,
        h("td", {}, phaseBadge(s?.phase ?? p.phase)),
        h("td", {}, conditionChips(s)),
        h("td", { class: "revision" }, revisionText(s)),
        h("td", {}, s ? `${s.observedGeneration}/${s.generation}` : String(p.generation)),
        h("td", {}, p.region),
        h("td", {}, age(p.createdAt)),
      ),
    ),
  );
}

export function renderList() {
  const draw = () => {
    if (!state.loaded) return main().replaceChildren(h("p", { class: "muted" }, "Loading…"));
    const create = h("a", { class: "button primary", href: "#/new" }, "New project");
    if (state.projects.size === 0) {
      return main().replaceChildren(
        h(
          "section",
          { class: "empty" },
          h("h1", {}, "No projects yet"),
          h(
            "p",
            {},
            "Create one here, with ",
            h("code", {}, "byoc apply -f project.yaml"),
            " or POST /v1/projects; it appears as it is created.",
          ),
          h("p", {}, create),
        ),
      );
    }
    const filter = showTenants()
      ? h(
          "div",
          { class: "filter" },
          h("label", { for: "tenant-filter" }, "Tenant"),
          h(
            "select",
            {
              id: "tenant-filter",
              onchange: (e) => {
                state.tenantFilter = e.target.value;
                table.replaceChild(tbody(), table.tBodies[0]);
              },
            },
            h("option", { value: "" }, "all tenants"),
            session.tenants.map((t) => h("option", { value: t.id, selected: state.tenantFilter === t.id }, t.name)),
          ),
        )
      : null;
    const headers = [
      "Name",
      showTenants() ? "Tenant" : null,
      "Phase",
      "Conditions",
      "Revision",
      "Generation",
      "Region",
      "Age",
    ].filter(Boolean);
    const table = h(
      "table",
      { class: "projects", "aria-labelledby": "projects-title" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      tbody(),
    );
    main().replaceChildren(
      h(
        "div",
        { class: "heading" },
        h("h1", { id: "projects-title" }, "Projects"),
        filter,
        h("span", { class: "spacer" }),
        create,
      ),
      table,
    );
  };
  draw();
  return {
    // Only the rows change with the stream: the filter and the buttons keep the keyboard focus.
    onChange() {
      const table = main().querySelector("table.projects");
      if (table && state.projects.size) table.replaceChild(tbody(), table.tBodies[0]);
      else draw();
    },
    close() {},
  };
}
