// The actions on one project: deploy an image, edit the spec (edit.js), reconcile now, roll back to an
// earlier revision, delete. Each says its result in the page's status line; what it changes in the
// project then arrives through /v1/watch like any other change.
import { announce, h } from "./dom.js";
import { api, isMissingRoute, projectPath } from "./api.js";
import { clearErrors, showErrors } from "./fields.js";
import { editForm } from "./edit.js";

/** What DELETE will do, in the words of the project's deletion policy (SPEC §5). */
export function deletionConsequence(p) {
  const db = p.database?.mode === "external" ? null : `lg-${p.name}`;
  const services = `Its services (lg-${p.name}-api, -queue, -redis) are scaled to 0 and deleted, its task definitions deregistered and its secrets scheduled for deletion.`;
  if (p.deletionPolicy === "retain")
    return `Deletion policy retain: every AWS resource of ${p.name} is left in place and the operator stops managing it. Nothing in the account is deleted.`;
  if (!db) return `${services} Its database is external: the operator never created it and does not touch it.`;
  if (p.deletionPolicy === "delete")
    return `${services} Deletion policy delete: database ${db} is deleted with no final snapshot — its data is lost.`;
  return `${services} Deletion policy snapshot: a final snapshot lg-${p.name}-final-<time> of database ${db} is taken, then the database is deleted.`;
}

function deployForm(entry, done) {
  const p = entry().project;
  const input = h("input", {
    id: "deploy-image",
    name: "image",
    "data-field": "image",
    value: p.image ?? "",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "deploy-image-error",
  });
  const form = h(
    "form",
    { class: "panel", novalidate: true, "aria-label": "deploy an image" },
    h("p", { class: "form-error", role: "alert", tabindex: "-1" }),
    h(
      "div",
      { class: "field" },
      h("label", { for: "deploy-image" }, "Image to deploy (a new revision)"),
      input,
      h("small", { id: "deploy-image-error", class: "field-error" }),
    ),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit", class: "primary" }, "Deploy"),
      h("button", { type: "button", onclick: () => done() }, "Cancel"),
    ),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const r = await api(projectPath(p.id, "/revisions"), { method: "POST", body: { image: input.value.trim() } });
      announce(`Revision ${r.number} queued: ${r.image}`);
      done();
    } catch (err) {
      showErrors(form, err);
    }
  });
  setTimeout(() => input.focus());
  return form;
}

function deleteDialog(entry) {
  const p = entry().project;
  const confirmInput = h("input", { id: "delete-confirm", autocomplete: "off", spellcheck: "false" });
  const error = h("p", { class: "error", role: "alert" });
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": "delete-title", "aria-describedby": "delete-consequence" },
    h("h2", { id: "delete-title" }, `Delete ${p.name}?`),
    h("p", { id: "delete-consequence", class: "consequence" }, deletionConsequence(p)),
    h("label", { for: "delete-confirm" }, `Type ${p.name} to confirm`),
    confirmInput,
    error,
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "button", class: "danger", id: "delete-go" }, `Delete ${p.name}`),
      h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
    ),
  );
  dialog.querySelector("#delete-go").addEventListener("click", async () => {
    if (confirmInput.value.trim() !== p.name) {
      error.textContent = `Type the project's name, ${p.name}, to delete it.`;
      return confirmInput.focus();
    }
    try {
      await api(projectPath(p.id), { method: "DELETE" });
      dialog.close();
      announce(
        `Deleting ${p.name}: ${p.deletionPolicy === "retain" ? "its resources are left in place" : "the operator is removing its resources"}.`,
      );
    } catch (err) {
      error.textContent = err.message;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  confirmInput.focus();
}

export function actionBar({ entry, refreshPlan }) {
  const panel = h("div", { class: "panel-slot" });
  let open = null;
  const buttons = {};
  const close = () => {
    panel.replaceChildren();
    if (open) buttons[open].setAttribute("aria-expanded", "false");
    const was = open;
    open = null;
    if (was) buttons[was].focus();
  };
  const toggle = (name, build) => () => {
    if (open === name) return close();
    if (open) buttons[open].setAttribute("aria-expanded", "false");
    open = name;
    buttons[name].setAttribute("aria-expanded", "true");
    panel.replaceChildren(build());
  };
  const button = (name, label, onclick, extra = {}) =>
    (buttons[name] = h("button", { type: "button", id: `action-${name}`, onclick, ...extra }, label));
  button(
    "deploy",
    "Deploy image",
    toggle("deploy", () => deployForm(entry, close)),
    { "aria-expanded": "false", "aria-controls": "action-panel" },
  );
  button(
    "edit",
    "Edit spec",
    toggle("edit", () => editForm(entry, close)),
    { "aria-expanded": "false", "aria-controls": "action-panel" },
  );
  button("reconcile", "Reconcile now", async () => {
    try {
      await api(projectPath(entry().project.id, "/reconcile"), { method: "POST" });
      announce("Reconcile requested: the operator runs a pass now.");
    } catch (err) {
      announce(`Reconcile refused: ${err.message}`, "error");
    }
  });
  button("plan", "Refresh plan", refreshPlan);
  button("delete", "Delete…", () => deleteDialog(entry), { class: "danger" });
  panel.id = "action-panel";
  const element = h(
    "div",
    { class: "actions" },
    h("div", { class: "toolbar", role: "group", "aria-label": "project actions" }, Object.values(buttons)),
    panel,
  );

  return {
    element,
    /** Deleting (or deleted) projects take no more changes: the buttons say so by being disabled. */
    update(e) {
      const gone = !e || e.project.phase === "Deleting" || e.status?.phase === "Deleting";
      for (const [name, b] of Object.entries(buttons)) b.disabled = gone && name !== "plan" ? true : !e;
      if (gone && open) close();
    },
    async rollBack(r) {
      const p = entry().project;
      try {
        let created;
        try {
          created = await api(projectPath(p.id, `/revisions/${r.number}/redeploy`), { method: "POST" });
        } catch (err) {
          // An operator without the redeploy route: the same roll-back, as a new revision of that image and env.
          if (!isMissingRoute(err)) throw err;
          created = await api(projectPath(p.id, "/revisions"), {
            method: "POST",
            body: { image: r.image, ...(Object.keys(r.env ?? {}).length ? { env: r.env } : {}) },
          });
        }
        announce(`Revision ${created.number} queued: a redeploy of revision ${r.number} (${r.image}).`);
      } catch (err) {
        announce(`Roll back refused: ${err.message}`, "error");
      }
    },
    close() {
      document.querySelector("dialog.confirm")?.close();
    },
  };
}
