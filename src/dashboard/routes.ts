// The dashboard: static files served as they are (plain ES modules importing each other), so there is no
// build step. They need no token: the page asks for one and sends it as a bearer header on every /v1
// call it makes. A strict content security policy keeps the token safe from anything but the page's own
// script.
import type { FastifyPluginAsync } from "fastify";
import { readFileSync } from "node:fs";
import { PUBLIC } from "../api/access.js";

/** The page's modules, named one by one: nothing else in this folder (this file, say) is ever served. */
const MODULES = ["app", "actions", "api", "create", "dom", "edit", "fields", "list", "logs", "project", "projectViews", "state", "tenants"];

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  ...Object.fromEntries(MODULES.map((m) => [`/${m}.js`, { file: `${m}.js`, type: "text/javascript; charset=utf-8" }])),
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  for (const [path, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, import.meta.url));
    app.get(path, { ...PUBLIC, schema: { hide: true } }, async (_req, reply) => reply.type(type).headers(SECURITY_HEADERS).send(body));
  }
};
