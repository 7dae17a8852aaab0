// The project spec (SPEC §3) as form controls, shared by the create and edit forms. Each control names
// the API field path it sets (data-field), which is also the path a problem+json error names in
// `errors[].field`: the error is shown next to the control it is about. The forms check nothing the API
// checks (novalidate; only NAME=value lines are read here): its answer is the one truth, shown where the
// user looks, so the page can never accept or refuse what the API would not.
import { h } from "./dom.js";

const CPU = ["256", "512", "1024", "2048", "4096", "8192", "16384"];
const service = (role, title) => ({
  legend: title,
  fields: [
    { path: `resources.${role}.cpu`, label: "CPU units", kind: "select", options: ["", ...CPU], number: true },
    { path: `resources.${role}.memoryMb`, label: "Memory (MiB)", kind: "number" },
    { path: `resources.${role}.replicas`, label: "Replicas", kind: "number" },
    { path: `resources.${role}.maxReplicas`, label: "Max replicas (autoscaling)", kind: "number" },
  ],
});

/** How the containers run and answer (docs/reference.md §3); `blank` adds a "default" choice (the create form). */
const dataPlane = (blank) => ({
  legend: "Data plane",
  fields: [
    {
      path: "cpuArchitecture",
      label: "CPU architecture",
      kind: "select",
      options: [...(blank ? [""] : []), "X86_64", "ARM64"],
      hint: "ARM64 for images built on Apple silicon",
    },
    {
      path: "ingress.visibility",
      label: "Load balancer",
      kind: "select",
      options: [...(blank ? [""] : []), "public", "internal"],
      hint: "internal: reachable only inside the VPC",
    },
    {
      path: "ingress.certificateArn",
      label: "ACM certificate ARN (HTTPS)",
      placeholder: "arn:aws:acm:us-east-1:123456789012:certificate/…",
      hint: "in the project's account and region; empty: HTTP on port 80",
      nullable: true,
    },
  ],
});

export const CREATE_GROUPS = [
  {
    legend: "Project",
    fields: [
      { path: "name", label: "Name", hint: "3–40 characters: a-z, 0-9 and single hyphens" },
      { path: "region", label: "Region", placeholder: "us-east-1" },
      { path: "roleArn", label: "Role ARN", placeholder: "arn:aws:iam::123456789012:role/LangGraphCloudOperatorRole" },
      { path: "externalId", label: "External ID", hint: "the one the role's trust policy names" },
      { path: "deploymentType", label: "Deployment type", kind: "select", options: ["dev", "prod"] },
      {
        path: "image",
        label: "Image (optional: deploys revision 1 at once)",
        placeholder: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent:v1",
      },
      { path: "deletionPolicy", label: "Deletion policy", kind: "select", options: ["snapshot", "delete", "retain"] },
    ],
  },
  service("api", "API service"),
  service("queue", "Queue worker"),
  dataPlane(true),
  {
    legend: "Database",
    fields: [
      { path: "database.mode", label: "Database", kind: "select", options: ["rds", "external"] },
      { path: "database.instanceClass", label: "Instance class", placeholder: "db.t4g.micro" },
      { path: "database.allocatedStorageGb", label: "Storage (GiB)", kind: "number", placeholder: "20" },
      { path: "database.uri", label: "External database URI (secret)", kind: "password", placeholder: "postgres://…" },
    ],
  },
  {
    legend: "Environment",
    fields: [
      { path: "env", label: "Environment variables", kind: "map", hint: "one NAME=value a line" },
      { path: "secrets", label: "Secrets (write-only)", kind: "map", hint: "one NAME=value a line; never shown again" },
    ],
  },
];

export const EDIT_GROUPS = [
  {
    legend: "Project",
    fields: [
      { path: "roleArn", label: "Role ARN", hint: "another role in the same account" },
      { path: "deploymentType", label: "Deployment type", kind: "select", options: ["dev", "prod"] },
      { path: "deletionPolicy", label: "Deletion policy", kind: "select", options: ["snapshot", "delete", "retain"] },
      { path: "database.instanceClass", label: "DB instance class" },
      { path: "database.allocatedStorageGb", label: "DB storage (GiB)", kind: "number" },
    ],
  },
  service("api", "API service"),
  service("queue", "Queue worker"),
  dataPlane(false),
  {
    legend: "Environment",
    fields: [
      {
        path: "env",
        label: "Environment variables",
        kind: "map",
        hint: "one NAME=value a line; delete a line to remove it",
      },
      {
        path: "secrets",
        label: "Set or replace secrets",
        kind: "map",
        hint: "one NAME=value a line; leave empty to keep them",
      },
    ],
  },
];

