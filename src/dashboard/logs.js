// The project page's container logs: polled (CloudWatch Logs has no push), newest lines appended,
// looking back a little for late arrivals, at most 300 lines kept on the page.
import { clock, h } from "./dom.js";
import { api, projectPath, Unauthorized } from "./api.js";

const LOG_POLL_MS = 5000;
const logKey = (l) => `${l.timestamp}|${l.stream}|${l.message}`;
const logLine = (l) =>
  h(
    "div",
    { class: "line", "data-service": l.service },
    h("time", {}, clock(l.timestamp)),
    h("span", { class: "source" }, l.service),
    h("span", {}, l.message),
  );

export function logPanel(projectId, onUnauthorized) {
  const box = h("div", { class: "logs", tabindex: "0", role: "log", "aria-label": "container logs" });
  const s = { service: "", seen: new Map(), newest: null, polling: false, timer: null, closed: false };

  /** The lines since `since`, following the cursor for up to five pages. */
  async function read(since) {
    const items = [];
    let cursor = null;
    for (let pages = 0; pages < 5; pages++) {
      const q = new URLSearchParams({ limit: "1000", since });
      if (s.service) q.set("service", s.service);
      if (cursor) q.set("cursor", cursor);
      const body = await api(projectPath(projectId, `/logs?${q}`));
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    return items.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  }

  async function poll() {
    if (s.closed || s.polling) return;
    s.polling = true;
    try {
      const since = new Date((s.newest ?? Date.now() - 10 * 60_000) - 10_000).toISOString();
      const fresh = (await read(since)).filter((l) => !s.seen.has(logKey(l)));
      for (const l of fresh) {
        const t = Date.parse(l.timestamp);
        s.seen.set(logKey(l), t);
        s.newest = Math.max(s.newest ?? 0, t);
        box.append(logLine(l));
      }
      for (const [k, t] of s.seen) if (t < s.newest - 20_000) s.seen.delete(k);
      while (box.childElementCount > 300) box.firstElementChild.remove();
      if (fresh.length) box.scrollTop = box.scrollHeight;
      if (box.childElementCount === 0)
        box.replaceChildren(h("p", { class: "muted" }, "No log lines in the last 10 minutes."));
      else if (fresh.length) box.querySelector(":scope > p.muted")?.remove();
    } catch (err) {
      if (err instanceof Unauthorized) onUnauthorized();
    } finally {
      s.polling = false;
    }
  }

  const select = h(
    "select",
    { id: "log-service", "aria-label": "service whose logs to show" },
    ["", "api", "queue", "redis"].map((v) => h("option", { value: v }, v || "all services")),
  );
  select.addEventListener("change", () => {
    Object.assign(s, { service: select.value, seen: new Map(), newest: null });
    box.replaceChildren();
    void poll();
  });
  void poll();
  s.timer = setInterval(poll, LOG_POLL_MS);
  return {
    section: h("section", { "aria-labelledby": "logs-title" }, h("h2", { id: "logs-title" }, "Logs ", select), box),
    close() {
      s.closed = true;
      clearInterval(s.timer);
    },
  };
}
