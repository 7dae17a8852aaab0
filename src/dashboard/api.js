// The admin API as the page uses it: the key the user pasted goes as a bearer header on every call, and
// a problem+json answer becomes an ApiError that keeps its `errors[]` (field paths) for the forms.

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.detail = problem.detail ?? "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.headers = problem.headers;
  }
}

/** What the signed-in key may do, learnt once at sign-in from what the API answers. */
export const session = {
  token: localStorage.getItem("byoc.token"),
  /** An operator-wide key: it sees every tenant. */
  admin: false,
  /** The tenants this key sees, or null when this API has no tenants (an older operator). */
  tenants: null,
};

/** `{ body, etag, status }` of a call; throws Unauthorized on 401 and ApiError on any other failure. */
export async function request(path, { method = "GET", body, headers = {} } = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${session.token}`,
      accept: "application/json",
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) throw new Unauthorized("the key was refused");
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, { ...(parsed ?? {}), headers: res.headers });
  return { body: parsed, etag: res.headers.get("etag"), status: res.status };
}

export const api = async (path, opts) => (await request(path, opts)).body;

/** A route this operator does not serve (yet): the page leaves out what needs it instead of failing. */
export const isMissingRoute = (err) =>
  err instanceof ApiError && (err.status === 404 || err.status === 405) && /^no route/.test(err.detail);

export async function allPages(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export const projectPath = (id, rest = "") => `/v1/projects/${encodeURIComponent(id)}${rest}`;

/** Learns whether the key is an admin's and which tenants it sees; an API without tenants has neither. */
export async function learnCapabilities() {
  session.tenants = null;
  session.admin = false;
  try {
    session.tenants = await allPages("/v1/tenants");
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return; // no tenants route (404), or none this key may list
  }
  try {
    await api("/v1/tokens");
    session.admin = true;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  }
}

export const tenantName = (id) => session.tenants?.find((t) => t.id === id)?.name ?? id ?? "";
