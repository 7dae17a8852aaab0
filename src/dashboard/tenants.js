// Tenants and their keys. An admin key lists every tenant and creates them; a tenant's write key (and
// an admin) mints keys for it. A new key is shown once, with a copy button: the API keeps only its hash.
import { age, announce, copyButton, h, main } from "./dom.js";
import { allPages, api, session } from "./api.js";
import { clearErrors, showErrors } from "./fields.js";

const field = (id, label, attrs = {}, hint = "") =>
  h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    attrs.options
      ? h(
          "select",
          { id, name: id, "data-field": attrs.field },
          attrs.options.map((o) => h("option", { value: o }, o)),
        )
      : h("input", {
          id,
          name: id,
          "data-field": attrs.field,
          autocomplete: "off",
          spellcheck: "false",
          placeholder: attrs.placeholder,
          "aria-describedby": `${id}-error`,
        }),
    h("small", { class: "hint" }, hint),
    h("small", { id: `${id}-error`, class: "field-error" }),
  );

const value = (form, id) => form.querySelector(`#${id}`).value.trim();

function newTenantForm(reload) {
  const form = h(
    "form",
    { class: "panel", novalidate: true, "aria-labelledby": "new-tenant-title" },
    h("h2", { id: "new-tenant-title" }, "New tenant"),
    h("p", { class: "form-error", role: "alert", tabindex: "-1" }),
    h(
      "div",
      { class: "grid" },
      field("tenant-name", "Name", { field: "name" }, "same rules as a project name"),
      field("tenant-region", "Default region (optional)", { field: "defaultRegion", placeholder: "us-east-1" }),
      field("tenant-role", "Default role ARN (optional)", { field: "defaultRoleArn" }),
    ),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Create tenant")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: value(form, "tenant-name") };
    if (value(form, "tenant-region")) body.defaultRegion = value(form, "tenant-region");
    if (value(form, "tenant-role")) body.defaultRoleArn = value(form, "tenant-role");
    try {
      const t = await api("/v1/tenants", { method: "POST", body });
      announce(`Tenant ${t.name} created; its external ID is ${t.externalId}.`);
      await reload(t.id);
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}

function keysView(tenant, keys, reload) {
  const shown = h("div", { class: "new-key", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "inline", novalidate: true, "aria-label": `new key for ${tenant.name}` },
    h("p", { class: "form-error", role: "alert", tabindex: "-1" }),
    field("key-name", "Key name", { field: "name" }),
    field("key-scope", "Scope", { field: "scope", options: ["read", "write"] }),
    h("button", { type: "submit", class: "primary" }, "Create key"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      scope: value(form, "key-scope"),
      ...(value(form, "key-name") ? { name: value(form, "key-name") } : {}),
    };
    try {
      const k = await api(`/v1/tenants/${tenant.id}/keys`, { method: "POST", body });
      await reload(tenant.id);
      const code = h("code", { class: "copyable", id: "new-key-value" }, k.key);
      document
        .getElementById("tenant-keys")
        ?.querySelector(".new-key")
        ?.replaceChildren(
          h("p", {}, h("strong", {}, `Key ${k.name ?? k.id} (${k.scope}) — shown once: copy it now.`)),
          h(
            "p",
            { class: "copy-row" },
            code,
            copyButton(() => k.key, "new key"),
          ),
        );
      announce(`Key created for ${tenant.name}; it is shown once.`);
    } catch (err) {
      showErrors(form, err);
    }
  });
  const revoke = (k) => async () => {
    try {
      await api(`/v1/tenants/${tenant.id}/keys/${k.id}`, { method: "DELETE" });
      announce(`Key ${k.name ?? k.id} revoked: it is refused from now on.`);
      await reload(tenant.id);
    } catch (err) {
      announce(`Revoke refused: ${err.message}`, "error");
    }
  };
  return h(
    "section",
    { id: "tenant-keys", "aria-labelledby": "keys-title" },
    h("h2", { id: "keys-title" }, `Keys of ${tenant.name}`),
    keys.length
      ? h(
          "table",
          { class: "keys" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Name", "Scope", "Created", "Last used", "Expires", "Action"].map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          h(
            "tbody",
            {},
            keys.map((k) =>
              h(
                "tr",
                { "data-key": k.id },
                h("td", {}, k.name ?? ""),
                h("td", {}, k.scope),
                h("td", {}, k.createdAt ? `${age(k.createdAt)} ago` : ""),
                h("td", {}, k.lastUsedAt ? `${age(k.lastUsedAt)} ago` : "never"),
                h("td", {}, k.expiresAt ?? "never"),
                h(
                  "td",
                  {},
                  h(
                    "button",
                    {
                      type: "button",
                      class: "small danger",
                      "aria-label": `Revoke key ${k.name ?? k.id}`,
                      onclick: revoke(k),
                    },
                    "Revoke",
                  ),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No keys yet."),
    form,
    shown,
  );
}

export function renderTenants() {
  let closed = false;
  const body = h("div");
  async function reload(selected) {
    session.tenants = await allPages("/v1/tenants");
    if (closed) return;
    const tenant = session.tenants.find((t) => t.id === selected) ?? (session.admin ? null : session.tenants[0]);
    const keys = tenant ? await allPages(`/v1/tenants/${tenant.id}/keys`).catch(() => []) : [];
    const table = h(
      "table",
      { class: "tenants", "aria-labelledby": "tenants-title" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Name", "External ID", "Default region", "Default role", "Created", "Keys"].map((t) =>
            h("th", { scope: "col" }, t),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        session.tenants.map((t) =>
          h(
            "tr",
            { "data-tenant": t.name, class: t.id === tenant?.id ? "selected" : undefined },
            h("td", {}, t.name),
            h(
              "td",
              {},
              h(
                "span",
                { class: "copy-row" },
                h("code", {}, t.externalId),
                copyButton(() => t.externalId, `external ID of ${t.name}`),
              ),
            ),
            h("td", {}, t.defaultRegion ?? ""),
            h("td", { class: "message" }, t.defaultRoleArn ?? ""),
            h("td", {}, t.createdAt ? `${age(t.createdAt)} ago` : ""),
            h(
              "td",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "small",
                  "aria-label": `Keys of ${t.name}`,
                  onclick: () => {
                    if (t.id !== tenant?.id) void reload(t.id);
                  },
                },
                "Keys",
              ),
            ),
          ),
        ),
      ),
    );
    body.replaceChildren(
      table,
      tenant ? keysView(tenant, keys, reload) : null,
      session.admin ? newTenantForm(reload) : null,
    );
  }
  main().replaceChildren(h("h1", { id: "tenants-title" }, session.admin ? "Tenants" : "Your tenant"), body);
  reload().catch((err) => body.replaceChildren(h("p", { class: "error" }, err.message)));
  return {
    onChange() {},
    close() {
      closed = true;
    },
  };
}
