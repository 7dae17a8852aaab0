// Building the page from values: every value from the API goes in as text (textContent), never as HTML,
// so nothing a project, event or log line says can become markup or script.

/** h("td", { class: "x" }, "text", childNode): an element with attributes and text or element children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity))
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const main = () => document.getElementById("main");
export const shortImage = (uri) => uri.replace(/^[^/]*\.[^/]*\//, "");
export const clock = (iso) => new Date(iso).toISOString().slice(11, 19);
export function age(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120
    ? `${s}s`
    : s < 7200
      ? `${Math.floor(s / 60)}m`
      : s < 172800
        ? `${Math.floor(s / 3600)}h`
        : `${Math.floor(s / 86400)}d`;
}
export const phaseBadge = (phase) => h("span", { class: "phase", "data-phase": phase }, phase);

/** Polite announcements for screen readers and a visible note: the result of an action, said once. */
export function announce(text, kind = "ok") {
  const el = document.getElementById("announcer");
  el.dataset.kind = kind;
  el.textContent = text;
}

/**
 * A button that copies `text()` to the clipboard. The clipboard needs a secure context (127.0.0.1 and
 * https are); where it is refused the button says so, and the text stays selectable on the page.
 */
export function copyButton(text, label) {
  const button = h("button", { type: "button", class: "copy", "aria-label": `Copy ${label}` }, "Copy");
  // The spoken name follows the visible text, so both always say the same thing.
  const say = (visible, spoken) => {
    button.textContent = visible;
    button.setAttribute("aria-label", spoken);
  };
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text());
      say("Copied", `Copied ${label}`);
    } catch {
      say("Copy refused: select the text", `Copy refused: select the text of ${label}`);
    }
    setTimeout(() => say("Copy", `Copy ${label}`), 2000);
  });
  return button;
}

/**
 * Replaces a section's content only when what it shows changed: a status update arrives every few
 * seconds, and redrawing unchanged controls would take the keyboard focus away from them.
 */
const drawn = new WeakMap();
export function redraw(el, signature, build) {
  if (drawn.get(el) === signature) return;
  drawn.set(el, signature);
  const focused =
    document.activeElement && el.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
  el.replaceChildren(...[build()].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  if (focused) el.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}
