// The create-project page: the spec's fields, and beside them what the customer needs to prepare the
// role in their account: the tenant's external ID and the Terraform module's inputs, ready to copy.
// The module (deploy/terraform/customer-account) creates the role the project names.
import { announce, copyButton, h, main } from "./dom.js";
import { api, session } from "./api.js";
import { CREATE_GROUPS, clearErrors, fieldsets, setPath, showErrors, valueOf } from "./fields.js";

const roleName = (arn) => /:role\/(?:.*\/)?([^/]+)$/.exec(arn ?? "")?.[1];

function terraformInputs(externalId, roleArn, region) {
  const lines = [
    'module "langgraph_byoc" {',
    '  source                      = "./deploy/terraform/customer-account"',
    '  control_plane_principal_arn = "<the IAM principal this operator runs as>"',
    `  external_id                 = "${externalId || "<external ID>"}"`,
    `  operator_role_name          = "${roleName(roleArn) ?? "LangGraphCloudOperatorRole"}"`,
    "  create_vpc                  = true",
    "}",
  ];
  return `provider "aws" {\n  region = "${region || "us-east-1"}"\n}\n\n${lines.join("\n")}\n`;
}

/** The tenant a create goes to: a tenant key's own, or the one an admin picked (`default` otherwise). */
function chosenTenant(form) {
  if (!session.tenants) return undefined;
  const id = form.querySelector("[name=tenant]")?.value;
  return (
    session.tenants.find((t) => t.id === id) ?? session.tenants.find((t) => t.name === "default") ?? session.tenants[0]
  );
}

/** The body of POST /v1/projects: only what the user filled in, so the API's defaults apply to the rest. */
function createBody(form) {
  const body = {};
  for (const def of CREATE_GROUPS.flatMap((g) => g.fields)) {
    const v = valueOf(form, def);
    if (v === undefined || (def.kind === "map" && Object.keys(v).length === 0)) continue;
    setPath(body, def.path, v);
  }
  const db = body.database;
  if (db?.mode === "external") body.database = { mode: "external", ...(db.uri !== undefined ? { uri: db.uri } : {}) };
  else if (db) {
    delete db.uri;
    if (Object.keys(db).length === 1) delete body.database;
  }
  return body;
}

export function renderCreate(navigate) {
  const tenantKey = session.tenants && !session.admin;
  // A tenant key's external ID is its tenant's, never chosen; an admin may override it; an operator
  // without tenants needs it given.
  const skip = new Set(tenantKey ? ["externalId"] : []);
  const tenantPicker =
    session.admin && session.tenants
      ? h(
          "div",
          { class: "field" },
          h("label", { for: "tenant" }, "Tenant"),
          h(
            "select",
            { id: "tenant", name: "tenant" },
            session.tenants.map((t) => h("option", { value: t.id, selected: t.name === "default" }, t.name)),
          ),
        )
      : null;
  const form = h(
    "form",
    { class: "spec-form", novalidate: true, "aria-labelledby": "create-title" },
    h("p", { class: "form-error", role: "alert", tabindex: "-1" }),
    tenantPicker,
    fieldsets(CREATE_GROUPS, {}, skip),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit", class: "primary" }, "Create project"),
      h("a", { href: "#/" }, "Cancel"),
    ),
  );
  if (session.admin && session.tenants)
    form.querySelector("[data-field=externalId]").previousElementSibling.textContent =
      "External ID (optional: overrides the tenant's)";

  const extId = h("code", { class: "copyable", id: "tenant-external-id" });
  const tf = h("pre", {
    class: "copyable",
    id: "terraform-inputs",
    tabindex: "0",
    "aria-label": "Terraform module inputs",
  });
  const refresh = () => {
    const v = (name) => form.querySelector(`[data-field=${name}]`)?.value.trim();
    const id = v("externalId") || chosenTenant(form)?.externalId || "";
    extId.textContent = id || "(give one in the form)";
    // Left empty, region and role come from the tenant's defaults: the placeholders say which.
    const tenant = chosenTenant(form);
    for (const [name, value] of [["region", tenant?.defaultRegion], ["roleArn", tenant?.defaultRoleArn]]) {
      const input = form.querySelector(`[data-field=${name}]`);
      input.dataset.placeholder ??= input.placeholder;
      input.placeholder = value ? `default: ${value}` : input.dataset.placeholder;
    }
    tf.textContent = terraformInputs(id, v("roleArn"), v("region"));
  };
  form.addEventListener("input", refresh);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    try {
      const body = createBody(form);
      const tenant = session.admin ? chosenTenant(form) : undefined;
      button.disabled = true;
      const created = await api("/v1/projects", {
        method: "POST",
        body,
        headers: tenant ? { "x-tenant-id": tenant.id } : {},
      });
      announce(`Project ${created.name} created; the operator is provisioning it.`);
      navigate(`#/projects/${created.id}`);
    } catch (err) {
      showErrors(form, err);
    } finally {
      button.disabled = false;
    }
  });
  const aside = h(
    "aside",
    { class: "prepare", "aria-labelledby": "prepare-title" },
    h("h2", { id: "prepare-title" }, "Prepare the customer account"),
    h("p", {}, "The role the project names must trust this control plane with this external ID:"),
    h(
      "p",
      { class: "copy-row" },
      extId,
      copyButton(() => extId.textContent, "external ID"),
    ),
    h(
      "p",
      {},
      "The Terraform module in ",
      h("code", {}, "deploy/terraform/customer-account"),
      " creates it (and the network, security groups and DB subnet group) from these inputs:",
    ),
    tf,
    h(
      "p",
      {},
      copyButton(() => tf.textContent, "Terraform inputs"),
    ),
    h("p", { class: "muted" }, "Its output operator_role_arn is the Role ARN to give here."),
  );
  main().replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Projects"), " / new"),
    h("h1", { id: "create-title" }, "New project"),
    h("div", { class: "create" }, form, aside),
  );
  refresh();
  form.querySelector("[data-field=name]").focus();
  return { onChange() {}, close() {} };
}
