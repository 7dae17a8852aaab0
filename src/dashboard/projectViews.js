// The sections of a project's page, each a pure function from what the API said to elements: the
// summary (with the deployment's URL), revisions with the active and latest marked, the plan, a failing
// rollout explained, conditions, resources and events. project.js decides when each is redrawn.
import { age, clock, h, phaseBadge, shortImage } from "./dom.js";
import { session, tenantName } from "./api.js";

/** Active and latest revision numbers; an operator without `latestRevision` gets them from the list. */
export function revisionMarks(status, revisions) {
  const latest = status?.latestRevision?.number ?? revisions[0]?.number ?? null;
  const active =
    status && "latestRevision" in status
      ? (status.activeRevision?.number ?? null)
      : (revisions.find((r) => r.status === "DEPLOYED")?.number ?? null);
  return { active, latest };
}

export const eventItem = (e) =>
  h(
    "li",
    { "data-type": e.type, "data-reason": e.reason },
    h("time", { datetime: e.createdAt, title: e.createdAt }, clock(e.createdAt)),
    h("span", { class: "reason" }, e.reason),
    h("span", { class: "message" }, e.message),
  );

export function summary(p, s, revisions) {
  const { active, latest } = revisionMarks(s, revisions);
  const url = s?.url ?? p.url;
  const rev = (n) => revisions.find((r) => r.number === n);
  const revText =
    active === null && latest === null
      ? "no revision yet"
      : [
          active !== null ? `active #${active}` : "none active",
          latest !== null && latest !== active ? `latest #${latest} ${rev(latest)?.status ?? ""}` : null,
        ]
          .filter(Boolean)
          .join(" · ");
  return [
    h("h1", {}, p.name, " ", phaseBadge(s?.phase ?? p.phase)),
    url
      ? h(
          "p",
          { class: "url" },
          "Deployment URL: ",
          h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "data-url": "" }, url),
        )
      : null,
    h(
      "p",
      { class: "meta" },
      [
        p.deploymentType,
        p.region,
        p.roleArn,
        p.cpuArchitecture,
        p.ingress ? `${p.ingress.visibility} load balancer${p.ingress.certificateArn ? " (HTTPS)" : ""}` : null,
        `generation ${s?.observedGeneration ?? 0}/${p.generation}`,
        p.tenantId && session.tenants ? `tenant ${tenantName(p.tenantId)}` : null,
      ]
        .filter(Boolean)
        .join(" · "),
      " · ",
      h("span", { class: "revision" }, revText),
    ),
  ];
}

function revisionRow(r, { active, latest }, p, rollBack) {
  // Any revision older than the latest is a roll back, even the active one when a newer one failed.
  const back = latest !== null && r.number < latest;
  const button =
    r.number === latest || p.phase === "Deleting"
      ? null
      : h(
          "button",
          {
            type: "button",
            class: "small",
            "data-focus-key": `redeploy-${r.number}`,
            "aria-label": `${back ? "Roll back to" : "Redeploy"} revision ${r.number} (${shortImage(r.image)})`,
            onclick: () => rollBack(r),
          },
          back ? "Roll back" : "Redeploy",
        );
  return h(
    "tr",
    { "data-revision": r.number, "data-status": r.status },
    h("td", {}, String(r.number)),
    h(
      "td",
      { class: "revision" },
      shortImage(r.image),
      r.redeployOf ? h("span", { class: "muted" }, ` (redeploy of #${r.redeployOf})`) : null,
    ),
    h("td", { title: r.message || undefined }, h("span", { class: "chip", "data-rev-status": r.status }, r.status)),
    h(
      "td",
      { class: "marks" },
      r.number === active ? h("span", { class: "mark active" }, "active") : null,
      r.number === latest ? h("span", { class: "mark latest" }, "latest") : null,
    ),
    h("td", { title: r.createdAt }, `${age(r.createdAt)} ago`),
    h("td", {}, button),
  );
}

export function revisionTable(p, s, revisions, rollBack) {
  const marks = revisionMarks(s, revisions);
  const head = h("h2", { id: "revisions-title" }, "Revisions");
  if (!revisions.length) return [head, h("p", { class: "muted" }, "No revision yet: deploy an image.")];
  return [
    head,
    h(
      "table",
      { class: "revisions", "aria-labelledby": "revisions-title" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "Image", "Status", "Marks", "Created", "Action"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        {},
        revisions.map((r) => revisionRow(r, marks, p, rollBack)),
      ),
    ),
  ];
}