export const getPath = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
export function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys[keys.length - 1]] = value;
}

const mapText = (m) =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
let uid = 0;

/** One labelled control with its hint and its error slot, both tied to it for assistive technology. */
function control(def, value) {
  const id = `f${++uid}`;
  const common = { id, name: def.path, "data-field": def.path, "aria-describedby": `${id}-hint ${id}-error` };
  let input;
  if (def.kind === "select") {
    input = h(
      "select",
      common,
      def.options.map((o) => h("option", { value: o, selected: String(value ?? "") === o }, o || "default")),
    );
  } else if (def.kind === "map") {
    input = h("textarea", { ...common, rows: 3, spellcheck: "false" });
    input.value = def.path === "secrets" ? "" : mapText(value);
  } else {
    input = h("input", {
      ...common,
      type: def.kind === "password" ? "password" : "text",
      inputmode: def.kind === "number" ? "numeric" : undefined,
      placeholder: def.placeholder,
      autocomplete: "off",
      spellcheck: "false",
    });
    input.value = value === undefined || value === null ? "" : String(value);
  }
  return h(
    "div",
    { class: "field", "data-for": def.path },
    h("label", { for: id }, def.label),
    input,
    h("small", { id: `${id}-hint`, class: "hint" }, def.hint ?? ""),
    h("small", { id: `${id}-error`, class: "field-error", "aria-live": "polite" }),
  );
}

/** The form's fieldsets; `values` fills them (the edit form), `skip` leaves fields out. */
export const fieldsets = (groups, values = {}, skip = new Set()) =>
  groups.map((g) => {
    const fields = g.fields.filter((f) => !skip.has(f.path));
    return fields.length
      ? h(
          "fieldset",
          {},
          h("legend", {}, g.legend),
          h(
            "div",
            { class: "grid" },
            fields.map((f) => control(f, getPath(values, f.path))),
          ),
        )
      : null;
  });

/** NAME=value lines → a map; a line that is not one is the user's to fix, said next to the field. */
export function parseMap(text, path) {
  const out = {};
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const eq = line.indexOf("=");
    if (eq <= 0)
      throw Object.assign(new Error("not NAME=value"), {
        errors: [{ field: path, message: `line ${i + 1} is not NAME=value` }],
      });
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

/** A control's value as the API wants it: numbers as numbers (anything else is sent for the API to refuse). */
export function valueOf(form, def) {
  const el = form.querySelector(`[data-field="${def.path}"]`);
  if (!el) return undefined;
  const raw = el.value.trim();
  if (def.kind === "map") return parseMap(el.value, def.path);
  if (raw === "") return undefined;
  return (def.kind === "number" || def.number) && /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error, .form-error")) el.textContent = "";
}

/**
 * Puts each of the API's field errors next to its control: `env.PORT` lands on the env field,
 * `resources.api.memoryMb` on that input; one no control names (a header, the body) goes atop the form.
 * The first invalid control takes the focus, so a keyboard user is where the fix is.
 */
export function showErrors(form, err) {
  clearErrors(form);
  const top = form.querySelector(".form-error");
  const errors = err.errors?.length ? err.errors : [{ field: "(request)", message: err.message }];
  let first = null;
  for (const e of errors) {
    let path = e.field;
    let input = null;
    while (path && !(input = form.querySelector(`[data-field="${CSS.escape(path)}"]`)))
      path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    if (!input) {
      top.textContent = [top.textContent, `${e.field}: ${e.message}`].filter(Boolean).join("; ");
      continue;
    }
    input.setAttribute("aria-invalid", "true");
    const slot = input.parentElement.querySelector(".field-error");
    const text = e.field === path ? e.message : `${e.field.slice(path.length + 1)}: ${e.message}`;
    slot.textContent = [slot.textContent, text].filter(Boolean).join("; ");
    first ??= input;
  }
  if (!first && !top.textContent) top.textContent = err.message;
  (first ?? top).focus?.();
}
