// Editing a project's spec with optimistic concurrency: the form remembers the generation (ETag) it
// was opened on and sends it as If-Match. When someone else changed the project meanwhile the API
// answers 412; nothing is overwritten, and the form shows what changed under the user's feet.
import { announce, h } from "./dom.js";
import { ApiError, projectPath, request } from "./api.js";
import { clearErrors, EDIT_GROUPS, fieldsets, getPath, setPath, showErrors, valueOf } from "./fields.js";
import { state } from "./state.js";

const EDITED = EDIT_GROUPS.flatMap((g) => g.fields).filter((f) => f.kind !== "map");

/** The spec as flat `field → text` pairs, for saying which fields differ between two reads. */
function flatSpec(p) {
  const out = {};
  const walk = (v, path) => {
    if (v && typeof v === "object" && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
    else out[path] = Array.isArray(v) ? v.join(", ") : String(v);
  };
  for (const k of [
    "roleArn",
    "externalId",
    "deploymentType",
    "deletionPolicy",
    "database",
    "resources",
    "env",
    "secretNames",
    "image",
    "ingress",
    "cpuArchitecture",
  ]) {
    if (p[k] !== undefined) walk(p[k], k);
  }
  return out;
}

export function specDifferences(before, after) {
  const a = flatSpec(before);
  const b = flatSpec(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((f) => a[f] !== b[f])
    .map((field) => ({ field, before: a[field] ?? "(none)", after: b[field] ?? "(none)" }));
}

/** A JSON merge patch of what the user changed against the spec the form was opened on. */
function patchOf(form, base) {
  const patch = {};
  for (const def of EDITED) {
    const v = valueOf(form, def);
    if (v !== undefined && String(v) !== String(getPath(base, def.path) ?? "")) setPath(patch, def.path, v);
    // An emptied optional value (the certificate) is removed: null in the merge patch.
    else if (v === undefined && def.nullable && getPath(base, def.path) != null) setPath(patch, def.path, null);
  }
  const env = valueOf(form, { path: "env", kind: "map" });
  const envPatch = {};
  for (const k of Object.keys(base.env ?? {})) if (!(k in env)) envPatch[k] = null;
  for (const [k, v] of Object.entries(env)) if (base.env?.[k] !== v) envPatch[k] = v;
  if (Object.keys(envPatch).length) patch.env = envPatch;
  const secrets = { ...valueOf(form, { path: "secrets", kind: "map" }) };
  for (const box of form.querySelectorAll("input[name=remove-secret]:checked")) secrets[box.value] = null;
  if (Object.keys(secrets).length) patch.secrets = secrets;
  return patch;
}

function conflictView(base, current, retry) {
  const rows = specDifferences(base, current);
  return h(
    "div",
    { class: "conflict", role: "alert", tabindex: "-1" },
    h("h3", {}, "Someone else changed this project"),
    h(
      "p",
      {},
      `It is at generation ${current.generation} now, not ${base.generation} as when you opened this form. Nothing was saved: ` +
        "your edit would have overwritten their change.",
    ),
    rows.length
      ? h(
          "table",
          { class: "diff" },
          h("caption", {}, "What changed since you opened the form"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Field", "When you opened it", "Now"].map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          h(
            "tbody",
            {},
            rows.map((r) =>
              h(
                "tr",
                { "data-diff": r.field },
                h("td", {}, h("code", {}, r.field)),
                h("td", {}, r.before),
                h("td", {}, r.after),
              ),
            ),
          ),
        )
      : h("p", {}, "Only its generation moved (a change that was undone, or a secret value)."),
    h("button", { type: "button", class: "primary", onclick: retry }, "Start over from the current spec"),
  );
}

export function editForm(entry, done) {
  const slot = h("div", { class: "panel" }, h("p", { class: "muted" }, "Reading the current spec…"));
  const open = async () => {
    let read;
    try {
      read = await request(projectPath(entry().project.id));
    } catch (err) {
      return slot.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
    }
    const base = read.body;
    const removals = (base.secretNames ?? []).map((n) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "remove-secret", value: n }), ` remove ${n}`),
    );
    const conflict = h("div");
    const form = h(
      "form",
      { novalidate: true, "aria-label": `edit the spec of ${base.name}` },
      h("p", { class: "form-error", role: "alert", tabindex: "-1" }),
      h("p", { class: "muted" }, `Editing generation ${base.generation}.`),
      fieldsets(EDIT_GROUPS, base),
      removals.length
        ? h("fieldset", { class: "secret-removals" }, h("legend", {}, "Secrets to remove"), removals)
        : null,
      conflict,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "submit", class: "primary" }, "Save"),
        h("button", { type: "button", onclick: () => done() }, "Cancel"),
      ),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearErrors(form);
      conflict.replaceChildren();
      let patch;
      try {
        patch = patchOf(form, base);
      } catch (err) {
        return showErrors(form, err);
      }
      if (!Object.keys(patch).length) {
        form.querySelector(".form-error").textContent = "Nothing changed.";
        return;
      }
      try {
        const saved = await request(projectPath(base.id), {
          method: "PATCH",
          body: patch,
          headers: { "if-match": read.etag ?? `"${base.generation}"` },
        });
        const known = state.projects.get(base.id);
        if (known) known.project = saved.body;
        announce(`Saved: ${base.name} is at generation ${saved.body.generation}; the operator applies it now.`);
        done();
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 412) return showErrors(form, err);
        const current = await request(projectPath(base.id))
          .then((r) => r.body)
          .catch(() => ({ ...base, generation: "?" }));
        conflict.replaceChildren(conflictView(base, current, () => void open()));
        conflict.firstElementChild.focus();
      }
    });
    slot.replaceChildren(form);
    form.querySelector("[data-field]")?.focus();
  };
  void open();
  return slot;
}