export function planView(plan, error) {
  const head = h("h2", { id: "plan-title" }, "Plan");
  if (error) return [head, h("p", { class: "error" }, error)];
  if (!plan) return [head, h("p", { class: "muted" }, "Computing…")];
  const when = `computed ${clock(plan.computedAt)} for generation ${plan.generation}`;
  if (!plan.actions.length)
    return [
      head,
      h("p", { class: "plan-empty" }, "Nothing to change: the next pass would leave AWS as it is."),
      h("p", { class: "muted" }, when),
    ];
  return [
    head,
    h(
      "ul",
      { class: "plan" },
      plan.actions.map((a) =>
        h(
          "li",
          { "data-verb": a.verb },
          h("strong", {}, `${a.verb} ${a.kind} `),
          h("code", {}, a.resource),
          h("span", { class: "muted" }, ` — ${a.reason}`),
          a.diffs.length
            ? h(
                "ul",
                { class: "diffs" },
                a.diffs.map((d) => h("li", {}, h("code", {}, d.field), `: ${d.actual} → ${d.desired}`)),
              )
            : null,
        ),
      ),
    ),
    h("p", { class: "muted" }, when),
  ];
}

/**
 * A TaskFailed message reads "task … stopped: <reason>; container … exited with code …; last log lines:
 * a | b | c": the reason as a sentence and the task's last lines one per line, as it logged them.
 */
function failureText(message) {
  const at = message.indexOf("; last log lines: ");
  if (at < 0) return h("p", { class: "failure" }, message);
  const lines = message.slice(at + "; last log lines: ".length).split(" | ");
  return h("div", {}, h("p", { class: "failure" }, message.slice(0, at)), h("pre", { class: "last-lines" }, lines.join("\n")));
}

/** A failing rollout, explained: the tasks' stopped reasons and last lines (TaskFailed), or the failure. */
export function failingView(s, events, revisions) {
  const services = s?.conditions?.find((c) => c.type === "ServicesReady");
  const newest = revisions[0];
  const failing =
    newest?.status === "DEPLOY_FAILED" ||
    (services?.status === "False" && /Fail|Crash|Unhealthy|Stopped/.test(services.reason));
  if (!failing) return [];
  // Only this rollout's stopped tasks: an earlier failure, since rolled back, is history (in Events).
  const since = newest ? Date.parse(newest.createdAt) : 0;
  const tasks = events.filter((e) => e.reason === "TaskFailed" && Date.parse(e.createdAt) >= since).slice(0, 3);
  const shown = tasks.length ? tasks : events.filter((e) => e.reason === "RolloutFailed").slice(0, 1);
  const what = newest ? `Revision ${newest.number} (${shortImage(newest.image)})` : "The rollout";
  return [
    h("h2", { id: "failing-title" }, "Failing rollout"),
    // The tasks' own words say it all when the operator reports them; the summaries would repeat them.
    tasks.length
      ? h("p", {}, `${what} does not start: its tasks stopped.`)
      : [
          newest?.status === "DEPLOY_FAILED" ? h("p", {}, `${what} failed: ${newest.message}`) : null,
          services?.status === "False"
            ? h("p", { class: "condition-message" }, `ServicesReady: ${services.reason}: ${services.message}`)
            : null,
        ],
    h(
      "ul",
      { class: "failures" },
      shown.map((e) =>
        h(
          "li",
          { "data-reason": e.reason },
          h("time", { datetime: e.createdAt }, clock(e.createdAt)),
          " ",
          failureText(e.message),
        ),
      ),
    ),
  ];
}

export const conditionsView = (s) => [
  h("h2", { id: "conditions-title" }, "Conditions"),
  h(
    "table",
    { "aria-labelledby": "conditions-title" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Type", "Status", "Reason", "Message"].map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      (s?.conditions ?? []).map((c) =>
        h(
          "tr",
          { "data-condition": c.type },
          h("td", {}, c.type),
          h("td", {}, h("span", { class: "chip", "data-status": c.status }, c.status)),
          h("td", {}, c.reason),
          h("td", { class: "message" }, c.message),
        ),
      ),
    ),
  ),
];

export const resourcesView = (s) => [
  h("h2", { id: "resources-title" }, "Resources"),
  h(
    "table",
    { class: "resources", "aria-labelledby": "resources-title" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Kind", "Name", "Phase", "Attempts", "Last error"].map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      (s?.resources ?? []).map((r) =>
        h(
          "tr",
          { "data-resource": `${r.kind}/${r.name}` },
          h("td", {}, r.kind),
          h("td", {}, r.name),
          h("td", {}, r.phase),
          h("td", {}, String(r.attempts)),
          h("td", { class: "error" }, r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : ""),
        ),
      ),
    ),
  ),
];
